// X.509 for mutual TLS between hubs. Each hub presents a self-signed
// certificate of its own Ed25519 hub key (CN "civhub <fingerprint>"); there
// is no CA. Trust comes from
// pinning: a hub accepts a peer only if the key in its certificate is the
// hub id it expects (the TLS handshake proves the peer holds that key).
#ifndef CIVHUB_CRYPTO_CERTIFICATE_H_
#define CIVHUB_CRYPTO_CERTIFICATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/keys.h"

namespace civhub::crypto {

// The DNS name every hub certificate carries (subjectAltName) and every
// federation client sends as the TLS server name. Peers are pinned by key,
// not name; but gRPC's TLS server logs an error for each connection whose
// server name matches none of its certificate's names (an IP address
// never does), and the reserved .invalid domain resolves nowhere.
inline constexpr char kHubTlsName[] = "hub.civhub.invalid";

// A PEM certificate for `key`, subject and issuer CN "civhub <fingerprint>",
// subjectAltName DNS:kHubTlsName, valid from a day before `now` for 20
// years.
absl::StatusOr<std::string> MakeSelfSignedCertificate(const PrivateKey& key,
                                                      absl::Time now);

// The validated Ed25519 key of the (first) certificate in `pem`.
// INVALID_ARGUMENT if it is not a PEM certificate of an Ed25519 key.
absl::StatusOr<PublicKey> CertificateKey(absl::string_view pem);

}  // namespace civhub::crypto

#endif  // CIVHUB_CRYPTO_CERTIFICATE_H_
