#include "http/response_headers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "http/gzip.h"

namespace civhub::http {
namespace {

namespace bhttp = boost::beast::http;

// Request headers a page's fetch() may send that are not CORS-safelisted.
constexpr char kAllowedHeaders[] =
    "Accept, Accept-Language, Cache-Control, If-None-Match, Last-Event-ID";
// How long a browser may keep a preflight's answer.
constexpr char kPreflightMaxAge[] = "86400";

}  // namespace

void SetCommonHeaders(bhttp::response_header<>& header,
                      const Response& response, unsigned version) {
  header.version(version);
  header.result(static_cast<unsigned>(response.status));
  header.set(bhttp::field::server, "civhub");
  // RFC 9110 section 6.6.1: a server with a clock sends the time of the
  // response (caches age it by this; found missing in a trial).
  header.set(bhttp::field::date,
             absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(),
                              absl::UTCTimeZone()));
  if (!response.content_type.empty()) {
    header.set(bhttp::field::content_type, response.content_type);
  }
  if (response.cross_origin) {
    header.set(bhttp::field::access_control_allow_origin, "*");
    header.set(bhttp::field::access_control_expose_headers,
               "ETag, Retry-After, X-Total-Items, X-Total-Pages, "
               "X-Page-Number");
  }
  for (const auto& [name, value] : response.headers) {
    header.set(name, value);
  }
  if (!response.etag.empty()) header.set(bhttp::field::etag, response.etag);
}

bool EtagMatches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty() || etag.empty()) return false;
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    (void)absl::ConsumePrefix(&tag, "W/");  // Weak comparison.
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

bool WorthGzip(const Response& response, size_t size) {
  for (const auto& [name, value] : response.headers) {
    if (absl::EqualsIgnoreCase(name, "content-encoding")) return false;
  }
  return IsCompressible(response.content_type) &&
         (response.stream || size >= kMinGzipBytes);
}

void MarkEncoding(bhttp::response_header<>& header, bool gzipped) {
  auto vary = header.find(bhttp::field::vary);
  if (vary == header.end()) {
    header.set(bhttp::field::vary, "Accept-Encoding");
  } else {
    header.set(bhttp::field::vary,
               absl::StrCat(std::string(vary->value()), ", Accept-Encoding"));
  }
  if (!gzipped) return;
  header.set(bhttp::field::content_encoding, "gzip");
  auto etag = header.find(bhttp::field::etag);
  if (etag == header.end()) return;
  std::string value(etag->value());
  if (!absl::StartsWith(value, "W/")) {
    header.set(bhttp::field::etag, absl::StrCat("W/", value));
  }
}

Response TooManyRequests(const HttpLimits& limits, absl::Duration wait) {
  const int64_t seconds = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(wait))));
  Response response = JsonError(
      429, "RESOURCE_EXHAUSTED",
      absl::StrCat("too many requests from your address (more than ",
                   limits.requests_per_second, " a second, in bursts of ",
                   limits.request_burst, "); retry after ", seconds,
                   " s, and send fewer requests (cache what you fetched; "
                   "use If-None-Match)"));
  response.headers.emplace_back("retry-after", absl::StrCat(seconds));
  return response;
}

Response Preflight() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  response.headers = {
      {"allow", "GET, HEAD, OPTIONS"},
      {"access-control-allow-methods", "GET, HEAD, OPTIONS"},
      {"access-control-allow-headers", kAllowedHeaders},
      {"access-control-max-age", kPreflightMaxAge},
  };
  return response;
}

}  // namespace civhub::http
