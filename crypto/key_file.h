// The hub key on disk: PKCS#8 PEM, mode 0600, created on first start.
#ifndef CIVHUB_CRYPTO_KEY_FILE_H_
#define CIVHUB_CRYPTO_KEY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "crypto/keys.h"

namespace civhub::crypto {

struct LoadedKey {
  PrivateKey key;
  bool created = false;  // True if this call generated and wrote the key.
};

// Loads the key at `path`, or generates one and writes it there (mode 0600,
// fsynced, never overwriting an existing file) if none exists.
// Fails with FAILED_PRECONDITION, and a message saying how to fix it, if the
// file is readable or writable by group or others, is not a regular file, or
// is not an Ed25519 PEM key.
absl::StatusOr<LoadedKey> LoadOrCreateKeyFile(const std::string& path);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_KEY_FILE_H_
