// Bech32m (BIP-350): a printable encoding with a checksum that detects any
// error in up to 4 characters. Used for hub ids.
#ifndef CIVHUB_CRYPTO_BECH32_H_
#define CIVHUB_CRYPTO_BECH32_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace civhub::crypto {

// Encodes `data` under the human-readable part `hrp` (lower case).
std::string Bech32mEncode(absl::string_view hrp, absl::string_view data);

// Decodes `text`, which must carry `hrp`. Returns INVALID_ARGUMENT naming the
// problem (wrong prefix, bad character, mixed case, checksum mismatch).
absl::StatusOr<std::string> Bech32mDecode(absl::string_view hrp,
                                          absl::string_view text);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_BECH32_H_
