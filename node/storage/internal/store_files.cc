#include "node/storage/internal/store_files.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace civhub::node::internal {

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
      "and restore\"), or move the store aside and let the hub refill from "
      "its peers"));
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
