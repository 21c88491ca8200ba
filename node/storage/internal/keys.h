// LevelDB key layout of the hub's store. Every key starts with a one-byte
// tag; integers are 8-byte big-endian so that keys sort numerically.
// docs/architecture.md, "Storage layout", describes the same.
#ifndef CIVHUB_NODE_STORAGE_INTERNAL_KEYS_H_
#define CIVHUB_NODE_STORAGE_INTERNAL_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace civhub::node::keys {

// Tags.
inline constexpr char kMeta = 'M';    // M name -> value
inline constexpr char kRecord = 'R';  // R origin id -> StoredRecord
inline constexpr char kDoc = 'D';     // D doc -> origin id
inline constexpr char kSeq = 'S';     // S origin seq -> id (latest versions)
inline constexpr char kHash = 'H';    // H origin seq -> body hash (all seen)
inline constexpr char kFork = 'F';    // F origin seq hash -> SignedRecord
inline constexpr char kOrigin = 'O';  // O origin -> OriginState
inline constexpr char kChange = 'C';  // C change -> doc (latest per record)
// Posting lists, as blocks of postings (posting_blocks.h): the key is the
// list's prefix and the last document of the block; the value the block's
// postings.
inline constexpr char kText = 'T';    // T token \0 last -> (doc weight)...
inline constexpr char kFilter = 'X';  // X field value \0 last -> (doc)...
inline constexpr char kGeo = 'G';     // G level cell last -> (doc n lat lon)...
inline constexpr char kAux = 'Z';     // Z name -> value (federation state)

// Filter fields, the byte after kFilter, are IndexTerms' (kField* in
// node/records/index_terms.h): the records layer names what it indexes.

// Meta keys (tag kMeta).
// Counters: next doc and change numbers, counts by kind, origins.
inline constexpr char kCounters[] = "Mcounters";
// kTextIndexVersion of the text postings (kText keys), as a decimal string.
// Stores written before it existed have none.
inline constexpr char kTextIndexVersion[] = "Mtext-index-version";
// kFilterIndexVersion of the filter postings (kFilter keys), as a decimal
// string. Stores written before it existed (before HSDS id postings) have
// none.
inline constexpr char kFilterIndexVersion[] = "Mfilter-index-version";
// kPostingFormat of the posting keys (kText, kFilter, kGeo), as a decimal
// string. Stores written before it existed hold one key per posting.
inline constexpr char kPostingFormatVersion[] = "Mposting-format";
inline constexpr int kPostingFormat = 2;  // Blocks (posting_blocks.h).
// Written by Store::Sync (a synced write flushes the log).
inline constexpr char kSync[] = "Msync";

// Bytes of the body hash kept per (origin, sequence) (kHash values): enough
// to tell two bodies apart, which is all fork detection needs.
inline constexpr size_t kBodyHashBytes = 16;

inline void PutBE64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

inline uint64_t GetBE64(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline std::string Record(absl::string_view origin, absl::string_view id) {
  std::string k(1, kRecord);
  k.append(origin.data(), origin.size());
  k.append(id.data(), id.size());
  return k;
}

inline std::string Doc(uint64_t doc) {
  std::string k(1, kDoc);
  PutBE64(&k, doc);
  return k;
}

inline std::string OriginSeq(char tag, absl::string_view origin, uint64_t seq) {
  std::string k(1, tag);
  k.append(origin.data(), origin.size());
  PutBE64(&k, seq);
  return k;
}

inline std::string Origin(absl::string_view origin) {
  std::string k(1, kOrigin);
  k.append(origin.data(), origin.size());
  return k;
}

inline std::string Change(uint64_t change) {
  std::string k(1, kChange);
  PutBE64(&k, change);
  return k;
}

// Prefix of all posting blocks of `token`'s term (exact), or of every term that
// starts with `token` when `exact` is false.
inline std::string TextPrefix(absl::string_view token, bool exact) {
  std::string k(1, kText);
  k.append(token.data(), token.size());
  if (exact) k.push_back('\0');
  return k;
}

inline std::string FilterPrefix(char field, absl::string_view value) {
  std::string k(1, kFilter);
  k.push_back(field);
  k.append(value.data(), value.size());
  k.push_back('\0');
  return k;
}

inline std::string GeoCellPrefix(int level, uint64_t cell) {
  std::string k(1, kGeo);
  k.push_back(static_cast<char>(level));
  PutBE64(&k, cell);
  return k;
}

}  // namespace civhub::node::keys

#endif  // CIVHUB_NODE_STORAGE_INTERNAL_KEYS_H_
