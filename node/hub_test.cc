#include "node/hub.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/record_signing.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::NewKey;
using testing::OrgPublish;
using testing::OrgSpec;
using testing::SignedOrg;

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ = std::make_unique<Hub>(key_, store_.get(), &clock_);
  }
  uint64_t Organizations() { return store_->counters().organizations(); }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = NewKey();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(HubTest, PublishAssignsVersionAndSequenceAndSigns) {
  absl::StatusOr<PublishResult> a = hub_->Publish(OrgPublish("a", {}));
  ASSERT_OK(a);
  EXPECT_EQ(a->record.body().version(), 1u);
  EXPECT_EQ(a->record.body().sequence(), 1u);
  EXPECT_EQ(a->record.origin(), key_.public_key().HubId());
  // The client can verify what it got.
  absl::StatusOr<crypto::VerifiedRecord> v =
      crypto::VerifyRecord(a->record.signed_());
  ASSERT_OK(v);
  EXPECT_EQ(v->origin, key_.public_key());

  OrgSpec changed;
  changed.name = "Maji Safi Kenya Trust";
  absl::StatusOr<PublishResult> a2 = hub_->Publish(OrgPublish("a", changed));
  ASSERT_OK(a2);
  EXPECT_EQ(a2->record.body().version(), 2u);
  EXPECT_EQ(a2->record.body().sequence(), 2u);
  absl::StatusOr<PublishResult> b = hub_->Publish(OrgPublish("b", {}));
  ASSERT_OK(b);
  EXPECT_EQ(b->record.body().version(), 1u);
  EXPECT_EQ(b->record.body().sequence(), 3u);
}

TEST_F(HubTest, RepublishingSameContentChangesNothing) {
  ASSERT_OK(hub_->Publish(OrgPublish("a", {})));
  clock_.Advance(absl::Minutes(5));
  absl::StatusOr<PublishResult> again = hub_->Publish(OrgPublish("a", {}));
  ASSERT_OK(again);
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->record.body().version(), 1u);
  EXPECT_EQ(store_->last_change(), 1u);
}

TEST_F(HubTest, InvalidPublishStoresNothing) {
  OrgSpec bad;
  bad.country = "XX";
  EXPECT_STATUS(hub_->Publish(OrgPublish("a", bad)),
                StatusCode::kInvalidArgument,
                "organization.locations[0].country");
  EXPECT_STATUS(hub_->Publish(OrgPublish("no spaces", {})),
                StatusCode::kInvalidArgument, "record_id");
  v1::PublishRequest empty;
  empty.set_record_id("x");
  EXPECT_STATUS(hub_->Publish(empty), StatusCode::kInvalidArgument, "payload");
  v1::PublishRequest huge = OrgPublish("big", {});
  for (int i = 0; i < 16; ++i) {
    auto* d = huge.mutable_organization()->add_descriptions();
    d->set_lang(i % 2 ? "en" : "fr");
    d->set_text(std::string(4000, 'x'));
  }
  EXPECT_EQ(hub_->Publish(huge).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->last_change(), 0u);
  EXPECT_EQ(Organizations(), 0u);
}

google::protobuf::RepeatedPtrField<v1::PublishRequest> Batch(
    std::vector<v1::PublishRequest> requests) {
  google::protobuf::RepeatedPtrField<v1::PublishRequest> batch;
  for (v1::PublishRequest& r : requests) *batch.Add() = std::move(r);
  return batch;
}

TEST_F(HubTest, PublishManyAssignsVersionsAndContiguousSequences) {
  ASSERT_OK(hub_->Publish(OrgPublish("old", {})));
  std::vector<v1::Record> observed;
  hub_->SetPublishObserver([&](const v1::Record& r) { observed.push_back(r); });
  OrgSpec changed;
  changed.name = "Maji Safi Kenya Trust";
  // Enough records for the executor's helpers to sign some of them.
  std::vector<v1::PublishRequest> requests = {OrgPublish("old", changed)};
  for (int i = 0; i < 40; ++i) {
    requests.push_back(OrgPublish(absl::StrCat("new-", i), {}));
  }
  std::vector<absl::StatusOr<PublishResult>> results =
      hub_->PublishMany(Batch(requests));
  ASSERT_EQ(results.size(), requests.size());
  ASSERT_OK(results[0]);
  EXPECT_FALSE(results[0]->unchanged);
  EXPECT_EQ(results[0]->record.body().version(), 2u);
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_OK(results[i]);
    EXPECT_EQ(results[i]->record.body().sequence(), i + 2) << i;
    EXPECT_OK(crypto::VerifyRecord(results[i]->record.signed_()));
  }
  EXPECT_EQ(results[1]->record.body().version(), 1u);
  EXPECT_EQ(Organizations(), 41u);
  ASSERT_EQ(observed.size(), requests.size());
  // The observer (the federation, which gossips each record under its
  // origin and sequence) is given the body that was signed.
  for (const v1::Record& r : observed) {
    v1::RecordBody signed_body;
    ASSERT_TRUE(signed_body.ParseFromString(r.signed_().body()));
    EXPECT_EQ(signed_body.origin(), r.body().origin());
    EXPECT_EQ(signed_body.sequence(), r.body().sequence());
    EXPECT_EQ(signed_body.record_id(), r.body().record_id());
  }
  // The store has them all, the latest version of "old" included.
  absl::StatusOr<std::optional<StoredView>> old =
      store_->Get(key_.public_key().bytes(), "old");
  ASSERT_OK(old);
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->body.version(), 2u);
}

// Admin.PublishBatch hands the hub its request to take the payloads from:
// the records are what was asked, and each request keeps its id (the
// service names a rejected record by it).
TEST_F(HubTest, PublishManyTakesThePayloadsAndLeavesTheIds) {
  OrgSpec named;
  named.name = "Maji Safi Kenya Trust";
  google::protobuf::RepeatedPtrField<v1::PublishRequest> requests =
      Batch({OrgPublish("maji", named), OrgPublish("bad id!", {})});
  std::vector<absl::StatusOr<PublishResult>> results =
      hub_->PublishMany(&requests);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_OK(results[0]);
  EXPECT_EQ(results[0]->record.body().organization().names(0).text(),
            "Maji Safi Kenya Trust");
  EXPECT_FALSE(results[1].ok());
  EXPECT_EQ(requests[0].record_id(), "maji");
  EXPECT_EQ(requests[1].record_id(), "bad id!");
  EXPECT_EQ(requests[0].organization().names_size(), 0);  // Taken.
  absl::StatusOr<std::optional<StoredView>> stored =
      store_->Get(key_.public_key().bytes(), "maji");
  ASSERT_OK(stored);
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->body.organization().names(0).text(),
            "Maji Safi Kenya Trust");
}

TEST_F(HubTest, PublishManySaysWhichListsANewVersionLeavesEmpty) {
  // A re-import of an HSDS list's items (which leave rows out) published
  // organizations without their locations unremarked (found in a trial).
  ASSERT_OK(hub_->Publish(OrgPublish("org", {})));
  OrgSpec bare;
  bare.topics.clear();
  bare.name = "Maji Safi Kenya Trust";
  v1::PublishRequest without = OrgPublish("org", bare);
  without.mutable_organization()->clear_locations();
  OrgSpec renamed;
  renamed.name = "Maji Safi";
  for (bool dry_run : {true, false}) {
    std::vector<absl::StatusOr<PublishResult>> results =
        dry_run ? hub_->CheckMany(Batch({without, OrgPublish("new", {})}))
                : hub_->PublishMany(Batch({without, OrgPublish("new", {})}));
    ASSERT_OK(results[0]);
    EXPECT_EQ(results[0]->emptied,
              (std::vector<std::string>{"locations", "topics"}))
        << dry_run;
    ASSERT_OK(results[1]);
    EXPECT_TRUE(results[1]->emptied.empty());  // No earlier version.
  }
  // A version that keeps its lists (an edited name) empties none.
  std::vector<absl::StatusOr<PublishResult>> kept =
      hub_->PublishMany(Batch({OrgPublish("new", renamed)}));
  ASSERT_OK(kept[0]);
  EXPECT_EQ(kept[0]->record.body().version(), 2u);
  EXPECT_TRUE(kept[0]->emptied.empty());
}

TEST_F(HubTest, PublishManyAgainIsUnchanged) {
  std::vector<v1::PublishRequest> requests = {OrgPublish("a", {}),
                                              OrgPublish("b", {})};
  for (const auto& r : hub_->PublishMany(Batch(requests))) ASSERT_OK(r);
  const uint64_t last = store_->last_change();
  clock_.Advance(absl::Minutes(5));
  int observed = 0;
  hub_->SetPublishObserver([&](const v1::Record&) { ++observed; });
  std::vector<absl::StatusOr<PublishResult>> again =
      hub_->PublishMany(Batch(requests));
  for (const auto& r : again) {
    ASSERT_OK(r);
    EXPECT_TRUE(r->unchanged);
    EXPECT_EQ(r->record.body().version(), 1u);
  }
  EXPECT_EQ(store_->last_change(), last);
  EXPECT_EQ(observed, 0);
  // Given twice in one batch: the second entry is unchanged from the first,
  // and a changed second entry becomes the next version.
  OrgSpec changed;
  changed.name = "Changed";
  std::vector<absl::StatusOr<PublishResult>> twice = hub_->PublishMany(Batch(
      {OrgPublish("c", {}), OrgPublish("c", {}), OrgPublish("c", changed)}));
  ASSERT_OK(twice[0]);
  ASSERT_OK(twice[1]);
  ASSERT_OK(twice[2]);
  EXPECT_FALSE(twice[0]->unchanged);
  EXPECT_TRUE(twice[1]->unchanged);
  EXPECT_EQ(twice[1]->record.body().sequence(),
            twice[0]->record.body().sequence());
  EXPECT_EQ(twice[2]->record.body().version(), 2u);
  EXPECT_EQ(twice[2]->record.body().sequence(),
            twice[0]->record.body().sequence() + 1);
}

// `hsds import --dry-run` (found in a trial: it said every record of an
// imported package would be published): CheckMany says what PublishMany
// would, against the store, and stores, signs and announces nothing.
TEST_F(HubTest, CheckManySaysWhatPublishManyWouldAndStoresNothing) {
  ASSERT_OK(hub_->Publish(OrgPublish("same", {})));
  ASSERT_OK(hub_->Publish(OrgPublish("edited", {})));
  const uint64_t last = store_->last_change();
  int observed = 0;
  hub_->SetPublishObserver([&](const v1::Record&) { ++observed; });
  OrgSpec changed, bad;
  changed.name = "Edited";
  bad.country = "XX";
  auto batch = [&] {
    return Batch({OrgPublish("same", {}), OrgPublish("edited", changed),
                  OrgPublish("new", {}), OrgPublish("bad", bad),
                  OrgPublish("new", {})});
  };
  std::vector<absl::StatusOr<PublishResult>> checked = hub_->CheckMany(batch());
  ASSERT_EQ(checked.size(), 5u);
  ASSERT_OK(checked[0]);
  EXPECT_TRUE(checked[0]->unchanged);
  ASSERT_OK(checked[1]);
  EXPECT_FALSE(checked[1]->unchanged);
  EXPECT_EQ(checked[1]->record.body().version(), 2u);
  ASSERT_OK(checked[2]);
  EXPECT_EQ(checked[2]->record.body().version(), 1u);
  EXPECT_STATUS(checked[3], StatusCode::kInvalidArgument,
                "organization.locations[0].country");
  ASSERT_OK(checked[4]);
  EXPECT_TRUE(checked[4]->unchanged);  // The same as entry 2.
  EXPECT_EQ(store_->last_change(), last);
  EXPECT_EQ(observed, 0);
  absl::StatusOr<std::optional<StoredView>> absent =
      store_->Get(key_.public_key().bytes(), "new");
  ASSERT_OK(absent);
  EXPECT_FALSE(absent->has_value());
  // Publishing the same batch then gives what the check said, sequences
  // included: the check took none.
  std::vector<absl::StatusOr<PublishResult>> published =
      hub_->PublishMany(batch());
  for (size_t i : {size_t{0}, size_t{1}, size_t{2}, size_t{4}}) {
    ASSERT_OK(published[i]);
    EXPECT_EQ(published[i]->unchanged, checked[i]->unchanged) << i;
    EXPECT_EQ(published[i]->record.body().version(),
              checked[i]->record.body().version())
        << i;
    EXPECT_EQ(published[i]->record.body().sequence(),
              checked[i]->record.body().sequence())
        << i;
  }
  EXPECT_EQ(observed, 2);
}

// As Publish: the current version, even one strict validation would refuse
// now (a topic this hub does not list, from a restored backup), is
// "unchanged", not rejected.
TEST_F(HubTest, PublishManyIsUnchangedWhereStrictValidationWouldRefuse) {
  OrgSpec unlisted;
  unlisted.topics = {"not-listed-here"};
  ASSERT_OK(hub_->Ingest(SignedOrg(key_, "a", 1, 1, unlisted), true));
  std::vector<absl::StatusOr<PublishResult>> results =
      hub_->PublishMany(Batch({OrgPublish("a", unlisted)}));
  ASSERT_OK(results[0]);
  EXPECT_TRUE(results[0]->unchanged);
  absl::StatusOr<PublishResult> single =
      hub_->Publish(OrgPublish("a", unlisted));
  ASSERT_OK(single);
  EXPECT_TRUE(single->unchanged);
}

TEST_F(HubTest, PublishManyRejectsABadRecordAndPublishesTheOthers) {
  OrgSpec bad;
  bad.country = "XX";
  OrgSpec unknown_topic;
  unknown_topic.topics = {"not-a-topic"};
  std::vector<absl::StatusOr<PublishResult>> results = hub_->PublishMany(Batch(
      {OrgPublish("a", {}), OrgPublish("b", bad), OrgPublish("no spaces", {}),
       OrgPublish("c", unknown_topic), OrgPublish("d", {})}));
  ASSERT_EQ(results.size(), 5u);
  ASSERT_OK(results[0]);
  EXPECT_STATUS(results[1], StatusCode::kInvalidArgument,
                "organization.locations[0].country");
  EXPECT_STATUS(results[2], StatusCode::kInvalidArgument, "record_id");
  EXPECT_STATUS(results[3], StatusCode::kInvalidArgument,
                "organization.topics");
  ASSERT_OK(results[4]);
  // No gap where the rejected ones were.
  EXPECT_EQ(results[0]->record.body().sequence(), 1u);
  EXPECT_EQ(results[4]->record.body().sequence(), 2u);
  EXPECT_EQ(Organizations(), 2u);
  EXPECT_EQ(hub_->Publish(OrgPublish("e", {}))->record.body().sequence(), 3u);
}

TEST_F(HubTest, DeleteReplacesWithTombstone) {
  ASSERT_OK(hub_->Publish(OrgPublish("a", {})));
  absl::StatusOr<PublishResult> del = hub_->Delete("a", "merged into b");
  ASSERT_OK(del);
  EXPECT_EQ(del->record.kind(), v1::RECORD_KIND_TOMBSTONE);
  EXPECT_EQ(del->record.body().version(), 2u);
  EXPECT_EQ(Organizations(), 0u);
  EXPECT_EQ(store_->counters().tombstones(), 1u);
  EXPECT_STATUS(hub_->Delete("a", ""), StatusCode::kNotFound,
                "already deleted");
  EXPECT_STATUS(hub_->Delete("never", ""), StatusCode::kNotFound,
                "does not exist");
  // A deleted id can be used again; its version keeps counting.
  absl::StatusOr<PublishResult> back = hub_->Publish(OrgPublish("a", {}));
  ASSERT_OK(back);
  EXPECT_EQ(back->record.body().version(), 3u);
}

// Organization `org_id` of this hub says it is coming to event `event`.
v1::PublishRequest RegistrationPublish(const std::string& self,
                                       const v1::RecordRef& event,
                                       const std::string& org_id) {
  v1::PublishRequest reg;
  reg.set_record_id(absl::StrCat(org_id, "-at-", event.record_id()));
  v1::Registration* r = reg.mutable_registration();
  *r->mutable_event() = event;
  r->mutable_organization()->set_origin(self);
  r->mutable_organization()->set_record_id(org_id);
  r->set_attendees(2);
  r->set_status("going");
  return reg;
}

// A need or an offer of organization "maji-safi" of hub `self`.
testing::NeedSpec MajiSafiSpec(const std::string& self) {
  testing::NeedSpec spec;
  spec.org_origin = self;
  spec.org_id = "maji-safi";
  return spec;
}

v1::PublishRequest NeedPublish(const std::string& id,
                               const testing::NeedSpec& spec) {
  v1::PublishRequest need;
  need.set_record_id(id);
  *need.mutable_need() = testing::MakeNeed(spec);
  return need;
}

v1::RecordRef Ref(const std::string& origin, const std::string& id) {
  v1::RecordRef ref;
  ref.set_origin(origin);
  ref.set_record_id(id);
  return ref;
}

// Issue 18: a registration for this hub's event "techcamp-lima-2027" that
// nobody published here was signed and replicated as a reference to nothing.
TEST_F(HubTest, PublishRefusesReferencesToOwnRecordsThatAreNotThere) {
  const std::string self = key_.public_key().HubId();
  const testing::NeedSpec spec = MajiSafiSpec(self);
  v1::PublishRequest need = NeedPublish("kiosk-website", spec);
  EXPECT_STATUS(hub_->Publish(need), StatusCode::kInvalidArgument,
                "need.organization: this hub has no organization "
                "\"maji-safi\"; publish the organization on this hub first");
  // Not "or give the hub id of …": another hub's would be refused too.
  EXPECT_FALSE(
      absl::StrContains(hub_->Publish(need).status().message(), "HUB_ID"));

  ASSERT_OK(hub_->Publish(OrgPublish("maji-safi", {})));
  ASSERT_OK(hub_->Publish(need));

  EXPECT_STATUS(hub_->Publish(RegistrationPublish(self, Ref(self, "maji-safi"),
                                                  "maji-safi")),
                StatusCode::kInvalidArgument,
                "registration.event: \"maji-safi\" of this hub is an "
                "organization, not an event");

  ASSERT_OK(hub_->Delete("maji-safi", ""));
  v1::PublishRequest offer;
  offer.set_record_id("hosting");
  *offer.mutable_offer() = testing::MakeOffer(spec);
  EXPECT_STATUS(hub_->Publish(offer), StatusCode::kInvalidArgument,
                "offer.organization: organization \"maji-safi\" of this hub "
                "was deleted");
  EXPECT_EQ(store_->counters().offers(), 0u);
}

TEST_F(HubTest, AMissingOwnReferenceNamesTheHubThatHasTheRecord) {
  // Lima's hub published the TechCamp; a Nairobi admin registering for it
  // wrote its id alone, which means Nairobi's own record.
  crypto::PrivateKey lima = NewKey();
  v1::RecordBody event;
  event.set_origin(lima.public_key().bytes());
  event.set_record_id("techcamp-lima-2027");
  event.set_version(1);
  event.set_sequence(1);
  *event.mutable_issued_at() = google::protobuf::Timestamp();
  event.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(clock_.Now()));
  testing::EventSpec spec;
  spec.organizer_origin = lima.public_key().HubId();
  *event.mutable_event() = testing::MakeEvent(spec);
  absl::StatusOr<crypto::VerifiedRecord> verified =
      crypto::VerifyRecord(testing::SignBody(lima, event));
  ASSERT_OK(verified);
  ASSERT_OK(store_->Apply(*verified, /*sync=*/true));

  ASSERT_OK(hub_->Publish(OrgPublish("maji-safi", {})));
  const std::string self = key_.public_key().HubId();
  v1::PublishRequest reg =
      RegistrationPublish(self, Ref(self, "techcamp-lima-2027"), "maji-safi");
  const std::string lima_ref =
      absl::StrCat(lima.public_key().HubId(), "/techcamp-lima-2027");
  EXPECT_STATUS(hub_->Publish(reg), StatusCode::kInvalidArgument,
                absl::StrCat("registration.event: this hub has no event "
                             "\"techcamp-lima-2027\"; another hub has one: "
                             "refer to it as \"",
                             lima_ref, "\""));
  *reg.mutable_registration()->mutable_event() =
      Ref(lima.public_key().HubId(), "techcamp-lima-2027");
  ASSERT_OK(hub_->Publish(reg));

  // An organization of Lima's registers through Lima's hub: naming it with
  // Lima's hub id here would be refused too, so the hint says where to go.
  v1::RecordBody org;
  org.set_origin(lima.public_key().bytes());
  org.set_record_id("red-lima");
  org.set_version(1);
  org.set_sequence(2);
  *org.mutable_issued_at() = event.issued_at();
  *org.mutable_organization() = testing::MakeOrganization({});
  verified = crypto::VerifyRecord(testing::SignBody(lima, org));
  ASSERT_OK(verified);
  ASSERT_OK(store_->Apply(*verified, /*sync=*/true));
  EXPECT_STATUS(
      hub_->Publish(RegistrationPublish(
          self, Ref(lima.public_key().HubId(), "techcamp-lima-2027"),
          "red-lima")),
      StatusCode::kInvalidArgument,
      absl::StrCat("registration.organization: this hub has no organization "
                   "\"red-lima\"; hub ",
                   lima.public_key().HubId(),
                   " has one: an organization speaks through its own hub, so "
                   "publish this on hub ",
                   lima.public_key().HubId()));
}

TEST_F(HubTest, PublishManyResolvesOwnReferencesWithinTheBatch) {
  const std::string self = key_.public_key().HubId();
  const testing::NeedSpec spec = MajiSafiSpec(self);
  v1::PublishRequest need = NeedPublish("kiosk-website", spec);
  v1::PublishRequest early = need;
  early.set_record_id("too-early");
  std::vector<absl::StatusOr<PublishResult>> results =
      hub_->PublishMany(Batch({early, OrgPublish("maji-safi", {}), need}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_STATUS(results[0], StatusCode::kInvalidArgument,
                "need.organization: this hub has no organization");
  ASSERT_OK(results[1]);
  ASSERT_OK(results[2]);
  EXPECT_EQ(results[2]->record.body().sequence(), 2u);
}

TEST_F(HubTest, IngestVerifiesBeforeStoring) {
  v1::SignedRecord good = SignedOrg(key_, "a", 1, 1);
  v1::SignedRecord tampered = good;
  (*tampered.mutable_signature())[0] ^= 1;
  EXPECT_STATUS(hub_->Ingest(tampered, true), StatusCode::kInvalidArgument,
                "signature");
  crypto::PrivateKey other = NewKey();
  v1::RecordBody body;
  ASSERT_TRUE(body.ParseFromString(good.body()));
  v1::SignedRecord wrong_signer = testing::SignBody(other, body);
  EXPECT_STATUS(hub_->Ingest(wrong_signer, true), StatusCode::kInvalidArgument,
                "does not verify against origin");
  v1::SignedRecord truncated = good;
  truncated.mutable_body()->resize(good.body().size() / 2);
  EXPECT_EQ(hub_->Ingest(truncated, true).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->last_change(), 0u);

  absl::StatusOr<ApplyOutcome> ok = hub_->Ingest(good, true);
  ASSERT_OK(ok);
  EXPECT_EQ(*ok, ApplyOutcome::kApplied);
}

TEST_F(HubTest, IngestRefusesUnknownOrigins) {
  crypto::PrivateKey stranger = NewKey();
  EXPECT_STATUS(hub_->Ingest(SignedOrg(stranger, "a", 1, 1), true),
                StatusCode::kPermissionDenied,
                "is not part of this hub's network");
  EXPECT_EQ(store_->last_change(), 0u);
}

TEST_F(HubTest, IngestValidatesBody) {
  OrgSpec bad;
  bad.country = "XX";
  EXPECT_STATUS(hub_->Ingest(SignedOrg(key_, "a", 1, 1, bad), true),
                StatusCode::kInvalidArgument,
                "organization.locations[0].country");
  EXPECT_EQ(store_->last_change(), 0u);
}

TEST_F(HubTest, IngestManyAppliesInOrderAndReportsEachRecord) {
  // 200 records on 4 threads: versions of one record arrive in order
  // within the batch, a bad record in the middle refuses only itself.
  google::protobuf::RepeatedPtrField<v1::SignedRecord> batch;
  uint64_t seq = 0;
  for (int i = 0; i < 100; ++i) {
    *batch.Add() = SignedOrg(key_, absl::StrCat("org-", i), 1, ++seq);
  }
  OrgSpec renamed;
  renamed.name = "Maji Safi Kenya Trust";
  *batch.Add() = SignedOrg(key_, "org-7", 2, ++seq, renamed);
  v1::SignedRecord tampered = SignedOrg(key_, "org-bad", 1, ++seq);
  (*tampered.mutable_signature())[0] ^= 1;
  *batch.Add() = tampered;
  for (int i = 100; i < 198; ++i) {
    *batch.Add() = SignedOrg(key_, absl::StrCat("org-", i), 1, ++seq);
  }
  *batch.Add() = batch[0];  // Seen a moment ago.

  ThreadPool pool(3);  // With the caller, 4 threads.
  Hub hub(key_, store_.get(), &clock_, /*policy=*/nullptr, &pool);
  std::vector<IngestResult> results = hub.IngestMany(batch, /*sync=*/true);
  ASSERT_EQ(results.size(), static_cast<size_t>(batch.size()));
  for (int i = 0; i < batch.size(); ++i) {
    const IngestResult& r = results[i];
    if (i == 101) {
      EXPECT_STATUS(r.outcome, StatusCode::kInvalidArgument, "signature");
      EXPECT_EQ(r.header.origin, "") << "a header that did not verify";
      continue;
    }
    // The header as verified, for the caller not to parse the record again.
    EXPECT_EQ(r.header.origin, key_.public_key().bytes());
    EXPECT_EQ(r.header.kind, v1::RecordBody::kOrganization);
    if (i == batch.size() - 1) {
      ASSERT_OK(r.outcome);
      EXPECT_EQ(*r.outcome, ApplyOutcome::kDuplicate);
      EXPECT_EQ(r.header.record_id, "org-0");
    } else {
      ASSERT_OK(r.outcome);
      EXPECT_EQ(*r.outcome, ApplyOutcome::kApplied) << "record " << i;
      EXPECT_EQ(r.header.record_id, i < 100    ? absl::StrCat("org-", i)
                                    : i == 100 ? std::string("org-7")
                                               : absl::StrCat("org-", i - 2));
      EXPECT_EQ(r.header.sequence, static_cast<uint64_t>(i + 1));
    }
  }
  EXPECT_EQ(Organizations(), 198u);
  absl::StatusOr<std::optional<StoredView>> org7 =
      store_->Get(key_.public_key().bytes(), "org-7");
  ASSERT_OK(org7);
  ASSERT_TRUE(org7->has_value());
  EXPECT_EQ((*org7)->body.version(), 2u);
  absl::StatusOr<std::optional<StoredView>> bad =
      store_->Get(key_.public_key().bytes(), "org-bad");
  ASSERT_OK(bad);
  EXPECT_FALSE(bad->has_value());
}

TEST_F(HubTest, PublishContinuesAfterRestoredSequence) {
  // Records restored from a backup move the sequence forward.
  ASSERT_OK(hub_->Ingest(SignedOrg(key_, "old", 1, 41), true));
  absl::StatusOr<PublishResult> next = hub_->Publish(OrgPublish("new", {}));
  ASSERT_OK(next);
  EXPECT_EQ(next->record.body().sequence(), 42u);
}

}  // namespace
}  // namespace civhub::node
