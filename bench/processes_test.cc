#include "bench/processes.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/testutil.h"

namespace civhub::bench {
namespace {

// A port on 127.0.0.1 this test listens on until it ends.
class TakenPort {
 public:
  TakenPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~TakenPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ProcessesTest, ATakenPortFailsTheWorkloadNamingItAndBasePort) {
  // Found in a trial: fixed ports 17340-17371 made two benches on one
  // machine collide. hsds-import's hub listens on --base-port + 30.
  TakenPort taken;
  const int base_port = taken.port() - 30;
  testing::TempDir dir;
  absl::StatusOr<HsdsImportResult> result =
      RunHsdsImport("/nonexistent-bin", dir.path(), 10, base_port);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(
      result.status().message(),
      absl::StrCat("port ", taken.port(), " on 127.0.0.1 is taken")))
      << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(),
                                absl::StrCat("--base-port ", base_port)))
      << result.status();
}

TEST(ProcessesTest, AWorkloadThatCannotRunMakesTheRunFail) {
  // Found in a trial: the taken port was reported, but civhub-bench
  // printed an empty table and exited 0, which a script takes for a run.
  TakenPort taken;
  testing::TempDir dir;
  std::vector<Result> results;
  ASSERT_FALSE(AnyWorkloadFailed());
  HsdsImportWorkload(dir.path(), 10, 30000, taken.port() - 30, &results);
  EXPECT_TRUE(results.empty());
  EXPECT_TRUE(AnyWorkloadFailed());  // main() returns 1.
}

}  // namespace
}  // namespace civhub::bench
