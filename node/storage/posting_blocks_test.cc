// Posting lists stored as blocks (internal/posting_blocks.h): what the
// store writes for batches, updates, purges and trickled publishes, how a
// cursor reads it back, and the rebuild of a store of one key per posting.
#include "node/storage/internal/posting_blocks.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "node/records/geo.h"
#include "node/records/index_terms.h"
#include "node/storage/check.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/store_access.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"
#include "node/storage/store.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using testing::NewKey;
using testing::OrgSpec;
using testing::SignedOrg;

class PostingBlocksTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
  }
  // Organization `id` of `key` named `name`, at `version`.
  crypto::VerifiedRecord Org(const crypto::PrivateKey& key,
                             const std::string& id, const std::string& name,
                             uint64_t version = 1) {
    OrgSpec spec;
    spec.name = name;
    absl::StatusOr<crypto::VerifiedRecord> v = crypto::VerifyRecord(SignedOrg(
        key, id, version, ++sequences_[key.public_key().bytes()], spec));
    EXPECT_OK(v);
    return *std::move(v);
  }
  // Applies `records` in one ApplyMany; each must be applied.
  void ApplyAll(const std::vector<crypto::VerifiedRecord>& records) {
    std::vector<Store::ApplyPlan> plans;
    std::vector<const crypto::VerifiedRecord*> rp;
    std::vector<const Store::ApplyPlan*> pp;
    plans.reserve(records.size());
    for (const crypto::VerifiedRecord& r : records) {
      plans.push_back(Store::Plan(r));
      rp.push_back(&r);
      pp.push_back(&plans.back());
    }
    for (const absl::StatusOr<ApplyOutcome>& outcome :
         store_->ApplyMany(rp, pp, /*sync=*/false)) {
      ASSERT_OK(outcome);
      EXPECT_EQ(*outcome, ApplyOutcome::kApplied);
    }
  }
  uint64_t DocOf(const crypto::PrivateKey& key, const std::string& id) {
    return (*store_->Get(key.public_key().bytes(), id))->stored.doc();
  }
  // Every document of the word's list, as a cursor reads it.
  std::vector<uint64_t> Docs(const std::string& word) {
    StoreSnapshot snap(*store_);
    std::vector<uint64_t> docs;
    PostingCursor cursor(snap, PostingList::Text(word, /*prefix=*/false));
    for (; cursor.Valid(); cursor.Next()) docs.push_back(cursor.doc());
    EXPECT_OK(cursor.status());
    return docs;
  }
  // The sizes of the blocks of the word's list, in key order.
  std::vector<size_t> Blocks(const std::string& word) {
    leveldb::DB* db = internal::StoreAccess::Db(*store_);
    const std::string list = keys::TextPrefix(word, /*exact=*/true);
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
    std::vector<size_t> sizes;
    for (it->Seek(list); it->Valid() && it->key().starts_with(list);
         it->Next()) {
      std::vector<internal::Posting> postings;
      EXPECT_TRUE(internal::DecodeBlock(
          it->value().ToString(), 1,
          keys::GetBE64(absl::string_view(it->key().data() + list.size(), 8)),
          false, &postings));
      sizes.push_back(postings.size());
    }
    return sizes;
  }
  void ExpectSound() {
    absl::StatusOr<v1::CheckReport> report = CheckStore(*store_);
    ASSERT_OK(report);
    EXPECT_EQ(report->problem_count(), 0u) << report->DebugString();
  }
  // 600 organizations sharing the word "shared", in one batch; their docs.
  std::vector<uint64_t> ApplySixHundred() {
    std::vector<crypto::VerifiedRecord> records;
    for (int i = 0; i < 600; ++i) {
      records.push_back(
          Org(key_, absl::StrCat("org-", i), absl::StrCat("Shared Trust ", i)));
    }
    ApplyAll(records);
    std::vector<uint64_t> docs;
    for (int i = 0; i < 600; ++i) {
      docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
    }
    return docs;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  std::unique_ptr<Store> store_;
  crypto::PrivateKey key_ = NewKey();
  std::map<std::string, uint64_t> sequences_;
};

TEST_F(PostingBlocksTest, ABatchSplitsItsListsIntoFullBlocksAtTheCap) {
  const std::vector<uint64_t> docs = ApplySixHundred();
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 256, 88}));
  EXPECT_EQ(Docs("shared"), docs);
  ExpectSound();
}

TEST_F(PostingBlocksTest, OneRecordAtATimeAppendsABlockPerWrite) {
  // A trickle of publishes (one record per write) appends a block per
  // write without reading the list's last block: as many keys as one key
  // per posting, and never a read on the way in.
  std::vector<uint64_t> docs;
  for (int i = 0; i < 30; ++i) {
    ApplyAll({Org(key_, absl::StrCat("org-", i), "Shared Trust")});
    docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  EXPECT_EQ(Blocks("shared"), std::vector<size_t>(30, 1));
  EXPECT_EQ(Docs("shared"), docs);
  ExpectSound();
}

// Runs merge steps of `max_blocks` until a pass is done; the blocks they
// removed.
uint64_t MergeAll(Store* store, size_t max_blocks) {
  uint64_t removed = 0;
  for (int steps = 0; steps < 100000; ++steps) {
    absl::StatusOr<Store::PostingMergeStep> step =
        store->MergePostingBlocks(max_blocks);
    EXPECT_OK(step);
    if (!step.ok()) break;
    removed += step->blocks_removed;
    if (step->pass_done) break;
  }
  return removed;
}

TEST_F(PostingBlocksTest, MergingATrickleMakesFullBlocksThatReadTheSame) {
  // 600 publishes one at a time: 600 one-posting blocks of "shared".
  std::vector<uint64_t> docs;
  for (int i = 0; i < 600; ++i) {
    ApplyAll(
        {Org(key_, absl::StrCat("org-", i), absl::StrCat("Shared Trust ", i))});
    docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  ASSERT_EQ(Blocks("shared").size(), 600u);
  // Small steps: runs are never split between two steps.
  EXPECT_GT(MergeAll(store_.get(), /*max_blocks=*/7), 0u);
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 256, 88}));
  EXPECT_EQ(Blocks("trust"), (std::vector<size_t>{256, 256, 88}));
  EXPECT_EQ(Docs("shared"), docs);
  ExpectSound();
  // A second pass finds nothing left to merge.
  EXPECT_EQ(MergeAll(store_.get(), 1000), 0u);

  // Writes after the merge land in the merged blocks: a rename leaves the
  // middle one, new records append after the last.
  ApplyAll({Org(key_, "org-300", "Renamed Alliance", 2)});
  for (int i = 600; i < 610; ++i) {
    ApplyAll({Org(key_, absl::StrCat("org-", i), "Shared Trust")});
    docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  std::vector<uint64_t> without = docs;
  without.erase(without.begin() + 300);
  EXPECT_EQ(Docs("shared"), without);
  EXPECT_EQ(Blocks("shared"),
            (std::vector<size_t>{256, 255, 88, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
  ExpectSound();
  // Ten blocks of each list the ten new records are in.
  EXPECT_GE(MergeAll(store_.get(), 1000), 10u);
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 255, 98}));
  EXPECT_EQ(Docs("shared"), without);
  ExpectSound();
  // And survive a reopen.
  Reopen();
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 255, 98}));
  EXPECT_EQ(Docs("shared"), without);
}

TEST_F(PostingBlocksTest, CompactingAfterAMergeKeepsEveryListAsItWas) {
  // What civhubd does after a pass that merged many blocks: the lists read
  // the same, the store checks sound, and writes go on as before.
  std::vector<uint64_t> docs;
  for (int i = 0; i < 300; ++i) {
    ApplyAll(
        {Org(key_, absl::StrCat("org-", i), absl::StrCat("Shared Trust ", i))});
    docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  EXPECT_GT(MergeAll(store_.get(), 1000), 0u);
  ASSERT_OK(store_->CompactPostings());
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 44}));
  EXPECT_EQ(Docs("shared"), docs);
  EXPECT_EQ(Docs("trust"), docs);
  ExpectSound();
  ApplyAll({Org(key_, "org-300", "Shared Trust")});
  docs.push_back(DocOf(key_, "org-300"));
  EXPECT_EQ(Docs("shared"), docs);
  Reopen();
  EXPECT_EQ(Docs("shared"), docs);
  ExpectSound();
}

TEST_F(PostingBlocksTest,
       ACompactionToldToStopEndsBetweenPiecesAndLosesNothing) {
  // civhubd's shutdown says stop to a compaction that may take minutes at
  // 10M; it ends at the next piece (of 48), the lists intact.
  std::vector<uint64_t> docs;
  for (int i = 0; i < 300; ++i) {
    ApplyAll(
        {Org(key_, absl::StrCat("org-", i), absl::StrCat("Shared Trust ", i))});
    docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  EXPECT_GT(MergeAll(store_.get(), 1000), 0u);
  int asked = 0;
  ASSERT_OK(store_->CompactPostings([&] { return ++asked > 5; }));
  // Five pieces of the text range, then told to stop: one more ask for
  // each of the three ranges.
  EXPECT_EQ(asked, 8);
  EXPECT_EQ(Docs("shared"), docs);
  ExpectSound();
  asked = 0;
  ASSERT_OK(store_->CompactPostings([&] { return ++asked > 1000; }));
  EXPECT_EQ(asked, 48);  // Every piece when never told to stop.
  EXPECT_EQ(Docs("shared"), docs);
  ExpectSound();
}

TEST_F(PostingBlocksTest, RemovalFromAMiddleBlockAndReAddingTheSameDoc) {
  std::vector<uint64_t> docs = ApplySixHundred();
  // Renamed: its document leaves the middle block of "shared".
  ApplyAll({Org(key_, "org-300", "Renamed Alliance", 2)});
  std::vector<uint64_t> without = docs;
  without.erase(without.begin() + 300);
  EXPECT_EQ(Docs("shared"), without);
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 255, 88}));
  EXPECT_EQ(Docs("renamed"), std::vector<uint64_t>{docs[300]});
  ExpectSound();
  // Renamed back: the same document returns to its place.
  ApplyAll({Org(key_, "org-300", "Shared Trust 300", 3)});
  EXPECT_EQ(Docs("shared"), docs);
  EXPECT_EQ(Docs("renamed"), std::vector<uint64_t>{});
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 256, 88}));
  ExpectSound();
}

// A batch's changes to a list arrive in record order, not document order:
// here a later document's, then an earlier one's, then a new one's. Each
// list must still come out in document order, its blocks sound.
TEST_F(PostingBlocksTest, ABatchChangingDocumentsOutOfOrder) {
  std::vector<uint64_t> docs = ApplySixHundred();
  ApplyAll({Org(key_, "org-500", "Renamed Alliance", 2),
            Org(key_, "org-10", "Renamed Alliance", 2),
            Org(key_, "org-new", "Shared Renamed")});
  const uint64_t added = DocOf(key_, "org-new");
  std::vector<uint64_t> shared = docs;
  shared.erase(shared.begin() + 500);
  shared.erase(shared.begin() + 10);
  shared.push_back(added);
  EXPECT_EQ(Docs("shared"), shared);
  EXPECT_EQ(Docs("renamed"),
            (std::vector<uint64_t>{docs[10], docs[500], added}));
  EXPECT_EQ(Docs("alliance"), (std::vector<uint64_t>{docs[10], docs[500]}));
  ExpectSound();
}

TEST_F(PostingBlocksTest, RemovingABlocksLastDocumentRekeysIt) {
  std::vector<uint64_t> docs = ApplySixHundred();
  // org-255 is the last document of the first block.
  ApplyAll({Org(key_, "org-255", "Renamed Alliance", 2)});
  std::vector<uint64_t> without = docs;
  without.erase(without.begin() + 255);
  EXPECT_EQ(Docs("shared"), without);
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{255, 256, 88}));
  ExpectSound();
}

TEST_F(PostingBlocksTest, TwoVersionsOfOneRecordInOneBatch) {
  ApplyAll({Org(key_, "a", "Alpha Group"), Org(key_, "b", "Alpha Beta"),
            Org(key_, "a", "Gamma Group", 2)});
  const uint64_t a = DocOf(key_, "a");
  const uint64_t b = DocOf(key_, "b");
  EXPECT_EQ(Docs("alpha"), std::vector<uint64_t>{b});
  EXPECT_EQ(Docs("gamma"), std::vector<uint64_t>{a});
  EXPECT_EQ(Docs("group"), std::vector<uint64_t>{a});
  ExpectSound();
}

TEST_F(PostingBlocksTest, PurgingAnOriginLeavesTheOthersInSharedBlocks) {
  crypto::PrivateKey spammer = NewKey();
  std::vector<crypto::VerifiedRecord> records;
  for (int i = 0; i < 400; ++i) {
    const crypto::PrivateKey& key = i % 3 == 0 ? spammer : key_;
    records.push_back(Org(key, absl::StrCat("org-", i), "Shared Trust"));
  }
  ApplyAll(records);
  std::vector<uint64_t> kept;
  for (int i = 0; i < 400; ++i) {
    if (i % 3 != 0) kept.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  absl::StatusOr<uint64_t> purged = store_->Block(spammer.public_key().bytes());
  ASSERT_OK(purged);
  EXPECT_EQ(*purged, 134u);
  EXPECT_EQ(Docs("shared"), kept);
  ExpectSound();
}

TEST_F(PostingBlocksTest, SeekMovesWithinABlockAndAcrossBlocks) {
  const std::vector<uint64_t> docs = ApplySixHundred();
  StoreSnapshot snap(*store_);
  PostingCursor cursor(snap, PostingList::Text("shared", /*prefix=*/false));
  ASSERT_TRUE(cursor.Valid());
  cursor.Seek(docs[10]);  // Within the first block.
  ASSERT_TRUE(cursor.Valid());
  EXPECT_EQ(cursor.doc(), docs[10]);
  cursor.Seek(docs[550]);  // Into the last block, past the second.
  ASSERT_TRUE(cursor.Valid());
  EXPECT_EQ(cursor.doc(), docs[550]);
  cursor.Seek(docs[100]);  // Never backwards.
  EXPECT_EQ(cursor.doc(), docs[550]);
  cursor.Next();
  EXPECT_EQ(cursor.doc(), docs[551]);
  cursor.Seek(docs[599] + 1);
  EXPECT_FALSE(cursor.Valid());
  EXPECT_OK(cursor.status());

  // Seeking to a block's last document, and just past it.
  PostingCursor again(snap, PostingList::Text("shared", /*prefix=*/false));
  again.Seek(docs[255]);
  EXPECT_EQ(again.doc(), docs[255]);
  again.Seek(docs[255] + 1);
  EXPECT_EQ(again.doc(), docs[256]);
}

TEST_F(PostingBlocksTest, AMalformedBlockEndsTheListWithDataLoss) {
  ApplySixHundred();
  leveldb::DB* db = internal::StoreAccess::Db(*store_);
  const std::string list = keys::TextPrefix("shared", /*exact=*/true);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  it->Seek(list);
  ASSERT_TRUE(it->Valid());
  std::string value = it->value().ToString();
  value.resize(value.size() / 2);
  ASSERT_TRUE(db->Put({}, it->key(), value).ok());
  StoreSnapshot snap(*store_);
  PostingCursor cursor(snap, PostingList::Text("shared", /*prefix=*/false));
  while (cursor.Valid()) cursor.Next();
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(cursor.status().message(), "malformed"))
      << cursor.status();
}

// The layout before blocks: one key per posting (what stores written by
// earlier civhubd hold).
void WriteOneKeyPerPosting(uint64_t doc, const IndexTerms& terms,
                           leveldb::WriteBatch* batch) {
  std::string key;
  for (const auto& [token, weight] : terms.tokens) {
    key = keys::TextPrefix(token, /*exact=*/true);
    keys::PutBE64(&key, doc);
    const char w = static_cast<char>(weight);
    batch->Put(key, leveldb::Slice(&w, 1));
  }
  for (const auto& [field, value] : terms.filters) {
    key = keys::FilterPrefix(field, value);
    keys::PutBE64(&key, doc);
    batch->Put(key, leveldb::Slice());
  }
  for (size_t n = 0; n < terms.points.size(); ++n) {
    auto [lat, lon] = terms.points[n];
    char value[16];
    std::memcpy(value, &lat, 8);
    std::memcpy(value + 8, &lon, 8);
    for (int level = 0; level < kGeoLevels; ++level) {
      key = keys::GeoCellPrefix(level, GeoCell(level, lat, lon));
      keys::PutBE64(&key, doc);
      key.push_back(static_cast<char>(n));
      batch->Put(key, leveldb::Slice(value, sizeof(value)));
    }
  }
}

TEST_F(PostingBlocksTest, AStoreOfOneKeyPerPostingIsRebuiltInBlocksOnOpen) {
  std::vector<crypto::VerifiedRecord> records;
  for (int i = 0; i < 300; ++i) {
    OrgSpec spec;
    spec.name = absl::StrCat("Shared Trust ", i);
    spec.lat_lon = std::make_pair(-1.2921 + i * 1e-4, 36.8219);
    absl::StatusOr<crypto::VerifiedRecord> v = crypto::VerifyRecord(
        SignedOrg(key_, absl::StrCat("org-", i), 1, i + 1, spec));
    ASSERT_OK(v);
    records.push_back(*std::move(v));
  }
  ApplyAll(records);
  std::vector<uint64_t> docs;
  for (int i = 0; i < 300; ++i) {
    docs.push_back(DocOf(key_, absl::StrCat("org-", i)));
  }
  store_.reset();

  {
    // Rewrite it as an older civhubd left it.
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(
        leveldb::DB::Open(leveldb::Options(), dir_.Sub("store"), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteBatch batch;
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
    for (char tag : {keys::kText, keys::kFilter, keys::kGeo}) {
      const std::string prefix(1, tag);
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
           it->Next()) {
        batch.Delete(it->key());
      }
    }
    for (int i = 0; i < 300; ++i) {
      WriteOneKeyPerPosting(docs[i], DeriveIndexTerms(records[i].body), &batch);
    }
    batch.Delete(keys::kPostingFormatVersion);
    ASSERT_TRUE(db->Write({}, &batch).ok());
  }

  Reopen();
  EXPECT_EQ(store_->text_reindexed(), 300u);
  EXPECT_EQ(store_->filter_reindexed(), 300u);
  EXPECT_EQ(Docs("shared"), docs);
  EXPECT_EQ(Blocks("shared"), (std::vector<size_t>{256, 44}));
  {
    StoreSnapshot snap(*store_);
    int found = 0;
    for (PostingCursor c(snap,
                         PostingList::GeoCell(0, GeoCell(0, -1.2921, 36.8219)));
         c.Valid(); c.Next()) {
      ++found;
    }
    EXPECT_EQ(found, 300);
    found = 0;
    for (PostingCursor c(snap, PostingList::Filter(kFieldAll, "")); c.Valid();
         c.Next()) {
      ++found;
    }
    EXPECT_EQ(found, 300);
  }
  ExpectSound();
  Reopen();
  EXPECT_EQ(store_->text_reindexed(), 0u);
}

}  // namespace
}  // namespace civhub::node
