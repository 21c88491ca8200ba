// The web directory's files (gateway/web/), compiled into civhubd by
// gateway/embed_web.cmake at build time.
#ifndef CIVHUB_GATEWAY_WEB_FILES_H_
#define CIVHUB_GATEWAY_WEB_FILES_H_

#include <cstddef>

#include "absl/types/span.h"

namespace civhub::gateway {

struct WebFile {
  const char* path;  // Under gateway/web/: "index.html", "app.js".
  const char* data;
  size_t size;
  const char* content_type;
  const char* etag;  // Strong, quoted: a prefix of the file's SHA-256.
};

// Every embedded file, in the order CMake listed them. Static storage.
absl::Span<const WebFile> WebFiles();

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_WEB_FILES_H_
