#include "server/grpc_log.h"

#include <grpc/support/log.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace civhub::server {
namespace {

void Log(gpr_log_func_args* args) {
  spdlog::level::level_enum level = spdlog::level::debug;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = spdlog::level::err;
  if (args->severity == GPR_LOG_SEVERITY_INFO) level = spdlog::level::info;
  // A client that fails or never finishes its TLS handshake is a client's
  // doing, one line per connection: anyone could fill the log with them.
  // civhubctl status counts connections; the details stay at debug.
  for (const char* client_caused :
       {"andshake failed", "andshake timed out", "cancel_check_peer"}) {
    if (std::strstr(args->message, client_caused) != nullptr) {
      level = spdlog::level::debug;
    }
  }
  const char* file = std::strrchr(args->file, '/');
  spdlog::log(level, "grpc: {} ({}:{})", args->message,
              file != nullptr ? file + 1 : args->file, args->line);
}

}  // namespace

void RouteGrpcLogToSpdlog() { gpr_set_log_function(Log); }

}  // namespace civhub::server
