#include "http/message.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace civhub::http {
namespace {

const std::string* Find(
    const std::vector<std::pair<std::string, std::string>>& pairs,
    absl::string_view name) {
  for (const auto& [key, value] : pairs) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace

const std::string* Request::Header(absl::string_view name) const {
  return Find(headers, name);
}

const std::string* Request::Param(absl::string_view name) const {
  return Find(query, name);
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

Response JsonError(int status, absl::string_view code,
                   absl::string_view message, absl::string_view field) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = absl::StrCat("{\"code\":", JsonQuote(code),
                               ",\"message\":", JsonQuote(message));
  if (!field.empty())
    absl::StrAppend(&response.body, ",\"field\":", JsonQuote(field));
  response.body += "}\n";
  return response;
}

}  // namespace civhub::http
