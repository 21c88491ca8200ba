#include "node/storage/internal/store_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace civhub::node::internal {
namespace {

leveldb::Status ReadError(const std::string& file, int error) {
  return leveldb::Status::IOError(file, std::strerror(error));
}

// A table file, read with pread: thread-safe, as LevelDB requires.
class PreadFile final : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  ~PreadFile() override { ::close(fd_); }

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, scratch + got, n - got,
                                static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *result = leveldb::Slice(scratch, 0);
        return ReadError(name_, errno);
      }
      if (r == 0) break;  // End of file: a short read, as LevelDB expects.
      got += static_cast<size_t>(r);
    }
    *result = leveldb::Slice(scratch, got);
    return leveldb::Status::OK();
  }

 private:
  const std::string name_;
  const int fd_;
};

class NotMappedEnv final : public leveldb::EnvWrapper {
 public:
  NotMappedEnv() : EnvWrapper(leveldb::Env::Default()) {}

  leveldb::Status NewRandomAccessFile(
      const std::string& name, leveldb::RandomAccessFile** result) override {
    *result = nullptr;
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return errno == ENOENT
                 ? leveldb::Status::NotFound(name, std::strerror(errno))
                 : ReadError(name, errno);
    }
    *result = new PreadFile(name, fd);
    return leveldb::Status::OK();
  }
};

}  // namespace

leveldb::Env* TablesReadNotMapped() {
  static NotMappedEnv* const env = new NotMappedEnv();
  return env;
}

bool IsLockFailure(const leveldb::Status& s) {
  return s.IsIOError() && absl::StartsWith(s.ToString(), "IO error: lock ");
}

std::string FailureReason(const leveldb::Status& s) {
  std::string text = s.ToString();
  if (!s.IsIOError()) return text;
  const size_t colon = text.rfind(": ");
  return colon == std::string::npos ? text : text.substr(colon + 2);
}

absl::Status RefuseWithoutCurrent(leveldb::Env* env, const std::string& path) {
  std::vector<std::string> children;
  if (!env->GetChildren(path, &children).ok()) return absl::OkStatus();
  bool current = false;
  std::string found;
  for (const std::string& name : children) {
    if (name == "CURRENT") current = true;
    if (absl::StartsWith(name, "MANIFEST-") || absl::EndsWith(name, ".ldb") ||
        absl::EndsWith(name, ".sst") || absl::EndsWith(name, ".log")) {
      found = name;
    }
  }
  if (current || found.empty()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "cannot open store at ", path, ": it holds the store's files (", found,
      ") but not its CURRENT file, so it is damaged; nothing was changed. "
      "Restore the data dir from a backup (docs/operations.md, \"Backups "
      "and restore\"), or move the store aside and start the hub with its "
      "hub.key to refill it from its peers (docs/operations.md, \"Checking "
      "a hub\")"));
}

absl::Status DamagedStoreError(const leveldb::Status& s,
                               const std::string& path) {
  // LevelDB's words: "Corruption: 1 missing files; e.g.: DIR/000005.ldb",
  // or "Corruption: <what>: <file>" for a file it could read but not use.
  const std::string text = s.ToString();
  absl::string_view what = text;
  absl::ConsumePrefix(&what, "Corruption: ");
  constexpr absl::string_view kMissing = " missing files; e.g.: ";
  std::string damage;
  if (const size_t at = what.find(kMissing); at != absl::string_view::npos) {
    const absl::string_view count = what.substr(0, at);
    absl::string_view file = what.substr(at + kMissing.size());
    if (const size_t slash = file.rfind('/');
        slash != absl::string_view::npos) {
      file.remove_prefix(slash + 1);
    }
    damage =
        absl::StrCat(count, " of its table files ", count == "1" ? "is" : "are",
                     " missing (such as ", file, ")");
  } else {
    damage = absl::StrCat("a file of it is corrupt (LevelDB says: ", what, ")");
  }
  return absl::DataLossError(absl::StrCat(
      "the store at ", path, " is damaged: ", damage,
      ". Restore the data dir from a backup (docs/operations.md, \"Backups "
      "and restore\"), or move the store aside and start the hub with its "
      "hub.key to refill it from its peers (docs/operations.md, \"Checking "
      "a hub\")"));
}

}  // namespace civhub::node::internal
