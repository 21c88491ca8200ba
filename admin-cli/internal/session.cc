#include "admin-cli/internal/session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace civhub::ctl::internal {

NodeConnection& Session::Node() {
  if (!conn_) conn_ = (*connect_)(SocketPath());
  return *conn_;
}

std::unique_ptr<grpc::ClientContext> Session::Context(
    std::chrono::seconds timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
  return ctx;
}

int Session::NodeError(const grpc::Status& s) const {
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::string path = SocketPath();
    struct stat st;
    err() << "civhubctl: cannot reach civhubd at unix:" << path;
    if (::stat(path.c_str(), &st) != 0) {
      err() << " (no socket there) — is it running? start it with "
               "./scripts/run, or pass --data-dir DIR / --socket PATH\n";
    } else if (::access(path.c_str(), R_OK | W_OK) != 0) {
      err() << " (permission denied: the socket is mode 0600; run civhubctl "
               "as the user that runs civhubd)\n";
    } else {
      err() << " — is it running? start it with ./scripts/run ("
            << s.error_message() << ")\n";
    }
    return kExitNode;
  }
  if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      absl::StartsWith(s.error_message(), "store is read-only")) {
    // The message says what happened and what to do.
    err() << "civhubctl: " << s.error_message() << "\n";
    return kExitNode;
  }
  std::string code = absl::AsciiStrToLower(
      absl::StatusCodeToString(static_cast<absl::StatusCode>(s.error_code())));
  std::replace(code.begin(), code.end(), '_', ' ');
  err() << "civhubctl: " << code << ": " << s.error_message() << "\n";
  return kExitNode;
}

const HubNames& Session::Names() {
  if (names_) return *names_;
  names_.emplace();
  v1::Network network;
  auto ctx = Context(std::chrono::seconds(10));
  if (Node().admin()->GetNetwork(ctx.get(), {}, &network).ok()) {
    for (const v1::NetworkHub& h : network.hubs()) {
      if (!h.profile().name().empty()) {
        (*names_)[h.hub_id()] = h.profile().name();
      }
    }
  }
  return *names_;
}

int Session::UsageError(absl::string_view message) const {
  err() << "civhubctl: " << message << "\n";
  return kExitUsage;
}

}  // namespace civhub::ctl::internal
