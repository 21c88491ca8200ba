#include "node/storage/check.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/record_signing.h"
#include "leveldb/db.h"
#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/leveldb_status.h"
#include "node/storage/internal/posting_blocks.h"
#include "node/storage/internal/store_access.h"

namespace civhub::node {
namespace {

constexpr size_t kMaxListed = 100;
constexpr size_t kOriginBytes = crypto::kPublicKeySize;

// What one origin's records and keys add up to.
struct OriginTally {
  uint64_t records = 0;
  uint64_t max_sequence = 0;
  uint64_t fork_keys = 0;
};

// How the record pass checks the entries and postings each record implies.
enum class Mode {
  // Sums a digest of each one; the scans of the store sum the same of what
  // it holds, and equal sums mean every one is there with its value. No
  // random reads (a LevelDB Seek and block decode per posting, ~30 a
  // record, took 45 % of the check's time), but a difference names nothing.
  kDigest,
  // Reads each one back: names every one missing or wrong.
  kLookup,
};

// A digest of the entry `key` -> `value`. Sums of these stand for
// multisets: a missing, extra or changed entry changes the sum but for a
// chance of 2^-64 (absl::Hash, seeded once per process, is the same on
// both sides of a comparison).
uint64_t EntryDigest(absl::string_view key, absl::string_view value) {
  return absl::HashOf(key, value);
}
// The same for a posting of `doc` in `list`.
uint64_t PostingDigest(absl::string_view list, uint64_t doc,
                       absl::string_view payload) {
  return absl::HashOf(list, doc, payload);
}

class Checker {
 public:
  Checker(const Store& store, Mode mode)
      : db_(internal::StoreAccess::Db(store)),
        snapshot_(db_->GetSnapshot()),
        mode_(mode) {
    ro_.snapshot = snapshot_;
  }
  ~Checker() { db_->ReleaseSnapshot(snapshot_); }

  absl::StatusOr<v1::CheckReport> Run();
  // After Run in kDigest mode: true if it found nothing (no problem, equal
  // digests), so that kLookup would find nothing either; if false, only a
  // kLookup run names what is wrong.
  bool Sound() const {
    return report_.problem_count() == 0 && stored_digest_ == expected_digest_;
  }

 private:
  void Problem(std::string what) {
    if (report_.problems_size() < static_cast<int>(kMaxListed)) {
      report_.add_problems(std::move(what));
    }
    report_.set_problem_count(report_.problem_count() + 1);
  }
  // Value of `key` in the snapshot; nullopt if absent.
  absl::StatusOr<std::optional<std::string>> Read(const std::string& key) {
    std::string value;
    leveldb::Status s = db_->Get(ro_, key, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return internal::FromLevelDb(s);
    return value;
  }
  // Calls `fn(key, value)` for every key starting with `tag`; counts them.
  template <typename Fn>
  absl::StatusOr<uint64_t> Scan(char tag, Fn fn) {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro_));
    const std::string prefix(1, tag);
    uint64_t n = 0;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ++n;
      fn(absl::string_view(it->key().data(), it->key().size()),
         absl::string_view(it->value().data(), it->value().size()));
    }
    if (!it->status().ok()) return internal::FromLevelDb(it->status());
    return n;
  }
  // One record and what examining it found. Examine runs on every core
  // (signature, entries, postings: all reads of the snapshot); Tally adds
  // the results up in key order.
  struct Loaded {
    std::string key;
    std::string value;
    storage::StoredRecord stored;
    std::optional<crypto::VerifiedRecord> verified;  // Set if it is sound.
    std::vector<std::string> problems;
    absl::Status status;
    uint64_t postings = 0;
    uint64_t digest = 0;  // kDigest: the sum of its entries' and postings'.
  };
  void Examine(Loaded* r) const;
  void Tally(Loaded& r);
  // Checks records in chunks: examined in parallel, tallied in order.
  absl::StatusOr<uint64_t> CheckRecords();
  // `what` names a key: tag, origin as a hub id, the rest in hex.
  static std::string Name(absl::string_view key);
  // Checks that the block of `list` that can hold `want.doc` holds it,
  // with its payload.
  void ExpectPosting(Loaded* r, leveldb::Iterator* it, const std::string& list,
                     const internal::Posting& want,
                     const std::string& record) const;
  // Checks every posting block: well formed, in order, each posting of a
  // live document. Returns the postings counted.
  absl::StatusOr<uint64_t> CheckBlocks();
  // Counts the sequence entries; in kDigest mode sums the digests of each
  // and of its body hash entry (H keeps every sequence seen, S the latest).
  absl::StatusOr<uint64_t> ScanSequences();
  bool LiveDoc(uint64_t doc) const {
    return doc < live_docs_.size() && live_docs_[doc];
  }
  void Expect(Loaded* r, const std::string& key, absl::string_view want,
              const std::string& record, absl::string_view what) const {
    std::string got;
    leveldb::Status st = db_->Get(ro_, key, &got);
    if (st.IsNotFound()) {
      r->problems.push_back(
          absl::StrCat(record, ": its ", what, " entry is missing"));
    } else if (!st.ok()) {
      r->status = internal::FromLevelDb(st);
    } else if (got != want) {
      r->problems.push_back(
          absl::StrCat(record, ": its ", what, " entry is wrong"));
    }
  }

  leveldb::DB* const db_;
  const leveldb::Snapshot* const snapshot_;
  leveldb::ReadOptions ro_;
  v1::CheckReport report_;
  storage::Counters counters_;
  storage::Counters counted_;
  std::map<std::string, OriginTally> origins_;
  std::vector<bool> live_docs_;
  uint64_t expected_postings_ = 0;
  const Mode mode_;
  uint64_t expected_digest_ = 0;  // What the records imply.
  uint64_t stored_digest_ = 0;    // What the store holds.
};

std::string Checker::Name(absl::string_view key) {
  if (key.size() > kOriginBytes &&
      (key[0] == keys::kRecord || key[0] == keys::kSeq ||
       key[0] == keys::kHash || key[0] == keys::kFork ||
       key[0] == keys::kOrigin)) {
    return absl::StrCat(
        std::string(1, key[0]), " ",
        crypto::HubIdOf(std::string(key.substr(1, kOriginBytes))), " ",
        absl::CHexEscape(key.substr(1 + kOriginBytes)));
  }
  // Posting blocks: tag, list (term, or field and value, or level and
  // cell), then the block's last document.
  if (key.size() > 9 && (key[0] == keys::kText || key[0] == keys::kFilter ||
                         key[0] == keys::kGeo)) {
    const uint64_t last = keys::GetBE64(key.substr(key.size() - 8));
    return absl::StrCat(std::string(1, key[0]), " \"",
                        absl::CHexEscape(key.substr(1, key.size() - 9)),
                        "\" block through document ", last);
  }
  return absl::CHexEscape(key);
}

// `list`'s posting of `doc`, named for a problem: tag, list, document.
std::string PostingName(absl::string_view list, uint64_t doc) {
  return absl::StrCat(std::string(1, list[0]), " \"",
                      absl::CHexEscape(list.substr(1)), "\" document ", doc);
}

absl::StatusOr<uint64_t> Checker::CheckRecords() {
  constexpr size_t kChunk = 4096;
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro_));
  const std::string prefix(1, keys::kRecord);
  it->Seek(prefix);
  uint64_t n = 0;
  std::vector<Loaded> chunk;
  for (bool more = true; more;) {
    chunk.clear();
    while (chunk.size() < kChunk && it->Valid() &&
           it->key().starts_with(prefix)) {
      Loaded& r = chunk.emplace_back();
      r.key = it->key().ToString();
      r.value = it->value().ToString();
      it->Next();
    }
    more = chunk.size() == kChunk;
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < chunk.size(); i = next++) Examine(&chunk[i]);
    };
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads && chunk.size() > 64; ++t) {
      helpers.emplace_back(work);
    }
    work();
    for (std::thread& helper : helpers) helper.join();
    for (Loaded& r : chunk) {
      if (!r.status.ok()) return r.status;
      Tally(r);
    }
    n += chunk.size();
  }
  if (!it->status().ok()) return internal::FromLevelDb(it->status());
  return n;
}

void Checker::Examine(Loaded* r) const {
  absl::string_view key = r->key;
  const storage::StoredRecord& stored = r->stored;
  if (key.size() <= 1 + kOriginBytes || !r->stored.ParseFromString(r->value)) {
    r->problems.push_back(absl::StrCat(Name(key), ": unreadable record"));
    return;
  }
  const std::string origin(key.substr(1, kOriginBytes));
  const std::string id(key.substr(1 + kOriginBytes));
  absl::StatusOr<crypto::VerifiedRecord> verified =
      crypto::VerifyRecord(stored.signed_());
  if (!verified.ok()) {
    r->problems.push_back(
        absl::StrCat(Name(key), ": ", verified.status().message()));
    return;
  }
  const v1::RecordBody& body = verified->body;
  if (body.origin() != origin || body.record_id() != id) {
    r->problems.push_back(
        absl::StrCat(Name(key), ": stored under another origin or id"));
    return;
  }
  const std::string record =
      absl::StrCat("record ", crypto::HubIdOf(origin), "/", id);
  const uint64_t doc = stored.doc();
  if (doc == 0 || doc >= counters_.next_doc()) {
    r->problems.push_back(
        absl::StrCat(record, ": document number ", doc, " was never assigned"));
    return;
  }
  if (stored.change() == 0 || stored.change() >= counters_.next_change()) {
    r->problems.push_back(absl::StrCat(record, ": change number ",
                                       stored.change(), " was never assigned"));
  }
  std::string doc_key;
  keys::PutBE64(&doc_key, doc);
  // The entries the record implies, and each posting its body derives.
  const std::pair<std::string, std::string> entries[] = {
      {keys::OriginSeq(keys::kSeq, origin, body.sequence()), id},
      {keys::OriginSeq(keys::kHash, origin, body.sequence()),
       crypto::Sha256(stored.signed_().body()).substr(0, keys::kBodyHashBytes)},
      {keys::Doc(doc), origin + id},
      {keys::Change(stored.change()), doc_key},
  };
  if (mode_ == Mode::kDigest) {
    for (const auto& [k, v] : entries) r->digest += EntryDigest(k, v);
    internal::ForEachPosting(
        doc, DeriveIndexTerms(body),
        [&](const std::string& list, const internal::Posting& want) {
          ++r->postings;
          r->digest +=
              PostingDigest(list, want.doc,
                            absl::string_view(want.payload.data(),
                                              internal::PayloadSize(list[0])));
        });
  } else {
    const char* const what[] = {"sequence", "body hash", "document",
                                "change log"};
    for (size_t i = 0; i < std::size(entries); ++i) {
      Expect(r, entries[i].first, entries[i].second, record, what[i]);
    }
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro_));
    internal::ForEachPosting(
        doc, DeriveIndexTerms(body),
        [&](const std::string& list, const internal::Posting& want) {
          ++r->postings;
          ExpectPosting(r, it.get(), list, want, record);
        });
  }
  r->verified = *std::move(verified);
}

void Checker::ExpectPosting(Loaded* r, leveldb::Iterator* it,
                            const std::string& list,
                            const internal::Posting& want,
                            const std::string& record) const {
  std::string key = list;
  keys::PutBE64(&key, want.doc);
  it->Seek(key);
  const char tag = list[0];
  const size_t payload_size = internal::PayloadSize(tag);
  bool found = false;
  bool wrong = false;
  if (it->Valid() && it->key().starts_with(list) &&
      it->key().size() == list.size() + 8) {
    // A malformed block is reported by CheckBlocks; here it holds nothing.
    std::vector<internal::Posting> block;
    const leveldb::Slice v = it->value();
    const uint64_t last =
        keys::GetBE64(absl::string_view(it->key().data() + list.size(), 8));
    if (!internal::DecodeBlock(absl::string_view(v.data(), v.size()),
                               payload_size, last, tag == keys::kGeo, &block)) {
      block.clear();
    }
    for (const internal::Posting& got : block) {
      if (got.doc != want.doc ||
          (tag == keys::kGeo && got.payload[0] != want.payload[0])) {
        continue;
      }
      found = true;
      wrong = std::memcmp(got.payload.data(), want.payload.data(),
                          payload_size) != 0;
      break;
    }
  } else if (!it->status().ok()) {
    r->status = internal::FromLevelDb(it->status());
    return;
  }
  if (!found || wrong) {
    r->problems.push_back(absl::StrCat(record, ": its index (",
                                       PostingName(list, want.doc), ") entry ",
                                       found ? "is wrong" : "is missing"));
  }
}

absl::StatusOr<uint64_t> Checker::ScanSequences() {
  std::unique_ptr<leveldb::Iterator> hashes(db_->NewIterator(ro_));
  hashes->Seek(std::string(1, keys::kHash));
  std::string hash_key;
  absl::StatusOr<uint64_t> n =
      Scan(keys::kSeq, [&](absl::string_view k, absl::string_view v) {
        if (mode_ != Mode::kDigest) return;
        stored_digest_ += EntryDigest(k, v);
        // Both are in (origin, sequence) order: walk H along with S.
        hash_key.assign(k.data(), k.size());
        hash_key[0] = keys::kHash;
        while (hashes->Valid() && hashes->key().compare(hash_key) < 0) {
          hashes->Next();
        }
        if (hashes->Valid() && hashes->key() == hash_key) {
          const leveldb::Slice hash = hashes->value();
          stored_digest_ += EntryDigest(
              hash_key, absl::string_view(hash.data(), hash.size()));
        }
      });
  if (!hashes->status().ok()) return internal::FromLevelDb(hashes->status());
  return n;
}

absl::StatusOr<uint64_t> Checker::CheckBlocks() {
  uint64_t postings = 0;
  std::string previous_list;
  uint64_t previous_last = 0;
  for (char tag : {keys::kText, keys::kFilter, keys::kGeo}) {
    const size_t payload_size = internal::PayloadSize(tag);
    absl::StatusOr<uint64_t> blocks =
        Scan(tag, [&](absl::string_view k, absl::string_view v) {
          // Text and filter lists end with "\0", geo lists are 10 bytes.
          const size_t list_size = k.size() >= 8 ? k.size() - 8 : 0;
          const absl::string_view list = k.substr(0, list_size);
          if (list_size < 2 || (tag == keys::kGeo && list_size != 10) ||
              (tag != keys::kGeo && list.back() != '\0')) {
            Problem(absl::StrCat("index block ", Name(k), " is malformed"));
            return;
          }
          const uint64_t last = keys::GetBE64(k.substr(list_size));
          const uint64_t after = list == previous_list ? previous_last : 0;
          previous_list = std::string(list);
          previous_last = last;
          internal::BlockReader block;
          block.Reset(v, payload_size, last, tag == keys::kGeo);
          internal::Posting posting;
          bool first = true;
          while (block.Next(&posting)) {
            ++postings;
            if (first && posting.doc <= after) {
              Problem(absl::StrCat("index block ", Name(k),
                                   " overlaps the block before it"));
            }
            first = false;
            if (mode_ == Mode::kDigest) {
              stored_digest_ += PostingDigest(
                  list, posting.doc,
                  absl::string_view(posting.payload.data(), payload_size));
            }
            if (!LiveDoc(posting.doc)) {
              Problem(absl::StrCat(
                  "index entry ", PostingName(list, posting.doc),
                  " names document ", posting.doc, ", which does not exist"));
            }
          }
          if (block.malformed()) {
            Problem(absl::StrCat("index block ", Name(k), " is malformed"));
          }
        });
    if (!blocks.ok()) return blocks.status();
    report_.set_index_blocks(report_.index_blocks() + *blocks);
  }
  return postings;
}

void Checker::Tally(Loaded& r) {
  for (std::string& problem : r.problems) Problem(std::move(problem));
  if (!r.verified.has_value()) return;
  const v1::RecordBody& body = r.verified->body;
  OriginTally& tally = origins_[body.origin()];
  ++tally.records;
  tally.max_sequence = std::max(tally.max_sequence, body.sequence());
  CountRecord(body, +1, &counted_);
  const uint64_t doc = r.stored.doc();
  if (live_docs_[doc]) {
    Problem(absl::StrCat("record ", crypto::HubIdOf(body.origin()), "/",
                         body.record_id(), ": document number ", doc,
                         " used twice"));
  }
  live_docs_[doc] = true;
  expected_postings_ += r.postings;
  expected_digest_ += r.digest;
}

absl::StatusOr<v1::CheckReport> Checker::Run() {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::optional<std::string>> raw = Read(keys::kCounters);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value() || !counters_.ParseFromString(**raw)) {
    // A store that never applied a record has no counters yet.
    if (raw->has_value()) Problem("the store's counters are unreadable");
    counters_.set_next_doc(1);
    counters_.set_next_change(1);
  }
  live_docs_.assign(counters_.next_doc(), false);

  // Records, and everything each one implies.
  absl::StatusOr<uint64_t> records = CheckRecords();
  if (!records.ok()) return records.status();
  report_.set_records(*records);

  // Each record has exactly one sequence, document and change entry: the
  // forward pass found one for each, so equal counts leave none over.
  for (auto [tag, what] : {std::pair<char, const char*>{keys::kSeq, "sequence"},
                           {keys::kDoc, "document"},
                           {keys::kChange, "change log"}}) {
    absl::StatusOr<uint64_t> n =
        tag == keys::kSeq
            ? ScanSequences()
            : Scan(tag, [&](absl::string_view k, absl::string_view v) {
                if (mode_ == Mode::kDigest) stored_digest_ += EntryDigest(k, v);
              });
    if (!n.ok()) return n.status();
    if (*n != *records) {
      Problem(
          absl::StrCat(*n, " ", what, " entries for ", *records, " records"));
    }
  }

  // Postings: each must name a live document; with every expected posting
  // found above, equal counts mean no stale posting is left.
  absl::StatusOr<uint64_t> postings = CheckBlocks();
  if (!postings.ok()) return postings.status();
  report_.set_index_entries(*postings);
  if (*postings != expected_postings_) {
    Problem(absl::StrCat(*postings, " index entries where the records derive ",
                         expected_postings_));
  }

  // Fork evidence: signed by its origin, counted in the origin's state.
  absl::StatusOr<uint64_t> forks =
      Scan(keys::kFork, [&](absl::string_view k, absl::string_view v) {
        v1::SignedRecord evidence;
        absl::StatusOr<crypto::VerifiedRecord> verified =
            evidence.ParseFromArray(v.data(), v.size())
                ? crypto::VerifyRecord(evidence)
                : absl::DataLossError("unreadable");
        if (!verified.ok() || k.size() <= 1 + kOriginBytes ||
            verified->origin.bytes() != k.substr(1, kOriginBytes)) {
          Problem(absl::StrCat("fork evidence ", Name(k), " does not verify"));
          return;
        }
        ++origins_[verified->origin.bytes()].fork_keys;
      });
  if (!forks.ok()) return forks.status();
  report_.set_fork_evidence(*forks);

  // Origin states against what their records add up to.
  uint64_t states = 0;
  absl::StatusOr<uint64_t> scanned =
      Scan(keys::kOrigin, [&](absl::string_view k, absl::string_view v) {
        storage::OriginState state;
        const std::string origin(k.substr(1));
        const std::string who =
            absl::StrCat("origin ", crypto::HubIdOf(origin));
        if (!state.ParseFromArray(v.data(), v.size())) {
          Problem(absl::StrCat(who, ": unreadable state"));
          return;
        }
        ++states;
        OriginTally tally;
        if (auto it = origins_.find(origin); it != origins_.end()) {
          tally = it->second;
          origins_.erase(it);
        }
        if (state.records() != tally.records) {
          Problem(absl::StrCat(who, ": state counts ", state.records(),
                               " records, the store holds ", tally.records));
        }
        if (tally.max_sequence > state.max_sequence()) {
          Problem(absl::StrCat(who, ": holds sequence ", tally.max_sequence,
                               " above its highest, ", state.max_sequence()));
        }
        if (state.complete_through() > state.max_sequence()) {
          Problem(absl::StrCat(who, ": complete through ",
                               state.complete_through(), " above its highest, ",
                               state.max_sequence()));
        }
        if (state.forks() != tally.fork_keys) {
          Problem(absl::StrCat(who, ": state counts ", state.forks(),
                               " forks, the store keeps evidence of ",
                               tally.fork_keys));
        }
      });
  if (!scanned.ok()) return scanned.status();
  for (const auto& [origin, tally] : origins_) {
    Problem(absl::StrCat("origin ", crypto::HubIdOf(origin), ": ",
                         tally.records, " records but no origin state"));
  }
  report_.set_origins(states);

  auto compare = [&](absl::string_view what, uint64_t kept, uint64_t counted) {
    if (kept != counted) {
      Problem(absl::StrCat("the counters say ", kept, " ", what,
                           ", the store holds ", counted));
    }
  };
  for (const RecordKindInfo& kind : RecordKinds()) {
    compare(kind.plural, (counters_.*kind.count)(), (counted_.*kind.count)());
  }
  report_.set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
  return report_;
}

}  // namespace

absl::StatusOr<v1::CheckReport> CheckStore(const Store& store) {
  // Digests first: on a sound store (the usual case) that is the whole
  // check. Anything found, or unequal digests, and the lookup pass runs on
  // a snapshot of its own to name each problem; a store changed in between
  // is still reported as it is then.
  const absl::Time start = absl::Now();
  {
    Checker checker(store, Mode::kDigest);
    absl::StatusOr<v1::CheckReport> report = checker.Run();
    if (!report.ok() || checker.Sound()) return report;
  }
  Checker checker(store, Mode::kLookup);
  absl::StatusOr<v1::CheckReport> report = checker.Run();
  if (!report.ok()) return report;
  if (report->problem_count() == 0) {
    // Within one snapshot the digests differed, so something is wrong even
    // though no lookup could name it: never report such a store sound.
    report->add_problems(
        "the store's entries differ from what its records imply, but no one "
        "entry could be named: the disk or the files were damaged; restore the "
        "hub from an export and its peers (docs/operations.md, \"Checking a "
        "hub\")");
    report->set_problem_count(1);
  }
  report->set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
  return report;
}

}  // namespace civhub::node
