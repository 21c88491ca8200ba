#include "harness/hub_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace civhub::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A free loopback port below the kernel's ephemeral range. A restarted hub
// keeps its federation port (peers dial it there); had it been given one
// of the ephemeral range (":0"), another test's civhubd or client could be
// handed that port while the hub was down, and the restart failed with
// "address already in use" (ProfileE2eTest, under a loaded ctest -j2).
// Ports below the range are only ever taken on request.
int PortBelowEphemeralRange() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int low = 10000;
  if (ephemeral_low <= low + 1000) return 0;
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(low, ephemeral_low - 1);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int port = pick(random);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free =
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) return port;
  }
  return 0;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // Nothing else of the test's: a civhubd outliving a killed test must not
  // keep its descriptors (a `flock` around the run, a pipe ctest waits on).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

}  // namespace

RunResult RunProgram(const std::vector<std::string>& argv) {
  static int counter = 0;
  std::string base = "/tmp/civhub-run-" + std::to_string(getpid()) + "-" +
                     std::to_string(counter++);
  RunResult result;
  pid_t pid = Spawn(argv, base + ".out", base + ".err");
  if (pid < 0) {
    ADD_FAILURE() << "cannot run " << argv[0];
    return result;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = Slurp(base + ".out");
  result.err = Slurp(base + ".err");
  unlink((base + ".out").c_str());
  unlink((base + ".err").c_str());
  return result;
}

HubProcess::~HubProcess() {
  if (pid_ > 0) Stop();
}

bool HubProcess::Start(const std::vector<std::string>& extra_args) {
  // A restarted hub keeps its federation address: peers dial it there.
  if (federation_address_.empty()) {
    federation_address_ = absl::StrCat("127.0.0.1:", PortBelowEphemeralRange());
  }
  const std::string peer_listen = federation_address_;
  std::vector<std::string> argv = {
      CIVHUBD_PATH,  "--data-dir",    data_dir_,   "--listen",
      "127.0.0.1:0", "--peer-listen", peer_listen, "--sync-interval",
      "0.2",         "--log-level",   log_level_,  "--http-listen",
      http_listen_};
  // Tests send many HTTP requests from loopback, which is not exempt.
  argv.insert(argv.end(), {"--http-requests-per-second", "0"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (open_file_limit_ > 0) {
    // prlimit(1) execs civhubd in its own process: pid_ stays civhubd's.
    argv.insert(argv.begin(),
                {"/usr/bin/prlimit",
                 "--nofile=" + std::to_string(open_file_limit_), "--"});
  }
  pid_ = Spawn(argv, data_dir_ + ".stdout", data_dir_ + ".log");
  if (pid_ < 0) {
    ADD_FAILURE() << "cannot start civhubd";
    return false;
  }
  // Await readiness: the admin socket accepts a GetStatus call.
  // Short reconnect backoff: the socket appears within milliseconds, and
  // the default backoff (1 s) would dominate every test's run time.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  auto channel =
      grpc::CreateCustomChannel("unix:" + data_dir_ + "/admin.sock",
                                grpc::InsecureChannelCredentials(), args);
  auto admin = v1::Admin::NewStub(channel);
  const auto give_up =
      std::chrono::system_clock::now() + std::chrono::seconds(30);
  while (std::chrono::system_clock::now() < give_up) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "civhubd exited during start:\n" << log();
      return false;
    }
    channel->WaitForConnected(std::chrono::system_clock::now() +
                              std::chrono::milliseconds(200));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    v1::HubStatus hub_status;
    if (admin->GetStatus(&ctx, {}, &hub_status).ok()) {
      public_address_ = hub_status.public_address();
      hub_id_ = hub_status.hub_id();
      federation_address_ = hub_status.federation_address();
      http_address_ = hub_status.http_address();
      return true;
    }
  }
  ADD_FAILURE() << "civhubd did not answer within 30 s:\n" << log();
  Kill();
  return false;
}

void HubProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int HubProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double HubProcess::RssMb() const {
  std::istringstream status(Slurp("/proc/" + std::to_string(pid_) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtod(line.c_str() + 6, nullptr) / 1024;
    }
  }
  return 0;
}

std::string HubProcess::log() const {
  return Slurp(data_dir_ + ".stdout") + Slurp(data_dir_ + ".log");
}

RunResult HubProcess::Ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {CIVHUBCTL_PATH, "--data-dir", data_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

std::unique_ptr<v1::Directory::Stub> HubProcess::PublicDirectory() const {
  return v1::Directory::NewStub(
      grpc::CreateChannel(public_address_, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<v1::Admin::Stub> HubProcess::AdminOverSocket() const {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  return v1::Admin::NewStub(
      grpc::CreateCustomChannel("unix:" + data_dir_ + "/admin.sock",
                                grpc::InsecureChannelCredentials(), args));
}

bool WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(50));  // Between checks, not instead.
  }
  return true;
}

bool LinkHubs(HubProcess& a, HubProcess& b) {
  RunResult add = a.Ctl({"peer", "add", b.federation_address(), b.hub_id()});
  if (add.exit_code != 0) {
    ADD_FAILURE() << "peer add: " << add.err;
    return false;
  }
  if (!WaitFor([&] {
        return b.Ctl({"peer", "pending"}).out.find(a.hub_id()) !=
               std::string::npos;
      })) {
    ADD_FAILURE() << "no pending request at " << b.hub_id() << ":\n" << b.log();
    return false;
  }
  RunResult approve = b.Ctl({"peer", "approve", a.hub_id()});
  if (approve.exit_code != 0 ||
      approve.out.find("active") == std::string::npos) {
    ADD_FAILURE() << "peer approve: " << approve.out << approve.err;
    return false;
  }
  if (!WaitFor([&] {
        return a.Ctl({"peer", "list"}).out.find("active") != std::string::npos;
      })) {
    ADD_FAILURE() << "the link never became active at " << a.hub_id() << ":\n"
                  << a.log();
    return false;
  }
  return true;
}

grpc::Status GenericUnary(const std::shared_ptr<grpc::Channel>& channel,
                          const std::string& method, const std::string& request,
                          std::string* reply) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  grpc::Slice slice(request);
  grpc::ByteBuffer req_buf(&slice, 1), resp_buf;
  auto call = stub.PrepareUnaryCall(&ctx, method, req_buf, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&resp_buf, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  std::vector<grpc::Slice> slices;
  (void)resp_buf.Dump(&slices);
  reply->clear();
  for (const auto& s : slices) {
    reply->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return status;
}

std::string Example(const std::string& relative) {
  return std::string(CIVHUB_SOURCE_DIR) + "/examples/" + relative;
}

}  // namespace civhub::testing
