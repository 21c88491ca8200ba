// Search over needs, offers, events and registrations: the capability,
// organization, event and during filters, and expiry at query time.
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "node/hub.h"
#include "node/search/directory.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using Ids = std::vector<std::string>;

absl::Time Utc(int y, int mo, int d, int h = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, 0, 0),
                         absl::UTCTimeZone());
}

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  ts->set_seconds(absl::ToUnixSeconds(t));
}

class MatchmakingSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ = std::make_unique<Hub>(key_, store_.get(), &clock_);
    // The organizations the specs' needs, offers and events name: a hub
    // refuses a reference to one of its own records that is not there.
    for (const char* org : {"org-1", "org-2"}) {
      ASSERT_OK(hub_->Publish(testing::OrgPublish(org, {})));
    }
  }

  testing::NeedSpec Spec(std::vector<std::string> capabilities) {
    testing::NeedSpec spec;
    spec.org_origin = hub_id_;
    spec.capabilities = std::move(capabilities);
    return spec;
  }
  void PutNeed(const std::string& id, const testing::NeedSpec& spec) {
    v1::PublishRequest req;
    req.set_record_id(id);
    *req.mutable_need() = testing::MakeNeed(spec);
    ASSERT_OK(hub_->Publish(req));
  }
  void PutOffer(const std::string& id, const testing::NeedSpec& spec,
                const std::string& volunteer = "") {
    v1::PublishRequest req;
    req.set_record_id(id);
    *req.mutable_offer() = testing::MakeOffer(spec, volunteer);
    ASSERT_OK(hub_->Publish(req));
  }
  void PutEvent(const std::string& id, const testing::EventSpec& spec) {
    v1::PublishRequest req;
    req.set_record_id(id);
    *req.mutable_event() = testing::MakeEvent(spec);
    ASSERT_OK(hub_->Publish(req));
  }

  Ids Find(const v1::SearchRequest& req) {
    absl::StatusOr<v1::SearchResponse> resp = hub_->directory().Search(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    Ids ids;
    if (!resp.ok()) return ids;
    for (const auto& hit : resp->hits()) {
      ids.push_back(hit.record().record_id());
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(resp->total_count(), static_cast<int64_t>(ids.size()));
    return ids;
  }
  Ids Capability(const std::string& code) {
    v1::SearchRequest req;
    req.set_capability(code);
    return Find(req);
  }
  Ids During(absl::Time from, absl::Time to) {
    v1::SearchRequest req;
    SetTime(from, req.mutable_during()->mutable_start());
    SetTime(to, req.mutable_during()->mutable_end());
    return Find(req);
  }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = testing::NewKey();
  std::string hub_id_ = key_.public_key().HubId();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

// A group's code finds its members' records; a member's code only its own.
TEST_F(MatchmakingSearchTest, CapabilityFindsMembersOfAGroup) {
  PutNeed("need-site", Spec({"website"}));
  PutOffer("offer-dev", Spec({"web-development", "mobile-apps"}));
  PutOffer("offer-words", Spec({"translation"}), "Ana M.");
  EXPECT_EQ(Capability("web"), (Ids{"need-site", "offer-dev"}));
  EXPECT_EQ(Capability("website"), (Ids{"need-site"}));
  EXPECT_EQ(Capability("communication"), (Ids{"offer-words"}));
  EXPECT_EQ(Capability("software"), (Ids{"offer-dev"}));
  EXPECT_EQ(Capability("x-solar"), (Ids{}));

  v1::SearchRequest req;
  req.set_capability("web");
  req.set_kind(v1::RECORD_KIND_OFFER);
  EXPECT_EQ(Find(req), (Ids{"offer-dev"}));
  req.set_kind(v1::RECORD_KIND_NEED);
  EXPECT_EQ(Find(req), (Ids{"need-site"}));

  req.Clear();
  req.set_capability("web-developement");
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kInvalidArgument,
                "capability: \"web-developement\" is not a listed "
                "capability; did you mean web-development?");
  req.set_capability("Web");
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kInvalidArgument,
                "capability: \"Web\" is not a code");
}

TEST_F(MatchmakingSearchTest, OrganizationFindsItsNeedsOffersAndEvents) {
  PutNeed("need-1", Spec({"website"}));
  testing::NeedSpec other = Spec({"hosting"});
  other.org_id = "org-2";
  PutOffer("offer-1", other);
  testing::EventSpec camp;
  camp.organizer_origin = hub_id_;
  PutEvent("camp", camp);
  v1::SearchRequest req;
  req.mutable_organization()->set_origin(hub_id_);
  req.mutable_organization()->set_record_id("org-1");
  EXPECT_EQ(Find(req), (Ids{"camp", "need-1"}));
  req.mutable_organization()->set_record_id("org-2");
  EXPECT_EQ(Find(req), (Ids{"offer-1"}));
  req.mutable_organization()->set_origin("nonsense");
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kInvalidArgument,
                "organization.origin");
}

// Weekly on Tuesdays 18:00-21:00 UTC from July 28 until August 18: found
// in any window holding an evening, across the month boundary, and not in
// the days between.
TEST_F(MatchmakingSearchTest, DuringFindsRecurringEventsExactly) {
  testing::EventSpec spec;
  spec.organizer_origin = hub_id_;
  spec.time_zone = "UTC";
  spec.starts_local = absl::CivilSecond(2026, 7, 28, 18, 0, 0);
  spec.recurrence = "FREQ=WEEKLY;UNTIL=20260818T180000Z";
  PutEvent("weekly", spec);
  testing::EventSpec once;
  once.organizer_origin = hub_id_;  // July 15, 14:00-17:00 UTC.
  PutEvent("once", once);

  EXPECT_EQ(During(Utc(2026, 7, 1), Utc(2026, 8, 1)), (Ids{"once", "weekly"}));
  EXPECT_EQ(During(Utc(2026, 7, 31), Utc(2026, 8, 5)), (Ids{"weekly"}));
  EXPECT_EQ(During(Utc(2026, 8, 5), Utc(2026, 8, 11)), (Ids{}));
  EXPECT_EQ(During(Utc(2026, 8, 11, 20), Utc(2026, 8, 11, 22)),
            (Ids{"weekly"}));
  EXPECT_EQ(During(Utc(2026, 8, 19), Utc(2026, 12, 31)), (Ids{}));

  v1::SearchRequest req;
  SetTime(Utc(2026, 8, 5), req.mutable_during()->mutable_start());
  SetTime(Utc(2026, 8, 1), req.mutable_during()->mutable_end());
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kInvalidArgument,
                "during.end: is not after during.start");
}

// A regression: events came in record order with their first occurrence,
// so a weekly meetup showed a date long past. Events searched without text
// or place come soonest first by their next occurrence, each hit carrying
// it; those that are over come last.
TEST_F(MatchmakingSearchTest, EventsComeByTheirNextOccurrence) {
  auto event = [&](const std::string& id, absl::CivilSecond starts,
                   const std::string& recurrence) {
    testing::EventSpec spec;
    spec.organizer_origin = hub_id_;
    spec.time_zone = "UTC";
    spec.starts_local = starts;
    spec.recurrence = recurrence;
    PutEvent(id, spec);
  };
  event("later", absl::CivilSecond(2026, 8, 10, 9, 0, 0), "");
  event("over", absl::CivilSecond(2026, 6, 10, 9, 0, 0), "");
  event("weekly", absl::CivilSecond(2026, 7, 1, 18, 0, 0),
        "FREQ=WEEKLY;COUNT=10");
  event("soon", absl::CivilSecond(2026, 7, 25, 9, 0, 0), "");
  clock_.Advance(Utc(2026, 7, 20) - clock_.Now());

  v1::SearchRequest req;
  req.set_kind(v1::RECORD_KIND_EVENT);
  req.set_page_size(2);
  std::vector<std::string> order;
  std::map<std::string, int64_t> next;
  do {
    absl::StatusOr<v1::SearchResponse> resp = hub_->directory().Search(req);
    ASSERT_OK(resp.status());
    for (const v1::SearchHit& hit : resp->hits()) {
      order.push_back(hit.record().record_id());
      if (hit.has_next_occurrence()) {
        next[hit.record().record_id()] =
            hit.next_occurrence().start().seconds();
      }
    }
    req.set_page_token(resp->next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(order, (Ids{"weekly", "soon", "later", "over"}));
  EXPECT_EQ(next["weekly"], absl::ToUnixSeconds(Utc(2026, 7, 22, 18)));
  EXPECT_EQ(next["soon"], absl::ToUnixSeconds(Utc(2026, 7, 25, 9)));
  EXPECT_EQ(next.count("over"), 0u);

  // With a window: the first occurrence within it.
  req.clear_page_token();
  req.set_page_size(10);
  SetTime(Utc(2026, 8, 1), req.mutable_during()->mutable_start());
  SetTime(Utc(2026, 9, 1), req.mutable_during()->mutable_end());
  absl::StatusOr<v1::SearchResponse> august = hub_->directory().Search(req);
  ASSERT_OK(august.status());
  ASSERT_EQ(august->hits_size(), 2);
  EXPECT_EQ(august->hits(0).record().record_id(), "weekly");
  EXPECT_EQ(august->hits(0).next_occurrence().start().seconds(),
            absl::ToUnixSeconds(Utc(2026, 8, 5, 18)));
  EXPECT_EQ(august->hits(1).record().record_id(), "later");
}

// An expired need leaves search when its time comes, not when the index
// changes; its record stays.
TEST_F(MatchmakingSearchTest, ExpiredNeedsAndOffersLeaveSearch) {
  testing::NeedSpec soon = Spec({"website"});
  soon.expires_at = testing::TestNow() + absl::Hours(2);
  PutNeed("need-soon", soon);
  PutNeed("need-later", Spec({"website"}));
  soon.expires_at = testing::TestNow() + absl::Hours(30);
  PutOffer("offer-tomorrow", soon);
  EXPECT_EQ(Capability("web"),
            (Ids{"need-later", "need-soon", "offer-tomorrow"}));

  clock_.Advance(absl::Hours(3));
  EXPECT_EQ(Capability("web"), (Ids{"need-later", "offer-tomorrow"}));
  v1::SearchRequest all;  // With SetUp's two organizations.
  EXPECT_EQ(Find(all), (Ids{"need-later", "offer-tomorrow", "org-1", "org-2"}));
  all.set_kind(v1::RECORD_KIND_NEED);
  EXPECT_EQ(Find(all), (Ids{"need-later"}));

  clock_.Advance(absl::Hours(30));
  EXPECT_EQ(Capability("web"), (Ids{"need-later"}));
  v1::GetRecordRequest get;
  get.set_origin(hub_id_);
  get.set_record_id("need-soon");
  EXPECT_OK(hub_->directory().GetRecord(get).status());
}

// Past a few hundred matches expiry is read from the expiry-day postings
// instead of each record: the same answer.
TEST_F(MatchmakingSearchTest, ManyExpiredNeedsLeaveSearch) {
  for (int i = 0; i < 300; ++i) {
    testing::NeedSpec spec = Spec({i % 2 == 0 ? "website" : "translation"});
    // Today (the test's clock is at noon), tomorrow, and in 100 days.
    spec.expires_at = testing::TestNow() + absl::Hours(i % 3 == 0   ? 2
                                                       : i % 3 == 1 ? 30
                                                                    : 2400);
    PutNeed(absl::StrCat("need-", i), spec);
  }
  PutOffer("offer", Spec({"hosting"}));
  v1::SearchRequest all;
  int64_t total = 0;
  auto count = [&](const v1::SearchRequest& req) {
    absl::StatusOr<v1::SearchResponse> resp = hub_->directory().Search(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? resp->total_count() : -1;
  };
  // With SetUp's two organizations.
  EXPECT_EQ(count(all), 303);
  clock_.Advance(absl::Hours(3));
  EXPECT_EQ(count(all), 203);
  all.set_capability("web");
  EXPECT_EQ(count(all), 100);
  all.clear_capability();
  clock_.Advance(absl::Hours(30));
  EXPECT_EQ(count(all), 103);
  all.set_kind(v1::RECORD_KIND_NEED);
  total = count(all);
  EXPECT_EQ(total, 100);
  all.set_page_size(10);  // Few on the page, all counted.
  EXPECT_EQ(count(all), 100);
}

TEST_F(MatchmakingSearchTest, RegistrationsOfAnEvent) {
  testing::EventSpec camp;
  camp.organizer_origin = hub_id_;
  PutEvent("camp", camp);
  for (const char* id : {"reg-1", "reg-2"}) {
    v1::PublishRequest req;
    req.set_record_id(id);
    v1::Registration* r = req.mutable_registration();
    r->mutable_event()->set_origin(hub_id_);
    r->mutable_event()->set_record_id("camp");
    r->mutable_organization()->set_origin(hub_id_);
    r->mutable_organization()->set_record_id("org-1");
    r->set_attendees(2);
    r->set_status("going");
    ASSERT_OK(hub_->Publish(req));
  }
  v1::SearchRequest req;
  req.mutable_event()->set_origin(hub_id_);
  req.mutable_event()->set_record_id("camp");
  EXPECT_EQ(Find(req), (Ids{"reg-1", "reg-2"}));
  req.set_kind(v1::RECORD_KIND_REGISTRATION);
  EXPECT_EQ(Find(req), (Ids{"reg-1", "reg-2"}));
  // Issue 18: a mistyped event gave no registrations, read as "nobody is
  // coming"; it is said, naming the parameter.
  req.mutable_event()->set_record_id("camp-typo");
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kNotFound,
                absl::StrCat("event: this hub holds no event ", hub_id_,
                             "/camp-typo; check the hub id and the id"));
  req.mutable_event()->set_record_id("org-1");
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kInvalidArgument,
                "/org-1 is an organization, not an event");
  req.clear_event();
  req.mutable_organization()->set_origin(hub_id_);
  req.mutable_organization()->set_record_id("org-3");
  EXPECT_STATUS(hub_->directory().Search(req), StatusCode::kNotFound,
                "organization: this hub holds no organization");
  // A deleted event's registrations are still found.
  ASSERT_OK(hub_->Delete("camp", "cancelled"));
  req.clear_organization();
  req.mutable_event()->set_origin(hub_id_);
  req.mutable_event()->set_record_id("camp");
  EXPECT_EQ(Find(req), (Ids{"reg-1", "reg-2"}));
}

}  // namespace
}  // namespace civhub::node
