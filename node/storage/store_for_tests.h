// Opening a Store in node/'s tests.
#ifndef CIVHUB_NODE_STORAGE_STORE_FOR_TESTS_H_
#define CIVHUB_NODE_STORAGE_STORE_FOR_TESTS_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "node/base/clock.h"
#include "node/storage/store.h"

namespace civhub::testing {

// The store at `path` (created if missing) on `clock`, on the file system
// `env` (nullptr: the real one); nullptr, with the test failed, if it
// cannot be opened.
inline std::unique_ptr<node::Store> OpenStore(const std::string& path,
                                              node::Clock* clock,
                                              node::StoreEnv* env = nullptr) {
  node::StoreOptions options;
  options.path = path;
  options.clock = clock;
  options.env = env;
  absl::StatusOr<std::unique_ptr<node::Store>> store =
      node::Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

}  // namespace civhub::testing

#endif  // CIVHUB_NODE_STORAGE_STORE_FOR_TESTS_H_
