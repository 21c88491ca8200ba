// SHA-256, for content hashes (fork evidence, digests); SHA-1, only where an
// external standard fixes it (RFC 4122 version-5 UUIDs), never for security;
// and secrets from OpenSSL's random generator.
#ifndef CIVHUB_CRYPTO_HASH_H_
#define CIVHUB_CRYPTO_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace civhub::crypto {

// The 32-byte SHA-256 of `data`. Thread-safe.
std::string Sha256(absl::string_view data);

// The 20-byte SHA-1 of `data` (FIPS 180-4). Not collision resistant: for
// identifiers a standard defines with it (name-based UUIDs), not for
// integrity. Thread-safe.
std::string Sha1(absl::string_view data);

// `n` bytes from OpenSSL's CSPRNG (RAND_bytes), for secrets such as invite
// tokens. Aborts if the generator fails (it cannot be seeded), rather than
// hand out a guessable secret. Thread-safe.
std::string RandomBytes(size_t n);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_HASH_H_
