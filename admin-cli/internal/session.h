// One civhubctl invocation: flags, output streams, the node connection and
// the way errors are reported. Private to admin-cli/.
#ifndef CIVHUB_ADMIN_CLI_INTERNAL_SESSION_H_
#define CIVHUB_ADMIN_CLI_INTERNAL_SESSION_H_

#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "admin-cli/ctl.h"
#include "admin-cli/format.h"

namespace civhub::ctl::internal {

class Session {
 public:
  Session(std::ostream* out, std::ostream* err,
          const ConnectionFactory* connect)
      : out_(out), err_(err), connect_(connect) {}

  std::string data_dir = "./var/hub";
  std::string socket;
  bool json = false;

  std::ostream& out() const { return *out_; }
  std::ostream& err() const { return *err_; }
  std::string SocketPath() const {
    return socket.empty() ? data_dir + "/admin.sock" : socket;
  }

  // The node, connected on first use (so --help never connects).
  NodeConnection& Node();

  // A context with the default (or given) deadline.
  std::unique_ptr<grpc::ClientContext> Context(
      std::chrono::seconds timeout = std::chrono::seconds(30)) const;

  // Report a failed call: for an unreachable node, what to check; otherwise
  // the node's own message. Returns kExitNode.
  int NodeError(const grpc::Status& status) const;
  // The names of the hubs the node knows of (from its network), fetched on
  // first use; empty if the node cannot say.
  const HubNames& Names();
  // Report bad flags, arguments or input. Returns kExitUsage.
  int UsageError(absl::string_view message) const;

  // The usual ending of a command: the error, or the response as JSON
  // (--json) or through `print`.
  template <typename Response>
  int Respond(const grpc::Status& status, const Response& response,
              void (*print)(const Response&, std::ostream&)) const {
    if (!status.ok()) return NodeError(status);
    if (json) {
      out() << ToJson(response);
    } else {
      print(response, out());
    }
    return kExitOk;
  }
  // The same for tables that name the publishing hubs.
  template <typename Response>
  int Respond(const grpc::Status& status, const Response& response,
              void (*print)(const Response&, const HubNames&, std::ostream&)) {
    if (!status.ok()) return NodeError(status);
    if (json) {
      out() << ToJson(response);
    } else {
      print(response, Names(), out());
    }
    return kExitOk;
  }

 private:
  std::ostream* const out_;
  std::ostream* const err_;
  const ConnectionFactory* const connect_;
  std::unique_ptr<NodeConnection> conn_;
  std::optional<HubNames> names_;
};

}  // namespace civhub::ctl::internal

#endif  // CIVHUB_ADMIN_CLI_INTERNAL_SESSION_H_
