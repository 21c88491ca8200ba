#include "crypto/wire_check.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "civhub/v1/record.pb.h"

namespace civhub::crypto {
namespace {

// Length-delimited field `number` (below 16) holding `value`.
std::string Field(int number, const std::string& value) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  for (size_t n = value.size();; n >>= 7) {
    out += static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    if (n <= 0x7f) break;
  }
  return out + value;
}

v1::RecordBody Body() {
  v1::RecordBody body;
  body.set_record_id("org-1");
  body.set_sequence(3);
  v1::LocalizedText* name = body.mutable_organization()->add_names();
  name->set_lang("en");
  name->set_text("Maji Safi");
  return body;
}

std::optional<WireProblem> ProblemIn(const std::string& bytes) {
  return FindWireProblem(v1::RecordBody::descriptor(), bytes);
}

TEST(WireCheckTest, ValidBytesHaveNoProblem) {
  EXPECT_FALSE(ProblemIn(Body().SerializeAsString()).has_value());
  EXPECT_FALSE(ProblemIn("").has_value());
}

TEST(WireCheckTest, NamesTheStringWithInvalidUtf8) {
  // Two names, written by hand: protobuf refuses to serialize the second.
  v1::RecordBody body = Body();
  body.clear_organization();
  const std::string names = Field(2, Field(1, "en") + Field(2, "Maji")) +
                            Field(2, Field(1, "fr") + Field(2, "\xff\xfe"));
  const std::string bytes = body.SerializeAsString() + Field(10, names);
  v1::RecordBody parsed;
  ASSERT_FALSE(parsed.ParseFromString(bytes));
  std::optional<WireProblem> problem = ProblemIn(bytes);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "organization.names[1].text");
  EXPECT_EQ(problem->what, "not valid UTF-8");
}

TEST(WireCheckTest, NamesTheFieldOfTheWrongWireType) {
  // organization (10) as a varint.
  const std::string bytes = Body().SerializeAsString() + "\x50\x01";
  std::optional<WireProblem> problem = ProblemIn(bytes);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "organization");
  EXPECT_EQ(problem->what, "wrong wire type");
}

TEST(WireCheckTest, TruncatedBytesSayWhere) {
  std::string bytes = Body().SerializeAsString();
  bytes.pop_back();
  std::optional<WireProblem> problem = ProblemIn(bytes);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->what.rfind("truncated or malformed at byte ", 0), 0u)
      << problem->what;
}

TEST(WireCheckTest, UnknownFieldsAreSkipped) {
  const std::string bytes = Body().SerializeAsString() + "\xa0\x06\x01";
  EXPECT_FALSE(ProblemIn(bytes).has_value());
  // But they must be well formed.
  std::optional<WireProblem> problem = ProblemIn(Body().SerializeAsString() +
                                                 "\xa2\x06\x05"
                                                 "ab");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->field, "");
}

TEST(WireCheckTest, PackedRepeatedNumbersAreAccepted) {
  google::protobuf::SourceCodeInfo::Location location;
  location.add_path(4);
  location.add_path(0);
  location.add_span(1);
  EXPECT_FALSE(
      FindWireProblem(location.GetDescriptor(), location.SerializeAsString())
          .has_value());
}

TEST(WireCheckTest, NestingBeyondProtobufsLimitIsReported) {
  // Value { list_value (6) { values (1) { ... } } }, 101 levels.
  std::string bytes;
  for (int i = 0; i < 101; ++i) bytes = Field(6, Field(1, bytes));
  std::optional<WireProblem> problem =
      FindWireProblem(google::protobuf::Value::descriptor(), bytes);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->what, "nested more than 100 messages deep");
}

}  // namespace
}  // namespace civhub::crypto
