// The Directory service under clients that take more than their share: a
// real gRPC server in this process, each client on its own connection (the
// test tells clients apart by their connection, as the hub does by address).
#include "server/directory_service.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::server {
namespace {

class RecordingSink : public federation::AbuseSink {
 public:
  void ReportAbuse(absl::string_view grpc_peer, absl::string_view) override {
    absl::MutexLock lock(&mu_);
    reported_.emplace_back(grpc_peer);
  }
  std::vector<std::string> reported() {
    absl::MutexLock lock(&mu_);
    return reported_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> reported_;
};

// Threads of this process, from /proc/self/status.
int Threads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "Threads:")) return std::stoi(line.substr(8));
  }
  return -1;
}

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void Start(DirectoryLimits limits, int records,
             const std::string& description = "") {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ = std::make_unique<node::Hub>(key_, store_.get(), &clock_);
    for (int i = 0; i < records; ++i) {
      testing::OrgSpec spec;
      spec.name = absl::StrCat("Crowded Organization ", i);
      spec.description = description;
      ASSERT_OK(hub_->Publish(testing::OrgPublish(absl::StrCat("o", i), spec)));
    }
    // Each connection is a client of its own.
    limits.client_key = [](const std::string& peer) { return peer; };
    service_ = std::make_unique<DirectoryService>(hub_.get(), &sink_, limits);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      service_->StopWatches();
      server_->Shutdown(std::chrono::system_clock::now() +
                        std::chrono::seconds(2));
    }
  }

  // A client on a connection of its own.
  std::unique_ptr<v1::Directory::Stub> NewClient() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return v1::Directory::NewStub(grpc::CreateCustomChannel(
        address_, grpc::InsecureChannelCredentials(), args));
  }

  testing::TempDir dir_;
  node::ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = testing::NewKey();
  std::unique_ptr<node::Store> store_;
  std::unique_ptr<node::Hub> hub_;
  RecordingSink sink_;
  std::unique_ptr<DirectoryService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(DirectoryServiceTest,
       AFloodOfSearchesIsRefusedBeyondItsLimitAndOthersGetAnswers) {
  DirectoryLimits limits;
  limits.calls.workers = 2;
  ASSERT_NO_FATAL_FAILURE(Start(limits, 2000));
  const int threads_before = Threads();

  // 300 Searches in flight at once on one connection.
  constexpr int kFlood = 300;
  auto attacker = NewClient();
  struct Call {
    grpc::ClientContext ctx;
    v1::SearchRequest request;
    v1::SearchResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::BlockingCounter answered(kFlood);
  for (int i = 0; i < kFlood; ++i) {
    calls.push_back(std::make_unique<Call>());
    Call* call = calls.back().get();
    call->request.set_text("crowded organization");
    attacker->async()->Search(&call->ctx, &call->request, &call->response,
                              [call, &answered](grpc::Status status) {
                                call->status = std::move(status);
                                answered.DecrementCount();
                              });
  }
  // Another client searching meanwhile gets every answer.
  auto normal = NewClient();
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::SearchRequest request;
    request.set_text("organization 7");
    v1::SearchResponse response;
    grpc::Status status = normal->Search(&ctx, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_GT(response.total_count(), 0);
  }
  answered.Wait();
  int ok = 0, refused = 0;
  for (const auto& call : calls) {
    if (call->status.ok()) {
      ++ok;
      EXPECT_EQ(call->response.total_count(), 2000);
    } else {
      ++refused;
      EXPECT_EQ(call->status.error_code(),
                grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_TRUE(absl::StrContains(
          call->status.error_message(),
          "too many calls in flight from your address (16); wait for "
          "answers before sending more"))
          << call->status.error_message();
    }
  }
  EXPECT_GE(ok, 16);
  EXPECT_GT(refused, 0);
  // No thread per call: the 300 calls took none of their own.
  EXPECT_LT(Threads() - threads_before, 32)
      << threads_before << " threads before, " << Threads() << " after";
  // Far beyond any honest client: reported, and only it.
  if (refused > AbuseMeter::kDefaultThreshold) {
    std::vector<std::string> reported = sink_.reported();
    ASSERT_FALSE(reported.empty());
    for (const std::string& peer : reported) {
      EXPECT_EQ(peer, reported.front());
    }
  }
}

TEST_F(DirectoryServiceTest, WatchStreamsThatNeverReadDoNotKeepOthersOut) {
  DirectoryLimits limits;
  // Longer than a stream beyond the cap waits for a slot (2 s): the
  // attacker's idle streams must not end and make room meanwhile.
  limits.watch.idle_timeout = absl::Seconds(4);
  ASSERT_NO_FATAL_FAILURE(Start(limits, 20));
  // One client opens 10 streams and reads none of them.
  auto attacker = NewClient();
  struct Stream {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::WatchResponse>> reader;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < 10; ++i) {
    streams.push_back(std::make_unique<Stream>());
    streams.back()->reader =
        attacker->Watch(&streams.back()->ctx, v1::WatchRequest());
  }
  // Beyond its 8, refused (after waiting 2 s for a slot).
  int refused = 0;
  for (auto& s : streams) {
    v1::WatchResponse response;
    // Admitted streams send their backlog; a refused one ends.
    if (s->reader->Read(&response)) continue;
    grpc::Status status = s->reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_TRUE(absl::StrContains(status.error_message(),
                                  "too many Watch streams from your address"))
        << status.error_message();
    ++refused;
  }
  EXPECT_EQ(refused, 2);

  // Another client watches as usual, and once caught up and idle past the
  // idle timeout its stream ends with OK (it would resume from its cursor).
  auto normal = NewClient();
  grpc::ClientContext ctx;
  auto reader = normal->Watch(&ctx, v1::WatchRequest());
  v1::WatchResponse response;
  int changes = 0;
  bool caught_up = false;
  while (reader->Read(&response)) {
    changes += response.changes_size();
    caught_up |= response.caught_up();
  }
  EXPECT_TRUE(caught_up);
  EXPECT_EQ(changes, 20);
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (auto& s : streams) s->ctx.TryCancel();
}

// A client that stops reading holds one batch, and only until the write
// timeout: then its stream is cancelled and its slot is free.
TEST_F(DirectoryServiceTest, AWatchClientThatStopsReadingIsCancelled) {
  DirectoryLimits limits;
  limits.watch.write_timeout = absl::Seconds(1);
  // About 8 MB of changes: more than flow control and socket buffers take.
  ASSERT_NO_FATAL_FAILURE(Start(limits, 2000, std::string(4000, 'd')));
  auto client = NewClient();
  grpc::ClientContext ctx;
  auto reader = client->Watch(&ctx, v1::WatchRequest());
  v1::WatchResponse response;
  ASSERT_TRUE(reader->Read(&response));  // Then it reads no more.
  int changes = response.changes_size();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (service_->watch_streams() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(service_->watch_streams(), 0);
  // What was in flight arrives, then the stream ends before the whole
  // directory did.
  while (reader->Read(&response)) changes += response.changes_size();
  EXPECT_LT(changes, 2000);
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// Match over gRPC: ranked hits with their features, and the Directory's
// errors with their codes.
TEST_F(DirectoryServiceTest, MatchRanksOffersAndNamesWhatIsWrong) {
  ASSERT_NO_FATAL_FAILURE(Start(DirectoryLimits(), 1));
  auto publish = [&](const std::string& id, bool need,
                     std::vector<std::string> capabilities) {
    testing::NeedSpec spec;
    spec.org_origin = key_.public_key().HubId();
    spec.org_id = "o0";
    spec.capabilities = std::move(capabilities);
    v1::PublishRequest req;
    req.set_record_id(id);
    if (need) {
      *req.mutable_need() = testing::MakeNeed(spec);
    } else {
      *req.mutable_offer() = testing::MakeOffer(spec);
    }
    ASSERT_OK(hub_->Publish(req));
  };
  publish("need-site", true, {"website"});
  publish("offer-dev", false, {"web-development"});
  publish("offer-site", false, {"website"});
  auto client = NewClient();
  auto match = [&](v1::MatchRequest request, v1::MatchResponse* response) {
    grpc::ClientContext ctx;
    return client->Match(&ctx, request, response);
  };

  v1::MatchRequest request;
  request.mutable_need()->set_origin(key_.public_key().HubId());
  request.mutable_need()->set_record_id("need-site");
  v1::MatchResponse response;
  grpc::Status status = match(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.hits_size(), 2);
  EXPECT_EQ(response.hits(0).record().record_id(), "offer-site");
  EXPECT_EQ(response.hits(1).record().record_id(), "offer-dev");
  EXPECT_EQ(response.hits(1).features().partial_capabilities(0),
            "web-development~website");
  EXPECT_EQ(response.subject().record_id(), "need-site");

  request.mutable_need()->set_record_id("nothing-here");
  status = match(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "need: record"))
      << status.error_message();
  request.mutable_need()->set_record_id("o0");  // An organization.
  status = match(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "not a need"))
      << status.error_message();
  v1::MatchRequest criteria;
  criteria.mutable_criteria()->set_want(v1::RECORD_KIND_OFFER);
  criteria.mutable_criteria()->add_capabilities("website");
  criteria.mutable_criteria()->set_mode("on-site");
  status = match(criteria, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "criteria.near:"))
      << status.error_message();
}

}  // namespace
}  // namespace civhub::server
