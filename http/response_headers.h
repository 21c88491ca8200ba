// What the HTTP server puts in a response's header, apart from moving
// bytes: the headers every response carries (CORS, the handler's own, the
// ETag), the conditional GET, gzip's Vary and weak ETag, the 429 and the
// CORS preflight. Pure functions of the response and the request's
// headers; the connection code (http_server.cc) calls them.
#ifndef CIVHUB_HTTP_RESPONSE_HEADERS_H_
#define CIVHUB_HTTP_RESPONSE_HEADERS_H_

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "http/http_server.h"
#include "http/message.h"

namespace civhub::http {

// Status, Server, Content-Type, CORS (when response.cross_origin), the
// handler's headers and the ETag, on an HTTP/1.`version` header.
void SetCommonHeaders(boost::beast::http::response_header<>& header,
                      const Response& response, unsigned version);

// Whether an If-None-Match value matches `etag` (weakly, as RFC 9110 asks
// of a GET: W/"x" matches "x"; "*" matches any).
bool EtagMatches(const std::string& if_none_match, const std::string& etag);

// Whether a body of `response`'s type (and, unless streamed, `size`) is
// sent gzipped to a client that accepts it.
bool WorthGzip(const Response& response, size_t size);

// A body that may be gzipped: caches must key on Accept-Encoding; and when
// it is (`gzipped`), the ETag names the identity body, so it becomes weak
// (a 304 still matches: If-None-Match compares weakly).
void MarkEncoding(boost::beast::http::response_header<>& header, bool gzipped);

// 429: the client is over its request rate (`limits`); `wait` until it may
// send one more, as Retry-After in whole seconds.
Response TooManyRequests(const HttpLimits& limits, absl::Duration wait);

// A browser's CORS preflight: the read API may be called with GET and HEAD
// and the headers a fetch() or EventSource sends, from any origin.
Response Preflight();

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_RESPONSE_HEADERS_H_
