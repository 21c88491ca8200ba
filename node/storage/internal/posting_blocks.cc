#include "node/storage/internal/posting_blocks.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "node/records/geo.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/leveldb_status.h"

namespace civhub::node::internal {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// False if [*p, end) does not start with a varint of at most 10 bytes.
bool GetVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    const uint64_t byte = static_cast<unsigned char>(*(*p)++);
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

absl::Status MalformedBlock(absl::string_view key) {
  return absl::DataLossError(
      absl::StrCat("store: the posting block ", absl::CHexEscape(key),
                   " is malformed; run civhubctl check"));
}

// Where the block holding `merged[at...]` ends: at most `cap` postings on
// but never between two postings of one document (a writer finds a
// document's postings in the one block its Seek lands on).
size_t ChunkEnd(const std::vector<Posting>& merged, size_t at, size_t cap) {
  size_t end = std::min(merged.size(), at + cap);
  while (end < merged.size() && merged[end].doc == merged[end - 1].doc) ++end;
  return end;
}

}  // namespace

size_t MaxBlockPostings(char tag) { return tag == keys::kGeo ? 128 : 256; }

size_t PayloadSize(char tag) {
  switch (tag) {
    case keys::kText:
      return 1;
    case keys::kGeo:
      return 17;
    default:
      return 0;
  }
}

void EncodeBlock(const Posting* postings, size_t n, size_t payload_size,
                 std::string* out) {
  PutVarint(out, n);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    PutVarint(out, postings[i].doc - prev);
    out->append(postings[i].payload.data(), payload_size);
    prev = postings[i].doc;
  }
}

void BlockReader::Reset(absl::string_view value, size_t payload_size,
                        uint64_t last, bool repeats) {
  p_ = value.data();
  end_ = value.data() + value.size();
  payload_size_ = payload_size;
  last_ = last;
  repeats_ = repeats;
  doc_ = 0;
  // A block is never empty: the last posting to go deletes it.
  malformed_ = !GetVarint(&p_, end_, &left_) || left_ == 0;
}

bool BlockReader::Next(Posting* posting) {
  if (malformed_) return false;
  if (left_ == 0) {
    // The key names the last document.
    malformed_ = p_ != end_ || doc_ != last_;
    return false;
  }
  uint64_t delta;
  if (!GetVarint(&p_, end_, &delta) ||
      (delta == 0 && (!repeats_ || doc_ == 0)) || doc_ + delta < doc_ ||
      doc_ + delta > last_ || static_cast<size_t>(end_ - p_) < payload_size_) {
    malformed_ = true;
    return false;
  }
  doc_ += delta;
  payload_ = p_;
  p_ += payload_size_;
  --left_;
  if (posting != nullptr) {
    posting->doc = doc_;
    std::memcpy(posting->payload.data(), payload_, payload_size_);
  }
  return true;
}

bool BlockCount(absl::string_view value, uint64_t* n) {
  const char* p = value.data();
  return GetVarint(&p, value.data() + value.size(), n);
}

bool DecodeBlock(absl::string_view value, size_t payload_size, uint64_t last,
                 bool repeats, std::vector<Posting>* out) {
  BlockReader reader;
  reader.Reset(value, payload_size, last, repeats);
  Posting posting;
  while (reader.Next(&posting)) out->push_back(posting);
  return !reader.malformed();
}

void ForEachPosting(
    uint64_t doc, const IndexTerms& terms,
    const std::function<void(const std::string& list, const Posting&)>& fn) {
  Posting posting;
  posting.doc = doc;
  for (const auto& [token, weight] : terms.tokens) {
    posting.payload[0] = static_cast<char>(weight);
    fn(keys::TextPrefix(token, /*exact=*/true), posting);
  }
  posting.payload[0] = 0;
  for (const auto& [field, value] : terms.filters) {
    fn(keys::FilterPrefix(field, value), posting);
  }
  for (size_t n = 0; n < terms.points.size(); ++n) {
    auto [lat, lon] = terms.points[n];
    posting.payload[0] = static_cast<char>(n);
    std::memcpy(posting.payload.data() + 1, &lat, 8);
    std::memcpy(posting.payload.data() + 9, &lon, 8);
    for (int level = 0; level < kGeoLevels; ++level) {
      fn(keys::GeoCellPrefix(level, GeoCell(level, lat, lon)), posting);
    }
  }
}

void PostingOps::Add(uint64_t doc, const IndexTerms& terms, bool remove) {
  ForEachPosting(doc, terms, [&](const std::string& list, const Posting& p) {
    lists_[list].push_back(Op{doc, remove, p});
    ++size_;
  });
}

absl::Status PostingOps::Write(leveldb::DB* db, uint64_t fresh_from,
                               leveldb::WriteBatch* batch) {
  if (lists_.empty()) return absl::OkStatus();
  // List by list in key order, document by document; a document's ops in
  // the order they were made.
  std::vector<std::pair<const std::string*, std::vector<Op>*>> lists;
  lists.reserve(lists_.size());
  for (auto& [list, ops] : lists_) lists.emplace_back(&list, &ops);
  std::sort(lists.begin(), lists.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  // Created only if a change needs a read: a batch of new records has none.
  std::unique_ptr<leveldb::Iterator> it;
  std::vector<DocChange> changes;
  absl::Status status;
  for (auto& [list, list_ops] : lists) {
    std::vector<Op>& ops = *list_ops;
    auto by_doc = [](const Op& a, const Op& b) { return a.doc < b.doc; };
    if (!std::is_sorted(ops.begin(), ops.end(), by_doc)) {
      std::stable_sort(ops.begin(), ops.end(), by_doc);
    }
    changes.clear();
    for (size_t j = 0; j < ops.size();) {
      const uint64_t doc = ops[j].doc;
      DocChange change{doc, false, j, j};
      for (; j < ops.size() && ops[j].doc == doc; ++j) {
        if (ops[j].remove) {
          change.replace = true;
          change.adds_begin = j + 1;
        }
      }
      change.adds_end = j;
      changes.push_back(change);
    }
    if (it == nullptr && changes.front().doc < fresh_from) {
      it.reset(db->NewIterator(leveldb::ReadOptions()));
    }
    status = WriteList(it.get(), *list, ops, changes, fresh_from, batch);
    if (!status.ok()) break;
  }
  lists_.clear();
  size_ = 0;
  return status;
}

absl::Status PostingOps::WriteList(leveldb::Iterator* it,
                                   const std::string& list,
                                   const std::vector<Op>& ops,
                                   const std::vector<DocChange>& changes,
                                   uint64_t fresh_from,
                                   leveldb::WriteBatch* batch) {
  const char tag = list[0];
  const size_t payload_size = PayloadSize(tag);
  const size_t cap = MaxBlockPostings(tag);
  std::vector<Posting> old;
  std::vector<Posting> merged;
  std::string key;
  std::string value;
  auto put = [&](size_t from, size_t to) {
    key = list;
    keys::PutBE64(&key, merged[to - 1].doc);
    value.clear();
    EncodeBlock(&merged[from], to - from, payload_size, &value);
    batch->Put(key, value);
    return key;
  };
  for (size_t c = 0; c < changes.size();) {
    // The block that can hold changes[c].doc: the first whose last
    // document is at or after it. None for a new document (past every
    // block, with no read) or for one past the list's last block.
    bool found = false;
    std::string old_key;
    uint64_t last = 0;
    old.clear();
    if (changes[c].doc < fresh_from) {
      key = list;
      keys::PutBE64(&key, changes[c].doc);
      it->Seek(key);
      if (it->Valid() && it->key().starts_with(list)) {
        found = true;
        old_key = it->key().ToString();
        if (old_key.size() != list.size() + 8) return MalformedBlock(old_key);
        last = keys::GetBE64(absl::string_view(old_key).substr(list.size()));
        const leveldb::Slice v = it->value();
        if (!DecodeBlock(absl::string_view(v.data(), v.size()), payload_size,
                         last, tag == keys::kGeo, &old)) {
          return MalformedBlock(old_key);
        }
      } else if (!it->status().ok()) {
        return FromLevelDb(it->status());
      }
    }
    size_t e = c;
    if (found) {
      while (e < changes.size() && changes[e].doc <= last) ++e;
    } else {
      e = changes.size();  // Appended: after every block of the list.
    }
    merged.clear();
    Merge(old, tag, ops, changes.data() + c, changes.data() + e, &merged);

    // Appended postings fill blocks in order; a block that grew past the
    // cap splits into even parts. Never between two postings of one
    // document: a writer finds a document's postings in one block.
    bool old_kept = false;
    size_t each = cap;
    if (found) {
      const size_t parts = std::max<size_t>(1, (merged.size() + cap - 1) / cap);
      each = (merged.size() + parts - 1) / parts;
    }
    for (size_t at = 0, end; at < merged.size(); at = end) {
      end = ChunkEnd(merged, at, each);
      old_kept = put(at, end) == old_key || old_kept;
    }
    if (found && !old_kept) batch->Delete(old_key);
    c = e;
  }
  return absl::OkStatus();
}

void PostingOps::Merge(const std::vector<Posting>& old, char tag,
                       const std::vector<Op>& ops, const DocChange* begin,
                       const DocChange* end, std::vector<Posting>* out) {
  size_t k = 0;
  for (const DocChange* c = begin; c != end; ++c) {
    while (k < old.size() && old[k].doc < c->doc) out->push_back(old[k++]);
    const size_t first = out->size();
    for (; k < old.size() && old[k].doc == c->doc; ++k) {
      if (!c->replace) out->push_back(old[k]);
    }
    for (size_t a = c->adds_begin; a < c->adds_end; ++a) {
      // One posting per document (text, filter) or per location (geo): a
      // later one replaces an earlier.
      const Posting& p = ops[a].posting;
      auto same =
          std::find_if(out->begin() + first, out->end(), [&](const Posting& q) {
            return tag != keys::kGeo || q.payload[0] == p.payload[0];
          });
      if (same != out->end()) {
        *same = p;
      } else {
        out->push_back(p);
      }
    }
    if (tag == keys::kGeo) {
      std::sort(out->begin() + first, out->end(),
                [](const Posting& a, const Posting& b) {
                  return static_cast<unsigned char>(a.payload[0]) <
                         static_cast<unsigned char>(b.payload[0]);
                });
    }
  }
  out->insert(out->end(), old.begin() + k, old.end());
}

}  // namespace civhub::node::internal
