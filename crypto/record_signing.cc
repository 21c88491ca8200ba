#include "crypto/record_signing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "crypto/wire_check.h"

namespace civhub::crypto {
namespace {

using google::protobuf::internal::WireFormatLite;

// Reads the origin (field 1) from serialized RecordBody bytes without parsing
// the message. Exactly one occurrence is allowed: protobuf keeps the last of
// repeated scalar fields, so a body with two origins could be verified
// against one key and then read as the other.
absl::StatusOr<std::string> ReadOrigin(absl::string_view body) {
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(body.data()),
      static_cast<int>(body.size()));
  std::string origin;
  bool seen = false;
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == 1) {
      if (WireFormatLite::GetTagWireType(tag) !=
          WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        return absl::InvalidArgumentError(
            "body.origin: has the wrong wire type");
      }
      if (seen) {
        return absl::InvalidArgumentError(
            "body.origin: appears more than once");
      }
      uint32_t len;
      if (!in.ReadVarint32(&len) || !in.ReadString(&origin, len)) {
        return absl::InvalidArgumentError("body: truncated in origin");
      }
      seen = true;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return absl::InvalidArgumentError(
          "body: malformed or truncated protobuf");
    }
  }
  if (!in.ConsumedEntireMessage() ||
      in.CurrentPosition() != static_cast<int>(body.size())) {
    return absl::InvalidArgumentError("body: malformed or truncated protobuf");
  }
  if (!seen) return absl::InvalidArgumentError("body.origin: missing");
  return origin;
}

}  // namespace

absl::StatusOr<v1::SignedRecord> SignRecord(const PrivateKey& key,
                                            std::string body_bytes) {
  absl::StatusOr<std::string> sig =
      key.Sign(SigningDomain::kRecord, body_bytes);
  if (!sig.ok()) return sig.status();
  v1::SignedRecord out;
  out.set_body(std::move(body_bytes));
  out.set_signature(*std::move(sig));
  return out;
}

absl::StatusOr<VerifiedRecord> VerifyRecord(v1::SignedRecord record) {
  const std::string& body = record.body();
  if (body.empty()) return absl::InvalidArgumentError("body: empty");
  if (body.size() > kMaxBodyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: ", body.size(), " bytes exceeds the limit of ", kMaxBodyBytes));
  }
  if (record.signature().size() != kSignatureSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signature: must be 64 bytes, got ", record.signature().size()));
  }
  absl::StatusOr<std::string> origin_bytes = ReadOrigin(body);
  if (!origin_bytes.ok()) return origin_bytes.status();
  absl::StatusOr<PublicKey> origin = PublicKey::FromBytesCached(*origin_bytes);
  if (!origin.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("body.origin: ", origin.status().message()));
  }
  if (!origin->Verify(SigningDomain::kRecord, body, record.signature())) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature: does not verify against origin ",
                     origin->HubId(), " over the body as received"));
  }
  v1::RecordBody parsed;
  if (!parsed.ParseFromString(body)) {
    std::optional<WireProblem> problem =
        FindWireProblem(v1::RecordBody::descriptor(), body);
    if (!problem.has_value()) {  // Not expected: the parser found more.
      problem = WireProblem{"", "does not parse"};
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "body", problem->field.empty() ? "" : ".", problem->field, ": ",
        problem->what, " (signed, but not a valid RecordBody)"));
  }
  return VerifiedRecord{*std::move(origin), std::move(parsed),
                        std::move(record)};
}

}  // namespace civhub::crypto
