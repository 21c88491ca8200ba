// civhubd: the civhub hub node. Parses flags, starts the hub, waits for
// SIGINT or SIGTERM.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "node/check_report.h"
#include "node/storage/check.h"
#include "node/storage/store.h"
#include "server/config_file.h"
#include "server/grpc_log.h"
#include "server/hub_server.h"
#include "server/listen_address.h"
#include "server/process_memory.h"

namespace {

// How the user should invoke civhubctl: from the same directory as civhubd
// if it is there (./bin/civhubctl after ./scripts/run), else from PATH.
std::string CtlCommand(const char* argv0) {
  std::string self(argv0);
  size_t slash = self.rfind('/');
  if (slash == std::string::npos) return "civhubctl";
  std::string sibling = self.substr(0, slash + 1) + "civhubctl";
  return ::access(sibling.c_str(), X_OK) == 0 ? sibling : "civhubctl";
}

// This machine's host name ("localhost" if it has none).
std::string HostName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    return "localhost";
  }
  return host;
}

void PrintBanner(const civhub::server::HubServer& server,
                 const std::string& data_dir_flag, const std::string& ctl_path,
                 bool https) {
  const auto& id = server.hub().id();
  std::string ctl = ctl_path;
  if (data_dir_flag != "./var/hub") ctl += " --data-dir " + data_dir_flag;
  std::cout << (server.key_created() ? "civhub: created a new hub key\n" : "")
            << "civhub hub is running\n"
            << "  hub id:       " << id.HubId() << "\n"
            << "  fingerprint:  " << id.Fingerprint() << "\n"
            << "  data dir:     " << server.data_dir() << "\n"
            << "  directory:    " << server.public_address()
            << "  (public gRPC, read-only)\n"
            << "  federation:   " << server.federation_address()
            << "  (mutual TLS, for peer hubs)\n"
            << "  admin socket: " << server.admin_socket() << "  (mode 0600)\n";
  // A URL a person can open: 0.0.0.0 is no address to browse to.
  const auto url_line = [](const char* label, const std::string& scheme,
                           const std::string& bound, const char* path,
                           const char* note) {
    bool all_interfaces = false;
    const std::string openable =
        civhub::server::OpenableAddress(bound, &all_interfaces);
    std::cout << "  " << label << scheme << openable << path << "  " << note
              << "\n";
    if (all_interfaces) {
      std::cout << "                listening on all interfaces: from another "
                   "machine, "
                << scheme << HostName() << ":"
                << openable.substr(openable.rfind(':') + 1) << path << "\n";
    }
  };
  if (!server.http_address().empty()) {
    url_line("web:          ", https ? "https://" : "http://",
             server.http_address(), "/",
             "(directory for people; JSON API at /v1/, HSDS at /hsds/)");
  }
  if (!server.metrics_address().empty()) {
    url_line("metrics:      ", "http://", server.metrics_address(), "/metrics",
             "(Prometheus; also /healthz, /readyz)");
  }
  std::cout << "Try, in another terminal:\n"
            << "  " << ctl << " status\n"
            << "  " << ctl
            << " org put examples/organizations/maji-safi-kenya.json\n"
            << "  " << ctl << " search water\n"
            << "Link to another hub (its admin then runs `peer approve`):\n"
            << "  " << ctl << " peer add HOST:PORT HUB_ID\n"
            << "or with a token its admin made (civhubctl peer invite):\n"
            << "  " << ctl << " peer add --invite TOKEN\n"
            << "Stop with Ctrl-C.\n"
            << std::flush;
}

// civhubd --check: 0 if the store is sound; 1 if not, or if it is too
// damaged to open; 2 if there is nothing to check (no hub at `data_dir`)
// or it cannot be checked now (a civhubd runs on it: `civhubctl check`
// then). Never creates a store: an empty one would check as sound.
int CheckStore(const std::string& data_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) {
    std::cerr << "civhubd: there is no data dir " << data_dir
              << ", so nothing to check; give the hub's own with --data-dir "
                 "(the default is ./var/hub)\n";
    return 2;
  }
  civhub::node::StoreOptions store_options;
  store_options.path = data_dir + "/store";
  store_options.must_exist = true;
  absl::StatusOr<std::unique_ptr<civhub::node::Store>> store =
      civhub::node::Store::Open(store_options);
  if (!store.ok()) {
    if (civhub::node::IsStoreLocked(store.status())) {
      std::cerr << "civhubd: a civhubd is running on " << data_dir
                << "; stop it first, or check it while it runs with "
                   "`civhubctl --data-dir "
                << data_dir << " check`\n";
    } else if (absl::IsNotFound(store.status())) {
      std::cerr << "civhubd: " << data_dir
                << " holds no hub store (its store/ is missing or empty), so "
                   "nothing to check; give the hub's own data dir with "
                   "--data-dir\n";
    } else {
      std::cerr << "civhubd: " << store.status().message() << "\n";
      if (absl::IsDataLoss(store.status())) return 1;
    }
    return 2;
  }
  absl::StatusOr<civhub::v1::CheckReport> report =
      civhub::node::CheckStore(**store);
  if (!report.ok()) {
    std::cerr << "civhubd: cannot read the store: " << report.status().message()
              << "\n";
    return 2;
  }
  // The store can be sound and the hub still not start: without its key
  // civhubd refuses a store that holds records (HubNode::Open).
  const std::string key_file = data_dir + "/hub.key";
  if ((*store)->last_change() > 0 && !std::filesystem::exists(key_file, ec)) {
    report->set_problem_count(report->problem_count() + 1);
    report->add_problems(absl::StrCat(
        "the hub key ", key_file,
        " is missing, so the hub will not start with this store: restore "
        "hub.key from your backup (docs/operations.md, \"The key\")"));
  }
  std::cout << civhub::node::FormatCheckReport(*report);
  return report->problem_count() == 0 ? 0 : 1;
}

// A CLI11 check that a value is HOST:PORT (the port 0–65535, or 1–65535),
// or "off" if `allow_off`; its error's example is on `example_port`, the
// flag's default. One check, not CLI11's `IsMember | …`, whose error
// would wrap this one in "(… not in {off}) OR (…)".
CLI::Validator HostPortCheck(bool allow_port_zero, int example_port,
                             bool allow_off = false) {
  return CLI::Validator(
      [allow_port_zero, example_port,
       allow_off](std::string& value) -> std::string {
        if (allow_off && value == "off") return "";
        absl::StatusOr<civhub::server::HostPort> hp =
            civhub::server::ParseHostPort(value, allow_port_zero, example_port);
        return hp.ok() ? "" : std::string(hp.status().message());
      },
      allow_off ? "HOST:PORT|off" : "HOST:PORT");
}

// The value of a profile flag if it was set (on the command line or in the
// settings file); nullopt keeps the published one.
std::optional<std::string> IfGiven(const CLI::App& app, const char* flag,
                                   const std::string& value) {
  if (app.count(flag) == 0) return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  civhub::server::LimitMallocArenas();
  CLI::App app{"civhubd: a civhub hub node"};
  app.set_version_flag("--version", "civhubd " CIVHUB_VERSION);
  civhub::server::ServerOptions options;
  std::string log_level = "info";
  std::string config_file;
  app.add_option("--config", config_file,
                 "Settings file: `key = value` lines, a key for each flag "
                 "below (listen = \"0.0.0.0:7340\"); flags given here win. "
                 "Default: DATA_DIR/civhubd.conf if it exists")
      ->configurable(false);
  app.add_option("--data-dir", options.data_dir,
                 "Directory for the hub key, store and admin socket")
      ->capture_default_str();
  app.add_option("--listen", options.listen,
                 "HOST:PORT for the public Directory service (port 0: any)")
      ->capture_default_str()
      ->check(HostPortCheck(/*allow_port_zero=*/true,
                            civhub::server::kDefaultListenPort));
  app.add_option("--tls-cert", options.tls_cert_file,
                 "PEM certificate chain: serve the Directory over TLS");
  app.add_option("--tls-key", options.tls_key_file,
                 "PEM private key for --tls-cert");
  app.add_option("--peer-listen", options.peer_listen,
                 "HOST:PORT for federation with other hubs (mutual TLS)")
      ->capture_default_str()
      ->check(HostPortCheck(/*allow_port_zero=*/true,
                            civhub::server::kDefaultPeerListenPort));
  std::string http_listen = options.gateway.http.listen;
  app.add_option("--http-listen", http_listen,
                 "HOST:PORT for HTTP: the JSON API, the web directory, "
                 "/metrics, /healthz (port 0: any; \"off\": no HTTP)")
      ->capture_default_str()
      ->check(HostPortCheck(/*allow_port_zero=*/true,
                            civhub::server::kDefaultHttpListenPort,
                            /*allow_off=*/true));
  app.add_option("--metrics-listen", options.gateway.metrics_listen,
                 "HOST:PORT serving only /metrics, /healthz and /readyz, to "
                 "anyone who can reach it (default: none; /metrics is then "
                 "served on --http-listen to loopback clients only)")
      ->check(HostPortCheck(/*allow_port_zero=*/true,
                            civhub::server::kDefaultMetricsListenPort));
  app.add_option("--web-url", options.gateway.web_url,
                 "The public address of this hub's web directory, e.g. "
                 "https://hub.example.org: the calendar feed "
                 "(/v1/events.ics) links each event's page there")
      ->check([](const std::string& url) -> std::string {
        if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) {
          return "";
        }
        return "--web-url: \"" + url +
               "\" is not an http(s):// URL, such as "
               "https://hub.example.org";
      });
  app.add_option("--http-tls-cert", options.gateway.http.tls_cert_file,
                 "PEM certificate chain: serve HTTP over TLS (HTTPS)");
  app.add_option("--http-tls-key", options.gateway.http.tls_key_file,
                 "PEM private key for --http-tls-cert");
  // Limits on what each HTTP client may hold (docs/operations.md, "Limits").
  civhub::http::HttpLimits& http_limits = options.gateway.http.limits;
  app.add_option("--http-max-connections-per-client",
                 http_limits.max_connections_per_client,
                 "HTTP port: connections one client (IPv4 address, IPv6 /64) "
                 "may hold open")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--http-max-connections", http_limits.max_connections,
                 "HTTP port: connections in all (lowered to fit the "
                 "open-file limit)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--http-requests-per-second", http_limits.requests_per_second,
                 "HTTP requests one client may send a second on average; "
                 "more get 429 with Retry-After (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--http-request-burst", http_limits.request_burst,
                 "HTTP requests one client may send at once, above its rate")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  app.add_option("--http-max-change-streams",
                 options.gateway.changes.max_streams,
                 "/v1/changes streams open at once, all clients together")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--http-max-change-streams-per-client",
                 options.gateway.changes.max_streams_per_client,
                 "/v1/changes streams one client address may hold open")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  double http_request_timeout_seconds =
      absl::ToDoubleSeconds(http_limits.request_timeout);
  app.add_option("--http-request-timeout", http_request_timeout_seconds,
                 "Seconds a client has to send a whole HTTP request (and to "
                 "finish the TLS handshake); slower ones are closed")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--advertise", options.advertise,
                 "HOST:PORT other hubs should dial (default: --peer-listen)")
      ->check(HostPortCheck(/*allow_port_zero=*/false,
                            civhub::server::kDefaultPeerListenPort));
  // The profile is kept: a flag not given leaves the published value.
  std::string name, region, contact;
  app.add_option("--name", name,
                 "This hub's name in its profile (kept across restarts; "
                 "first default: civhub on HOSTNAME)");
  app.add_option("--region", region,
                 "ISO 3166-1 or 3166-2 code of the region this hub serves "
                 "(kept; \"\" clears it)");
  app.add_option("--contact", contact,
                 "Email or https:// URL of the host (kept; \"\" clears it)");
  double sync_seconds = absl::ToDoubleSeconds(options.sync_interval);
  app.add_option("--max-connections-per-client",
                 options.public_connections.per_client,
                 "Directory port: connections one client (IPv4 address, "
                 "IPv6 /64) may hold")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--max-connections", options.public_connections.total,
                 "Directory port: connections in all (lowered to fit the "
                 "open-file limit)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--peer-max-connections-per-client",
                 options.federation_connections.per_client,
                 "Federation port: connections one client may hold")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--peer-max-connections", options.federation_connections.total,
                 "Federation port: connections in all (lowered to fit the "
                 "open-file limit)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--sync-interval", sync_seconds,
                 "Seconds between anti-entropy rounds with each peer")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 3600.0));
  // Limits on what each client of the public Directory may hold.
  civhub::server::DirectoryLimits& limits = options.directory_limits;
  app.add_option("--max-calls-per-client", limits.calls.max_calls_per_client,
                 "Directory calls one client address (IPv6: /64) may have "
                 "queued or running; more are refused")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-queued-calls", limits.calls.max_queued_calls,
                 "Directory calls waiting for a worker, all clients together")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-watch-streams", limits.watch.max_streams,
                 "Watch streams open at once, all clients together")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-watch-streams-per-client",
                 limits.watch.max_streams_per_client,
                 "Watch streams one client address may hold open")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  double watch_idle_seconds = absl::ToDoubleSeconds(limits.watch.idle_timeout);
  app.add_option("--watch-idle-timeout", watch_idle_seconds,
                 "Seconds a caught-up Watch stream (gRPC Watch or /v1/changes) "
                 "may wait for a change before it is ended (the client "
                 "resumes from its cursor)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  double search_deadline_seconds =
      absl::ToDoubleSeconds(limits.search_deadline);
  app.add_option("--search-deadline", search_deadline_seconds,
                 "Seconds a Directory call may take before DEADLINE_EXCEEDED "
                 "(a client's own sooner deadline wins)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(
          CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  bool check = false;
  app.add_flag("--check", check,
               "Check the stopped hub's store and exit: verify every "
               "signature again, cross-check every index (exit status 1 if "
               "anything is wrong)")
      ->configurable(false);
  CLI11_PARSE(app, argc, argv);
  // The settings file: --config, else DATA_DIR/civhubd.conf of the data dir
  // the command line names (a file inside the data dir cannot move it).
  const bool config_given = !config_file.empty();
  if (!config_given) config_file = options.data_dir + "/civhubd.conf";
  std::error_code ec;
  if (config_given || std::filesystem::exists(config_file, ec)) {
    if (absl::Status st = civhub::server::ApplyConfigFile(
            app, config_file, /*may_set_data_dir=*/config_given);
        !st.ok()) {
      std::cerr << "civhubd: " << st.message() << "\n";
      return 2;
    }
  }
  options.sync_interval = absl::Seconds(sync_seconds);
  http_limits.request_timeout = absl::Seconds(http_request_timeout_seconds);
  limits.watch.idle_timeout = absl::Seconds(watch_idle_seconds);
  options.gateway.changes.idle_timeout = limits.watch.idle_timeout;
  limits.search_deadline = absl::Seconds(search_deadline_seconds);
  options.name = IfGiven(app, "--name", name);
  options.region = IfGiven(app, "--region", region);
  options.contact = IfGiven(app, "--contact", contact);
  if (check) return CheckStore(options.data_dir);

  auto logger = spdlog::stderr_color_mt("civhubd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  civhub::server::RouteGrpcLogToSpdlog();

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  options.gateway.http.listen = http_listen == "off" ? "" : http_listen;
  absl::StatusOr<std::unique_ptr<civhub::server::HubServer>> server =
      civhub::server::HubServer::Start(options);
  if (!server.ok()) {
    std::cerr << "civhubd: " << server.status().message() << "\n";
    return 1;
  }
  PrintBanner(**server, options.data_dir, CtlCommand(argv[0]),
              !options.gateway.http.tls_cert_file.empty());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, shutting down",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown();
  return 0;
}
