// Where a Store keeps its files, when not on the real file system.
#ifndef CIVHUB_NODE_STORAGE_STORE_ENV_H_
#define CIVHUB_NODE_STORAGE_STORE_ENV_H_

#include <memory>
#include <string>

#include "absl/status/status.h"

namespace civhub::node {

namespace internal {
struct StoreAccess;
}  // namespace internal

// A file system for stores (StoreOptions::env). The simulator, civhub-bench
// and the fuzzers keep their stores in memory; a store closed and opened
// again in the same StoreEnv finds its records, as on disk.
//
// Thread-safe. Must outlive every Store opened in it.
class StoreEnv {
 public:
  // An empty file system in memory.
  static std::unique_ptr<StoreEnv> InMemory();

  StoreEnv(const StoreEnv&) = delete;
  StoreEnv& operator=(const StoreEnv&) = delete;
  ~StoreEnv();

  // Copies the files of directory `from` (a closed store) into directory
  // `to`, creating it: a second store with the same contents. Returns the
  // first error of listing, reading or writing a file.
  absl::Status CopyDir(const std::string& from, const std::string& to);

 private:
  friend struct internal::StoreAccess;
  struct Rep;  // node/storage/internal/store_access.h
  explicit StoreEnv(std::unique_ptr<Rep> rep);

  std::unique_ptr<Rep> rep_;
};

}  // namespace civhub::node

#endif  // CIVHUB_NODE_STORAGE_STORE_ENV_H_
