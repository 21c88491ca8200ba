#include "node/storage/internal/store_files.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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

}  // namespace civhub::node::internal
