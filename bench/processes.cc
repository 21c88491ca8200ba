#include "bench/processes.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "civhub/v1/directory.grpc.pb.h"
#include "tests/net/tcp_relay.h"

namespace civhub::bench {
namespace {

// A civhubd child process, stopped (SIGTERM) on destruction.
class Daemon {
 public:
  Daemon(const std::string& bin_dir, const std::string& data_dir, int port) {
    const std::string binary = bin_dir + "/civhubd";
    std::vector<std::string> args = {binary,
                                     "--data-dir",
                                     data_dir,
                                     "--listen",
                                     absl::StrCat("127.0.0.1:", port),
                                     "--peer-listen",
                                     absl::StrCat("127.0.0.1:", port + 1),
                                     "--sync-interval",
                                     "1",
                                     "--log-level",
                                     "warn"};
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

  // VmRSS and VmHWM in MB.
  std::pair<double, double> Memory() const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    double rss = 0, hwm = 0;
    while (std::getline(in, line)) {
      double kb = 0;
      if (line.rfind("VmRSS:", 0) == 0 &&
          absl::SimpleAtod(line.substr(6, line.size() - 9), &kb))
        rss = kb / 1024;
      if (line.rfind("VmHWM:", 0) == 0 &&
          absl::SimpleAtod(line.substr(6, line.size() - 9), &kb))
        hwm = kb / 1024;
    }
    return {rss, hwm};
  }

 private:
  pid_t pid_ = -1;
};

// Output of `civhubctl --json --data-dir D args`.
std::string Ctl(const std::string& bin_dir, const std::string& data_dir,
                const std::string& args) {
  const std::string command = absl::StrCat(
      bin_dir, "/civhubctl --json --data-dir '", data_dir, "' ", args, " 2>&1");
  FILE* p = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// A string or number field of flat JSON.
std::string JsonField(const std::string& json, const std::string& name) {
  const std::string key = absl::StrCat("\"", name, "\": ");
  size_t at = json.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  if (json[at] == '"') ++at;
  size_t end = json.find_first_of("\",\n}", at);
  return json.substr(at, end - at);
}

uint64_t Organizations(const std::string& bin_dir, const std::string& dir) {
  uint64_t n = 0;
  (void)absl::SimpleAtoi(
      JsonField(Ctl(bin_dir, dir, "status"), "organizations"), &n);
  return n;
}

bool WaitReady(const std::string& bin_dir, const std::string& dir,
               absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (!JsonField(Ctl(bin_dir, dir, "status"), "hubId").empty()) return true;
    absl::SleepFor(absl::Milliseconds(100));  // Polling another process.
  }
  return false;
}

}  // namespace

absl::StatusOr<MemoryResult> RunMemory(const std::string& bin_dir,
                                       const std::string& dataset) {
  MemoryResult result;
  const absl::Time start = absl::Now();
  Daemon hub(bin_dir, dataset, 17340);
  if (!WaitReady(bin_dir, dataset, absl::Minutes(2)))
    return absl::UnavailableError("civhubd did not start on the dataset");
  result.start_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  auto stub = v1::Directory::NewStub(grpc::CreateChannel(
      "127.0.0.1:17340", grpc::InsecureChannelCredentials()));
  const char* words[] = {"water",     "agua", "digital",
                         "education", "maji", "fondation"};
  for (int i = 0; i < 300; ++i) {
    v1::SearchRequest request;
    if (i % 3 == 0) request.set_text(words[i % 6]);
    if (i % 3 == 1) request.set_country(i % 2 ? "KE" : "BR");
    if (i % 3 == 2) {
      request.mutable_near()->set_latitude(-1.2864);
      request.mutable_near()->set_longitude(36.8172);
      request.mutable_near()->set_radius_km(5 + i % 20);
    }
    grpc::ClientContext ctx;
    v1::SearchResponse response;
    grpc::Status s = stub->Search(&ctx, request, &response);
    if (!s.ok()) return absl::InternalError(s.error_message());
  }
  std::tie(result.rss_mb, result.peak_mb) = hub.Memory();
  return result;
}

absl::StatusOr<BootstrapResult> RunBootstrap(const std::string& bin_dir,
                                             const std::string& dataset,
                                             uint64_t records) {
  BootstrapResult result;
  const std::string fresh = dataset + "-bootstrap";
  if (std::system(absl::StrCat("rm -rf '", fresh, "'").c_str()) != 0)
    return absl::InternalError("cannot clear " + fresh);
  Daemon a(bin_dir, dataset, 17340);
  Daemon b(bin_dir, fresh, 17350);
  if (!WaitReady(bin_dir, dataset, absl::Minutes(2)) ||
      !WaitReady(bin_dir, fresh, absl::Minutes(2))) {
    return absl::UnavailableError("civhubd did not start");
  }
  const std::string a_id = JsonField(Ctl(bin_dir, dataset, "status"), "hubId");
  const std::string b_id = JsonField(Ctl(bin_dir, fresh, "status"), "hubId");
  // The new hub reaches the full one through a relay that counts the bytes.
  testing::TcpRelay relay(17349, 17341);
  if (!relay.ok()) return absl::UnavailableError("cannot listen on 17349");
  Ctl(bin_dir, fresh, absl::StrCat("peer add 127.0.0.1:17349 ", a_id));
  const absl::Time start = absl::Now();
  std::string approved;
  while (approved.find("ACTIVE") == std::string::npos &&
         absl::Now() - start < absl::Minutes(1)) {
    approved = Ctl(bin_dir, dataset, absl::StrCat("peer approve ", b_id));
    absl::SleepFor(absl::Milliseconds(100));
  }
  const absl::Time linked = absl::Now();
  uint64_t held = 0;
  int polls = 0;
  while (held < records && absl::Now() - linked < absl::Minutes(30)) {
    absl::SleepFor(absl::Milliseconds(100));  // Polling another process.
    held = Organizations(bin_dir, fresh);
    if (++polls % 10 == 0) {
      std::cerr << "\r  " << held << " / " << records << std::flush;
    }
  }
  result.seconds = absl::ToDoubleSeconds(absl::Now() - linked);
  std::cerr << "\r  " << held << " / " << records << "\n";
  result.records = held;
  result.bytes_up = relay.up();
  result.bytes_down = relay.down();
  // Leave the dataset's hub as it was: without a peer that is gone next run.
  Ctl(bin_dir, dataset, absl::StrCat("peer remove ", b_id));
  result.records_per_s = static_cast<double>(held) / result.seconds;
  result.peak_mb = b.Memory().second;
  return result;
}

}  // namespace civhub::bench
