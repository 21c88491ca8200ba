#include "node/storage/internal/posting_merge.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <memory>
#include <vector>

#include "node/storage/internal/block_reader.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/leveldb_status.h"
#include "node/storage/internal/posting_blocks.h"

namespace civhub::node::internal {
namespace {

// The posting tags in key order.
constexpr char kPostingTags[] = {keys::kGeo, keys::kText, keys::kFilter};

// The first posting tag after `tag` in key order; 0 past the last.
char NextPostingTag(char tag) {
  for (char t : kPostingTags) {
    if (t > tag) return t;
  }
  return 0;
}

bool IsPostingTag(char tag) {
  return tag == keys::kGeo || tag == keys::kText || tag == keys::kFilter;
}

// Adjacent blocks of one list whose postings fit in one block.
class Run {
 public:
  // True if the block `key` (of `list`, holding `n` postings) extends the
  // run: same list, and all still fit.
  bool Takes(absl::string_view list, uint64_t n) const {
    return !keys_.empty() && list == list_ &&
           postings_ + n <= MaxBlockPostings(list_[0]);
  }
  void Start(absl::string_view list) {
    list_.assign(list.data(), list.size());
    keys_.clear();
    values_.clear();
    postings_ = 0;
  }
  void Add(absl::string_view key, absl::string_view value, uint64_t n) {
    keys_.emplace_back(key);
    values_.emplace_back(value);
    postings_ += n;
  }
  // Adds the merge of the run's blocks to `batch` if it has two or more;
  // returns the blocks that removes. A run with a malformed block is left
  // as it is (`civhubctl check` names it).
  uint64_t Write(leveldb::WriteBatch* batch) {
    if (keys_.size() < 2) return 0;
    const char tag = list_[0];
    const size_t payload_size = PayloadSize(tag);
    std::vector<Posting> postings;
    postings.reserve(postings_);
    for (size_t i = 0; i < keys_.size(); ++i) {
      const uint64_t last =
          keys::GetBE64(absl::string_view(keys_[i]).substr(list_.size()));
      if (!DecodeBlock(values_[i], payload_size, last, tag == keys::kGeo,
                       &postings)) {
        return 0;
      }
    }
    std::string value;
    EncodeBlock(postings.data(), postings.size(), payload_size, &value);
    // Keyed by its last document, as the run's last block was.
    batch->Put(keys_.back(), value);
    for (size_t i = 0; i + 1 < keys_.size(); ++i) batch->Delete(keys_[i]);
    return keys_.size() - 1;
  }

 private:
  std::string list_;
  std::vector<std::string> keys_;
  std::vector<std::string> values_;
  uint64_t postings_ = 0;
};

}  // namespace

absl::StatusOr<MergeStep> MergeSmallBlocks(leveldb::DB* db, size_t max_blocks,
                                           std::string* cursor,
                                           leveldb::WriteBatch* batch) {
  MergeStep step;
  leveldb::ReadOptions ro;
  ro.fill_cache = false;  // A walk over every list: keep searches' blocks.
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  it->Seek(cursor->empty() ? std::string(1, kPostingTags[0]) : *cursor);
  Run run;
  while (true) {
    if (!it->Valid()) {
      if (!it->status().ok()) return FromLevelDb(it->status());
      break;
    }
    const absl::string_view key(it->key().data(), it->key().size());
    if (!IsPostingTag(key[0])) {
      const char next = NextPostingTag(key[0]);
      if (next == 0) break;
      step.blocks_removed += run.Write(batch);
      run.Start({});
      it->Seek(std::string(1, next));
      continue;
    }
    const absl::string_view value(it->value().data(), it->value().size());
    uint64_t n = 0;
    if (key.size() <= 8 || !BlockCount(value, &n)) {
      // Malformed: a run ends here, and the block is left to the check.
      step.blocks_removed += run.Write(batch);
      run.Start({});
      it->Next();
      continue;
    }
    const absl::string_view list = key.substr(0, key.size() - 8);
    if (!run.Takes(list, n)) {
      step.blocks_removed += run.Write(batch);
      if (step.blocks_read >= max_blocks) {
        cursor->assign(key.data(), key.size());
        return step;
      }
      run.Start(list);
    }
    run.Add(key, value, n);
    ++step.blocks_read;
    it->Next();
  }
  step.blocks_removed += run.Write(batch);
  step.pass_done = true;
  cursor->clear();
  return step;
}

}  // namespace civhub::node::internal
