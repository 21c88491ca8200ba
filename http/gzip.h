// gzip for responses (zlib): whether a request accepts it, whether a body
// is worth it, and a compressor for a whole body or a stream of pieces.
#ifndef CIVHUB_HTTP_GZIP_H_
#define CIVHUB_HTTP_GZIP_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace civhub::http {

// Bodies smaller than this are sent as they are: gzip's header and the
// CPU would cost more than the bytes saved.
inline constexpr size_t kMinGzipBytes = 1024;

// True if an Accept-Encoding value allows gzip: "gzip" or "*" listed with
// a q-value above 0 (and gzip not refused with q=0 by name).
bool AcceptsGzip(absl::string_view accept_encoding);

// True for content types that compress well: text/*, JSON (also
// application/x-ndjson, application/*+json), JavaScript, XML, SVG.
bool IsCompressible(absl::string_view content_type);

// Compresses a body or a stream of pieces into one gzip member (RFC 1952).
// Not thread-safe.
class GzipEncoder {
 public:
  GzipEncoder();
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // The compressed bytes for `piece`, flushed (Z_SYNC_FLUSH) so that a
  // client can decode everything sent so far; with `last`, the member's
  // end (Z_FINISH) too. No call after one with `last`.
  std::string Compress(absl::string_view piece, bool last);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// `body` as one gzip member.
std::string Gzip(absl::string_view body);

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_GZIP_H_
