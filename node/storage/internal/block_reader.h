// Reading one block of postings (posting_blocks.h has the layout and the
// writing). Apart from posting_blocks.h so that postings.h, whose cursor
// holds a BlockReader, does not see LevelDB. Private to node/storage.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_BLOCK_READER_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_BLOCK_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace civhub::node::internal {

// One posting: a document and what the list keeps for it. Text: the
// weight (1 byte). Filter: nothing. Geo: the location's index in the
// record, then latitude and longitude as native doubles (17 bytes); a
// document has one posting per location, ordered by that index.
struct Posting {
  uint64_t doc = 0;
  std::array<char, 17> payload{};
};

// Bytes of payload per posting in lists of `tag` (keys::kText, ...).
size_t PayloadSize(char tag);

// Reads a block's postings one at a time, checking as it goes: a count
// that does not match, documents out of order, a truncated posting or
// bytes after the last make it malformed. `value` must outlive it.
class BlockReader {
 public:
  BlockReader() = default;
  // `last` is the document of the block's key; `repeats` whether a document may
  // repeat (geo: one posting per location).
  void Reset(absl::string_view value, size_t payload_size, uint64_t last,
             bool repeats);
  // The next posting; false at the end or once malformed().
  bool Next(Posting* posting);
  bool malformed() const { return malformed_; }
  // Pointer to the payload just read (payload_size bytes).
  const char* payload() const { return payload_; }
  uint64_t doc() const { return doc_; }

 private:
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  const char* payload_ = nullptr;
  size_t payload_size_ = 0;
  uint64_t left_ = 0;
  uint64_t doc_ = 0;
  uint64_t last_ = 0;
  bool repeats_ = false;
  bool malformed_ = false;
};

}  // namespace civhub::node::internal

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_BLOCK_READER_H_
