// What LevelDB's files and errors say about a store, for Store::Open and
// Store's writes. Private to node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_STORE_FILES_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_STORE_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "leveldb/env.h"
#include "leveldb/status.h"

namespace civhub::node::internal {

// True if DB::Open failed because it could not lock the database: another
// process holds the lock (fcntl), or another DB in this process ("already
// held by process"). LevelDB's Env reports both as an IO error on
// "lock <file>" and has no code of its own for it.
bool IsLockFailure(const leveldb::Status& s);

// The system's words from LevelDB's "IO error: <file>: <strerror>"; the
// whole status for other errors.
std::string FailureReason(const leveldb::Status& s);

// LevelDB, told to create a missing database, takes a directory without
// its CURRENT file for a new one and deletes the table files it finds
// there: a store whose CURRENT was lost (a damaged disk, a partial copy)
// would be wiped by the next start or `civhubd --check`. So a directory
// that holds LevelDB's files but no CURRENT is refused (DATA_LOSS, saying
// what to do), and nothing in it is touched. OK for a missing or empty
// directory, and for a whole store.
absl::Status RefuseWithoutCurrent(leveldb::Env* env, const std::string& path);

// The error of a store LevelDB found damaged when opening it
// (`s.IsCorruption()`: a table file missing or corrupt, a bad MANIFEST):
// DATA_LOSS saying so in a host's words, naming the file LevelDB names,
// and what to do (restore from a backup, or refill from peers).
absl::Status DamagedStoreError(const leveldb::Status& s,
                               const std::string& path);

// The real file system, but with table files read by pread(2) rather than
// mapped: LevelDB maps up to 1,000 table files, and every page a query
// touched then counts in civhubd's resident memory (600 MB of a 10M store's
// tables after a few hundred searches, against 115 MB of heap), though it
// is only the kernel's page cache. Read, a block lands in LevelDB's block
// cache as it does when mapped (blocks are compressed, so LevelDB copies
// them out either way). Process-wide; never deleted.
leveldb::Env* TablesReadNotMapped();

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_STORE_FILES_H_
