#include "server/grpc_log.h"

#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace civhub::server {
namespace {

// What gRPC logs at ERROR for one client's connection, as civhubd's log
// (at its default level, info) shows it.
std::string LoggedAtInfo(const char* message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
  RouteGrpcLogToSpdlog();
  grpc_init();  // gRPC logs nothing before.
  gpr_log(GPR_ERROR, "%s", message);
  grpc_shutdown();
  spdlog::set_default_logger(previous);
  return out.str();
}

TEST(GrpcLogTest, AClientsFailedOrUnfinishedHandshakeIsNotAnError) {
  // One line per idle TLS connection to the federation port, at ERROR.
  EXPECT_EQ(LoggedAtInfo("TlsServerSecurityConnector::cancel_check_peer "
                         "error: UNKNOWN:Handshake timed out"),
            "");
  EXPECT_EQ(LoggedAtInfo("Handshake failed with fatal error SSL_ERROR_SSL"),
            "");
  // Anything else gRPC calls an error stays one.
  EXPECT_NE(LoggedAtInfo("Failed accept4: Too many open files")
                .find("Too many open files"),
            std::string::npos);
}

}  // namespace
}  // namespace civhub::server
