#include "http/url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace civhub::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(absl::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string PercentEncode(absl::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool ParseTarget(absl::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query) {
  if (target.empty() || target[0] != '/') return false;
  absl::string_view raw_query;
  size_t q = target.find('?');
  absl::string_view raw_path = target.substr(0, q);
  if (q != absl::string_view::npos) raw_query = target.substr(q + 1);
  size_t hash = raw_query.find('#');
  if (hash != absl::string_view::npos) raw_query = raw_query.substr(0, hash);
  if (!PercentDecode(raw_path, /*plus_is_space=*/false, path)) return false;
  query->clear();
  if (raw_query.empty()) return true;
  for (absl::string_view pair : absl::StrSplit(raw_query, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!PercentDecode(pair.substr(0, eq), true, &name)) return false;
    if (eq != absl::string_view::npos &&
        !PercentDecode(pair.substr(eq + 1), true, &value)) {
      return false;
    }
    query->emplace_back(std::move(name), std::move(value));
  }
  return true;
}

bool SplitHostPort(absl::string_view address, std::string* host,
                   std::string* port) {
  absl::string_view h;
  absl::string_view p;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return false;
    }
    h = address.substr(1, close - 1);
    p = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return false;
    h = address.substr(0, colon);
    p = address.substr(colon + 1);
    if (h.find(':') != absl::string_view::npos) return false;
  }
  if (h.empty() || p.empty()) return false;
  for (char c : p) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  *host = std::string(h);
  *port = std::string(p);
  return true;
}

}  // namespace civhub::http
