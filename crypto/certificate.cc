#include "crypto/certificate.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "crypto/internal/openssl_util.h"

namespace civhub::crypto {

absl::StatusOr<std::string> MakeSelfSignedCertificate(const PrivateKey& key,
                                                      absl::Time now) {
  internal::X509Ptr cert(X509_new());
  if (!cert) return absl::InternalError("out of memory");
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;  // Positive.
  internal::BignumPtr serial_bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  // CN is limited to 64 characters; a hub id has 65. The key is what peers
  // pin, the CN only helps people reading the certificate.
  const std::string cn = "civhub " + key.public_key().Fingerprint();
  time_t not_before = absl::ToTimeT(now - absl::Hours(24));
  time_t not_after = absl::ToTimeT(now + absl::Hours(24 * 365 * 20));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509V3_CTX ext_ctx;
  X509V3_set_ctx_nodb(&ext_ctx);
  X509V3_set_ctx(&ext_ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::string alt_name = absl::StrCat("DNS:", kHubTlsName);
  X509_EXTENSION* alt = X509V3_EXT_conf_nid(
      nullptr, &ext_ctx, NID_subject_alt_name, alt_name.c_str());
  const bool alt_added =
      alt != nullptr && X509_add_ext(cert.get(), alt, -1) == 1;
  X509_EXTENSION_free(alt);
  bool ok =
      alt_added && X509_set_version(cert.get(), 2) == 1 &&
      serial_bn != nullptr &&
      BN_to_ASN1_INTEGER(serial_bn.get(), X509_get_serialNumber(cert.get())) !=
          nullptr &&
      X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, &not_before) !=
          nullptr &&
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, 0, &not_after) !=
          nullptr &&
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), name) == 1 &&
      X509_set_pubkey(cert.get(), key.evp_pkey()) == 1 &&
      // Ed25519 signs the certificate without a separate digest.
      X509_sign(cert.get(), key.evp_pkey(), nullptr) > 0;
  if (!ok) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "cannot build the hub certificate");
  }
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "cannot encode the hub certificate");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<PublicKey> CertificateKey(absl::string_view pem) {
  internal::BioPtr bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  internal::X509Ptr cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return internal::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "not a PEM certificate");
  }
  EVP_PKEY* pkey = X509_get0_pubkey(cert.get());
  if (pkey == nullptr || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("certificate key is not Ed25519");
  }
  unsigned char raw[kPublicKeySize];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 ||
      len != kPublicKeySize) {
    return internal::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "cannot read the certificate key");
  }
  return PublicKey::FromBytes(
      absl::string_view(reinterpret_cast<char*>(raw), len));
}

}  // namespace civhub::crypto
