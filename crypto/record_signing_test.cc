#include "crypto/record_signing.h"

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace civhub::crypto {
namespace {

v1::RecordBody SampleBody(const PublicKey& origin) {
  v1::RecordBody body;
  body.set_origin(origin.bytes());
  body.set_record_id("kenya-water");
  body.set_version(1);
  body.set_sequence(1);
  body.mutable_organization()->add_names()->set_text("Maji Safi");
  return body;
}

class RecordSigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<PrivateKey> k = PrivateKey::Generate();
    ASSERT_OK(k);
    key_.emplace(*std::move(k));
  }
  std::optional<PrivateKey> key_;
};

TEST_F(RecordSigningTest, SignThenVerify) {
  std::string bytes = SampleBody(key_->public_key()).SerializeAsString();
  absl::StatusOr<v1::SignedRecord> signed_record = SignRecord(*key_, bytes);
  ASSERT_OK(signed_record);
  absl::StatusOr<VerifiedRecord> v = VerifyRecord(*signed_record);
  ASSERT_OK(v);
  EXPECT_EQ(v->origin, key_->public_key());
  EXPECT_EQ(v->body.record_id(), "kenya-water");
  EXPECT_EQ(v->signed_record.body(), bytes);
}

TEST_F(RecordSigningTest, TamperedBodyOrSignatureFails) {
  absl::StatusOr<v1::SignedRecord> rec =
      SignRecord(*key_, SampleBody(key_->public_key()).SerializeAsString());
  ASSERT_OK(rec);
  v1::SignedRecord tampered = *rec;
  tampered.mutable_body()->back() ^= 1;
  EXPECT_STATUS(VerifyRecord(tampered), absl::StatusCode::kInvalidArgument,
                "signature");
  tampered = *rec;
  (*tampered.mutable_signature())[10] ^= 1;
  EXPECT_STATUS(VerifyRecord(tampered), absl::StatusCode::kInvalidArgument,
                "signature: does not verify");
  tampered.mutable_signature()->resize(63);
  EXPECT_STATUS(VerifyRecord(tampered), absl::StatusCode::kInvalidArgument,
                "signature: must be 64 bytes");
}

TEST_F(RecordSigningTest, BodySignedByAnotherKeyFails) {
  absl::StatusOr<PrivateKey> other = PrivateKey::Generate();
  ASSERT_OK(other);
  // Claims `key_` as origin but is signed by `other`.
  absl::StatusOr<v1::SignedRecord> rec =
      SignRecord(*other, SampleBody(key_->public_key()).SerializeAsString());
  ASSERT_OK(rec);
  EXPECT_STATUS(VerifyRecord(*rec), absl::StatusCode::kInvalidArgument,
                "does not verify against origin " + key_->public_key().HubId());
}

TEST_F(RecordSigningTest, DuplicateOriginFieldIsRejected) {
  absl::StatusOr<PrivateKey> other = PrivateKey::Generate();
  ASSERT_OK(other);
  // Appending a second origin would make a parser read `other` as origin
  // while a naive verifier checked against the first one.
  v1::RecordBody extra;
  extra.set_origin(other->public_key().bytes());
  std::string bytes = SampleBody(key_->public_key()).SerializeAsString() +
                      extra.SerializeAsString();
  absl::StatusOr<v1::SignedRecord> rec = SignRecord(*key_, bytes);
  ASSERT_OK(rec);
  EXPECT_STATUS(VerifyRecord(*rec), absl::StatusCode::kInvalidArgument,
                "body.origin: appears more than once");
}

TEST_F(RecordSigningTest, TruncatedAndOversizedBodiesFail) {
  std::string bytes = SampleBody(key_->public_key()).SerializeAsString();
  absl::StatusOr<v1::SignedRecord> rec =
      SignRecord(*key_, bytes.substr(0, bytes.size() - 3));
  ASSERT_OK(rec);
  EXPECT_STATUS(VerifyRecord(*rec), absl::StatusCode::kInvalidArgument,
                "body: malformed or truncated");

  v1::RecordBody big = SampleBody(key_->public_key());
  big.mutable_organization()->add_descriptions()->set_text(
      std::string(kMaxBodyBytes, 'x'));
  rec = SignRecord(*key_, big.SerializeAsString());
  ASSERT_OK(rec);
  EXPECT_STATUS(VerifyRecord(*rec), absl::StatusCode::kInvalidArgument,
                "exceeds the limit of 65536");

  v1::SignedRecord empty;
  EXPECT_STATUS(VerifyRecord(empty), absl::StatusCode::kInvalidArgument,
                "body: empty");
}

TEST_F(RecordSigningTest, MissingOrInvalidOriginFails) {
  v1::RecordBody body = SampleBody(key_->public_key());
  body.clear_origin();
  absl::StatusOr<v1::SignedRecord> rec =
      SignRecord(*key_, body.SerializeAsString());
  ASSERT_OK(rec);
  EXPECT_STATUS(VerifyRecord(*rec), absl::StatusCode::kInvalidArgument,
                "body.origin: missing");
  body.set_origin(std::string(32, '\0'));  // Small-order point.
  rec = SignRecord(*key_, body.SerializeAsString());
  ASSERT_OK(rec);
  EXPECT_STATUS(VerifyRecord(*rec), absl::StatusCode::kInvalidArgument,
                "small-order");
}

}  // namespace
}  // namespace civhub::crypto
