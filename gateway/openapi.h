// The OpenAPI 3.0 document of the JSON API (gateway/openapi.json, embedded
// into the binary at build time by CMake: no file is read at run time).
#ifndef CIVHUB_GATEWAY_OPENAPI_H_
#define CIVHUB_GATEWAY_OPENAPI_H_

#include "absl/strings/string_view.h"

namespace civhub::gateway {

absl::string_view OpenApiDocument();

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_OPENAPI_H_
