#include "gateway/change_feed.h"

#include <gtest/gtest.h>

#include <deque>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::gateway {
namespace {

using testing::OrgPublish;

size_t Count(absl::string_view text, absl::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != absl::string_view::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The pieces a stream hands to `ready`, as the HTTP server would take them.
class Reader {
 public:
  explicit Reader(std::shared_ptr<http::BodyStream> stream)
      : stream_(std::move(stream)) {}

  // Asks for the next piece (the source may answer later).
  void Ask() {
    stream_->Next([this](std::string piece, bool done) {
      absl::MutexLock lock(&mu_);
      pieces_.push_back({std::move(piece), done});
    });
  }
  // The piece answered, waiting up to `timeout`; nullopt if none came.
  std::optional<std::pair<std::string, bool>> Take(
      absl::Duration timeout = absl::Seconds(5)) {
    absl::MutexLock lock(&mu_);
    auto any = [this] {
      mu_.AssertHeld();
      return !pieces_.empty();
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&any), timeout)) {
      return std::nullopt;
    }
    auto piece = std::move(pieces_.front());
    pieces_.pop_front();
    return piece;
  }
  // Ask() then Take().
  std::optional<std::pair<std::string, bool>> Next(
      absl::Duration timeout = absl::Seconds(5)) {
    Ask();
    return Take(timeout);
  }
  http::BodyStream* stream() { return stream_.get(); }

 private:
  std::shared_ptr<http::BodyStream> stream_;
  absl::Mutex mu_;
  std::deque<std::pair<std::string, bool>> pieces_ ABSL_GUARDED_BY(mu_);
};

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ =
        std::make_unique<node::Hub>(testing::NewKey(), store_.get(), &clock_);
    limits_.heartbeat = absl::Milliseconds(200);
    limits_.max_streams_per_client = 2;
    limits_.max_streams = 3;
  }
  void TearDown() override {
    if (feeds_) feeds_->Stop();
    gate_.Stop();
    feeds_.reset();
  }
  ChangeFeeds& feeds() {
    if (!feeds_)
      feeds_ = std::make_unique<ChangeFeeds>(hub_.get(), &gate_, limits_);
    return *feeds_;
  }
  void Publish(const std::string& id) {
    ASSERT_TRUE(hub_->Publish(OrgPublish(id, {})).ok());
  }
  Reader Open(const std::string& client, uint64_t after, FeedFormat format) {
    auto stream = feeds().Open(client, after, format);
    EXPECT_TRUE(stream.ok()) << stream.status();
    return Reader(stream.ok() ? *stream : nullptr);
  }

  testing::TempDir dir_;
  node::ManualClock clock_{testing::TestNow()};
  std::unique_ptr<node::Store> store_;
  std::unique_ptr<node::Hub> hub_;
  node::CallGate gate_{node::CallLimits{2, 16, 1024}};
  ChangeFeedLimits limits_;
  std::unique_ptr<ChangeFeeds> feeds_;
};

TEST_F(ChangeFeedTest, NdjsonCatchUpComesInBatchesThenNewChangesArrive) {
  for (int i = 0; i < 300; ++i) Publish(absl::StrCat("org-", i));
  Reader r = Open("a", 0, FeedFormat::kNdjson);
  auto first = r.Next();
  ASSERT_TRUE(first);
  // One line, one WatchResponse of node::kWatchBatchRecords changes: not one
  // write each.
  EXPECT_EQ(std::count(first->first.begin(), first->first.end(), '\n'), 1);
  EXPECT_EQ(Count(first->first, "{\"cursor\":"), node::kWatchBatchRecords);
  EXPECT_FALSE(absl::StrContains(first->first, "caughtUp"));
  auto second = r.Next();
  ASSERT_TRUE(second);
  EXPECT_TRUE(absl::StrContains(second->first, "\"caughtUp\":true"));
  EXPECT_TRUE(absl::StrContains(second->first, "org-299"));
  // Caught up: the stream waits, holding `ready`, until a change comes.
  r.Ask();
  Publish("late");
  auto late = r.Take();
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->second);
  EXPECT_TRUE(absl::StrContains(late->first, "\"recordId\":\"late\""));
}

TEST_F(ChangeFeedTest, SseSendsAnEventPerChangeThenCaughtUpThenHeartbeats) {
  Publish("a");
  Publish("b");
  Reader r = Open("a", 1, FeedFormat::kSse);
  auto piece = r.Next();
  ASSERT_TRUE(piece);
  EXPECT_TRUE(absl::StartsWith(piece->first,
                               "id: 2\nevent: change\ndata: {\"cursor\":\"2\""))
      << piece->first;
  EXPECT_TRUE(absl::StrContains(
      piece->first, "id: 2\nevent: caught_up\ndata: {\"cursor\":\"2\"}\n\n"));
  EXPECT_FALSE(absl::StrContains(piece->first, "\"recordId\":\"a\""));
  auto beat = r.Next();
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->first, ": keep-alive\n\n");
}

// A mirror resuming from a cursor this hub never gave used to wait for ever
// in silence.
TEST_F(ChangeFeedTest, ACursorAheadOfTheHubIsRefusedNamingAfter) {
  Publish("one");
  Publish("two");
  auto refused = feeds().Open("a", 99, FeedFormat::kSse);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "after: cursor 99"))
      << refused.status();
  EXPECT_TRUE(feeds().Open("a", 2, FeedFormat::kSse).ok());
}

TEST_F(ChangeFeedTest, CancelEndsAWaitingStreamAtOnce) {
  Reader r = Open("a", 0, FeedFormat::kSse);
  ASSERT_TRUE(r.Next());  // caught_up
  r.Ask();
  r.stream()->Cancel();
  auto end = r.Take(absl::Milliseconds(100));
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->second);
  EXPECT_EQ(feeds().open(), 0);
}

// A client that stays connected without a change to read held its slot
// for as long as the connection lasted: heartbeats kept it open.
TEST_F(ChangeFeedTest, AnIdleStreamEndsAfterTheIdleTimeoutDespiteHeartbeats) {
  limits_.idle_timeout = absl::Milliseconds(900);
  Publish("one");
  Reader idle = Open("a", 0, FeedFormat::kSse);
  ASSERT_TRUE(idle.Next());  // The change and caught_up.
  int heartbeats = 0;
  std::optional<std::pair<std::string, bool>> piece;
  // 900 ms at 200 ms a heartbeat: a few; 20 mean it never ends.
  while ((piece = idle.Next()) && !piece->second && heartbeats < 20) {
    EXPECT_EQ(piece->first, ": keep-alive\n\n");
    ++heartbeats;
  }
  ASSERT_TRUE(piece && piece->second) << "the idle stream never ended";
  EXPECT_GE(heartbeats, 2);
  EXPECT_EQ(feeds().open(), 0);
}

TEST_F(ChangeFeedTest, StreamsAreBoundedPerClientAndInAll) {
  Reader a1 = Open("a", 0, FeedFormat::kSse);
  Reader a2 = Open("a", 0, FeedFormat::kSse);
  auto refused = feeds().Open("a", 0, FeedFormat::kSse);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "your address"));
  Reader b1 = Open("b", 0, FeedFormat::kSse);
  refused = feeds().Open("c", 0, FeedFormat::kSse);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  // A client that goes away frees its slot.
  a1.stream()->Cancel();
  EXPECT_TRUE(feeds().Open("c", 0, FeedFormat::kSse).ok());
}

TEST_F(ChangeFeedTest, StopEndsWaitingStreamsAndRefusesNewOnes) {
  Reader r = Open("a", 0, FeedFormat::kNdjson);
  ASSERT_TRUE(r.Next());
  r.Ask();
  feeds().Stop();
  auto end = r.Take();
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->second);
  EXPECT_EQ(feeds().Open("a", 0, FeedFormat::kSse).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace civhub::gateway
