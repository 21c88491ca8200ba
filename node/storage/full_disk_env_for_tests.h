// A disk that fills up or stalls, for node/'s tests of store writes.
#ifndef CIVHUB_NODE_STORAGE_FULL_DISK_ENV_FOR_TESTS_H_
#define CIVHUB_NODE_STORAGE_FULL_DISK_ENV_FOR_TESTS_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "leveldb/env.h"
#include "node/storage/internal/store_access.h"
#include "node/storage/store_env.h"

namespace civhub::testing {

// The real file system, except that the disk can be made full. Files buffer
// what is appended, as LevelDB's posix files do; while the disk is full a
// write that reaches it (Flush, Sync, Close) stores only the first half of
// the buffered bytes and fails with "No space left on device", as write(2)
// does on a full file system, and the buffer is dropped. Modelled on
// LevelDB's FaultInjectionTestEnv (db/fault_injection_test.cc).
//
// Thread-safe.
class FullDiskEnv : public leveldb::EnvWrapper {
 public:
  FullDiskEnv() : EnvWrapper(leveldb::Env::Default()) {}

  void SetFull(bool full) { full_.store(full); }
  bool full() const { return full_.load(); }
  // Writes that failed so far.
  int failed_writes() const { return failed_writes_.load(); }

  // From HoldWrites to ReleaseWrites a write that reaches the disk (Flush,
  // Sync, Close) waits, as on a disk that stalls: for tests of what goes on
  // meanwhile. Released, the writes go on (and fail if the disk was made
  // full meanwhile).
  void HoldWrites() {
    absl::MutexLock lock(&hold_mu_);
    held_ = true;
  }
  void ReleaseWrites() {
    absl::MutexLock lock(&hold_mu_);
    held_ = false;
  }
  // Returns once a write is waiting on HoldWrites.
  void AwaitHeldWrite() {
    absl::MutexLock lock(&hold_mu_);
    hold_mu_.Await(absl::Condition(
        +[](int* waiting) { return *waiting > 0; }, &waiting_));
  }

  leveldb::Status NewWritableFile(const std::string& name,
                                  leveldb::WritableFile** result) override {
    leveldb::WritableFile* base = nullptr;
    leveldb::Status s = target()->NewWritableFile(name, &base);
    *result = s.ok() ? new File(this, name, base) : nullptr;
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& name,
                                    leveldb::WritableFile** result) override {
    leveldb::WritableFile* base = nullptr;
    leveldb::Status s = target()->NewAppendableFile(name, &base);
    *result = s.ok() ? new File(this, name, base) : nullptr;
    return s;
  }

  // For StoreOptions::env (and SimOptions::env): stores on this disk.
  node::StoreEnv* store_env() const { return store_env_.get(); }

 private:
  class File : public leveldb::WritableFile {
   public:
    File(FullDiskEnv* env, std::string name, leveldb::WritableFile* base)
        : env_(env), name_(std::move(name)), base_(base) {}
    // As a posix file does: what is buffered is written on the way out.
    ~File() override { (void)Drain(); }

    leveldb::Status Append(const leveldb::Slice& data) override {
      pending_.append(data.data(), data.size());
      return leveldb::Status::OK();
    }
    leveldb::Status Flush() override { return Drain(); }
    leveldb::Status Sync() override {
      leveldb::Status s = Drain();
      return s.ok() ? base_->Sync() : s;
    }
    leveldb::Status Close() override {
      leveldb::Status s = Drain();
      leveldb::Status closed = base_->Close();
      return s.ok() ? closed : s;
    }

   private:
    leveldb::Status Drain() {
      if (pending_.empty()) return leveldb::Status::OK();
      env_->WaitWhileHeld();
      std::string data;
      data.swap(pending_);
      if (!env_->full()) {
        leveldb::Status s = base_->Append(data);
        return s.ok() ? base_->Flush() : s;
      }
      // What fitted before the disk was full reaches it.
      (void)base_->Append(leveldb::Slice(data.data(), data.size() / 2));
      (void)base_->Flush();
      env_->failed_writes_++;
      return leveldb::Status::IOError(name_, "No space left on device");
    }

    FullDiskEnv* const env_;
    const std::string name_;
    std::unique_ptr<leveldb::WritableFile> base_;
    std::string pending_;
  };

  void WaitWhileHeld() {
    absl::MutexLock lock(&hold_mu_);
    ++waiting_;
    hold_mu_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    --waiting_;
  }

  std::atomic<bool> full_{false};
  absl::Mutex hold_mu_;
  bool held_ ABSL_GUARDED_BY(hold_mu_) = false;
  int waiting_ ABSL_GUARDED_BY(hold_mu_) = 0;  // Writes waiting on held_.
  std::atomic<int> failed_writes_{0};
  // This file system as StoreOptions::env takes it.
  const std::unique_ptr<node::StoreEnv> store_env_ =
      node::internal::StoreAccess::Borrow(this);
};

}  // namespace civhub::testing

#endif  // CIVHUB_NODE_STORAGE_FULL_DISK_ENV_FOR_TESTS_H_
