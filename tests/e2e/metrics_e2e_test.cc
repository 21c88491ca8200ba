// /metrics as Prometheus reads it: a real civhubd publishes and searches,
// then its /metrics is fetched and parsed by Debian's python3-prometheus-
// client (the same text parser family Prometheus implements), and the
// families a dashboard needs hold sensible values. /metrics on the HTTP
// port refuses a client on a non-loopback address; --metrics-listen
// answers it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/hub_process.h"
#include "tests/testutil.h"

namespace civhub::testing {
namespace {

// Fetches `url` (argv[1]) with tests/http_fetch.py (argv[2]: its folder)
// and, for /metrics, parses the body with prometheus_client's parser;
// prints "status N", then "family NAME TYPE" and "sample NAME{k=v,…} VALUE"
// lines (labels sorted), or the error body.
constexpr char kScrape[] = R"(
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from http_fetch import get_url
from prometheus_client.parser import text_string_to_metric_families
status, headers, body = get_url(sys.argv[1])
print("status", status)
if status >= 400:
    print(body.decode())
    sys.exit(0)
print("content-type", headers["content-type"])
if not sys.argv[1].endswith("/metrics"):
    sys.exit(0)
for f in text_string_to_metric_families(body.decode()):
    print("family", f.name, f.type)
    for s in f.samples:
        labels = ",".join(k + "=" + v for k, v in sorted(s.labels.items()))
        print("sample", s.name + "{" + labels + "}", repr(float(s.value)))
)";

struct Scrape {
  int status = 0;
  std::string content_type;
  std::string raw;
  std::map<std::string, std::string> families;  // name -> type
  std::map<std::string, double> samples;        // "name{k=v}" -> value

  double Value(const std::string& sample) const {
    auto it = samples.find(sample);
    return it == samples.end() ? -1 : it->second;
  }
};

Scrape Fetch(const std::string& url) {
  RunResult run = RunProgram(
      {"/usr/bin/python3", "-c", kScrape, url, SourceDir() + "/tests"});
  Scrape s;
  s.raw = run.out + run.err;
  EXPECT_EQ(run.exit_code, 0) << s.raw;
  for (absl::string_view line : absl::StrSplit(run.out, '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() == 2 && f[0] == "status") {
      (void)absl::SimpleAtoi(f[1], &s.status);
    } else if (f.size() >= 2 && f[0] == "content-type") {
      s.content_type = std::string(line.substr(13));
    } else if (f.size() == 3 && f[0] == "family") {
      s.families[f[1]] = f[2];
    } else if (f.size() == 3 && f[0] == "sample") {
      double v = 0;
      if (absl::SimpleAtod(f[2], &v)) s.samples[f[1]] = v;
    }
  }
  return s;
}

// Each family of `expected` (name as prometheus_client gives it: a counter
// without its _total) is in `m`, with its type.
void ExpectFamilies(const Scrape& m,
                    const std::map<std::string, std::string>& expected) {
  for (const auto& [name, type] : expected) {
    auto it = m.families.find(name);
    if (it == m.families.end()) {
      ADD_FAILURE() << name << " missing:\n" << m.raw;
      continue;
    }
    EXPECT_EQ(it->second, type) << name;
  }
}

TEST(MetricsE2eTest, PrometheusParsesMetricsWithWhatTheHubDid) {
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  ASSERT_TRUE(hub.Start());
  ASSERT_EQ(
      hub.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")})
          .exit_code,
      0);
  RunResult search = hub.Ctl({"search", "water"});
  ASSERT_EQ(search.exit_code, 0) << search.err;
  // A refused publish: a record id that is not valid.
  EXPECT_NE(hub.Ctl({"record", "rm", "NOT A VALID ID"}).exit_code, 0);
  // An HTTP 200 before the scrape (the scrape's own is counted after it).
  ASSERT_EQ(Fetch("http://" + hub.http_address() + "/healthz").status, 200);
  // A match with ad-hoc criteria.
  ASSERT_EQ(Fetch("http://" + hub.http_address() +
                  "/v1/match?want=offer&capability=website")
                .status,
            200);

  Scrape m = Fetch("http://" + hub.http_address() + "/metrics");
  ASSERT_EQ(m.status, 200) << m.raw;
  EXPECT_TRUE(absl::StartsWith(m.content_type, "text/plain; version=0.0.4"))
      << m.content_type;

  // prometheus_client names a counter family without its _total.
  const std::map<std::string, std::string> expected = {
      {"civhub_records", "gauge"},
      {"civhub_origins", "gauge"},
      {"civhub_peers", "gauge"},
      {"civhub_records_ingested", "counter"},
      {"civhub_records_refused", "counter"},
      {"civhub_search_duration_seconds", "histogram"},
      {"civhub_match_duration_seconds", "histogram"},
      {"civhub_http_requests", "counter"},
      {"civhub_http_request_duration_seconds", "histogram"},
      {"civhub_grpc_requests", "counter"},
      {"civhub_grpc_request_duration_seconds", "histogram"},
      {"civhub_store_size_bytes", "gauge"},
      {"civhub_store_read_only", "gauge"},
      {"civhub_memory_resident_bytes", "gauge"},
      {"civhub_uptime_seconds", "gauge"},
      {"civhub_build_info", "gauge"},
  };
  ExpectFamilies(m, expected);
  if (HasFailure()) return;
  EXPECT_GE(m.Value("civhub_records{kind=organization}"), 1) << m.raw;
  // Every kind is counted, the ones issues 17 and 18 added too (they were
  // missing: an operator could not watch needs or events).
  for (const char* kind :
       {"service", "need", "offer", "event", "registration"}) {
    EXPECT_EQ(m.Value(absl::StrCat("civhub_records{kind=", kind, "}")), 0)
        << kind << "\n"
        << m.raw;
  }
  EXPECT_EQ(m.Value("civhub_origins{}"), 1);
  EXPECT_GE(
      m.Value("civhub_records_ingested_total{outcome=applied,source=publish}"),
      2)  // The profile and the organization.
      << m.raw;
  EXPECT_EQ(m.Value("civhub_records_refused_total{reason=invalid_argument,"
                    "source=publish}"),
            1)
      << m.raw;
  EXPECT_EQ(
      m.Value("civhub_search_duration_seconds_count{api=grpc,class=text}"), 1)
      << m.raw;
  EXPECT_EQ(m.Value("civhub_search_duration_seconds_bucket{api=grpc,class=text,"
                    "le=+Inf}"),
            1)
      << m.raw;
  EXPECT_EQ(m.Value("civhub_match_duration_seconds_count{api=http,"
                    "subject=criteria}"),
            1)
      << m.raw;
  EXPECT_GE(m.Value("civhub_http_requests_total{code=200,method=GET}"), 1)
      << m.raw;
  EXPECT_GE(m.Value("civhub_grpc_requests_total{code=OK,method=civhub.v1."
                    "Directory/Search,server=admin}"),
            1)
      << m.raw;
  EXPECT_EQ(m.Value("civhub_store_read_only{}"), 0);
  EXPECT_GT(m.Value("civhub_store_size_bytes{}"), 0);
  EXPECT_GT(m.Value("civhub_memory_resident_bytes{}"), 1 << 20);
  EXPECT_EQ(m.Value("civhub_peers{state=active}"), 0);
}

// The issue asked for sync rounds, bytes and errors per peer; /metrics had
// none. Two linked hubs each count their calls to the other under its hub
// id; a publish grows the publisher's push bytes; a link removed takes its
// series away.
TEST(MetricsE2eTest, PerPeerSeriesAppearGrowAndGoWithTheLink) {
  TempDir dir;
  HubProcess a(dir.Sub("a")), b(dir.Sub("b"));
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  ASSERT_TRUE(LinkHubs(a, b));
  const std::string of_b = "{peer=" + b.hub_id() + "}";
  const std::string of_a = "{peer=" + a.hub_id() + "}";
  const auto scrape = [](const HubProcess& hub) {
    return Fetch("http://" + hub.http_address() + "/metrics");
  };
  // Each side's rounds with the other complete.
  ASSERT_TRUE(WaitFor([&] {
    return scrape(a).Value("civhub_peer_sync_rounds_completed_total" + of_b) >=
               1 &&
           scrape(b).Value("civhub_peer_sync_rounds_completed_total" + of_a) >=
               1;
  }));
  Scrape before = scrape(a);
  const std::map<std::string, std::string> families = {
      {"civhub_peer_sync_rounds_started", "counter"},
      {"civhub_peer_sync_rounds_completed", "counter"},
      {"civhub_peer_calls", "counter"},
      {"civhub_peer_sent_bytes", "counter"},
      {"civhub_peer_received_bytes", "counter"},
      {"civhub_peer_errors", "counter"},
  };
  ExpectFamilies(before, families);
  if (HasFailure()) return;
  EXPECT_GE(before.Value("civhub_peer_sync_rounds_started_total" + of_b),
            before.Value("civhub_peer_sync_rounds_completed_total" + of_b));
  EXPECT_GT(before.Value("civhub_peer_sent_bytes_total" + of_b), 0)
      << before.raw;
  EXPECT_EQ(before.Value("civhub_peer_errors_total{kind=unavailable,peer=" +
                         b.hub_id() + "}"),
            0)
      << before.raw;
  // A series at 0, not missing, for an alert to watch.
  EXPECT_EQ(before.Value("civhub_peer_forked_origins" + of_b), 0) << before.raw;
  EXPECT_EQ(before.Value("civhub_records_refused_total{reason=store_read_only,"
                         "source=ingest}"),
            0)
      << before.raw;
  const std::string pushes =
      "civhub_peer_calls_total{call=push,peer=" + b.hub_id() + "}";

  // A publish on `a` reaches `b`, and `a`'s counts of `b` grow.
  RunResult put =
      a.Ctl({"org", "put", Example("organizations/maji-safi-kenya.json")});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  ASSERT_TRUE(WaitFor([&] {
    return absl::StrContains(b.Ctl({"search", "water"}).out, "Maji");
  })) << b.log();
  ASSERT_TRUE(WaitFor([&] {
    Scrape after = scrape(a);
    return after.Value(pushes) > before.Value(pushes) &&
           after.Value("civhub_peer_sent_bytes_total" + of_b) >
               before.Value("civhub_peer_sent_bytes_total" + of_b) + 500 &&
           after.Value("civhub_peer_sync_rounds_completed_total" + of_b) >
               before.Value("civhub_peer_sync_rounds_completed_total" + of_b);
  })) << scrape(a).raw;

  // The link removed on `a`: both hubs drop the other's series.
  RunResult remove = a.Ctl({"peer", "remove", b.hub_id()});
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  ASSERT_TRUE(WaitFor([&] {
    return !absl::StrContains(scrape(a).raw, b.hub_id()) &&
           !absl::StrContains(scrape(b).raw, a.hub_id());
  })) << scrape(a).raw
      << scrape(b).raw;
}

// The machine's first IPv4 address that is up and not loopback; "" if none.
std::string NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0)
      continue;
    char text[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) found = text;
  }
  freeifaddrs(list);
  return found;
}

// "0.0.0.0:41234" -> "41234".
std::string Port(const std::string& address) {
  return address.substr(address.rfind(':') + 1);
}

TEST(MetricsE2eTest, HttpPortRefusesRemoteScrapersMetricsListenAnswersThem) {
  const std::string ip = NonLoopbackAddress();
  if (ip.empty())
    GTEST_SKIP() << "no non-loopback IPv4 address to connect from";
  TempDir dir;
  HubProcess hub(dir.Sub("hub"));
  hub.set_http_listen("0.0.0.0:0");
  ASSERT_TRUE(hub.Start({"--metrics-listen", "0.0.0.0:0"}));
  // The banner names the metrics address: "metrics: http://0.0.0.0:P/metrics".
  std::ifstream banner(hub.data_dir() + ".stdout");
  std::string line, metrics_port;
  while (std::getline(banner, line)) {
    if (absl::StrContains(line, "metrics:")) {
      const size_t at = line.find("http://") + 7;
      metrics_port = Port(line.substr(at, line.find("/metrics") - at));
    }
  }
  ASSERT_FALSE(metrics_port.empty()) << hub.log();

  Scrape remote =
      Fetch("http://" + ip + ":" + Port(hub.http_address()) + "/metrics");
  EXPECT_EQ(remote.status, 403) << remote.raw;
  EXPECT_TRUE(absl::StrContains(remote.raw, "--metrics-listen")) << remote.raw;
  // The same port answers a loopback client.
  EXPECT_EQ(
      Fetch("http://127.0.0.1:" + Port(hub.http_address()) + "/metrics").status,
      200);
  Scrape scraper = Fetch("http://" + ip + ":" + metrics_port + "/metrics");
  EXPECT_EQ(scraper.status, 200) << scraper.raw;
  EXPECT_EQ(scraper.families.count("civhub_records"), 1u) << scraper.raw;
  EXPECT_EQ(Fetch("http://" + ip + ":" + metrics_port + "/readyz").status, 200);
  // Only metrics and health there: not the API.
  EXPECT_EQ(Fetch("http://" + ip + ":" + metrics_port + "/v1/hub").status, 404);
}

}  // namespace
}  // namespace civhub::testing
