#include "node/storage/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"
#include "node/records/hsds_ids.h"
#include "node/search/directory.h"
#include "node/storage/check.h"
#include "node/storage/internal/keys.h"
#include "node/storage/internal/posting_blocks.h"
#include "node/storage/internal/store_access.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using testing::NewKey;
using testing::OrgSpec;
using testing::SignedOrg;

crypto::VerifiedRecord Verified(const v1::SignedRecord& rec) {
  absl::StatusOr<crypto::VerifiedRecord> v = crypto::VerifyRecord(rec);
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
  }
  ApplyOutcome Apply(const v1::SignedRecord& rec) {
    absl::StatusOr<ApplyOutcome> out = store_->Apply(Verified(rec), false);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : ApplyOutcome::kStale;
  }
  uint64_t VersionOf(const crypto::PrivateKey& key, const std::string& id) {
    auto view = store_->Get(key.public_key().bytes(), id);
    EXPECT_TRUE(view.ok());
    return view.ok() && view->has_value() ? (*view)->body.version() : 0;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  std::unique_ptr<Store> store_;
  crypto::PrivateKey key_ = NewKey();
};

TEST_F(StoreTest, AStoreWithoutItsCurrentFileIsRefusedAndKept) {
  // Found in a trial: LevelDB took the directory for a new database and
  // deleted every table file, and the check then said "no problems".
  OrgSpec spec;
  ASSERT_EQ(Apply(SignedOrg(key_, "org-1", 1, 1, spec)),
            ApplyOutcome::kApplied);
  store_.reset();
  const std::string path = dir_.Sub("store");
  ASSERT_EQ(std::remove((path + "/CURRENT").c_str()), 0);
  auto files = [&] {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> before = files();

  StoreOptions options;
  options.path = path;
  options.clock = &clock_;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "CURRENT"))
      << store.status();
  EXPECT_TRUE(
      absl::StrContains(store.status().message(), "nothing was changed"))
      << store.status();
  EXPECT_EQ(files(), before);
}

TEST_F(StoreTest, TableFilesAreReadNotMappedIntoMemory) {
  // Found at 10M: LevelDB mapped the table files it read, and every page a
  // search touched counted in civhubd's resident memory (600 MB of page
  // cache after a few hundred searches, against 115 MB of heap).
  ASSERT_EQ(Apply(SignedOrg(key_, "org-1", 1, 1)), ApplyOutcome::kApplied);
  Reopen();  // Reading the log back writes a table file.
  absl::StatusOr<std::optional<StoredView>> view =
      store_->Get(key_.public_key().bytes(), "org-1");
  ASSERT_TRUE(view.ok() && view->has_value());  // Read from the table.
  const std::string path = dir_.Sub("store");
  bool has_table = false;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    has_table = has_table || e.path().extension() == ".ldb";
  }
  ASSERT_TRUE(has_table);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    EXPECT_FALSE(absl::StrContains(line, path) &&
                 absl::StrContains(line, ".ldb"))
        << line;
  }
}

TEST_F(StoreTest, AStoreMissingATableFileIsDamagedWithWhatToDo) {
  // Found in a trial: the error was LevelDB's "Corruption: 1 missing
  // files; e.g.: …".
  ASSERT_EQ(Apply(SignedOrg(key_, "org-1", 1, 1)), ApplyOutcome::kApplied);
  Reopen();  // Reading the log back writes a table file.
  store_.reset();
  const std::string path = dir_.Sub("store");
  std::string table;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    if (e.path().extension() == ".ldb") table = e.path().filename().string();
  }
  ASSERT_FALSE(table.empty());
  ASSERT_EQ(std::remove((path + "/" + table).c_str()), 0);

  StoreOptions options;
  options.path = path;
  options.clock = &clock_;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store.status().message(),
            absl::StrCat("the store at ", path,
                         " is damaged: 1 of its table files is missing (such "
                         "as ",
                         table,
                         "). Restore the data dir from a backup "
                         "(docs/operations.md, \"Backups and restore\"), or "
                         "move the store aside and start the hub with its "
                         "hub.key to refill it from its peers "
                         "(docs/operations.md, \"Checking a hub\")"));
}

TEST_F(StoreTest, MustExistRefusesWhereThereIsNoStoreAndCreatesNothing) {
  StoreOptions options;
  options.path = dir_.Sub("none");
  options.clock = &clock_;
  options.must_exist = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(options.path));
  // The store of the fixture is there.
  store_.reset();
  options.path = dir_.Sub("store");
  ASSERT_OK(Store::Open(options).status());
}

TEST_F(StoreTest, NewerVersionReplacesOlder) {
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 1)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 2, 2)), ApplyOutcome::kApplied);
  EXPECT_EQ(VersionOf(key_, "a"), 2u);
  EXPECT_EQ(store_->counters().organizations(), 1u);
}

TEST_F(StoreTest, OlderOrEqualVersionNeverReplacesNewer) {
  v1::SignedRecord v1 = SignedOrg(key_, "a", 1, 1);
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 2, 2)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(v1), ApplyOutcome::kStale);  // Rollback attempt.
  EXPECT_EQ(VersionOf(key_, "a"), 2u);
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 2, 2)), ApplyOutcome::kDuplicate);
}

TEST_F(StoreTest, SecondBodyForSameSequenceIsForkEvidence) {
  OrgSpec other;
  other.name = "Impostor";
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 1)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(SignedOrg(key_, "b", 1, 1, other)), ApplyOutcome::kFork);
  EXPECT_EQ(Apply(SignedOrg(key_, "b", 1, 1, other)), ApplyOutcome::kFork);
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(key_.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->forks(), 1u);
  EXPECT_EQ(state->first_fork_sequence(), 1u);
  auto b = store_->Get(key_.public_key().bytes(), "b");
  ASSERT_OK(b);
  EXPECT_FALSE(b->has_value()) << "fork must not be applied";
  EXPECT_EQ(VersionOf(key_, "a"), 1u);
}

TEST_F(StoreTest, SameVersionWithOtherBodyIsForkEvidence) {
  OrgSpec other;
  other.name = "Changed without a new version";
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 1)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 2, other)), ApplyOutcome::kFork);
  auto a = store_->Get(key_.public_key().bytes(), "a");
  ASSERT_OK(a);
  EXPECT_EQ((*a)->body.organization().names(0).text(), "Maji Safi Kenya");
}

TEST_F(StoreTest, OutOfOrderArrivalConverges) {
  // v3 first, then v1 and v2: the result is v3 either way.
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 3, 7)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 2)), ApplyOutcome::kStale);
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 2, 5)), ApplyOutcome::kStale);
  EXPECT_EQ(VersionOf(key_, "a"), 3u);
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(key_.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->max_sequence(), 7u);
  EXPECT_EQ(state->forks(), 0u);
}

TEST_F(StoreTest, WatermarkExtendsOverRecordsThatArrivedEarly) {
  const std::string origin = key_.public_key().bytes();
  auto through = [&] {
    return store_->GetOriginState(origin)->complete_through();
  };
  Apply(SignedOrg(key_, "a", 1, 1));
  ASSERT_OK(store_->AdvanceWatermark(origin, 0, 1));
  EXPECT_EQ(through(), 1u);
  // Sequence 3 arrives before 2: the prefix cannot pass the gap.
  Apply(SignedOrg(key_, "c", 1, 3));
  ASSERT_OK(store_->AdvanceWatermark(origin, 2, 3));
  EXPECT_EQ(through(), 1u);
  EXPECT_TRUE(*store_->Seen(origin, 3));
  EXPECT_FALSE(*store_->Seen(origin, 2));
  // Filling the gap takes the watermark past 3, which was already held.
  Apply(SignedOrg(key_, "b", 1, 2));
  ASSERT_OK(store_->AdvanceWatermark(origin, 1, 2));
  EXPECT_EQ(through(), 3u);
  EXPECT_FALSE(*store_->Seen(origin, 4));
}

TEST_F(StoreTest, SurvivesReopen) {
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 1)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(SignedOrg(key_, "b", 1, 2)), ApplyOutcome::kApplied);
  uint64_t last = store_->last_change();
  Reopen();
  EXPECT_EQ(VersionOf(key_, "b"), 1u);
  EXPECT_EQ(store_->counters().organizations(), 2u);
  EXPECT_EQ(store_->counters().origins(), 1u);
  EXPECT_EQ(store_->last_change(), last);
  // Document numbers continue rather than restart.
  EXPECT_EQ(Apply(SignedOrg(key_, "c", 1, 3)), ApplyOutcome::kApplied);
  EXPECT_EQ(store_->counters().next_doc(), 4u);
}

// Records are listed by their kind posting; tombstones have none.
TEST_F(StoreTest, ListsRecordsOfAKind) {
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 1)), ApplyOutcome::kApplied);
  absl::StatusOr<std::vector<StoredView>> orgs =
      store_->RecordsOfKind(v1::RecordBody::kOrganization);
  ASSERT_OK(orgs.status());
  ASSERT_EQ(orgs->size(), 1u);
  EXPECT_EQ((*orgs)[0].body.record_id(), "a");
  absl::StatusOr<std::vector<StoredView>> links =
      store_->RecordsOfKind(v1::RecordBody::kPeerLink);
  ASSERT_OK(links.status());
  EXPECT_TRUE(links->empty());
  EXPECT_EQ(store_->RecordsOfKind(v1::RecordBody::kTombstone).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, WaitForChangeWakesOnApply) {
  uint64_t before = store_->last_change();
  EXPECT_FALSE(store_->WaitForChange(before, absl::ZeroDuration()));
  Apply(SignedOrg(key_, "a", 1, 1));
  EXPECT_TRUE(store_->WaitForChange(before, absl::ZeroDuration()));
}

// Every key and value of `store`, in order: its whole state. Posting
// blocks as their postings (list, document, payload), one entry each: how
// postings are cut into blocks depends on how records were batched.
std::vector<std::pair<std::string, std::string>> Dump(const Store& store) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<leveldb::Iterator> it(
      internal::StoreAccess::Db(store)->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const char tag = key[0];
    if (tag != keys::kText && tag != keys::kFilter && tag != keys::kGeo) {
      out.emplace_back(key, it->value().ToString());
      continue;
    }
    const std::string list = key.substr(0, key.size() - 8);
    std::vector<internal::Posting> postings;
    EXPECT_TRUE(internal::DecodeBlock(it->value().ToString(),
                                      internal::PayloadSize(tag),
                                      keys::GetBE64(key.substr(key.size() - 8)),
                                      tag == keys::kGeo, &postings))
        << key;
    for (const internal::Posting& p : postings) {
      std::string posting = list;
      keys::PutBE64(&posting, p.doc);
      out.emplace_back(
          posting, std::string(p.payload.data(), internal::PayloadSize(tag)));
    }
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return out;
}

std::string Describe(const absl::StatusOr<ApplyOutcome>& outcome) {
  return outcome.ok() ? std::string(ApplyOutcomeName(*outcome))
                      : outcome.status().ToString();
}

// Issue 17: the hub applies a publish batch in one write (ApplyMany). It
// must leave the store exactly as one Apply per record would, whatever the
// batch holds: records that replace one given earlier in the same batch, a
// stale version, a duplicate, fork evidence (kept once), a new origin and a
// blocked one.
TEST_F(StoreTest, ApplyManyEndsAsOneApplyPerRecord) {
  const crypto::PrivateKey other = NewKey();
  const crypto::PrivateKey blocked = NewKey();
  OrgSpec renamed;
  renamed.name = "Maji Safi Kenya (Kisumu)";
  renamed.lat_lon = {{-0.1, 34.75}};
  renamed.topics = {"water-sanitation", "health"};
  OrgSpec impostor;
  impostor.name = "Impostor";
  const std::vector<v1::SignedRecord> signed_records = {
      SignedOrg(key_, "held", 1, 1),           // Held before the batch.
      SignedOrg(key_, "a", 1, 2),              // New.
      SignedOrg(key_, "a", 2, 3, renamed),     // Replaces the one above.
      SignedOrg(key_, "held", 2, 4, renamed),  // Replaces a held one.
      SignedOrg(key_, "a", 1, 2),              // Duplicate of the batch's own.
      SignedOrg(key_, "b", 1, 3, impostor),    // Fork: sequence 3 is taken.
      SignedOrg(key_, "b", 1, 3, impostor),    // The same evidence again.
      SignedOrg(key_, "c", 3, 9),              // Ahead of the sequence.
      SignedOrg(key_, "c", 2, 6),              // Stale: c is at version 3.
      SignedOrg(other, "x", 1, 1),             // A new origin.
      SignedOrg(blocked, "y", 1, 1),           // Refused: blocked.
      SignedOrg(other, "x", 2, 2, renamed),
  };
  std::vector<crypto::VerifiedRecord> records;
  std::vector<Store::ApplyPlan> plans;
  for (const v1::SignedRecord& r : signed_records) {
    records.push_back(Verified(r));
    plans.push_back(Store::Plan(records.back()));
  }

  // One Apply per record.
  ASSERT_OK(store_->Block(blocked.public_key().bytes()));
  std::vector<std::string> one_by_one;
  for (const crypto::VerifiedRecord& r : records) {
    one_by_one.push_back(Describe(store_->Apply(r, /*sync=*/false)));
  }

  // The first record alone, then the rest in one batch.
  std::unique_ptr<Store> many = testing::OpenStore(dir_.Sub("many"), &clock_);
  ASSERT_NE(many, nullptr);
  ASSERT_OK(many->Block(blocked.public_key().bytes()));
  std::vector<std::string> batched = {
      Describe(many->Apply(records[0], /*sync=*/true))};
  std::vector<const crypto::VerifiedRecord*> rest;
  std::vector<const Store::ApplyPlan*> rest_plans;
  for (size_t i = 1; i < records.size(); ++i) {
    rest.push_back(&records[i]);
    rest_plans.push_back(&plans[i]);
  }
  for (const absl::StatusOr<ApplyOutcome>& outcome :
       many->ApplyMany(rest, rest_plans, /*sync=*/true)) {
    batched.push_back(Describe(outcome));
  }

  EXPECT_EQ(batched, one_by_one);
  EXPECT_EQ(one_by_one[2], "applied");
  EXPECT_EQ(one_by_one[4], "duplicate");
  EXPECT_EQ(one_by_one[6], "fork");
  EXPECT_EQ(one_by_one[8], "stale");
  EXPECT_EQ(one_by_one[10].rfind("PERMISSION_DENIED", 0), 0u) << one_by_one[10];
  EXPECT_EQ(Dump(*many), Dump(*store_));
  EXPECT_EQ(many->counters().SerializeAsString(),
            store_->counters().SerializeAsString());
  EXPECT_EQ(many->last_change(), store_->last_change());
  absl::StatusOr<v1::CheckReport> report = CheckStore(*many);
  ASSERT_OK(report);
  EXPECT_EQ(report->problem_count(), 0u) << report->DebugString();
  auto a = many->Get(key_.public_key().bytes(), "a");
  ASSERT_OK(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->body.version(), 2u);
}

// A hub's own records take contiguous sequences: a batch of them stops at
// the first one not applied, and nothing after it is stored.
TEST_F(StoreTest, ApplyManyCanStopAtTheFirstRecordNotApplied) {
  const crypto::VerifiedRecord held = Verified(SignedOrg(key_, "held", 1, 1));
  ASSERT_EQ(Apply(held.signed_record), ApplyOutcome::kApplied);
  const crypto::VerifiedRecord a = Verified(SignedOrg(key_, "a", 1, 2));
  const crypto::VerifiedRecord b = Verified(SignedOrg(key_, "b", 1, 3));
  const Store::ApplyPlan plans[] = {Store::Plan(a), Store::Plan(held),
                                    Store::Plan(b)};
  const crypto::VerifiedRecord* records[] = {&a, &held, &b};
  const Store::ApplyPlan* plan_ptrs[] = {&plans[0], &plans[1], &plans[2]};
  std::vector<absl::StatusOr<ApplyOutcome>> out =
      store_->ApplyMany(records, plan_ptrs, /*sync=*/true,
                        /*stop_unless_applied=*/true);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(Describe(out[0]), "applied");
  EXPECT_EQ(Describe(out[1]), "duplicate");
  EXPECT_STATUS(out[2], absl::StatusCode::kAborted,
                "record 1 of the batch was not (duplicate)");
  EXPECT_EQ(VersionOf(key_, "a"), 1u);
  EXPECT_EQ(VersionOf(key_, "b"), 0u) << "stored after the stop";
  absl::StatusOr<storage::OriginState> state =
      store_->GetOriginState(key_.public_key().bytes());
  ASSERT_OK(state);
  EXPECT_EQ(state->max_sequence(), 2u);

  // Without stopping, the rest of the batch goes on.
  out = store_->ApplyMany(records, plan_ptrs, /*sync=*/true);
  EXPECT_EQ(Describe(out[2]), "applied");
  EXPECT_EQ(VersionOf(key_, "b"), 1u);
}

TEST_F(StoreTest, ApplyManyOfNothingNewWritesNothing) {
  const crypto::VerifiedRecord a = Verified(SignedOrg(key_, "a", 1, 1));
  ASSERT_EQ(Apply(a.signed_record), ApplyOutcome::kApplied);
  const uint64_t change = store_->last_change();
  const Store::ApplyPlan plan = Store::Plan(a);
  const crypto::VerifiedRecord* records[] = {&a, &a};
  const Store::ApplyPlan* plans[] = {&plan, &plan};
  for (const absl::StatusOr<ApplyOutcome>& outcome :
       store_->ApplyMany(records, plans, /*sync=*/true)) {
    EXPECT_EQ(Describe(outcome), "duplicate");
  }
  EXPECT_EQ(store_->last_change(), change);
  EXPECT_TRUE(store_->ApplyMany({}, {}, /*sync=*/true).empty());
}

// Issue 13: the words a text is indexed under changed (ICU segmentation and
// folding). A store written by an older civhubd holds postings under the
// old words: they are rebuilt when the store opens, so old data dirs search
// like new ones and replacing a record leaves nothing stale behind.
TEST_F(StoreTest, OldTextIndexIsRebuiltOnOpen) {
  OrgSpec green;
  green.name = "绿色水源协会";
  EXPECT_EQ(Apply(SignedOrg(key_, "green", 1, 1, green)),
            ApplyOutcome::kApplied);
  OrgSpec planb;
  planb.name = "Plan B Collective";
  EXPECT_EQ(Apply(SignedOrg(key_, "planb", 1, 2, planb)),
            ApplyOutcome::kApplied);
  const uint64_t green_doc =
      (*store_->Get(key_.public_key().bytes(), "green"))->stored.doc();
  store_.reset();

  {
    // Make it a store of the first version: one word per Han character, no
    // version key, and a word the current rules would not produce.
    leveldb::DB* raw = nullptr;
    leveldb::Options lo;
    ASSERT_TRUE(leveldb::DB::Open(lo, dir_.Sub("store"), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteBatch batch;
    std::unique_ptr<leveldb::Iterator> it(
        db->NewIterator(leveldb::ReadOptions()));
    for (it->Seek("T"); it->Valid() && it->key().starts_with("T"); it->Next()) {
      batch.Delete(it->key());
    }
    batch.Delete("Mtext-index-version");
    for (const char* old : {"绿", "色", "水", "源", "协", "会", "oldword"}) {
      std::string key = std::string("T") + old + std::string(1, '\0');
      for (int shift = 56; shift >= 0; shift -= 8) {
        key.push_back(static_cast<char>((green_doc >> shift) & 0xff));
      }
      batch.Put(key, std::string(1, '\3'));
    }
    ASSERT_TRUE(db->Write(leveldb::WriteOptions(), &batch).ok());
  }

  Reopen();
  EXPECT_EQ(store_->text_reindexed(), 2u);
  auto find = [&](const std::string& text) {
    v1::SearchRequest req;
    req.set_text(text);
    absl::StatusOr<v1::SearchResponse> resp =
        Directory(store_.get()).Search(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    std::vector<std::string> ids;
    if (resp.ok()) {
      for (const auto& hit : resp->hits())
        ids.push_back(hit.record().record_id());
    }
    return ids;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(find("水源"), Ids{"green"});
  EXPECT_EQ(find("绿色水源协会"), Ids{"green"});
  EXPECT_EQ(find("plan b"), Ids{"planb"});
  EXPECT_EQ(find("oldword"), Ids{});

  // Renaming removes every posting of the old name.
  green.name = "Blue River Trust";
  EXPECT_EQ(Apply(SignedOrg(key_, "green", 2, 3, green)),
            ApplyOutcome::kApplied);
  EXPECT_EQ(find("水"), Ids{});
  EXPECT_EQ(find("river"), Ids{"green"});

  // Current now: the next open rebuilds nothing.
  Reopen();
  EXPECT_EQ(store_->text_reindexed(), 0u);
  EXPECT_EQ(find("plan b"), Ids{"planb"});
}

// Issue 17: records are found by their HSDS ids through filter postings
// that stores written before had none of. They are added when such a store
// opens, once, and the store checks sound afterwards.
TEST_F(StoreTest, OldFilterIndexGainsHsdsIdsOnOpen) {
  const std::string hub_id = key_.public_key().HubId();
  EXPECT_EQ(Apply(SignedOrg(key_, "a", 1, 1)), ApplyOutcome::kApplied);
  EXPECT_EQ(Apply(SignedOrg(key_, "b", 1, 2)), ApplyOutcome::kApplied);
  v1::RecordBody service;
  service.set_origin(key_.public_key().bytes());
  service.set_record_id("svc");
  service.set_version(1);
  service.set_sequence(3);
  service.mutable_issued_at()->set_seconds(
      absl::ToUnixSeconds(testing::TestNow()));
  testing::ServiceSpec spec;
  spec.provider_origin = hub_id;
  spec.provider_id = "a";
  *service.mutable_service() = testing::MakeService(spec);
  EXPECT_EQ(Apply(testing::SignBody(key_, service)), ApplyOutcome::kApplied);
  EXPECT_EQ(store_->filter_reindexed(), 0u);  // A new store is current.
  store_.reset();

  {
    // Make it a store from before HSDS ids: no 'u' postings, no version.
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(
        leveldb::DB::Open(leveldb::Options(), dir_.Sub("store"), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteBatch batch;
    std::unique_ptr<leveldb::Iterator> it(
        db->NewIterator(leveldb::ReadOptions()));
    int removed = 0;
    for (it->Seek("Xu"); it->Valid() && it->key().starts_with("Xu");
         it->Next()) {
      batch.Delete(it->key());
      ++removed;
    }
    EXPECT_EQ(removed, 4);  // Two organizations, a service and its place.
    batch.Delete("Mfilter-index-version");
    ASSERT_TRUE(db->Write(leveldb::WriteOptions(), &batch).ok());
  }

  auto docs_with = [&](const std::string& hsds_id) {
    StoreSnapshot snap(*store_);
    std::vector<std::string> ids;
    for (PostingCursor c(snap, PostingList::Filter(kFieldHsdsId, hsds_id));
         c.Valid(); c.Next()) {
      ids.push_back((*snap.GetDoc(c.doc()))->body.record_id());
    }
    return ids;
  };
  using Ids = std::vector<std::string>;
  Reopen();
  EXPECT_EQ(store_->filter_reindexed(), 3u);
  EXPECT_EQ(docs_with(HsdsId(hub_id, "a")), Ids{"a"});
  EXPECT_EQ(docs_with(HsdsId(hub_id, "b")), Ids{"b"});
  EXPECT_EQ(docs_with(HsdsId(hub_id, "svc")), Ids{"svc"});
  EXPECT_EQ(docs_with(HsdsSubId(HsdsId(hub_id, "svc"), "service_at_location",
                                "loc-1")),
            Ids{"svc"});
  // The other filters were rebuilt as they were.
  {
    StoreSnapshot snap(*store_);
    int live = 0;
    for (PostingCursor c(snap, PostingList::Filter(kFieldAll, "")); c.Valid();
         c.Next()) {
      ++live;
    }
    EXPECT_EQ(live, 3);
  }
  absl::StatusOr<v1::CheckReport> report = CheckStore(*store_);
  ASSERT_OK(report);
  EXPECT_EQ(report->problem_count(), 0u) << report->DebugString();

  // Current now: the next open rebuilds nothing.
  Reopen();
  EXPECT_EQ(store_->filter_reindexed(), 0u);
  EXPECT_EQ(docs_with(HsdsId(hub_id, "a")), Ids{"a"});
}

}  // namespace
}  // namespace civhub::node
