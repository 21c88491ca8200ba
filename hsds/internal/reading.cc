#include "hsds/internal/reading.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace civhub::hsds::internal {

std::string Shorten(absl::string_view value) {
  if (value.size() <= 80) return std::string(value);
  size_t cut = 77;
  // Not inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(value.substr(0, cut), "...");
}

void AddProblem(std::vector<Problem>* problems, const std::string& where,
                absl::string_view id, std::string field,
                absl::string_view value, std::string reason, bool skipped) {
  problems->push_back({where, Shorten(id), std::move(field), Shorten(value),
                       std::move(reason), skipped});
}

std::string Trimmed(absl::string_view s) {
  return std::string(absl::StripAsciiWhitespace(s));
}

absl::Status ParseJson(absl::string_view json,
                       google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (status.ok()) return absl::OkStatus();
  // Its first line: the parser adds the input's line and a caret under
  // the place, which read as noise inside a problem line (found in a
  // trial).
  absl::string_view what(status.message().data(), status.message().size());
  what = absl::StripAsciiWhitespace(what.substr(0, what.find('\n')));
  return absl::InvalidArgumentError(std::string(what));
}

void CountNotKept(Package* package, const std::string& key,
                  absl::string_view where, int64_t count) {
  NotKept& n = package->not_kept[key];
  if (n.count == 0) n.first_where = std::string(where);
  n.count += count;
}

std::string TableOf(const google::protobuf::Descriptor* d) {
  std::string out;
  for (char c : d->name()) {
    if (absl::ascii_isupper(c)) {
      if (!out.empty()) out.push_back('_');
      out.push_back(absl::ascii_tolower(c));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path,
                                     size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path.string(), ": cannot be read"));
  }
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > limit) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": more than ", limit, " bytes"));
    }
  }
  return text;
}

}  // namespace civhub::hsds::internal
