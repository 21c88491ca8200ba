// Clear errors for requests that do not parse.
//
// gRPC's generated code answers a request whose bytes do not parse as the
// method's message with INTERNAL and an empty message, and protobuf prints
// why (such as invalid UTF-8 in a string field) to stderr, once per request,
// where any client can fill the log. Installed on every civhubd server, the
// two pieces below turn that into INVALID_ARGUMENT naming the method and,
// where protobuf said, the field; nothing is printed above debug level.
#ifndef CIVHUB_SERVER_REQUEST_ERRORS_H_
#define CIVHUB_SERVER_REQUEST_ERRORS_H_

#include <grpcpp/support/server_interceptor.h>

#include <string>

namespace civhub::server {

// Routes protobuf's log lines to spdlog. A parse error (protobuf logs one
// only for invalid UTF-8) goes to debug and is kept for this thread, for
// TakeProtobufParseError; everything else keeps its level. Idempotent.
void RouteProtobufLogToSpdlog();

// The last parse error protobuf reported on this thread since the previous
// call, as "field civhub.v1.SearchRequest.text is not valid UTF-8"; empty if
// none. Clears it.
std::string TakeProtobufParseError();

// Creates, for each unary or server-streaming call, an interceptor that
// replaces the INTERNAL status of a request that did not parse with
// INVALID_ARGUMENT: "request to /civhub.v1.Directory/Search does not parse
// as its message: field civhub.v1.SearchRequest.text is not valid UTF-8".
class RequestParseErrorInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace civhub::server

#endif  // CIVHUB_SERVER_REQUEST_ERRORS_H_
