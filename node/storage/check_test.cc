#include "node/storage/check.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/record_signing.h"
#include "leveldb/db.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/posting_blocks.h"
#include "node/storage/internal/store_access.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using testing::NewKey;
using testing::OrgSpec;
using testing::SignedOrg;

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    // Versions, a deletion, two origins, a fork and a blocked origin.
    OrgSpec renamed;
    renamed.name = "Maji Safi Kenya Trust";
    Apply(SignedOrg(key_, "a", 1, 1));
    Apply(SignedOrg(key_, "b", 1, 2));
    Apply(SignedOrg(key_, "a", 2, 3, renamed));
    Apply(SignedOrg(other_, "c", 1, 1));
    OrgSpec forked;
    forked.name = "Another Body";
    Apply(SignedOrg(other_, "d", 1, 2));
    Apply(SignedOrg(other_, "d", 1, 2, forked));  // Fork evidence.
    crypto::PrivateKey spammer = NewKey();
    Apply(SignedOrg(spammer, "spam", 1, 1));
    ASSERT_OK(store_->Block(spammer.public_key().bytes()));
  }
  void Apply(const v1::SignedRecord& record) {
    absl::StatusOr<crypto::VerifiedRecord> v = crypto::VerifyRecord(record);
    ASSERT_OK(v);
    ASSERT_OK(store_->Apply(*v, /*sync=*/false));
  }
  v1::CheckReport Check() {
    absl::StatusOr<v1::CheckReport> report = CheckStore(*store_);
    EXPECT_OK(report);
    return report.ok() ? *report : v1::CheckReport();
  }
  // The report's problems in one string.
  static std::string Problems(const v1::CheckReport& report) {
    return absl::StrJoin(report.problems(), "\n");
  }
  // The store's database, to damage it behind the Store's back.
  leveldb::DB* Db() { return internal::StoreAccess::Db(*store_); }
  std::string RecordKey(const std::string& id) {
    return keys::Record(key_.public_key().bytes(), id);
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  std::unique_ptr<Store> store_;
  crypto::PrivateKey key_ = NewKey();
  crypto::PrivateKey other_ = NewKey();
};

TEST_F(CheckTest, ConsistentStoreHasNoProblems) {
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 0u) << Problems(report);
  EXPECT_EQ(report.records(), 4u);  // a, b, c, d; the spammer's purged.
  EXPECT_EQ(report.fork_evidence(), 1u);
  EXPECT_EQ(report.origins(), 3u);
  EXPECT_GT(report.index_entries(), 4u * 5);
}

TEST_F(CheckTest, MissingPostingIsFound) {
  // Take the first posting out of the first text block.
  leveldb::DB* db = Db();
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  it->Seek(std::string(1, keys::kText));
  ASSERT_TRUE(it->Valid());
  const std::string key = it->key().ToString();
  std::vector<internal::Posting> postings;
  ASSERT_TRUE(internal::DecodeBlock(it->value().ToString(), 1,
                                    keys::GetBE64(key.substr(key.size() - 8)),
                                    false, &postings));
  postings.erase(postings.begin());
  if (postings.empty()) {
    ASSERT_TRUE(db->Delete({}, key).ok());
  } else {
    std::string value;
    internal::EncodeBlock(postings.data(), postings.size(), 1, &value);
    ASSERT_TRUE(db->Put({}, key, value).ok());
  }
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 2u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "index")) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "is missing"));
}

// Writes a block of `list` holding `docs` (weight 1), keyed by the last.
void PutTextBlock(leveldb::DB* db, const std::string& list,
                  std::vector<uint64_t> docs) {
  std::vector<internal::Posting> postings;
  for (uint64_t doc : docs) {
    internal::Posting& p = postings.emplace_back();
    p.doc = doc;
    p.payload[0] = 1;
  }
  std::string key = list;
  keys::PutBE64(&key, docs.back());
  std::string value;
  internal::EncodeBlock(postings.data(), postings.size(), 1, &value);
  ASSERT_TRUE(db->Put({}, key, value).ok());
}

TEST_F(CheckTest, PostingOfAGoneDocumentIsFound) {
  PutTextBlock(Db(), keys::TextPrefix("ghost", /*exact=*/true), {999});
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 2u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "names document 999"));
}

TEST_F(CheckTest, StalePostingOfALiveDocumentIsFound) {
  // Record "b" (a live document) under a word its body does not have.
  const uint64_t doc =
      (*store_->Get(key_.public_key().bytes(), "b"))->stored.doc();
  PutTextBlock(Db(), keys::TextPrefix("ghost", /*exact=*/true), {doc});
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 1u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "where the records derive"))
      << Problems(report);
}

TEST_F(CheckTest, MalformedBlockIsFound) {
  // Cut the last byte off the first filter block: its postings are gone
  // for the records, and the block is named.
  leveldb::DB* db = Db();
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  it->Seek(std::string(1, keys::kFilter));
  ASSERT_TRUE(it->Valid());
  const std::string key = it->key().ToString();
  std::string value = it->value().ToString();
  value.push_back('\x05');  // A stray byte after the last posting.
  ASSERT_TRUE(db->Put({}, key, value).ok());
  v1::CheckReport report = Check();
  EXPECT_TRUE(absl::StrContains(Problems(report), "is malformed"))
      << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "is missing"))
      << Problems(report);
}

TEST_F(CheckTest, TamperedStoredSignatureIsFound) {
  std::string value;
  ASSERT_TRUE(Db()->Get({}, RecordKey("b"), &value).ok());
  storage::StoredRecord stored;
  ASSERT_TRUE(stored.ParseFromString(value));
  (*stored.mutable_signed_()->mutable_signature())[5] ^= 1;
  ASSERT_TRUE(Db()->Put({}, RecordKey("b"), stored.SerializeAsString()).ok());
  v1::CheckReport report = Check();
  EXPECT_GE(report.problem_count(), 1u);
  EXPECT_TRUE(absl::StrContains(Problems(report), "signature"))
      << Problems(report);
}

TEST_F(CheckTest, LostRecordIsFoundThroughItsEntries) {
  ASSERT_TRUE(Db()->Delete({}, RecordKey("a")).ok());
  v1::CheckReport report = Check();
  const std::string problems = Problems(report);
  EXPECT_TRUE(absl::StrContains(problems, "sequence entries for 3 records"))
      << problems;
  EXPECT_TRUE(absl::StrContains(problems, "which does not exist")) << problems;
  EXPECT_TRUE(absl::StrContains(problems, "state counts 2 records"))
      << problems;
  EXPECT_TRUE(absl::StrContains(
      problems, "the counters say 4 organizations, the store holds 3"))
      << problems;
}

// The first block of `tag` holding at least `at_least` postings: its key,
// or "" if none does.
std::string BlockOfAtLeast(leveldb::DB* db, char tag, size_t at_least) {
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  const std::string prefix(1, tag);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    const std::string key = it->key().ToString();
    std::vector<internal::Posting> postings;
    if (internal::DecodeBlock(it->value().ToString(),
                              internal::PayloadSize(tag),
                              keys::GetBE64(key.substr(key.size() - 8)),
                              tag == keys::kGeo, &postings) &&
        postings.size() >= at_least) {
      return key;
    }
  }
  return "";
}

TEST_F(CheckTest, WrongWeightInAFullBlockIsFound) {
  // 300 records sharing their words, applied in one batch, fill whole text
  // blocks (256 postings).
  crypto::PrivateKey bulk = NewKey();
  std::vector<crypto::VerifiedRecord> records;
  std::vector<Store::ApplyPlan> plans;
  for (uint64_t n = 1; n <= 300; ++n) {
    absl::StatusOr<crypto::VerifiedRecord> v =
        crypto::VerifyRecord(SignedOrg(bulk, absl::StrCat("bulk-", n), 1, n));
    ASSERT_OK(v);
    records.push_back(*std::move(v));
  }
  std::vector<const crypto::VerifiedRecord*> record_ptrs;
  std::vector<const Store::ApplyPlan*> plan_ptrs;
  plans.reserve(records.size());
  for (const crypto::VerifiedRecord& record : records) {
    plans.push_back(Store::Plan(record));
    record_ptrs.push_back(&record);
    plan_ptrs.push_back(&plans.back());
  }
  for (const auto& applied :
       store_->ApplyMany(record_ptrs, plan_ptrs, /*sync=*/false)) {
    ASSERT_OK(applied);
  }
  leveldb::DB* db = Db();
  const std::string key = BlockOfAtLeast(db, keys::kText, 200);
  ASSERT_FALSE(key.empty());
  std::string value;
  ASSERT_TRUE(db->Get({}, key, &value).ok());
  std::vector<internal::Posting> postings;
  ASSERT_TRUE(internal::DecodeBlock(
      value, 1, keys::GetBE64(key.substr(key.size() - 8)), false, &postings));
  postings[postings.size() / 2].payload[0] ^= 1;  // Its weight, not its doc.
  value.clear();
  internal::EncodeBlock(postings.data(), postings.size(), 1, &value);
  ASSERT_TRUE(db->Put({}, key, value).ok());
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 1u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(
      Problems(report),
      absl::StrCat("document ", postings[postings.size() / 2].doc,
                   ") entry is wrong")))
      << Problems(report);
}

TEST_F(CheckTest, WrongSequenceEntryIsFound) {
  // Record "b" is sequence 2 of its origin.
  ASSERT_TRUE(
      Db()->Put({}, keys::OriginSeq(keys::kSeq, key_.public_key().bytes(), 2),
                "not-b")
          .ok());
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 1u) << Problems(report);
  EXPECT_TRUE(
      absl::StrContains(Problems(report), "/b: its sequence entry is wrong"))
      << Problems(report);
}

TEST_F(CheckTest, WrongBodyHashEntryIsFound) {
  ASSERT_TRUE(
      Db()->Put({}, keys::OriginSeq(keys::kHash, key_.public_key().bytes(), 2),
                std::string(keys::kBodyHashBytes, 'x'))
          .ok());
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 1u) << Problems(report);
  EXPECT_TRUE(
      absl::StrContains(Problems(report), "/b: its body hash entry is wrong"))
      << Problems(report);
}

TEST_F(CheckTest, MissingChangeLogEntryIsFound) {
  const uint64_t change =
      (*store_->Get(key_.public_key().bytes(), "b"))->stored.change();
  ASSERT_TRUE(Db()->Delete({}, keys::Change(change)).ok());
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 2u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report),
                                "/b: its change log entry is missing"))
      << Problems(report);
  EXPECT_TRUE(
      absl::StrContains(Problems(report), "3 change log entries for 4 records"))
      << Problems(report);
}

}  // namespace
}  // namespace civhub::node
