// A hub on an in-memory store, for fuzz targets.
#ifndef CIVHUB_TESTS_FUZZ_HUB_ENV_H_
#define CIVHUB_TESTS_FUZZ_HUB_ENV_H_

#include <memory>

#include "crypto/keys.h"
#include "node/hub.h"
#include "node/storage/store_env.h"

namespace civhub::fuzz {

struct HubEnv {
  HubEnv() : mem(node::StoreEnv::InMemory()) {
    node::StoreOptions options;
    options.path = "/fuzz/store";
    options.env = mem.get();
    store = *node::Store::Open(options);
    hub = std::make_unique<node::Hub>(*crypto::PrivateKey::Generate(),
                                      store.get(), node::SystemClock());
  }
  std::unique_ptr<node::StoreEnv> mem;
  std::unique_ptr<node::Store> store;
  std::unique_ptr<node::Hub> hub;
};

}  // namespace civhub::fuzz

#endif  // CIVHUB_TESTS_FUZZ_HUB_ENV_H_
