// The store's read API: snapshots, posting cursors, the change log, the lock
// a store holds on its directory, and stores in memory.
#include "node/storage/postings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/record_signing.h"
#include "node/records/geo.h"
#include "node/records/index_terms.h"
#include "node/storage/snapshot.h"
#include "node/storage/store.h"
#include "node/storage/store_env.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using testing::NewKey;
using testing::OrgSpec;
using testing::SignedOrg;

class PostingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
  }
  // Applies organization `id` (version 1, the next sequence); returns its
  // document number.
  uint64_t Apply(const std::string& id, const OrgSpec& spec,
                 uint64_t version = 1) {
    absl::StatusOr<crypto::VerifiedRecord> v =
        crypto::VerifyRecord(SignedOrg(key_, id, version, ++sequence_, spec));
    EXPECT_OK(v);
    EXPECT_OK(store_->Apply(*v, /*sync=*/false));
    absl::StatusOr<std::optional<StoredView>> view =
        store_->Get(key_.public_key().bytes(), id);
    EXPECT_OK(view);
    return view.ok() && view->has_value() ? (*view)->stored.doc() : 0;
  }
  static OrgSpec In(const std::string& country, const std::string& name) {
    OrgSpec spec;
    spec.country = country;
    spec.name = name;
    return spec;
  }
  // Every document of `list` in `snap`, in the cursor's order.
  static std::vector<uint64_t> Docs(const StoreSnapshot& snap,
                                    PostingList list) {
    std::vector<uint64_t> docs;
    PostingCursor cursor(snap, std::move(list));
    for (; cursor.Valid(); cursor.Next()) docs.push_back(cursor.doc());
    EXPECT_OK(cursor.status());
    return docs;
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  std::unique_ptr<Store> store_;
  crypto::PrivateKey key_ = NewKey();
  uint64_t sequence_ = 0;
};

TEST_F(PostingsTest, FilterListHoldsItsValueOnlyInDocumentOrder) {
  const uint64_t ke1 = Apply("a", In("KE", "Maji Safi"));
  const uint64_t ug = Apply("b", In("UG", "Uganda Water"));
  const uint64_t ke2 = Apply("c", In("KE", "Nairobi Clinic"));
  const uint64_t other = Apply("d", In("TZ", "Kenya Friends"));
  StoreSnapshot snap(*store_);
  EXPECT_EQ(Docs(snap, PostingList::Filter(kFieldCountry, "KE")),
            (std::vector<uint64_t>{ke1, ke2}));
  EXPECT_EQ(Docs(snap, PostingList::Filter(kFieldCountry, "UG")),
            (std::vector<uint64_t>{ug}));
  EXPECT_EQ(Docs(snap, PostingList::Filter(kFieldCountry, "K")),
            std::vector<uint64_t>{});
  EXPECT_EQ(Docs(snap, PostingList::Filter(kFieldAll, "")),
            (std::vector<uint64_t>{ke1, ug, ke2, other}));
}

TEST_F(PostingsTest, SeekMovesToTheFirstDocumentAtOrAfterTheTarget) {
  std::vector<uint64_t> docs;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    docs.push_back(Apply(id, In("KE", id)));
  }
  StoreSnapshot snap(*store_);
  PostingCursor cursor(snap, PostingList::Filter(kFieldCountry, "KE"));
  ASSERT_TRUE(cursor.Valid());
  EXPECT_EQ(cursor.doc(), docs[0]);
  cursor.Seek(docs[2]);
  ASSERT_TRUE(cursor.Valid());
  EXPECT_EQ(cursor.doc(), docs[2]);
  cursor.Seek(docs[1]);  // Never backwards.
  EXPECT_EQ(cursor.doc(), docs[2]);
  cursor.Next();
  EXPECT_EQ(cursor.doc(), docs[3]);
  cursor.Seek(docs[4] + 1);
  EXPECT_FALSE(cursor.Valid());
  EXPECT_OK(cursor.status());
}

TEST_F(PostingsTest, TextListTellsTheWordItselfFromLongerWordsAndItsWeight) {
  const uint64_t water = Apply("a", In("KE", "Water Point"));
  OrgSpec described = In("KE", "Nairobi Clinic");
  described.description = "We bring waterproof shelters.";
  const uint64_t waterproof = Apply("b", described);
  StoreSnapshot snap(*store_);

  PostingCursor cursor(snap, PostingList::Text("water", /*prefix=*/false));
  ASSERT_TRUE(cursor.Valid());
  EXPECT_EQ(cursor.doc(), water);
  EXPECT_TRUE(cursor.exact());
  EXPECT_EQ(cursor.weight(), kWeightName);
  cursor.Next();
  EXPECT_FALSE(cursor.Valid());

  // A prefix reads word after word: "water" then "waterproof".
  std::vector<std::pair<uint64_t, bool>> found;
  for (cursor.Reset(PostingList::Text("water", /*prefix=*/true));
       cursor.Valid(); cursor.Next()) {
    found.emplace_back(cursor.doc(), cursor.exact());
    if (cursor.doc() == waterproof) {
      EXPECT_EQ(cursor.weight(), kWeightText);
    }
  }
  EXPECT_OK(cursor.status());
  EXPECT_EQ(found, (std::vector<std::pair<uint64_t, bool>>{
                       {water, true}, {waterproof, false}}));
}

TEST_F(PostingsTest, GeoCellListGivesEachLocation) {
  OrgSpec placed = In("KE", "Maji Safi");
  placed.lat_lon = std::make_pair(-1.2921, 36.8219);
  const uint64_t doc = Apply("a", placed);
  Apply("b", In("KE", "Nowhere In Particular"));
  StoreSnapshot snap(*store_);
  PostingCursor cursor(snap,
                       PostingList::GeoCell(1, GeoCell(1, -1.2921, 36.8219)));
  ASSERT_TRUE(cursor.Valid());
  EXPECT_EQ(cursor.doc(), doc);
  EXPECT_DOUBLE_EQ(cursor.latitude(), -1.2921);
  EXPECT_DOUBLE_EQ(cursor.longitude(), 36.8219);
  cursor.Next();
  EXPECT_FALSE(cursor.Valid());
}

TEST_F(PostingsTest, SnapshotDoesNotSeeWritesAfterIt) {
  const uint64_t first = Apply("a", In("KE", "Maji Safi"));
  StoreSnapshot before(*store_);
  // After the snapshot: a new record, and a new version of the first that
  // moves it to another country.
  const uint64_t second = Apply("b", In("KE", "Nairobi Clinic"));
  Apply("a", In("UG", "Maji Safi Uganda"), /*version=*/2);

  EXPECT_EQ(Docs(before, PostingList::Filter(kFieldCountry, "KE")),
            std::vector<uint64_t>{first});
  EXPECT_EQ(Docs(before, PostingList::Filter(kFieldCountry, "UG")),
            std::vector<uint64_t>{});
  absl::StatusOr<std::optional<StoredView>> old =
      before.Get(key_.public_key().bytes(), "a");
  ASSERT_OK(old);
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->body.version(), 1u);
  absl::StatusOr<std::optional<StoredView>> missing = before.GetDoc(second);
  ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());

  StoreSnapshot after(*store_);
  EXPECT_EQ(Docs(after, PostingList::Filter(kFieldCountry, "KE")),
            std::vector<uint64_t>{second});
  EXPECT_EQ(Docs(after, PostingList::Filter(kFieldCountry, "UG")),
            std::vector<uint64_t>{first});
  absl::StatusOr<std::optional<StoredView>> now = after.GetDoc(first);
  ASSERT_OK(now);
  ASSERT_TRUE(now->has_value());
  EXPECT_EQ((*now)->body.version(), 2u);
}

TEST_F(PostingsTest, ChangeCursorListsEachRecordAtItsLatestChange) {
  const uint64_t a = Apply("a", In("KE", "A"));    // Change 1.
  const uint64_t b = Apply("b", In("KE", "B"));    // Change 2.
  Apply("a", In("KE", "A again"), /*version=*/2);  // Change 3 replaces 1.
  StoreSnapshot snap(*store_);
  std::vector<std::pair<uint64_t, uint64_t>> changes;
  ChangeCursor cursor(snap, /*after=*/0);
  for (; cursor.Valid(); cursor.Next()) {
    changes.emplace_back(cursor.change(), cursor.doc());
  }
  EXPECT_OK(cursor.status());
  EXPECT_EQ(changes,
            (std::vector<std::pair<uint64_t, uint64_t>>{{2, b}, {3, a}}));
  ChangeCursor later(snap, /*after=*/2);
  ASSERT_TRUE(later.Valid());
  EXPECT_EQ(later.change(), 3u);
  later.Next();
  EXPECT_FALSE(later.Valid());
}

TEST(StoreLockTest, SecondStoreOnTheSameDirectoryGetsTheLockError) {
  testing::TempDir dir;
  ManualClock clock{testing::TestNow()};
  StoreOptions options;
  options.path = dir.Sub("store");
  options.clock = &clock;
  absl::StatusOr<std::unique_ptr<Store>> first = Store::Open(options);
  ASSERT_OK(first);
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(IsStoreLocked(second.status())) << second.status();
  EXPECT_STATUS(second.status(), absl::StatusCode::kUnavailable,
                "cannot open store at " + options.path);
  // Once the first closes, the directory is free.
  first->reset();
  absl::StatusOr<std::unique_ptr<Store>> third = Store::Open(options);
  EXPECT_OK(third);
}

TEST(StoreLockTest, OtherErrorsAreNotTheLockError) {
  EXPECT_FALSE(IsStoreLocked(absl::OkStatus()));
  EXPECT_FALSE(IsStoreLocked(absl::UnavailableError("cannot reach the hub")));
  EXPECT_FALSE(IsStoreLocked(
      StoreReadOnlyError(StoreFailure{absl::Now(), "No space left", ""})));
  // A store where a directory cannot be: not a lock conflict.
  testing::TempDir dir;
  StoreOptions options;
  options.path = dir.Sub("file");
  ASSERT_EQ(std::system(("touch '" + options.path + "'").c_str()), 0);
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_FALSE(IsStoreLocked(store.status())) << store.status();
}

TEST(StoreEnvTest, InMemoryStoreKeepsItsRecordsAcrossReopenAndCopies) {
  std::unique_ptr<StoreEnv> env = StoreEnv::InMemory();
  ManualClock clock{testing::TestNow()};
  crypto::PrivateKey key = NewKey();
  testing::TempDir dir;
  StoreOptions options;
  options.path = dir.Sub("memory-store");
  options.clock = &clock;
  options.env = env.get();
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_OK(store);
    absl::StatusOr<crypto::VerifiedRecord> v =
        crypto::VerifyRecord(SignedOrg(key, "a", 1, 1));
    ASSERT_OK(v);
    ASSERT_OK((*store)->Apply(*v, /*sync=*/true));
  }
  // Nothing reached the real file system.
  EXPECT_NE(std::system(("test -e '" + options.path + "'").c_str()), 0);
  ASSERT_OK(env->CopyDir(options.path, options.path + "-copy"));
  for (const std::string& path : {options.path, options.path + "-copy"}) {
    StoreOptions reopen = options;
    reopen.path = path;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(reopen);
    ASSERT_OK(store);
    absl::StatusOr<std::optional<StoredView>> view =
        (*store)->Get(key.public_key().bytes(), "a");
    ASSERT_OK(view);
    EXPECT_TRUE(view->has_value()) << path;
  }
}

}  // namespace
}  // namespace civhub::node
