#include "node/storage/store_env.h"

#include <utility>
#include <vector>

#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "node/storage/internal/leveldb_status.h"
#include "node/storage/internal/store_access.h"

namespace civhub::node {

std::unique_ptr<StoreEnv> StoreEnv::InMemory() {
  return internal::StoreAccess::Own(std::unique_ptr<leveldb::Env>(
      leveldb::NewMemEnv(leveldb::Env::Default())));
}

StoreEnv::StoreEnv(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

StoreEnv::~StoreEnv() = default;

absl::Status StoreEnv::CopyDir(const std::string& from, const std::string& to) {
  leveldb::Env* const env = rep_->env;
  std::vector<std::string> names;
  if (leveldb::Status s = env->GetChildren(from, &names); !s.ok()) {
    return internal::FromLevelDb(s);
  }
  (void)env->CreateDir(to);  // Fails if it exists, which is fine.
  std::string scratch(1 << 20, '\0');
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    leveldb::SequentialFile* in_raw = nullptr;
    if (leveldb::Status s = env->NewSequentialFile(from + "/" + name, &in_raw);
        !s.ok()) {
      return internal::FromLevelDb(s);
    }
    std::unique_ptr<leveldb::SequentialFile> in(in_raw);
    leveldb::WritableFile* out_raw = nullptr;
    if (leveldb::Status s = env->NewWritableFile(to + "/" + name, &out_raw);
        !s.ok()) {
      return internal::FromLevelDb(s);
    }
    std::unique_ptr<leveldb::WritableFile> out(out_raw);
    leveldb::Slice chunk;
    while (true) {
      if (leveldb::Status s = in->Read(scratch.size(), &chunk, scratch.data());
          !s.ok()) {
        return internal::FromLevelDb(s);
      }
      if (chunk.empty()) break;
      if (leveldb::Status s = out->Append(chunk); !s.ok()) {
        return internal::FromLevelDb(s);
      }
    }
    if (leveldb::Status s = out->Close(); !s.ok()) {
      return internal::FromLevelDb(s);
    }
  }
  return absl::OkStatus();
}

}  // namespace civhub::node
