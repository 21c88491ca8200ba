// Signing and verifying SignedRecord envelopes.
//
// The signature covers DomainPrefix(kRecord) followed by the body bytes
// exactly as they travel. Verification reads the origin key straight from
// the wire bytes, checks the signature over those same bytes, and only then
// parses them: a record is never re-serialized to be verified.
#ifndef CIVHUB_CRYPTO_RECORD_SIGNING_H_
#define CIVHUB_CRYPTO_RECORD_SIGNING_H_

#include <string>

#include "absl/status/statusor.h"
#include "civhub/v1/record.pb.h"
#include "crypto/keys.h"

namespace civhub::crypto {

// Largest serialized RecordBody accepted anywhere: 64 KiB.
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// A record whose signature has been checked against its origin.
struct VerifiedRecord {
  PublicKey origin;
  v1::RecordBody body;             // Parsed from signed.body().
  v1::SignedRecord signed_record;  // Exactly as received.
};

// Signs `body_bytes`, a serialized RecordBody whose origin is `key`'s public
// key.
absl::StatusOr<v1::SignedRecord> SignRecord(const PrivateKey& key,
                                            std::string body_bytes);

// Checks and decodes `record`. Fails with INVALID_ARGUMENT naming the field:
// "body" (empty, over 64 KiB, truncated or malformed), "body.origin" (missing,
// repeated or an invalid key), "signature" (wrong length or not made by the
// origin over these bytes).
absl::StatusOr<VerifiedRecord> VerifyRecord(v1::SignedRecord record);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_RECORD_SIGNING_H_
