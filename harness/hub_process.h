// Real civhubd and civhubctl processes for end-to-end tests.
#ifndef CIVHUB_HARNESS_HUB_PROCESS_H_
#define CIVHUB_HARNESS_HUB_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "civhub/v1/admin.grpc.pb.h"
#include "civhub/v1/directory.grpc.pb.h"

namespace civhub::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to completion, capturing its output.
RunResult RunProgram(const std::vector<std::string>& argv);

// A civhubd on a temporary data dir and a free loopback port.
class HubProcess {
 public:
  explicit HubProcess(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  ~HubProcess();

  // Starts civhubd and waits until its admin socket answers. Returns false
  // (after recording a test failure with the daemon's log) if it exits or
  // does not answer within 30 s.
  bool Start(const std::vector<std::string>& extra_args = {});
  // SIGKILL, then reap: no chance to flush or clean up.
  void Kill();
  // SIGTERM, then reap; returns the exit status.
  int Stop();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Starts (and restarts) civhubd with RLIMIT_NOFILE `n`, soft and hard, as
  // a host's service manager would (1,024 is systemd's default); 0 leaves
  // the test's own limit.
  void set_open_file_limit(int n) { open_file_limit_ = n; }
  // civhubd's --log-level ("debug" unless set).
  void set_log_level(std::string level) { log_level_ = std::move(level); }
  // --http-listen for the next Start (default 127.0.0.1:0).
  void set_http_listen(std::string address) {
    http_listen_ = std::move(address);
  }
  // Resident memory of the running civhubd (VmRSS), in MiB; 0 if unknown.
  double RssMb() const;

  const std::string& data_dir() const { return data_dir_; }
  const std::string& public_address() const { return public_address_; }
  const std::string& hub_id() const { return hub_id_; }
  const std::string& federation_address() const { return federation_address_; }
  // HOST:PORT of the HTTP gateway (bound to 127.0.0.1:0, with no request
  // rate limit).
  const std::string& http_address() const { return http_address_; }
  std::string log() const;

  // civhubctl --data-dir <data dir> args...
  RunResult Ctl(const std::vector<std::string>& args) const;

  std::unique_ptr<v1::Directory::Stub> PublicDirectory() const;
  std::unique_ptr<v1::Admin::Stub> AdminOverSocket() const;

 private:
  std::string data_dir_;
  std::string public_address_;
  std::string hub_id_;
  std::string federation_address_;
  std::string http_address_;
  pid_t pid_ = -1;
  int open_file_limit_ = 0;
  std::string log_level_ = "debug";
  std::string http_listen_ = "127.0.0.1:0";
};

// Evaluates `done` until it is true or `timeout` passes; returns done().
// For conditions that change in another process (replication, restarts).
bool WaitFor(const std::function<bool()>& done,
             absl::Duration timeout = absl::Seconds(30));

// Links `a` and `b` as an admin would with civhubctl: `a` asks (peer
// add), `b`'s admin sees the request pending and approves it; returns once
// `a` sees the link active. On a failure, records it (with what the hub
// said) and returns false.
bool LinkHubs(HubProcess& a, HubProcess& b);

// Calls `method` ("/civhub.v1.Directory/Search") on `channel` with the
// request's bytes as given, parsed or not; returns the reply's bytes.
grpc::Status GenericUnary(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& request,
                          std::string* reply);

// Path of a file under the source tree's examples/.
std::string Example(const std::string& relative);

}  // namespace civhub::testing

#endif  // CIVHUB_HARNESS_HUB_PROCESS_H_
