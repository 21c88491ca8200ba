// Ed25519 keys for hub identity and record signatures, through OpenSSL 3 EVP.
//
// Every signature civhub makes or checks covers a fixed domain prefix
// followed by the message (see SigningDomain), so a signature made for one
// purpose can never be replayed as another.
//
// PublicKey and PrivateKey are immutable values; all const methods are safe
// to call from several threads at once.
#ifndef CIVHUB_CRYPTO_KEYS_H_
#define CIVHUB_CRYPTO_KEYS_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace civhub::crypto {

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kSignatureSize = 64;

// What a signature is for. Each domain has its own prefix (docs/api.md).
enum class SigningDomain {
  kRecord,       // "civhub.record.v1\0" || serialized RecordBody
  kLinkRequest,  // "civhub.link-request.v1\0" || serialized LinkRequestBody
  kLink,         // "civhub.link.v1\0" || link id || lower key || higher key
};

// The exact prefix signed before the message in `domain`, NUL included.
absl::string_view DomainPrefix(SigningDomain domain);

// A validated Ed25519 public key: canonical encoding, a point on the curve,
// and not of small order (such keys allow forgeries; eprint 2019/526 §7.1).
class PublicKey {
 public:
  // `raw` must be the 32-byte encoding. Returns INVALID_ARGUMENT saying what
  // is wrong otherwise.
  static absl::StatusOr<PublicKey> FromBytes(absl::string_view raw);
  // FromBytes, remembering keys that were valid: records of one origin
  // share its key, and the curve checks cost about half a verification.
  // Thread-safe; holds at most a few thousand keys.
  static absl::StatusOr<PublicKey> FromBytesCached(absl::string_view raw);
  // Parses a hub id as printed by HubId(); a mistyped id fails its checksum
  // and returns INVALID_ARGUMENT.
  static absl::StatusOr<PublicKey> FromHubId(absl::string_view hub_id);

  // The 32-byte encoding.
  const std::string& bytes() const { return raw_; }
  // The key in printable, self-checking form: "civhub1" + bech32m.
  std::string HubId() const;
  // A short string for humans to compare out of band, "XXXX-XXXX-XXXX-XXXX".
  std::string Fingerprint() const;

  // True if `signature` is this key's signature over DomainPrefix(domain)
  // followed by `message`.
  bool Verify(SigningDomain domain, absl::string_view message,
              absl::string_view signature) const;

  // Plain Ed25519 (RFC 8032) over `message`, no domain prefix. For test
  // vectors and interoperability checks only.
  bool VerifyUnprefixed(absl::string_view message,
                        absl::string_view signature) const;

  friend bool operator==(const PublicKey& a, const PublicKey& b) {
    return a.raw_ == b.raw_;
  }
  friend bool operator!=(const PublicKey& a, const PublicKey& b) {
    return !(a == b);
  }

 private:
  PublicKey(std::string raw, std::shared_ptr<EVP_PKEY> pkey)
      : raw_(std::move(raw)), pkey_(std::move(pkey)) {}

  std::string raw_;
  std::shared_ptr<EVP_PKEY> pkey_;
};

// The hub id of a raw 32-byte key, without validating the key. For display of
// keys that were validated when they entered the hub.
std::string HubIdOf(absl::string_view raw_key);

// An Ed25519 private key. Never logged; ToPem() is the only way out.
class PrivateKey {
 public:
  static absl::StatusOr<PrivateKey> Generate();
  // Parses a PKCS#8 PEM ("BEGIN PRIVATE KEY") holding an Ed25519 key.
  static absl::StatusOr<PrivateKey> FromPem(absl::string_view pem);
  // Derives the key from a 32-byte seed (RFC 8032 test vectors, simulations).
  static absl::StatusOr<PrivateKey> FromSeed(absl::string_view seed);

  std::string ToPem() const;
  const PublicKey& public_key() const { return public_key_; }

  // Signs DomainPrefix(domain) followed by `message`: 64 bytes, or INTERNAL
  // if OpenSSL fails (out of memory).
  absl::StatusOr<std::string> Sign(SigningDomain domain,
                                   absl::string_view message) const;

  // Underlying key, for building TLS certificates.
  EVP_PKEY* evp_pkey() const { return pkey_.get(); }

 private:
  PrivateKey(std::shared_ptr<EVP_PKEY> pkey, PublicKey public_key)
      : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}
  static absl::StatusOr<PrivateKey> FromEvp(EVP_PKEY* owned);

  std::shared_ptr<EVP_PKEY> pkey_;
  PublicKey public_key_;
};

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_KEYS_H_
