#include "admin-cli/json_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "node/records/record_kinds.h"
#include "node/records/time_text.h"

namespace civhub::ctl {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;
constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr absl::string_view kSpellingHint =
    " (check its spelling against docs/api.md)";

// The line and column of byte `offset` of `text`; the column counts
// characters, not bytes.
JsonPosition PositionOf(absl::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  JsonPosition p{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

// Protobuf reports a syntax error as "MESSAGE\nSEGMENT\n    ^", SEGMENT being
// up to 20 bytes either side of the error and the caret under it (an empty
// SEGMENT: the text ended early). Returns the error's byte offset in `json`.
std::optional<size_t> SyntaxErrorOffset(absl::string_view json,
                                        absl::string_view error) {
  size_t first = error.find('\n');
  size_t last = error.rfind('\n');
  if (first == absl::string_view::npos || first == last) return std::nullopt;
  absl::string_view segment = error.substr(first + 1, last - first - 1);
  absl::string_view caret = error.substr(last + 1);
  if (caret.empty() || caret.back() != '^') return std::nullopt;
  if (segment.empty()) return json.size();
  size_t column = caret.size() - 1;
  // The segment starts at the text's start unless the error lies further in
  // than the context width; the parser stops at the first error, so the
  // first occurrence is the one.
  size_t start = absl::StartsWith(json, segment) ? 0 : json.find(segment);
  if (start == absl::string_view::npos) return std::nullopt;
  return start + column;
}

// The position of the key `"name":` in `json` if it occurs exactly once.
std::optional<size_t> UniqueKeyOffset(absl::string_view json,
                                      absl::string_view name) {
  const std::string quoted = absl::StrCat("\"", name, "\"");
  std::optional<size_t> found;
  for (size_t at = json.find(quoted); at != absl::string_view::npos;
       at = json.find(quoted, at + 1)) {
    size_t after = at + quoted.size();
    while (after < json.size() && absl::ascii_isspace(json[after])) ++after;
    if (after >= json.size() || json[after] != ':') continue;
    if (found) return std::nullopt;
    found = at;
  }
  return found;
}

// Protobuf reports field errors as "name: Cannot find field." (top level),
// "(a.b[0]) name: Cannot find field." or "(a.b[0].c): invalid value ...".
// Returns them as `a.b[0]: unknown field "name"` and "a.b[0].c: invalid
// value ...", with the name of the field concerned in `*field`.
std::string Reshape(absl::string_view message, std::string* field) {
  std::string path;
  absl::string_view rest = message;
  if (absl::ConsumePrefix(&rest, "(")) {
    size_t close = rest.find(')');
    if (close == absl::string_view::npos) return std::string(message);
    path = std::string(rest.substr(0, close));
    rest = rest.substr(close + 1);
    if (absl::ConsumePrefix(&rest, ":")) {
      size_t dot = path.find_last_of(".]");
      *field = dot == std::string::npos ? path : path.substr(dot + 1);
      // "invalid value Field 'expiresAt', Invalid time format: 30/06/2027
      // for type google.protobuf.Timestamp"
      constexpr absl::string_view kBadTime = "Invalid time format: ";
      if (size_t at = rest.find(kBadTime); at != absl::string_view::npos) {
        absl::string_view value = rest.substr(at + kBadTime.size());
        value = value.substr(0, value.find(" for type"));
        // ExpandDates takes a date alone only where it means a day.
        const bool day = absl::EndsWith(path, "expires_at") ||
                         absl::EndsWith(path, "window.start") ||
                         absl::EndsWith(path, "window.end");
        return absl::StrCat(
            path, ": \"", value, "\" is not a time: write ",
            day ? "a date (2027-06-30) or " : "",
            "an RFC 3339 time (2027-06-30T09:00:00-05:00, with its offset or "
            "Z)");
      }
      return absl::StrCat(
          path, ": ",
          absl::StrReplaceAll(absl::StripLeadingAsciiWhitespace(rest),
                              {{"TYPE_", ""}, {"type.googleapis.com/", ""}}));
    }
    rest = absl::StripLeadingAsciiWhitespace(rest);
  }
  absl::string_view name = rest;
  if (absl::ConsumeSuffix(&name, ": Cannot find field.")) {
    *field = std::string(name);
    return absl::StrCat(path, path.empty() ? "" : ": ", "unknown field \"",
                        name, "\"", kSpellingHint);
  }
  return absl::StrCat(path, path.empty() ? "" : ": ", rest);
}

std::string Located(const std::string& path, JsonPosition where) {
  if (where.line == 0) return absl::StrCat(path, ": ");
  return absl::StrCat(path, ":", where.line, ":", where.column, ": ");
}

// `json` with each date alone ("2027-06-30") that is the value of a time
// field of a need or an offer written as the RFC 3339 time it stands for
// (time_text.h): protobuf's JSON parser takes only the latter, and people
// write an expiry as a date. An expiry or a window's end includes its day.
// Only the one line holding a date grows, so a later error's line number
// still matches the file.
std::string ExpandDates(absl::string_view json) {
  std::string out;
  out.reserve(json.size());
  absl::string_view key;
  size_t i = 0;
  while (i < json.size()) {
    if (json[i] != '"') {
      out.push_back(json[i++]);
      continue;
    }
    size_t end = i + 1;
    while (end < json.size() && json[end] != '"') {
      end += json[end] == '\\' ? 2 : 1;
    }
    if (end >= json.size()) {  // Unterminated: the parser will say so.
      absl::StrAppend(&out, json.substr(i));
      break;
    }
    const absl::string_view text = json.substr(i + 1, end - i - 1);
    size_t next = end + 1;
    while (next < json.size() && absl::ascii_isspace(json[next])) ++next;
    const bool is_key = next < json.size() && json[next] == ':';
    std::optional<absl::Time> t;
    if (!is_key && node::IsDateAlone(text)) {
      if (key == "expiresAt" || key == "expires_at" || key == "end") {
        t = node::ParseTimeOrDate(text, node::DateMeans::kEndOfDay);
      } else if (key == "start") {
        t = node::ParseTimeOrDate(text, node::DateMeans::kStartOfDay);
      }
    }
    if (t) {
      absl::StrAppend(
          &out, "\"",
          absl::FormatTime(absl::RFC3339_sec, *t, absl::UTCTimeZone()), "\"");
    } else {
      absl::StrAppend(&out, json.substr(i, end + 1 - i));
    }
    if (is_key) key = text;
    i = end + 1;
  }
  return out;
}

}  // namespace

absl::Status ParseJson(absl::string_view json,
                       google::protobuf::Message* message,
                       JsonPosition* where) {
  // Editors on Windows save UTF-8 with a byte-order mark; JSON allows a
  // parser to ignore it.
  absl::ConsumePrefix(&json, kByteOrderMark);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (status.ok()) return absl::OkStatus();
  absl::string_view msg(status.message().data(), status.message().size());
  std::optional<size_t> offset;
  std::string text;
  if (absl::StrContains(msg, '\n')) {
    offset = SyntaxErrorOffset(json, msg);
    text = absl::StrCat("not valid JSON: ",
                        absl::StripSuffix(absl::StripTrailingAsciiWhitespace(
                                              msg.substr(0, msg.find('\n'))),
                                          "."));
  } else {
    std::string field;
    text = Reshape(msg, &field);
    if (!field.empty()) offset = UniqueKeyOffset(json, field);
  }
  if (where != nullptr) {
    *where = offset ? PositionOf(json, *offset) : JsonPosition{};
  }
  return absl::InvalidArgumentError(text);
}

absl::Status CheckInputFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    std::string message =
        absl::StrCat(path, ": cannot open: ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message)
                           : absl::InvalidArgumentError(message);
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a file"));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PublishRequest> ReadPublishFile(const std::string& path) {
  if (absl::Status st = CheckInputFile(path); !st.ok()) return st;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::string json;
  json.resize(kMaxFileBytes + 1);
  in.read(json.data(), static_cast<std::streamsize>(json.size()));
  json.resize(static_cast<size_t>(in.gcount()));
  if (json.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 1 MiB"));
  }
  json = ExpandDates(json);
  v1::PublishRequest request;
  JsonPosition where;
  if (absl::Status s = ParseJson(json, &request, &where); !s.ok()) {
    // A bare record object, as some tools write it: show the wrapper.
    for (const node::RecordKindInfo& kind : node::RecordKinds()) {
      if (kind.publish_case == v1::PublishRequest::PAYLOAD_NOT_SET) continue;
      const v1::PublishRequest& none = v1::PublishRequest::default_instance();
      std::unique_ptr<google::protobuf::Message> bare(
          none.GetReflection()
              ->GetMessage(none,
                           v1::PublishRequest::descriptor()->FindFieldByNumber(
                               kind.publish_case))
              .New());
      if (ParseJson(json, bare.get()).ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": holds a bare ", kind.name,
            " object; wrap it as {\"recordId\": \"", "your-id\", \"", kind.name,
            "\": {...}} (see examples/)"));
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat(Located(path, where), s.message()));
  }
  return request;
}

}  // namespace civhub::ctl
