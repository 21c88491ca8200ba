// What node/storage's own code (snapshots, cursors, the store check, tests)
// reaches inside a Store and a StoreEnv: the LevelDB objects. Private to
// node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_STORE_ACCESS_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_STORE_ACCESS_H_

#include <memory>

#include "leveldb/db.h"
#include "leveldb/env.h"
#include "node/storage/store.h"
#include "node/storage/store_env.h"

namespace civhub::node {

struct StoreEnv::Rep {
  std::unique_ptr<leveldb::Env> owned;  // Null if `env` is borrowed.
  leveldb::Env* env = nullptr;
};

namespace internal {

struct StoreAccess {
  static leveldb::DB* Db(const Store& store) { return store.db_.get(); }
  static leveldb::Env* Env(const StoreEnv& env) { return env.rep_->env; }
  // A StoreEnv over `env`, which must outlive it (tests: FullDiskEnv).
  static std::unique_ptr<StoreEnv> Borrow(leveldb::Env* env) {
    auto rep = std::make_unique<StoreEnv::Rep>();
    rep->env = env;
    return std::unique_ptr<StoreEnv>(new StoreEnv(std::move(rep)));
  }
  // A StoreEnv that owns `env`.
  static std::unique_ptr<StoreEnv> Own(std::unique_ptr<leveldb::Env> env) {
    auto rep = std::make_unique<StoreEnv::Rep>();
    rep->env = env.get();
    rep->owned = std::move(env);
    return std::unique_ptr<StoreEnv>(new StoreEnv(std::move(rep)));
  }
};

}  // namespace internal
}  // namespace civhub::node

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_STORE_ACCESS_H_
