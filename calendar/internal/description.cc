#include "calendar/internal/description.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace civhub::calendar::internal {
namespace {

// Marks of HTML that Google Calendar's editor writes; plain text rarely
// holds any of them.
bool LooksLikeHtml(absl::string_view text) {
  static constexpr absl::string_view kMarks[] = {
      "<br",   "<p>",  "<p ",  "</",     "<a ",  "<b>",   "<i>",
      "<u>",   "<ul",  "<ol",  "<li",    "<div", "<span", "&nbsp;",
      "&amp;", "&lt;", "&gt;", "&quot;", "&#"};
  const std::string lower = absl::AsciiStrToLower(text);
  for (absl::string_view mark : kMarks) {
    if (absl::StrContains(lower, mark)) return true;
  }
  return false;
}

void AppendUtf8(uint32_t c, std::string* out) {
  if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// The entity at the start of `text` ("&amp;..."): appends what it stands
// for and returns its length; 0 if it is none civhub knows.
size_t DecodeEntity(absl::string_view text, std::string* out) {
  const size_t semicolon = text.find(';');
  if (semicolon == absl::string_view::npos || semicolon > 10) return 0;
  const std::string name = absl::AsciiStrToLower(text.substr(1, semicolon - 1));
  static constexpr std::pair<absl::string_view, absl::string_view> kNamed[] = {
      {"nbsp", " "},  {"amp", "&"},  {"lt", "<"},         {"gt", ">"},
      {"quot", "\""}, {"apos", "'"}, {"ndash", "\u2013"}, {"mdash", "\u2014"},
  };
  for (const auto& [entity, value] : kNamed) {
    if (name == entity) {
      out->append(value.data(), value.size());
      return semicolon + 1;
    }
  }
  uint32_t code = 0;
  if (name.size() > 1 && name[0] == '#' &&
      ((name[1] == 'x' && absl::SimpleHexAtoi(name.substr(2), &code)) ||
       (name[1] != 'x' && absl::SimpleAtoi(name.substr(1), &code)))) {
    AppendUtf8(code, out);
    return semicolon + 1;
  }
  return 0;
}

std::string DecodeEntities(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&') {
      if (size_t n = DecodeEntity(text.substr(i), &out); n > 0) {
        i += n - 1;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// The value of attribute `name` in a tag's text (`a href="..."`), decoded.
std::string Attribute(absl::string_view tag, absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(tag);
  const std::string wanted(name);
  for (size_t at = lower.find(wanted); at != std::string::npos;
       at = lower.find(wanted, at + 1)) {
    if (at == 0 ||
        !absl::ascii_isspace(static_cast<unsigned char>(lower[at - 1]))) {
      continue;
    }
    size_t i = at + name.size();
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i >= tag.size()) return "";
    const char quote = tag[i];
    size_t end;
    if (quote == '"' || quote == '\'') {
      end = tag.find(quote, ++i);
    } else {
      end = tag.find_first_of(" \t>", i);
    }
    return DecodeEntities(tag.substr(
        i, end == absl::string_view::npos ? absl::string_view::npos : end - i));
  }
  return "";
}

// Google Calendar sends links through https://www.google.com/url?q=ADDRESS&...
std::string Unwrapped(const std::string& href) {
  absl::string_view rest = href;
  if (!absl::ConsumePrefix(&rest, "https://www.google.com/url?q=")) return href;
  rest = rest.substr(0, rest.find('&'));
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    int byte = 0;
    if (rest[i] == '%' && i + 2 < rest.size() &&
        absl::SimpleHexAtoi(rest.substr(i + 1, 2), &byte)) {
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else {
      out.push_back(rest[i]);
    }
  }
  return out;
}

bool AtLineStart(const std::string& out) {
  return out.empty() || out.back() == '\n';
}

std::string HtmlToText(absl::string_view html) {
  std::string out;
  std::string href;       // Of the open <a>.
  size_t link_start = 0;  // Where its text starts in `out`.
  for (size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '&') {
      if (size_t n = DecodeEntity(html.substr(i), &out); n > 0) {
        i += n - 1;
        continue;
      }
    }
    const size_t close = c == '<' ? html.find('>', i) : absl::string_view::npos;
    const bool tag_start =
        close != absl::string_view::npos && i + 1 < html.size() &&
        (absl::ascii_isalpha(static_cast<unsigned char>(html[i + 1])) ||
         html[i + 1] == '/');
    if (!tag_start) {
      out.push_back(c);
      continue;
    }
    const absl::string_view tag = html.substr(i + 1, close - i - 1);
    i = close;
    const bool closing = absl::StartsWith(tag, "/");
    const absl::string_view body = tag.substr(closing ? 1 : 0);
    const std::string name =
        absl::AsciiStrToLower(body.substr(0, body.find_first_of(" \t\r\n/>")));
    if (name == "br") {
      out.push_back('\n');
    } else if (name == "p" || name == "div" || name == "ul" || name == "ol" ||
               (name.size() == 2 && name[0] == 'h' &&
                absl::ascii_isdigit(static_cast<unsigned char>(name[1])))) {
      if (!AtLineStart(out)) out.push_back('\n');
      if (closing && name == "p") out.push_back('\n');
    } else if (name == "li" && !closing) {
      if (!AtLineStart(out)) out.push_back('\n');
      out.append("- ");
    } else if (name == "a" && !closing) {
      href = Unwrapped(Attribute(body, "href"));
      link_start = out.size();
    } else if (name == "a" && closing) {
      const std::string text(absl::StripAsciiWhitespace(
          absl::string_view(out).substr(std::min(link_start, out.size()))));
      absl::string_view address = href;
      absl::ConsumePrefix(&address, "mailto:");
      if (!address.empty() && text != address && text != href) {
        absl::StrAppend(&out, text.empty() ? "" : " (", address,
                        text.empty() ? "" : ")");
      }
      href.clear();
    }
    // Any other tag (b, i, span...) carries no text of its own.
  }
  return out;
}

bool IsFooterRule(absl::string_view line) {
  return absl::StartsWith(absl::StripAsciiWhitespace(line), "-::~");
}

// Trailing spaces off each line, at most one blank line in a row, no blank
// lines around the text.
std::string Tidy(absl::string_view text) {
  std::vector<std::string> lines;
  int blank = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty()) {
      if (++blank > 1 || lines.empty()) continue;
    } else {
      blank = 0;
    }
    lines.emplace_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return absl::StrJoin(lines, "\n");
}

}  // namespace

CleanedDescription CleanDescription(absl::string_view text) {
  CleanedDescription out;
  out.was_html = LooksLikeHtml(text);
  const std::string plain = out.was_html ? HtmlToText(text) : std::string(text);
  std::vector<absl::string_view> kept;
  bool in_footer = false;
  for (absl::string_view line : absl::StrSplit(plain, '\n')) {
    if (IsFooterRule(line)) {
      out.dropped_footer = true;
      in_footer = !in_footer;
      continue;
    }
    if (!in_footer) {
      kept.push_back(line);
      continue;
    }
    const size_t meet = line.find("https://meet.google.com/");
    if (meet != absl::string_view::npos && out.meet_url.empty()) {
      absl::string_view url = line.substr(meet);
      out.meet_url =
          std::string(url.substr(0, url.find_first_of(" \t\r)<>\"")));
    }
  }
  if (!out.was_html && !out.dropped_footer) {
    out.text = std::string(text);
    return out;
  }
  out.text = Tidy(absl::StrJoin(kept, "\n"));
  return out;
}

}  // namespace civhub::calendar::internal
