#include "crypto/wire_check.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstdint>
#include <map>

#include "absl/strings/str_cat.h"

namespace civhub::crypto {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// protobuf's default recursion limit.
constexpr int kMaxDepth = 100;

WireProblem Malformed(const std::string& path, size_t at) {
  return {path, absl::StrCat("truncated or malformed at byte ", at)};
}

// `bytes` starts at byte `base` of the outermost message; `path` names the
// message ("" for the outermost).
std::optional<WireProblem> Check(const Descriptor* type,
                                 absl::string_view bytes,
                                 const std::string& path, size_t base,
                                 int depth) {
  if (depth > kMaxDepth) {
    return WireProblem{
        path, absl::StrCat("nested more than ", kMaxDepth, " messages deep")};
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  std::map<int, int> occurrences;  // Field number -> how many so far.
  while (true) {
    const size_t at = base + static_cast<size_t>(in.CurrentPosition());
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      if (static_cast<size_t>(in.CurrentPosition()) != bytes.size()) {
        return Malformed(path, at);
      }
      return std::nullopt;
    }
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const WireFormatLite::WireType wire = WireFormatLite::GetTagWireType(tag);
    const FieldDescriptor* field = type->FindFieldByNumber(number);
    if (field == nullptr || field->type() == FieldDescriptor::TYPE_GROUP) {
      if (!WireFormatLite::SkipField(&in, tag)) return Malformed(path, at);
      continue;
    }
    std::string name =
        path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->is_repeated()) {
      absl::StrAppend(&name, "[", occurrences[number]++, "]");
    }
    const WireFormatLite::WireType expected =
        WireFormatLite::WireTypeForFieldType(
            static_cast<WireFormatLite::FieldType>(field->type()));
    const bool packed = field->is_packable() &&
                        wire == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (wire != expected && !packed)
      return WireProblem{name, "wrong wire type"};
    if (wire != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return Malformed(path, at);
      continue;
    }
    uint32_t length;
    if (!in.ReadVarint32(&length)) return Malformed(path, at);
    const size_t start = static_cast<size_t>(in.CurrentPosition());
    if (length > bytes.size() - start) return Malformed(path, at);
    const absl::string_view value = bytes.substr(start, length);
    in.Skip(static_cast<int>(length));
    if (packed) continue;
    if (field->type() == FieldDescriptor::TYPE_STRING &&
        !google::protobuf::internal::IsStructurallyValidUTF8(
            value.data(), static_cast<int>(value.size()))) {
      return WireProblem{name, "not valid UTF-8"};
    }
    if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      std::optional<WireProblem> problem =
          Check(field->message_type(), value, name, base + start, depth + 1);
      if (problem.has_value()) return problem;
    }
  }
}

}  // namespace

std::optional<WireProblem> FindWireProblem(const Descriptor* type,
                                           absl::string_view bytes) {
  return Check(type, bytes, "", 0, 0);
}

}  // namespace civhub::crypto
