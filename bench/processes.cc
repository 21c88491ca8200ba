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

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "bench/results.h"
#include "bench/search.h"
#include "civhub/v1/admin.grpc.pb.h"
#include "civhub/v1/directory.grpc.pb.h"
#include "harness/tcp_relay.h"
#include "hsds/package_writer.h"
#include "hsds/to_hsds.h"

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
                                     "--http-listen",
                                     "127.0.0.1:0",
                                     "--sync-interval",
                                     "1",
                                     "--log-level",
                                     "warn"};
    pid_ = fork();
    if (pid_ == 0) {
      // Its start banner to stderr, with the bench's progress: stdout is
      // the results table.
      dup2(STDERR_FILENO, STDOUT_FILENO);
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
  // True once the process has ended (it could not start, or it died).
  bool Exited() {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }

  struct Memory {
    double rss_mb = 0;   // VmRSS.
    double hwm_mb = 0;   // VmHWM, the highest VmRSS so far.
    double anon_mb = 0;  // RssAnon: the heap, thread stacks.
    double file_mb = 0;  // RssFile: binaries, libraries, mapped tables.
  };
  Memory ReadMemory() const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    Memory m;
    const std::pair<const char*, double*> fields[] = {{"VmRSS:", &m.rss_mb},
                                                      {"VmHWM:", &m.hwm_mb},
                                                      {"RssAnon:", &m.anon_mb},
                                                      {"RssFile:", &m.file_mb}};
    while (std::getline(in, line)) {
      for (const auto& [name, mb] : fields) {
        // "VmRSS:\t  123 kB"
        double kb = 0;
        if (line.rfind(name, 0) == 0 &&
            absl::SimpleAtod(
                absl::StripSuffix(line.substr(strlen(name)), " kB"), &kb)) {
          *mb = kb / 1024;
        }
      }
    }
    return m;
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

// True if no peer in `civhubctl --json peer list` output lacks a record
// the hub holds (every "behind" is "0"; --json prints zeros too).
bool NothingBehind(const std::string& peer_list) {
  if (peer_list.find("\"peers\"") == std::string::npos) return false;
  const std::string key = "\"behind\": \"";
  for (size_t at = peer_list.find(key); at != std::string::npos;
       at = peer_list.find(key, at + 1)) {
    if (peer_list.compare(at + key.size(), 2, "0\"") != 0) return false;
  }
  return true;
}

// Waits until `daemon` on `dir` answers; false at once if it ended (its
// error, such as a port taken, is on stderr), or after `limit`.
bool WaitReady(const std::string& bin_dir, const std::string& dir,
               Daemon& daemon, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline && !daemon.Exited()) {
    if (!JsonField(Ctl(bin_dir, dir, "status"), "hubId").empty()) return true;
    absl::SleepFor(absl::Milliseconds(100));  // Polling another process.
  }
  return false;
}

// OK if each of `ports` on 127.0.0.1 is free now (as civhubd binds it, with
// SO_REUSEADDR); else UNAVAILABLE naming the first taken one.
absl::Status CheckPortsFree(const std::vector<int>& ports, int base_port) {
  for (int port : ports) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return absl::InternalError(strerror(errno));
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free =
        bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    const int error = errno;
    close(fd);
    if (!free) {
      return absl::UnavailableError(absl::StrCat(
          "port ", port, " on 127.0.0.1 is taken (", strerror(error),
          "; another civhub-bench or a hub?); its daemons use ports from "
          "--base-port ",
          base_port, " up: give another --base-port, such as ",
          base_port == 17900 ? 18900 : 17900));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MemoryResult> RunMemory(const std::string& bin_dir,
                                       const std::string& dataset,
                                       int base_port) {
  if (absl::Status s = CheckPortsFree({base_port, base_port + 1}, base_port);
      !s.ok()) {
    return s;
  }
  MemoryResult result;
  const absl::Time start = absl::Now();
  Daemon hub(bin_dir, dataset, base_port);
  if (!WaitReady(bin_dir, dataset, hub, absl::Minutes(2)))
    return absl::UnavailableError("civhubd did not start on the dataset");
  result.start_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  auto stub = v1::Directory::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", base_port),
                          grpc::InsecureChannelCredentials()));
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
  const Daemon::Memory m = hub.ReadMemory();
  result.rss_mb = m.rss_mb;
  result.peak_mb = m.hwm_mb;
  return result;
}

absl::StatusOr<HsdsImportResult> RunHsdsImport(
    const std::string& bin_dir, const std::string& dir, uint64_t records,
    int base_port, int runs, const std::function<double()>& sign_rate_now) {
  const int port = base_port + 30;
  if (absl::Status s = CheckPortsFree({port, port + 1}, base_port); !s.ok()) {
    return s;
  }
  HsdsImportResult result;
  result.records = records;
  const std::string package = absl::StrCat(dir, "/hsds-", records);
  const std::string hub = absl::StrCat(dir, "/hsds-", records, "-hub");
  if (std::system(absl::StrCat("rm -rf '", package, "' '", hub,
                               "' && mkdir -p '", package, "'")
                      .c_str()) != 0) {
    return absl::InternalError("cannot prepare " + package);
  }
  absl::Time start = absl::Now();
  {
    // Records of some other hub, as HSDS: what a host's existing directory
    // exports.
    const crypto::PrivateKey other = *crypto::PrivateKey::Generate();
    Generator gen(/*seed=*/17);
    hsds::PackageWriter writer(hsds::PackageWriter::Output::kTabular);
    for (uint64_t i = 0; i < records; ++i) {
      v1::Record r;
      r.set_origin(other.public_key().HubId());
      r.set_record_id(absl::StrCat("org-", i));
      r.mutable_body()->set_version(1);
      r.mutable_body()->mutable_issued_at()->set_seconds(1780315200);
      *r.mutable_body()->mutable_organization() = gen.Organization(i);
      writer.AddOrganization(hsds::OrganizationToHsds(r));
    }
    for (const hsds::v3::Taxonomy& t : hsds::Taxonomies()) {
      writer.AddTaxonomy(t);
    }
    if (absl::Status s = writer.WriteTabular(package); !s.ok()) return s;
  }
  // The package on disk before the clock starts, as a host's would be: the
  // kernel writing 70 MB of it back during the import took both processes'
  // time.
  ::sync();
  result.generate_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::string import =
      absl::StrCat(bin_dir, "/civhubctl --data-dir '", hub, "' hsds import '",
                   package, "' >/dev/null");
  for (int k = 0; k < std::max(runs, 1); ++k) {
    if (std::system(absl::StrCat("rm -rf '", hub, "'").c_str()) != 0) {
      return absl::InternalError("cannot clear " + hub);
    }
    Daemon daemon(bin_dir, hub, port);
    if (!WaitReady(bin_dir, hub, daemon, absl::Minutes(2))) {
      return absl::UnavailableError("civhubd did not start");
    }
    HsdsImportResult::Run& run = result.runs.emplace_back();
    if (sign_rate_now) run.sign_before = sign_rate_now();
    start = absl::Now();
    if (std::system(import.c_str()) != 0) {
      return absl::InternalError("civhubctl hsds import failed");
    }
    run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (sign_rate_now) run.sign_after = sign_rate_now();
    run.published = Organizations(bin_dir, hub);
    run.records_per_s = static_cast<double>(run.published) / run.seconds;
    if (k + 1 < runs) continue;
    start = absl::Now();
    if (std::system(import.c_str()) != 0) {
      return absl::InternalError("civhubctl hsds import (again) failed");
    }
    result.reimport_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  }
  return result;
}

absl::StatusOr<BootstrapResult> RunBootstrap(const std::string& bin_dir,
                                             const std::string& dataset,
                                             uint64_t records, int base_port) {
  const int full = base_port, relayed = base_port + 9,
            fresh_port = base_port + 10;
  if (absl::Status s = CheckPortsFree(
          {full, full + 1, relayed, fresh_port, fresh_port + 1}, base_port);
      !s.ok()) {
    return s;
  }
  BootstrapResult result;
  const std::string fresh = dataset + "-bootstrap";
  if (std::system(absl::StrCat("rm -rf '", fresh, "'").c_str()) != 0)
    return absl::InternalError("cannot clear " + fresh);
  Daemon a(bin_dir, dataset, full);
  Daemon b(bin_dir, fresh, fresh_port);
  if (!WaitReady(bin_dir, dataset, a, absl::Minutes(2)) ||
      !WaitReady(bin_dir, fresh, b, absl::Minutes(2))) {
    return absl::UnavailableError("civhubd did not start");
  }
  const std::string a_id = JsonField(Ctl(bin_dir, dataset, "status"), "hubId");
  const std::string b_id = JsonField(Ctl(bin_dir, fresh, "status"), "hubId");
  // The new hub reaches the full one through a relay that counts the bytes.
  testing::TcpRelay relay(relayed, full + 1);
  if (!relay.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", relayed));
  }
  Ctl(bin_dir, fresh, absl::StrCat("peer add 127.0.0.1:", relayed, " ", a_id));
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
  result.peak_mb = b.ReadMemory().hwm_mb;
  return result;
}

namespace {

// Starts civhubd on `dir` at `port` and waits for it; nullptr on failure.
std::unique_ptr<Daemon> StartHub(const std::string& bin_dir,
                                 const std::string& dir, int port) {
  auto d = std::make_unique<Daemon>(bin_dir, dir, port);
  if (!WaitReady(bin_dir, dir, *d, absl::Minutes(1))) return nullptr;
  return d;
}

// `b` asks `a` (at `a_port` + 1) for a link; `a` approves.
bool LinkHubs(const std::string& bin_dir, const std::string& a, int a_port,
              const std::string& b) {
  const std::string a_id = JsonField(Ctl(bin_dir, a, "status"), "hubId");
  const std::string b_id = JsonField(Ctl(bin_dir, b, "status"), "hubId");
  Ctl(bin_dir, b, absl::StrCat("peer add 127.0.0.1:", a_port + 1, " ", a_id));
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Minutes(1)) {
    if (Ctl(bin_dir, a, absl::StrCat("peer approve ", b_id)).find("ACTIVE") !=
        std::string::npos) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(100));  // Polling other processes.
  }
  return false;
}

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

}  // namespace

absl::StatusOr<SoakResult> RunSoak(const std::string& bin_dir,
                                   const std::string& dir,
                                   const SoakOptions& options) {
  std::vector<int> ports, taken;
  for (int i = 0; i < options.hubs; ++i) {
    ports.push_back(options.base_port + 20 + 10 * i);
    taken.insert(taken.end(), {ports.back(), ports.back() + 1});
  }
  if (absl::Status s = CheckPortsFree(taken, options.base_port); !s.ok()) {
    return s;
  }
  if (std::system(absl::StrCat("rm -rf '", dir, "'").c_str()) != 0)
    return absl::InternalError("cannot clear " + dir);
  std::vector<std::string> dirs;
  std::vector<std::unique_ptr<Daemon>> hubs;
  for (int i = 0; i < options.hubs; ++i) {
    dirs.push_back(absl::StrCat(dir, "/hub-", i));
    hubs.push_back(StartHub(bin_dir, dirs.back(), ports.back()));
    if (hubs.back() == nullptr) return absl::UnavailableError("civhubd");
  }
  for (int i = 1; i < options.hubs; ++i) {
    if (!LinkHubs(bin_dir, dirs[i - 1], ports[i - 1], dirs[i])) {
      return absl::UnavailableError("could not link the hubs");
    }
  }

  SoakResult result;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> searches{0}, search_errors{0};
  std::atomic<uint64_t> publishes{0}, publish_errors{0};
  std::vector<std::vector<double>> latencies(options.search_clients);
  std::vector<std::thread> threads;
  const char* words[] = {"water", "agua",  "digital", "education",
                         "maji",  "women", "health",  "fondation"};
  const char* countries[] = {"KE", "BR", "IN", "FR", "NG", "PE"};
  // The first errors, with when and where, so a count above zero can be
  // explained.
  const absl::Time began = absl::Now();
  std::atomic<int> errors_shown{0};
  auto show_error = [&](const char* what, int hub, const grpc::Status& s) {
    if (errors_shown++ >= 20) return;
    std::cerr << absl::StrFormat(
        "\nsoak: %s on hub %d failed %.1f s into the run: %s (code %d)\n", what,
        hub, absl::ToDoubleSeconds(absl::Now() - began), s.error_message(),
        static_cast<int>(s.error_code()));
  };
  for (int c = 0; c < options.search_clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = v1::Directory::NewStub(grpc::CreateChannel(
          absl::StrCat("127.0.0.1:", ports[c % options.hubs]),
          grpc::InsecureChannelCredentials()));
      for (uint64_t i = c; !stop; i += options.search_clients) {
        v1::SearchRequest request;
        switch (i % 3) {
          case 0:
            request.set_text(words[i % 8]);
            break;
          case 1:
            request.set_country(countries[i % 6]);
            break;
          case 2:
            request.mutable_near()->set_latitude(-1.2864);
            request.mutable_near()->set_longitude(36.8172);
            request.mutable_near()->set_radius_km(5 + i % 30);
            break;
        }
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
        v1::SearchResponse response;
        const absl::Time t0 = absl::Now();
        grpc::Status s = stub->Search(&ctx, request, &response);
        latencies[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        ++searches;
        if (!s.ok()) {
          ++search_errors;
          show_error("search", c % options.hubs, s);
        }
      }
    });
  }
  // Publishes at a steady rate, alternating between the two ends.
  threads.emplace_back([&] {
    std::vector<std::unique_ptr<v1::Admin::Stub>> admins;
    for (const std::string& d : {dirs.front(), dirs.back()}) {
      admins.push_back(v1::Admin::NewStub(grpc::CreateChannel(
          "unix:" + d + "/admin.sock", grpc::InsecureChannelCredentials())));
    }
    Generator gen(/*seed=*/11);
    const absl::Duration every =
        absl::Seconds(1.0 / std::max(0.1, options.publishes_per_second));
    absl::Time next = absl::Now();
    for (uint64_t i = 0; !stop; ++i) {
      v1::PublishRequest request;
      request.set_record_id(
          absl::StrCat("soak-", options.records > 0 ? i % options.records : i));
      *request.mutable_organization() = gen.Organization(i);
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
      v1::PublishResponse response;
      const grpc::Status s = admins[i % 2]->Publish(&ctx, request, &response);
      if (s.ok()) {
        ++publishes;
      } else {
        ++publish_errors;
        show_error("publish", i % 2 == 0 ? 0 : options.hubs - 1, s);
      }
      next += every;
      absl::SleepFor(next - absl::Now());  // The publishing rate.
    }
  });

  // Memory, every 5 s.
  const absl::Time start = absl::Now();
  const absl::Duration run = absl::Seconds(options.seconds);
  result.memory.assign(options.hubs, {});
  while (absl::Now() - start < run) {
    absl::SleepFor(absl::Seconds(5));  // The sampling period.
    const absl::Duration at = absl::Now() - start;
    const size_t quarter = std::min<size_t>(
        3, static_cast<size_t>(4 * absl::FDivDuration(at, run)));
    for (int h = 0; h < options.hubs; ++h) {
      const Daemon::Memory now = hubs[h]->ReadMemory();
      SoakResult::Memory& high = result.memory[h][quarter];
      high.rss_mb = std::max(high.rss_mb, now.rss_mb);
      high.anon_mb = std::max(high.anon_mb, now.anon_mb);
      high.file_mb = std::max(high.file_mb, now.file_mb);
      const std::string status = Ctl(bin_dir, dirs[h], "status");
      for (auto [field, mb] :
           {std::pair{"heapInUseBytes", &high.heap_in_use_mb},
            std::pair{"heapHeldBytes", &high.heap_held_mb},
            std::pair{"storeCacheBytes", &high.store_cache_mb}}) {
        uint64_t bytes = 0;
        if (absl::SimpleAtoi(JsonField(status, field), &bytes)) {
          *mb = std::max(*mb, static_cast<double>(bytes) / (1 << 20));
        }
      }
    }
    std::cerr << absl::StrFormat("\r  %3.0f s: %d searches, %d publishes",
                                 absl::ToDoubleSeconds(at), searches.load(),
                                 publishes.load())
              << std::flush;
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::cerr << "\n";

  // Convergence: every hub holds every record published, in its last
  // version (no hub knows of a peer lacking anything it holds).
  const uint64_t distinct = options.records > 0
                                ? std::min<uint64_t>(publishes, options.records)
                                : publishes.load();
  const absl::Time quiet = absl::Now();
  while (absl::Now() - quiet < absl::Minutes(1)) {
    bool all = true;
    for (const std::string& d : dirs) {
      all &= Organizations(bin_dir, d) == distinct &&
             NothingBehind(Ctl(bin_dir, d, "peer list"));
    }
    if (all) {
      result.converge_seconds = absl::ToDoubleSeconds(absl::Now() - quiet);
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));  // Polling other processes.
  }

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  result.searches = searches;
  result.search_errors = search_errors;
  result.publishes = publishes;
  result.publish_errors = publish_errors;
  result.p50_ms = Percentile(all, 0.5);
  result.p99_ms = Percentile(all, 0.99);
  result.p999_ms = Percentile(all, 0.999);
  result.max_ms = all.empty() ? 0 : all.back();
  result.qps = static_cast<double>(result.searches) / seconds;
  return result;
}

namespace {

// Where civhubd and civhubctl are: next to the build's bench/ directory.
std::string BinDir(const std::string& kind) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir(self, n > 0 ? static_cast<size_t>(n) : 0);
  dir = dir.substr(0, dir.rfind('/'));  // build/bench
  dir = dir.substr(0, dir.rfind('/'));  // build
  return kind == "civhubd" ? dir + "/server" : dir + "/admin-cli";
}

}  // namespace

// civhubd and civhubctl side by side in `bin`, as scripts/run installs
// them; false (and a message naming `workload`) if they cannot be linked.
bool LinkBinaries(const std::string& bin, absl::string_view workload) {
  if (std::system(absl::StrCat("mkdir -p '", bin, "' && ln -sf '",
                               BinDir("civhubd"), "/civhubd' '",
                               BinDir("civhubctl"), "/civhubctl' '", bin, "/'")
                      .c_str()) != 0) {
    std::cerr << workload << ": cannot find civhubd and civhubctl\n";
    return false;
  }
  return true;
}

void ProcessWorkloads(const std::string& data, uint64_t records, bool memory,
                      bool bootstrap, double verify_per_s, unsigned cores,
                      int base_port, std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureDataset(data, records);
  if (!dataset.ok()) {
    ReportFailure("processes", dataset.status());
    return;
  }
  const std::string bin = *dataset + "-bin";
  if (!LinkBinaries(bin, "processes")) return;
  auto row = [&](std::string workload, std::string metric, double value,
                 std::string baseline, double baseline_value) {
    results->push_back({std::move(workload), std::move(metric), value,
                        std::move(baseline), baseline_value, "records",
                        static_cast<double>(records)});
  };
  if (memory) {
    std::cerr << "memory: civhubd serving " << records << " records...\n";
    absl::StatusOr<MemoryResult> m = RunMemory(bin, *dataset, base_port);
    if (!m.ok()) {
      ReportFailure("memory", m.status());
    } else {
      row("memory", absl::StrCat("RSS MB, ", records, " records"), m->rss_mb,
          "target: 1 GiB", 1024);
      row("memory", "peak RSS MB", m->peak_mb, "target: 1 GiB", 1024);
      row("memory", "seconds to start", m->start_seconds, "", 0);
    }
  }
  if (bootstrap) {
    std::cerr << "bootstrap: a new hub linked to one of " << records
              << " records...\n";
    absl::StatusOr<BootstrapResult> b =
        RunBootstrap(bin, *dataset, records, base_port);
    if (!b.ok()) {
      ReportFailure("bootstrap", b.status());
    } else {
      row("bootstrap", "seconds to hold every record", b->seconds,
          absl::StrCat("verify bound, ", cores, " cores, s"),
          static_cast<double>(records) / (verify_per_s * cores));
      row("bootstrap", "records/s", b->records_per_s,
          absl::StrCat("verify bound, ", cores, " cores"),
          verify_per_s * cores);
      // Issue 19's bound for a bootstrapping hub (the 1 GiB above is the
      // serving hub's, from an earlier issue).
      row("bootstrap", "peak RSS MB of the new hub", b->peak_mb,
          "target: 512 MB", 512);
      absl::StatusOr<uint64_t> record_bytes = DatasetRecordBytes(*dataset);
      row("bootstrap", "MB to the new hub (TLS)",
          static_cast<double>(b->bytes_down) / 1e6, "signed records, MB",
          record_bytes.ok() ? static_cast<double>(*record_bytes) / 1e6 : 0);
      row("bootstrap", "kB from the new hub (TLS)",
          static_cast<double>(b->bytes_up) / 1e3, "", 0);
    }
  }
}

// `soak`: hubs under search and publish load (docs/reliability.md).
void SoakWorkload(const std::string& data, const SoakOptions& options,
                  std::vector<Result>* results) {
  const std::string bin = data + "/soak-bin";
  if (!LinkBinaries(bin, "soak")) return;
  std::cerr << "soak: " << options.hubs << " hubs, " << options.search_clients
            << " search clients, " << options.publishes_per_second
            << " publishes/s"
            << (options.records > 0
                    ? absl::StrCat(" over ", options.records, " organizations")
                    : std::string(" of new organizations"))
            << " for " << options.seconds << " s...\n";
  absl::StatusOr<SoakResult> r = RunSoak(bin, data + "/soak", options);
  if (!r.ok()) {
    ReportFailure("soak", r.status());
    return;
  }
  const WorkloadRows row(results, "soak", "hubs",
                         static_cast<double>(options.hubs));
  row("searches", static_cast<double>(r->searches));
  row("search errors", static_cast<double>(r->search_errors), "target", 0);
  row("searches/s (all hubs)", r->qps);
  row("search p50 ms", r->p50_ms);
  row("search p99 ms", r->p99_ms);
  row("search p99.9 ms", r->p999_ms);
  row("search max ms", r->max_ms);
  row("publishes", static_cast<double>(r->publishes));
  row("publish errors", static_cast<double>(r->publish_errors), "target", 0);
  for (size_t h = 0; h < r->memory.size(); ++h) {
    const auto& m = r->memory[h];
    for (int q = 1; q < 4; ++q) {
      row(absl::StrCat("hub ", h, " RSS MB, quarter ", q + 1, " (max)"),
          m[q].rss_mb, "quarter 1 (warm-up)", m[0].rss_mb);
    }
    for (int q = 1; q < 4; ++q) {
      row(absl::StrCat("hub ", h, " RssAnon MB, quarter ", q + 1), m[q].anon_mb,
          "quarter 1 (warm-up)", m[0].anon_mb);
    }
    row(absl::StrCat("hub ", h, " RssFile MB, quarter 4"), m[3].file_mb,
        "quarter 1 (warm-up)", m[0].file_mb);
    for (int q = 1; q < 4; ++q) {
      row(absl::StrCat("hub ", h, " heap in use MB, quarter ", q + 1),
          m[q].heap_in_use_mb, "quarter 1 (warm-up)", m[0].heap_in_use_mb);
    }
    row(absl::StrCat("hub ", h, " heap held MB, quarter 4"), m[3].heap_held_mb,
        "quarter 1 (warm-up)", m[0].heap_held_mb);
    row(absl::StrCat("hub ", h, " LevelDB caches MB, quarter 4"),
        m[3].store_cache_mb, "quarter 1 (warm-up)", m[0].store_cache_mb);
  }
  row("seconds to converge after the load", r->converge_seconds);
}

void HsdsImportWorkload(const std::string& data, uint64_t records,
                        double sign_per_s, int base_port,
                        std::vector<Result>* results,
                        const std::function<double()>& sign_rate_now) {
  const int runs = sign_rate_now ? 3 : 1;
  std::cerr << "hsds-import: a package of " << records
            << " organizations into a new hub, " << runs << " time"
            << (runs > 1 ? "s" : "") << "...\n";
  const std::string bin = data + "/hsds-bin";
  absl::StatusOr<HsdsImportResult> h =
      LinkBinaries(bin, "hsds-import")
          ? RunHsdsImport(bin, data, records, base_port, runs, sign_rate_now)
          : absl::StatusOr<HsdsImportResult>(absl::NotFoundError("no civhubd"));
  if (!h.ok()) {
    ReportFailure("hsds-import", h.status());
    return;
  }
  const WorkloadRows row(results, "hsds-import", "records",
                         static_cast<double>(records));
  // Each run against the signing rate around it: the mean of the rates just
  // before and just after, or `sign_per_s` without them.
  auto baseline = [&](const HsdsImportResult::Run& r) {
    return sign_rate_now ? (r.sign_before + r.sign_after) / 2 : sign_per_s;
  };
  std::vector<const HsdsImportResult::Run*> by_ratio;
  for (size_t k = 0; k < h->runs.size(); ++k) {
    const HsdsImportResult::Run& r = h->runs[k];
    by_ratio.push_back(&r);
    if (h->runs.size() == 1) break;
    row(absl::StrCat("import ", k + 1, ": records/s"), r.records_per_s,
        "openssl sign/s, 1 core, mean of just before and just after",
        baseline(r));
    row(absl::StrCat("import ", k + 1, ": seconds"), r.seconds, "", 0);
    row(absl::StrCat("import ", k + 1, ": openssl sign/s before, after"),
        r.sign_before, "after", r.sign_after);
  }
  std::sort(by_ratio.begin(), by_ratio.end(), [&](auto* a, auto* b) {
    return a->records_per_s / baseline(*a) < b->records_per_s / baseline(*b);
  });
  const HsdsImportResult::Run& median = *by_ratio[by_ratio.size() / 2];
  row(h->runs.size() > 1
          ? "records/s (civhubctl hsds import), the run of the median ratio"
          : "records/s (civhubctl hsds import)",
      median.records_per_s,
      sign_rate_now ? "openssl sign/s around it, 1 core (target 0.5)"
                    : "openssl sign/s, 1 core (target 0.5)",
      baseline(median));
  row("seconds to import", median.seconds, "", 0);
  row("seconds to re-import (unchanged)", h->reimport_seconds, "", 0);
  row("organizations held after", static_cast<double>(median.published),
      "organizations in the package", static_cast<double>(records));
  row("seconds to write the package", h->generate_seconds, "", 0);
}

}  // namespace civhub::bench
