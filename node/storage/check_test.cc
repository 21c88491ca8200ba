#include "node/storage/check.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/record_signing.h"
#include "leveldb/db.h"
#include "node/storage/internal/keys.h"
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
  leveldb::DB* db = Db();
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
  it->Seek(std::string(1, keys::kText));
  ASSERT_TRUE(it->Valid());
  const std::string posting = it->key().ToString();
  ASSERT_TRUE(db->Delete({}, posting).ok());
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 2u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "index")) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "is missing"));
}

TEST_F(CheckTest, PostingOfAGoneDocumentIsFound) {
  std::string stale = keys::TextPrefix("ghost", /*exact=*/true);
  keys::PutBE64(&stale, 999);
  char weight = 1;
  ASSERT_TRUE(Db()->Put({}, stale, leveldb::Slice(&weight, 1)).ok());
  v1::CheckReport report = Check();
  EXPECT_EQ(report.problem_count(), 2u) << Problems(report);
  EXPECT_TRUE(absl::StrContains(Problems(report), "names document 999"));
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

}  // namespace
}  // namespace civhub::node
