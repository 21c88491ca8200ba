// /readyz and /metrics as a client sees them, through the gateway's Router
// (no socket): a hub whose store turned read-only is not ready, and
// /metrics on the HTTP port answers loopback clients only.
#include "gateway/health.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "gateway/metrics_routes.h"
#include "hubnode/hub_node.h"
#include "node/storage/full_disk_env_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::gateway {
namespace {

// Dispatches GET `path` and waits for the reply.
http::Response Get(const http::Router& router, const std::string& path,
                   bool loopback = true) {
  auto request = std::make_shared<http::Request>();
  request->method = "GET";
  request->target = path;
  request->path = path;
  request->client = loopback ? "127.0.0.1" : "192.0.2.7";
  request->loopback = loopback;
  http::Response got;
  absl::Notification done;
  router.Dispatch(request, [&](http::Response r) {
    got = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return got;
}

class GatewayRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hubnode::HubNodeOptions options;
    options.store.path = dir_.Sub("store");
    options.store.env = disk_.store_env();
    options.key = testing::NewKey();
    auto node = hubnode::HubNode::Open(options);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    context_.node = node_.get();
    context_.listeners_up = &listeners_up_;
    AddHealthRoutes(context_, &router_);
    AddMetricsRoutes(context_, /*loopback_only=*/true, &gate_, &router_);
  }

  testing::TempDir dir_;
  testing::FullDiskEnv disk_;
  std::unique_ptr<hubnode::HubNode> node_;
  std::atomic<bool> listeners_up_{true};
  GatewayContext context_;
  node::CallGate gate_{node::CallLimits{}};
  http::Router router_;
};

TEST_F(GatewayRoutesTest, ReadyUntilAWriteFailsThenSaysTheStoreIsReadOnly) {
  http::Response ready = Get(router_, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");

  disk_.SetFull(true);
  EXPECT_FALSE(node_->hub()->Publish(testing::OrgPublish("a", {})).ok());
  disk_.SetFull(false);  // The store stays read-only until a restart.

  http::Response not_ready = Get(router_, "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_TRUE(absl::StrContains(not_ready.body,
                                "not ready: the store is read-only after a "
                                "write failed at "))
      << not_ready.body;
  EXPECT_TRUE(absl::StrContains(not_ready.body, "No space left on device"))
      << not_ready.body;
  // Alive all the same.
  EXPECT_EQ(Get(router_, "/healthz").status, 200);
}

TEST_F(GatewayRoutesTest, NotReadyWhileListenersStart) {
  listeners_up_ = false;
  http::Response r = Get(router_, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: the hub's listeners are starting\n");
}

TEST_F(GatewayRoutesTest, MetricsOnTheHttpPortOnlyForLoopbackClients) {
  http::Response local = Get(router_, "/metrics", /*loopback=*/true);
  EXPECT_EQ(local.status, 200);
  EXPECT_TRUE(absl::StartsWith(local.content_type, "text/plain; version=0.0.4"))
      << local.content_type;

  http::Response remote = Get(router_, "/metrics", /*loopback=*/false);
  EXPECT_EQ(remote.status, 403);
  EXPECT_EQ(remote.content_type, "application/json");
  EXPECT_TRUE(absl::StrContains(remote.body, "\"code\":\"PERMISSION_DENIED\""))
      << remote.body;
  EXPECT_TRUE(absl::StrContains(remote.body, "--metrics-listen"))
      << remote.body;
}

}  // namespace
}  // namespace civhub::gateway
