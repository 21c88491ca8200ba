// civhubctl: the hub admin CLI. RunCtl is the whole program, so tests can
// run it in-process against any node connection.
#ifndef CIVHUB_ADMIN_CLI_CTL_H_
#define CIVHUB_ADMIN_CLI_CTL_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "civhub/v1/admin.grpc.pb.h"
#include "civhub/v1/directory.grpc.pb.h"

namespace civhub::ctl {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;     // Bad flags, arguments or input files.
inline constexpr int kExitNode = 2;      // The node is unreachable or refused.
inline constexpr int kExitProblems = 3;  // `check` found the store damaged.
// `hsds import`: some rows were skipped or records rejected; the rest were
// published.
inline constexpr int kExitPartial = 4;

// Stubs for one node. Owned by RunCtl for one invocation.
class NodeConnection {
 public:
  virtual ~NodeConnection() = default;
  virtual v1::Admin::StubInterface* admin() = 0;
  virtual v1::Directory::StubInterface* directory() = 0;
};

// Makes a connection to the admin socket at `socket_path`.
using ConnectionFactory = std::function<std::unique_ptr<NodeConnection>(
    const std::string& socket_path)>;

// A gRPC connection over the unix socket.
std::unique_ptr<NodeConnection> ConnectUnixSocket(
    const std::string& socket_path);

// Runs civhubctl with `argv`, writing results to `out` and messages to
// `err`; returns the exit code.
int RunCtl(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err,
           const ConnectionFactory& connect = ConnectUnixSocket);

}  // namespace civhub::ctl

#endif  // CIVHUB_ADMIN_CLI_CTL_H_
