#include "crypto/certificate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "absl/strings/match.h"
#include "tests/testutil.h"

namespace civhub::crypto {
namespace {

TEST(Certificate, CarriesTheHubKey) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  ASSERT_OK(key);
  absl::StatusOr<std::string> pem =
      MakeSelfSignedCertificate(*key, absl::Now());
  ASSERT_OK(pem);
  EXPECT_TRUE(absl::StartsWith(*pem, "-----BEGIN CERTIFICATE-----")) << *pem;
  absl::StatusOr<PublicKey> back = CertificateKey(*pem);
  ASSERT_OK(back);
  EXPECT_EQ(*back, key->public_key());
}

// Federation clients send kHubTlsName as the TLS server name; the
// certificate must carry it, or gRPC's server logs an error per connection.
TEST(Certificate, NamesTheHubTlsName) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  ASSERT_OK(key);
  absl::StatusOr<std::string> pem =
      MakeSelfSignedCertificate(*key, absl::Now());
  ASSERT_OK(pem);
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert, kHubTlsName, 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert, "example.org", 0, 0, nullptr), 0);
  X509_free(cert);
}

TEST(Certificate, RejectsGarbage) {
  EXPECT_STATUS(CertificateKey("nope"), absl::StatusCode::kInvalidArgument,
                "not a PEM certificate");
}

}  // namespace
}  // namespace civhub::crypto
