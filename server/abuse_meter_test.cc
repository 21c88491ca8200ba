#include "server/abuse_meter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace civhub::server {
namespace {

class RecordingSink : public federation::AbuseSink {
 public:
  void ReportAbuse(absl::string_view grpc_peer,
                   absl::string_view why) override {
    reports.push_back(std::string(grpc_peer) + ": " + std::string(why));
  }
  std::vector<std::string> reports;
};

constexpr char kPeer[] = "ipv4:203.0.113.7:40112";
constexpr char kClient[] = "203.0.113.7";

class AbuseMeterTest : public ::testing::Test {
 protected:
  void Note(int n, AbuseMeter::Kind kind, const char* peer = kPeer,
            const char* client = kClient) {
    for (int i = 0; i < n; ++i) meter_.Note(peer, client, kind);
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  RecordingSink sink_;
  AbuseMeter meter_{&sink_, 200, [this] { return now_; }};
};

TEST_F(AbuseMeterTest, AClientBeyondTheThresholdInOneSecondIsReportedOnce) {
  Note(150, AbuseMeter::Kind::kRefused);
  Note(50, AbuseMeter::Kind::kCancelled);
  EXPECT_TRUE(sink_.reports.empty());  // 200: not beyond.
  Note(1, AbuseMeter::Kind::kCancelled);
  ASSERT_EQ(sink_.reports.size(), 1u);
  EXPECT_EQ(sink_.reports[0],
            "ipv4:203.0.113.7:40112: 150 calls refused for its limit and 51 "
            "cancelled before their answer within a second");
  // At most once a second however many more.
  Note(1000, AbuseMeter::Kind::kRefused);
  EXPECT_EQ(sink_.reports.size(), 1u);
  now_ += absl::Seconds(1);
  Note(201, AbuseMeter::Kind::kRefused);
  EXPECT_EQ(sink_.reports.size(), 2u);
}

TEST_F(AbuseMeterTest, CallsSpreadOverSecondsAndLocalCallersAreNotReported) {
  // A search-as-you-type page: a few cancelled calls a second, for minutes.
  for (int second = 0; second < 300; ++second) {
    Note(10, AbuseMeter::Kind::kCancelled);
    now_ += absl::Seconds(1);
  }
  // The admin socket ("") is never counted.
  Note(1000, AbuseMeter::Kind::kRefused, "unix:/var/hub/admin.sock", "");
  EXPECT_TRUE(sink_.reports.empty());
}

TEST_F(AbuseMeterTest, ClientsAreCountedApart) {
  Note(150, AbuseMeter::Kind::kRefused);
  Note(150, AbuseMeter::Kind::kRefused, "ipv4:198.51.100.1:5000",
       "198.51.100.1");
  EXPECT_TRUE(sink_.reports.empty());
}

}  // namespace
}  // namespace civhub::server
