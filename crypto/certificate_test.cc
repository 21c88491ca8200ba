#include "crypto/certificate.h"

#include <gtest/gtest.h>

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

TEST(Certificate, RejectsGarbage) {
  EXPECT_STATUS(CertificateKey("nope"), absl::StatusCode::kInvalidArgument,
                "not a PEM certificate");
}

}  // namespace
}  // namespace civhub::crypto
