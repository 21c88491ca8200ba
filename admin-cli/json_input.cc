#include "admin-cli/json_input.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace civhub::ctl {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;

// Protobuf reports "(a.b[0]) name: Cannot find field." or
// "(a.b[0].c): invalid value ..."; turn both into "a.b[0].c: ...".
std::string Reshape(absl::string_view message) {
  std::string msg(message);
  if (!absl::StartsWith(msg, "(")) return msg;
  size_t close = msg.find(')');
  if (close == std::string::npos) return msg;
  std::string path = msg.substr(1, close - 1);
  absl::string_view rest = absl::string_view(msg).substr(close + 1);
  if (absl::ConsumePrefix(&rest, ":")) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    return absl::StrCat(
        path, ": ",
        absl::StrReplaceAll(rest,
                            {{"TYPE_", ""}, {"type.googleapis.com/", ""}}));
  }
  rest = absl::StripLeadingAsciiWhitespace(rest);
  size_t colon = rest.find(':');
  if (colon != absl::string_view::npos &&
      absl::StrContains(rest, "Cannot find field")) {
    return absl::StrCat(path.empty() ? "" : path + ".", rest.substr(0, colon),
                        ": unknown field (check its spelling against "
                        "docs/api.md)");
  }
  return absl::StrCat(path, ": ", rest);
}

}  // namespace

absl::Status ParseJson(const std::string& json,
                       google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, message, options);
  if (status.ok()) return absl::OkStatus();
  std::string msg(status.message());
  if (!absl::StartsWith(msg, "(")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not valid JSON: ",
        absl::StripTrailingAsciiWhitespace(msg.substr(0, msg.find('\n')))));
  }
  return absl::InvalidArgumentError(Reshape(msg));
}

absl::StatusOr<v1::PublishRequest> ReadPublishFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string json = ss.str();
  if (json.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 1 MiB"));
  }
  v1::PublishRequest request;
  if (absl::Status s = ParseJson(json, &request); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return request;
}

}  // namespace civhub::ctl
