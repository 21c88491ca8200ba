#include "server/request_errors.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace civhub::server {
namespace {

thread_local std::string tls_parse_error;

// protobuf's wording, for a string field that is not valid UTF-8:
// "String field 'civhub.v1.SearchRequest.text' contains invalid UTF-8 data
// when parsing a protocol buffer. Use the 'bytes' type ..."
constexpr absl::string_view kParsing = "when parsing a protocol buffer";

std::string Describe(const std::string& message) {
  size_t open = message.find('\'');
  size_t close =
      open == std::string::npos ? open : message.find('\'', open + 1);
  if (close != std::string::npos && absl::StrContains(message, "UTF-8")) {
    return absl::StrCat("field ", message.substr(open + 1, close - open - 1),
                        " is not valid UTF-8");
  }
  return message;
}

void HandleProtobufLog(google::protobuf::LogLevel level, const char* filename,
                       int line, const std::string& message) {
  if (level < google::protobuf::LOGLEVEL_FATAL &&
      absl::StrContains(message, kParsing)) {
    tls_parse_error = Describe(message);
    spdlog::debug("protobuf: {}", message);
    return;
  }
  spdlog::level::level_enum to = spdlog::level::critical;
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
      to = spdlog::level::info;
      break;
    case google::protobuf::LOGLEVEL_WARNING:
      to = spdlog::level::warn;
      break;
    case google::protobuf::LOGLEVEL_ERROR:
      to = spdlog::level::err;
      break;
    case google::protobuf::LOGLEVEL_FATAL:
      break;
  }
  spdlog::log(to, "protobuf {}:{}: {}", filename, line, message);
}

class RequestParseErrorInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestParseErrorInterceptor(std::string method)
      : method_(std::move(method)) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // Deserialized on this thread just before the hook runs.
      unparsed_ = true;
      detail_ = TakeProtobufParseError();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // The sync API answers such a request INTERNAL, the callback API
      // UNIMPLEMENTED; both with no message.
      const grpc::StatusCode code = methods->GetSendStatus().error_code();
      if (unparsed_ && (code == grpc::StatusCode::INTERNAL ||
                        code == grpc::StatusCode::UNIMPLEMENTED)) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("request to ", method_,
                         " does not parse as its message: ",
                         detail_.empty() ? "malformed protocol buffer (wrong "
                                           "field types or truncated bytes)"
                                         : detail_)));
      }
      // Whatever the handler's own parsing left is not the next call's.
      (void)TakeProtobufParseError();
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  bool unparsed_ = false;
  std::string detail_;
};

}  // namespace

void RouteProtobufLogToSpdlog() {
  static std::once_flag once;
  std::call_once(once,
                 [] { google::protobuf::SetLogHandler(&HandleProtobufLog); });
}

std::string TakeProtobufParseError() {
  return std::exchange(tls_parse_error, {});
}

grpc::experimental::Interceptor*
RequestParseErrorInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  // In streams from the client a missing message also means its end.
  if (info->type() != Type::UNARY && info->type() != Type::SERVER_STREAMING) {
    return nullptr;
  }
  return new RequestParseErrorInterceptor(info->method());
}

}  // namespace civhub::server
