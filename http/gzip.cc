#include "http/gzip.h"

#include <zlib.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace civhub::http {

bool AcceptsGzip(absl::string_view accept_encoding) {
  bool gzip = false;
  bool star = false;
  bool gzip_named = false;
  for (absl::string_view item : absl::StrSplit(accept_encoding, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    absl::string_view coding = absl::StripAsciiWhitespace(parts[0]);
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view param = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&param, "q=") ||
          absl::ConsumePrefix(&param, "Q=")) {
        if (!absl::SimpleAtod(param, &q)) q = 0;
      }
    }
    if (absl::EqualsIgnoreCase(coding, "gzip") ||
        absl::EqualsIgnoreCase(coding, "x-gzip")) {
      gzip_named = true;
      gzip = q > 0;
    } else if (coding == "*") {
      star = q > 0;
    }
  }
  return gzip_named ? gzip : star;
}

bool IsCompressible(absl::string_view content_type) {
  std::string type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
      content_type.substr(0, content_type.find(';'))));
  return absl::StartsWith(type, "text/") || type == "application/json" ||
         type == "application/x-ndjson" || absl::EndsWith(type, "+json") ||
         type == "application/javascript" || type == "application/xml" ||
         absl::EndsWith(type, "+xml");
}

struct GzipEncoder::State {
  z_stream z{};
  bool ok = false;
};

GzipEncoder::GzipEncoder() : state_(std::make_unique<State>()) {
  // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
  state_->ok = deflateInit2(&state_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                            15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  // deflateInit2 fails only for lack of memory or bad arguments.
  if (!state_->ok) std::abort();
}

GzipEncoder::~GzipEncoder() { deflateEnd(&state_->z); }

std::string GzipEncoder::Compress(absl::string_view piece, bool last) {
  z_stream& z = state_->z;
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
  z.avail_in = static_cast<uInt>(piece.size());
  const int flush = last ? Z_FINISH : Z_SYNC_FLUSH;
  char buffer[16384];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = deflate(&z, flush);
    out.append(buffer, sizeof(buffer) - z.avail_out);
    // Z_BUF_ERROR: no progress possible (all flushed already); done.
  } while (rc == Z_OK && z.avail_out == 0);
  return out;
}

std::string Gzip(absl::string_view body) {
  GzipEncoder encoder;
  return encoder.Compress(body, /*last=*/true);
}

}  // namespace civhub::http
