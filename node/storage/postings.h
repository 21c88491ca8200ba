// The store's search index as queries read it: posting lists (the documents
// indexed under one term) and the change log, read in a StoreSnapshot
// through cursors. The keys behind them stay inside node/storage.
#ifndef CIVHUB_NODE_STORAGE_POSTINGS_H_
#define CIVHUB_NODE_STORAGE_POSTINGS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/storage/internal/block_reader.h"
#include "node/storage/snapshot.h"

namespace leveldb {
class Iterator;
}  // namespace leveldb

namespace civhub::node {

// Names a posting list of the index, as IndexTerms (index_terms.h) made it.
// A value, cheap to build and copy.
class PostingList {
 public:
  // The records with `value` in filter field `field` (kField*), in document
  // order.
  static PostingList Filter(char field, absl::string_view value);
  // The records with the word `word` (as IndexTerms::tokens holds words), in
  // document order; with `prefix`, those with any word that starts with
  // `word`: word after word in byte order, each word's in document order.
  static PostingList Text(absl::string_view word, bool prefix);
  // The locations of records in cell `cell` at level `level` (geo.h), in
  // document order; a record may have several.
  static PostingList GeoCell(int level, uint64_t cell);

 private:
  friend class PostingCursor;
  enum class Kind { kFilter, kText, kGeo };
  PostingList(Kind kind, std::string prefix, size_t exact_key_size)
      : kind_(kind),
        prefix_(std::move(prefix)),
        exact_key_size_(exact_key_size) {}

  Kind kind_;
  std::string prefix_;         // Every key of the list starts with it.
  size_t exact_key_size_ = 0;  // Text: the size of the word's own keys.
};

// Reads one posting list at a time, in key order. The list's postings are
// stored in blocks of up to a few hundred (internal/posting_blocks.h):
// stepping within a block decodes a varint and costs no LevelDB call; a
// Seek within the current block does not seek LevelDB. No allocation.
//
// Not thread-safe: one query's. The snapshot must outlive the cursor.
class PostingCursor {
 public:
  // At the first posting of `list`.
  PostingCursor(const StoreSnapshot& snapshot, PostingList list);
  // On no list (!Valid()) until Reset.
  explicit PostingCursor(const StoreSnapshot& snapshot);
  PostingCursor(const PostingCursor&) = delete;
  PostingCursor& operator=(const PostingCursor&) = delete;
  ~PostingCursor();

  // At the first posting of `list`, reading on with this cursor's iterator
  // (cheaper than a new cursor).
  void Reset(PostingList list);

  // False once past the last posting, or after an error (status()).
  bool Valid() const { return valid_; }
  // The posting's document number (StoreSnapshot::GetDoc).
  uint64_t doc() const { return doc_; }
  void Next();
  // To the first posting whose document is >= `target`, never backwards;
  // nothing once !Valid(). For lists in document order (all but text
  // prefixes).
  void Seek(uint64_t target);

  // Text postings: the word's weight where the record has it (kWeightName,
  // kWeightText), and whether the word is the list's word itself rather
  // than a longer one that starts with it.
  uint8_t weight() const { return weight_; }
  bool exact() const { return exact_; }
  // Geo postings: the location.
  double latitude() const { return latitude_; }
  double longitude() const { return longitude_; }

  // OK, or what ended the reading early: DATA_LOSS if the store is corrupt,
  // INTERNAL for an I/O error.
  absl::Status status() const;

 private:
  // To the next posting: the next of the current block, else the first of
  // the next block of the list (the iterator's). A malformed block ends
  // the list with DATA_LOSS.
  void Advance();
  void Fail();

  std::unique_ptr<leveldb::Iterator> it_;
  PostingList list_;
  std::string seek_key_;  // Reused by Seek.
  internal::BlockReader block_;
  bool in_block_ = false;    // block_ reads the iterator's value.
  uint64_t block_last_ = 0;  // The document of the block's key.
  absl::Status status_;      // DATA_LOSS once a block was malformed.
  bool valid_ = false;
  uint64_t doc_ = 0;
  uint8_t weight_ = 0;
  bool exact_ = false;
  double latitude_ = 0;
  double longitude_ = 0;
};

// Reads the change log: each record's latest version at its change number,
// in change order (Directory::ChangesAfter, Watch).
//
// Not thread-safe. The snapshot must outlive the cursor.
class ChangeCursor {
 public:
  // At the first change after `after`.
  ChangeCursor(const StoreSnapshot& snapshot, uint64_t after);
  ChangeCursor(const ChangeCursor&) = delete;
  ChangeCursor& operator=(const ChangeCursor&) = delete;
  ~ChangeCursor();

  bool Valid() const { return valid_; }
  uint64_t change() const { return change_; }
  // The changed record's document number (StoreSnapshot::GetDoc).
  uint64_t doc() const { return doc_; }
  void Next();
  // As PostingCursor::status().
  absl::Status status() const;

 private:
  void Load();

  std::unique_ptr<leveldb::Iterator> it_;
  bool valid_ = false;
  uint64_t change_ = 0;
  uint64_t doc_ = 0;
};

// The distinct values of filter field `field` (kField*) that start with
// `prefix`, in byte order: at most `max` of them. Only live records have
// postings, so these are the values live records hold. Costs one seek per
// value returned, however many records hold each. DATA_LOSS if the store is
// corrupt, INTERNAL for an I/O error.
absl::StatusOr<std::vector<std::string>> ListFilterValues(
    const StoreSnapshot& snapshot, char field, absl::string_view prefix,
    size_t max);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_STORAGE_POSTINGS_H_
