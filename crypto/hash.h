// SHA-256, for content hashes (fork evidence, digests).
#ifndef CIVHUB_CRYPTO_HASH_H_
#define CIVHUB_CRYPTO_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace civhub::crypto {

// The 32-byte SHA-256 of `data`. Thread-safe.
std::string Sha256(absl::string_view data);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_HASH_H_
