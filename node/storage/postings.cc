#include "node/storage/postings.h"

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "leveldb/db.h"
#include "leveldb/iterator.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/leveldb_status.h"

namespace civhub::node {
namespace {

uint64_t DocAt(const leveldb::Slice& key, size_t at) {
  return keys::GetBE64(absl::string_view(key.data() + at, 8));
}

}  // namespace

PostingList PostingList::Filter(char field, absl::string_view value) {
  return PostingList(Kind::kFilter, keys::FilterPrefix(field, value), 0);
}

PostingList PostingList::Text(absl::string_view word, bool prefix) {
  // "T" word "\0" last: the word's own blocks, the shortest keys a text
  // block has.
  return PostingList(Kind::kText, keys::TextPrefix(word, !prefix),
                     1 + word.size() + 1 + 8);
}

PostingList PostingList::GeoCell(int level, uint64_t cell) {
  return PostingList(Kind::kGeo, keys::GeoCellPrefix(level, cell), 0);
}

PostingCursor::PostingCursor(const StoreSnapshot& snapshot, PostingList list)
    : PostingCursor(snapshot) {
  Reset(std::move(list));
}

PostingCursor::PostingCursor(const StoreSnapshot& snapshot)
    : list_(PostingList::Kind::kFilter, "", 0) {
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot_;
  it_.reset(snapshot.store_.db_->NewIterator(ro));
}

PostingCursor::~PostingCursor() = default;

void PostingCursor::Reset(PostingList list) {
  list_ = std::move(list);
  status_ = absl::OkStatus();
  in_block_ = false;
  it_->Seek(list_.prefix_);
  Advance();
}

void PostingCursor::Next() { Advance(); }

void PostingCursor::Seek(uint64_t target) {
  if (!valid_ || doc_ >= target) return;
  if (target > block_last_) {
    // Past this block: the first block whose last document is >= target.
    seek_key_ = list_.prefix_;
    keys::PutBE64(&seek_key_, target);
    it_->Seek(seek_key_);
    in_block_ = false;
  }
  do {
    Advance();
  } while (valid_ && doc_ < target);
}

absl::Status PostingCursor::status() const {
  if (!status_.ok()) return status_;
  return internal::FromLevelDb(it_->status());
}

void PostingCursor::Fail() {
  status_ = absl::DataLossError(absl::StrCat(
      "store: the posting block ", absl::CHexEscape(it_->key().ToString()),
      " is malformed; run civhubctl check"));
  valid_ = false;
  in_block_ = false;
}

void PostingCursor::Advance() {
  const std::string& prefix = list_.prefix_;
  const PostingList::Kind kind = list_.kind_;
  while (true) {
    if (in_block_) {
      if (block_.Next(nullptr)) {
        doc_ = block_.doc();
        const char* payload = block_.payload();
        if (kind == PostingList::Kind::kText) {
          weight_ = static_cast<uint8_t>(payload[0]);
        } else if (kind == PostingList::Kind::kGeo) {
          std::memcpy(&latitude_, payload + 1, 8);
          std::memcpy(&longitude_, payload + 9, 8);
        }
        valid_ = true;
        return;
      }
      if (block_.malformed()) return Fail();
      in_block_ = false;
      it_->Next();
    }
    if (!it_->Valid() || !it_->key().starts_with(prefix)) {
      valid_ = false;
      return;
    }
    // prefix, then for text prefix lists the rest of a longer word and
    // "\0", then the block's last document.
    const leveldb::Slice key = it_->key();
    const size_t min_size = kind == PostingList::Kind::kText
                                ? list_.exact_key_size_
                                : prefix.size() + 8;
    if (key.size() < min_size ||
        (kind != PostingList::Kind::kText && key.size() != min_size)) {
      return Fail();
    }
    block_last_ = DocAt(key, key.size() - 8);
    exact_ = key.size() == list_.exact_key_size_;
    const leveldb::Slice value = it_->value();
    const char tag = prefix[0];
    block_.Reset(absl::string_view(value.data(), value.size()),
                 internal::PayloadSize(tag), block_last_, tag == keys::kGeo);
    in_block_ = true;
  }
}

absl::StatusOr<std::vector<std::string>> ListFilterValues(
    const StoreSnapshot& snapshot, char field, absl::string_view prefix,
    size_t max) {
  std::vector<std::string> values;
  if (max == 0) return values;
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot_;
  std::unique_ptr<leveldb::Iterator> it(snapshot.store_.db_->NewIterator(ro));
  // "X" field value "\0" last: the keys of the values starting with `prefix`
  // start with `start`.
  std::string start = keys::FilterPrefix(field, prefix);
  start.pop_back();
  std::string next;
  for (it->Seek(start); it->Valid() && values.size() < max;) {
    const leveldb::Slice key = it->key();
    if (!key.starts_with(start)) break;
    const absl::string_view rest(key.data() + 2, key.size() - 2);
    const size_t end = rest.find('\0');
    if (end == absl::string_view::npos) {
      return absl::DataLossError("store: a filter posting is malformed");
    }
    values.emplace_back(rest.substr(0, end));
    // Past every block of this value: its keys continue with "\0".
    next.assign(key.data(), 2 + end);
    next.push_back('\1');
    it->Seek(next);
  }
  if (absl::Status s = internal::FromLevelDb(it->status()); !s.ok()) return s;
  return values;
}

ChangeCursor::ChangeCursor(const StoreSnapshot& snapshot, uint64_t after) {
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot_;
  it_.reset(snapshot.store_.db_->NewIterator(ro));
  it_->Seek(keys::Change(after + 1));
  Load();
}

ChangeCursor::~ChangeCursor() = default;

void ChangeCursor::Next() {
  it_->Next();
  Load();
}

absl::Status ChangeCursor::status() const {
  return internal::FromLevelDb(it_->status());
}

void ChangeCursor::Load() {
  // "C" change -> doc.
  for (; it_->Valid(); it_->Next()) {
    const leveldb::Slice key = it_->key();
    if (key.empty() || key[0] != keys::kChange) break;
    const leveldb::Slice value = it_->value();
    if (key.size() < 9 || value.size() < 8) continue;
    change_ = DocAt(key, 1);
    doc_ = DocAt(value, 0);
    valid_ = true;
    return;
  }
  valid_ = false;
}

}  // namespace civhub::node
