// The fixture of federation's tests on the deterministic simulated network
// (sim/): hubs added on one network, records published and read back.
// Test-only.
#ifndef CIVHUB_FEDERATION_FEDERATION_TEST_FIXTURE_H_
#define CIVHUB_FEDERATION_FEDERATION_TEST_FIXTURE_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "federation/federation.h"
#include "sim/records.h"
#include "sim/sim_network.h"
#include "tests/testutil.h"

namespace civhub::federation {

class FederationTest : public ::testing::Test {
 protected:
  FederationTest()
      : net_(dir_.path(), testing::TestNow(), absl::Milliseconds(20)) {}

  sim::SimHub* Add(const std::string& name,
                   absl::Duration sync_interval = absl::Seconds(5)) {
    FederationOptions options;
    options.sync_interval = sync_interval;
    sim::SimHub* h = net_.AddHub(name, options);
    EXPECT_NE(h, nullptr);
    return h;
  }

  // Publishes an organization named `name` at `hub`.
  void Publish(sim::SimHub* hub, const std::string& id,
               const std::string& name) {
    testing::OrgSpec spec;
    spec.name = name;
    ASSERT_OK(hub->hub->Publish(testing::OrgPublish(id, spec)));
  }

  // The organization `id` of `origin` as `at` holds it, or "" if absent.
  std::string NameAt(sim::SimHub* at, sim::SimHub* origin,
                     const std::string& id) {
    auto view = at->store->Get(origin->key.public_key().bytes(), id);
    if (!view.ok() || !view->has_value() || !(*view)->body.has_organization())
      return "";
    return (*view)->body.organization().names(0).text();
  }

  bool RunUntil(const std::function<bool()>& done,
                absl::Duration limit = absl::Minutes(2)) {
    return net_.scheduler().RunUntil(done, net_.clock().Now() + limit);
  }

  testing::TempDir dir_;
  sim::SimNetwork net_;
};

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_FEDERATION_TEST_FIXTURE_H_
