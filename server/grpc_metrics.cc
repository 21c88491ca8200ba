#include "server/grpc_metrics.h"

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "node/base/metrics.h"

namespace civhub::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

prometheus::Family<prometheus::Counter>& Requests() {
  static auto& family =
      prometheus::BuildCounter()
          .Name("civhub_grpc_requests_total")
          .Help(
              "gRPC calls answered, by server (public, admin, federation), "
              "method and status code")
          .Register(metrics::ProcessRegistry());
  return family;
}

prometheus::Family<prometheus::Histogram>& Durations() {
  static auto& family =
      prometheus::BuildHistogram()
          .Name("civhub_grpc_request_duration_seconds")
          .Help(
              "Time from a gRPC call's start to its status, by server and "
              "method (a Watch stream: its whole life)")
          .Register(metrics::ProcessRegistry());
  return family;
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const std::string& server, absl::string_view method)
      : server_(server), method_(method), start_(absl::Now()) {
    if (!method_.empty() && method_[0] == '/') method_.erase(0, 1);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const std::string code(absl::StatusCodeToString(
          static_cast<absl::StatusCode>(status.error_code())));
      Requests()
          .Add({{"server", server_}, {"method", method_}, {"code", code}})
          .Increment();
      Durations()
          .Add({{"server", server_}, {"method", method_}},
               metrics::LatencyBuckets())
          .Observe(absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  const std::string& server_;
  std::string method_;
  const absl::Time start_;
};

class MetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(std::string server)
      : server_(std::move(server)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(server_, info->method());
  }

 private:
  const std::string server_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptor(std::string server) {
  return std::make_unique<MetricsInterceptorFactory>(std::move(server));
}

}  // namespace civhub::server
