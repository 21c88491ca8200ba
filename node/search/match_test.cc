// Directory::Match against a real store: the candidates its postings give,
// paging, the subject's errors, and agreement with scoring every record.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "crypto/record_signing.h"
#include "node/hub.h"
#include "node/search/directory.h"
#include "node/search/match_score.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::NeedSpec;

class MatchTest : public ::testing::Test {
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

  NeedSpec Spec(std::vector<std::string> capabilities) {
    NeedSpec spec;
    spec.org_origin = hub_id();
    spec.capabilities = std::move(capabilities);
    spec.remote = true;
    return spec;
  }

  void PutNeed(const std::string& id, const v1::Need& need) {
    v1::PublishRequest req;
    req.set_record_id(id);
    *req.mutable_need() = need;
    ASSERT_OK(hub_->Publish(req));
  }
  void PutOffer(const std::string& id, const v1::Offer& offer) {
    v1::PublishRequest req;
    req.set_record_id(id);
    *req.mutable_offer() = offer;
    ASSERT_OK(hub_->Publish(req));
  }

  v1::RecordRef Ref(const std::string& id) {
    v1::RecordRef ref;
    ref.set_origin(hub_id());
    ref.set_record_id(id);
    return ref;
  }
  v1::MatchRequest ForNeed(const std::string& id) {
    v1::MatchRequest req;
    *req.mutable_need() = Ref(id);
    return req;
  }
  v1::MatchRequest ForOffer(const std::string& id) {
    v1::MatchRequest req;
    *req.mutable_offer() = Ref(id);
    return req;
  }

  // Record ids of every hit, following page tokens.
  std::vector<std::string> All(v1::MatchRequest req, absl::Time now,
                               int64_t* total = nullptr) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<v1::MatchResponse> resp = dir().MatchAt(req, now);
      EXPECT_TRUE(resp.ok()) << resp.status();
      if (!resp.ok()) break;
      if (total != nullptr && pages == 0) *total = resp->total_count();
      for (const auto& hit : resp->hits()) {
        ids.push_back(hit.record().record_id());
      }
      if (resp->next_page_token().empty()) break;
      req.set_page_token(resp->next_page_token());
    }
    return ids;
  }

  std::string hub_id() const { return key_.public_key().HubId(); }
  const Directory& dir() { return hub_->directory(); }
  absl::Time Now() const { return testing::TestNow(); }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = testing::NewKey();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(MatchTest, NeedGetsOffersRankedWithTheirFeatures) {
  PutNeed("need-site", testing::MakeNeed(Spec({"website"})));
  PutOffer("exact", testing::MakeOffer(Spec({"website"})));
  PutOffer("partial", testing::MakeOffer(Spec({"web-development"})));
  PutOffer("unrelated", testing::MakeOffer(Spec({"translation"})));
  NeedSpec withdrawn = Spec({"website"});
  withdrawn.status = "withdrawn";
  PutOffer("withdrawn", testing::MakeOffer(withdrawn));
  NeedSpec french = Spec({"website"});
  french.languages = {"fr"};
  PutOffer("french", testing::MakeOffer(french));
  PutNeed("other-need", testing::MakeNeed(Spec({"website"})));

  absl::StatusOr<v1::MatchResponse> resp =
      dir().MatchAt(ForNeed("need-site"), Now());
  ASSERT_OK(resp);
  EXPECT_EQ(resp->subject().record_id(), "need-site");
  EXPECT_EQ(resp->subject().kind(), v1::RECORD_KIND_NEED);
  EXPECT_EQ(resp->total_count(), 2);
  ASSERT_EQ(resp->hits_size(), 2);
  const v1::MatchHit& first = resp->hits(0);
  EXPECT_EQ(first.record().record_id(), "exact");
  EXPECT_EQ(first.record().kind(), v1::RECORD_KIND_OFFER);
  EXPECT_DOUBLE_EQ(first.features().capability(), 1);
  EXPECT_EQ(first.features().shared_capabilities(0), "website");
  EXPECT_EQ(first.features().shared_languages_size(), 2);
  const v1::MatchHit& second = resp->hits(1);
  EXPECT_EQ(second.record().record_id(), "partial");
  EXPECT_EQ(second.features().partial_capabilities(0),
            "web-development~website");
  EXPECT_GT(first.score(), second.score());
  EXPECT_TRUE(resp->next_page_token().empty());
}

TEST_F(MatchTest, OfferGetsNeedsAndExpiredOnesLeave) {
  PutOffer("offer", testing::MakeOffer(Spec({"translation", "writing"})));
  PutNeed("translate", testing::MakeNeed(Spec({"translation"})));
  NeedSpec soon = Spec({"writing"});
  soon.expires_at = Now() + absl::Hours(24);
  PutNeed("write-soon", testing::MakeNeed(soon));
  PutNeed("site", testing::MakeNeed(Spec({"website"})));

  EXPECT_EQ(All(ForOffer("offer"), Now()),
            (std::vector<std::string>{"translate", "write-soon"}));
  EXPECT_EQ(All(ForOffer("offer"), Now() + absl::Hours(48)),
            std::vector<std::string>{"translate"});
}

TEST_F(MatchTest, DeletedOffersLeave) {
  PutNeed("need", testing::MakeNeed(Spec({"hosting"})));
  PutOffer("a", testing::MakeOffer(Spec({"hosting"})));
  PutOffer("b", testing::MakeOffer(Spec({"server-space"})));
  ASSERT_OK(hub_->Delete("a", "no longer offered"));
  EXPECT_EQ(All(ForNeed("need"), Now()), std::vector<std::string>{"b"});
}

// The match index, built by the first Match, follows what changes after.
TEST_F(MatchTest, LaterPublishesUpdatesAndDeletesAreMatched) {
  PutNeed("need", testing::MakeNeed(Spec({"website"})));
  PutOffer("stays", testing::MakeOffer(Spec({"website"})));
  PutOffer("changes", testing::MakeOffer(Spec({"website"})));
  PutOffer("goes", testing::MakeOffer(Spec({"web-design"})));
  EXPECT_EQ(All(ForNeed("need"), Now()),
            (std::vector<std::string>{"changes", "stays", "goes"}));
  PutOffer("changes", testing::MakeOffer(Spec({"translation"})));
  ASSERT_OK(hub_->Delete("goes", ""));
  PutOffer("new", testing::MakeOffer(Spec({"content-management"})));
  EXPECT_EQ(All(ForNeed("need"), Now()),
            (std::vector<std::string>{"stays", "new"}));
  PutOffer("changes", testing::MakeOffer(Spec({"website", "hosting"})));
  EXPECT_EQ(All(ForNeed("need"), Now()),
            (std::vector<std::string>{"changes", "stays", "new"}));
}

// A blocked hub's records are purged without a trace in the change log:
// the index starts over.
TEST_F(MatchTest, PurgedRecordsLeaveAndReturnAfterUnblock) {
  PutNeed("need", testing::MakeNeed(Spec({"website"})));
  const crypto::PrivateKey other = testing::NewKey();
  v1::RecordBody body;
  body.set_origin(other.public_key().bytes());
  body.set_record_id("far-offer");
  body.set_version(1);
  body.set_sequence(1);
  body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(Now()));
  NeedSpec spec = Spec({"website"});
  spec.org_origin = other.public_key().HubId();
  *body.mutable_offer() = testing::MakeOffer(spec);
  absl::StatusOr<crypto::VerifiedRecord> far =
      crypto::VerifyRecord(testing::SignBody(other, body));
  ASSERT_OK(far);
  ASSERT_OK(store_->Apply(*far, false));
  EXPECT_EQ(All(ForNeed("need"), Now()), std::vector<std::string>{"far-offer"});
  ASSERT_OK(store_->Block(other.public_key().bytes()));
  int64_t total = -1;
  EXPECT_TRUE(All(ForNeed("need"), Now(), &total).empty());
  EXPECT_EQ(total, 0);
  ASSERT_OK(store_->Unblock(other.public_key().bytes()));
  ASSERT_OK(store_->Apply(*far, false));
  EXPECT_EQ(All(ForNeed("need"), Now(), &total),
            std::vector<std::string>{"far-offer"});
  EXPECT_EQ(total, 1);
}

TEST_F(MatchTest, CriteriaFindEitherSide) {
  PutNeed("need", testing::MakeNeed(Spec({"mobile-apps"})));
  PutOffer("offer", testing::MakeOffer(Spec({"software-development"})));
  v1::MatchRequest req;
  v1::MatchCriteria* c = req.mutable_criteria();
  c->set_want(v1::RECORD_KIND_OFFER);
  c->add_capabilities("mobile-apps");
  EXPECT_EQ(All(req, Now()), std::vector<std::string>{"offer"});
  c->set_want(v1::RECORD_KIND_NEED);
  EXPECT_EQ(All(req, Now()), std::vector<std::string>{"need"});
  // Near Lima on-site: the Nairobi need (on-site by default) is too far.
  PutNeed("on-site", testing::MakeNeed([&] {
            NeedSpec s = Spec({"mobile-apps"});
            s.remote = false;
            return s;
          }()));
  c->set_mode("on-site");
  c->mutable_near()->set_latitude(-12.0464);
  c->mutable_near()->set_longitude(-77.0428);
  c->mutable_near()->set_radius_km(50);
  EXPECT_TRUE(All(req, Now()).empty());
  c->mutable_near()->set_latitude(-1.30);
  c->mutable_near()->set_longitude(36.80);
  EXPECT_EQ(All(req, Now()), std::vector<std::string>{"on-site"});
}

TEST_F(MatchTest, PagesCoverEveryHitOnceInOrder) {
  PutNeed("need", testing::MakeNeed(Spec({"website", "hosting"})));
  std::vector<std::string> expected;
  for (int i = 0; i < 45; ++i) {
    // Three scores (exact both, exact one, partial one), many ties.
    std::vector<std::string> caps =
        i % 3 == 0   ? std::vector<std::string>{"website", "hosting"}
        : i % 3 == 1 ? std::vector<std::string>{"website"}
                     : std::vector<std::string>{"web-design"};
    PutOffer(absl::StrCat("offer-", 100 + i), testing::MakeOffer(Spec(caps)));
  }
  v1::MatchRequest whole = ForNeed("need");
  whole.set_page_size(100);
  int64_t total = 0;
  std::vector<std::string> one_page = All(whole, Now(), &total);
  EXPECT_EQ(total, 45);
  ASSERT_EQ(one_page.size(), 45u);
  EXPECT_EQ(one_page[0], "offer-100");
  EXPECT_EQ(one_page[15], "offer-101");
  EXPECT_EQ(one_page[30], "offer-102");
  v1::MatchRequest paged = ForNeed("need");
  paged.set_page_size(7);
  EXPECT_EQ(All(paged, Now()), one_page);
  // A later page ranks at the first page's time: asked for after the need
  // expired, it still continues the list.
  absl::StatusOr<v1::MatchResponse> first = dir().MatchAt(paged, Now());
  ASSERT_OK(first);
  paged.set_page_token(first->next_page_token());
  absl::StatusOr<v1::MatchResponse> second =
      dir().MatchAt(paged, Now() + absl::Hours(24 * 365));
  ASSERT_OK(second);
  ASSERT_EQ(second->hits_size(), 7);
  EXPECT_EQ(second->hits(0).record().record_id(), one_page[7]);
}

TEST_F(MatchTest, SubjectErrorsSayWhatIsWrong) {
  PutNeed("need", testing::MakeNeed(Spec({"website"})));
  NeedSpec met = Spec({"website"});
  met.status = "met";
  PutNeed("met", testing::MakeNeed(met));
  ASSERT_OK(hub_->Publish(testing::OrgPublish("org-1", {})));

  EXPECT_STATUS(dir().MatchAt(ForNeed("missing"), Now()), StatusCode::kNotFound,
                "need: record");
  // Another hub's need with the id: the message names it (a coordinator
  // gave the id alone, which means this hub's).
  crypto::PrivateKey nairobi = testing::NewKey();
  v1::RecordBody other;
  other.set_origin(nairobi.public_key().bytes());
  other.set_record_id("kiosk-site");
  other.set_version(1);
  other.set_sequence(1);
  other.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(Now()));
  NeedSpec theirs = Spec({"website"});
  theirs.org_origin = nairobi.public_key().HubId();
  *other.mutable_need() = testing::MakeNeed(theirs);
  absl::StatusOr<crypto::VerifiedRecord> verified =
      crypto::VerifyRecord(testing::SignBody(nairobi, other));
  ASSERT_OK(verified);
  ASSERT_OK(store_->Apply(*verified, /*sync=*/true));
  EXPECT_STATUS(
      dir().MatchAt(ForNeed("kiosk-site"), Now()), StatusCode::kNotFound,
      absl::StrCat("is not on this hub; hub ", nairobi.public_key().HubId(),
                   " has a need with this id: ", nairobi.public_key().HubId(),
                   "/kiosk-site"));
  EXPECT_STATUS(dir().MatchAt(ForNeed("org-1"), Now()),
                StatusCode::kInvalidArgument,
                "is a record of kind organization");
  EXPECT_STATUS(dir().MatchAt(ForOffer("need"), Now()),
                StatusCode::kInvalidArgument, "offer: ");
  EXPECT_STATUS(dir().MatchAt(ForNeed("met"), Now()),
                StatusCode::kFailedPrecondition, "is met");
  EXPECT_STATUS(dir().MatchAt(ForNeed("need"), Now() + absl::Hours(24 * 200)),
                StatusCode::kFailedPrecondition, "expired at");
  v1::MatchRequest bad_ref = ForNeed("need");
  bad_ref.mutable_need()->set_origin("civhub1nope");
  EXPECT_STATUS(dir().MatchAt(bad_ref, Now()), StatusCode::kInvalidArgument,
                "need.origin:");
  EXPECT_STATUS(dir().MatchAt(v1::MatchRequest(), Now()),
                StatusCode::kInvalidArgument, "subject:");
  v1::MatchRequest token = ForNeed("need");
  token.set_page_token("garbage");
  EXPECT_STATUS(dir().MatchAt(token, Now()), StatusCode::kInvalidArgument,
                "page_token:");
  v1::MatchRequest typo;
  typo.mutable_criteria()->set_want(v1::RECORD_KIND_OFFER);
  typo.mutable_criteria()->add_capabilities("websites");
  EXPECT_STATUS(dir().MatchAt(typo, Now()), StatusCode::kInvalidArgument,
                "criteria.capabilities[0]: \"websites\" is not a capability "
                "code; did you mean");
}

// A client that went away stops the ranking of many candidates.
TEST_F(MatchTest, ACancelledMatchStops) {
  PutNeed("need", testing::MakeNeed(Spec({"website"})));
  for (int i = 0; i < 600; ++i) {
    PutOffer(absl::StrCat("o", i), testing::MakeOffer(Spec({"web-design"})));
  }
  QueryStop stop;
  stop.cancelled = [] { return true; };
  EXPECT_STATUS(dir().MatchAt(ForNeed("need"), Now(), stop),
                StatusCode::kCancelled, "cancelled");
  stop.cancelled = nullptr;
  stop.deadline = absl::InfinitePast();
  EXPECT_STATUS(dir().MatchAt(ForNeed("need"), Now(), stop),
                StatusCode::kDeadlineExceeded, "narrow it");
  int64_t total = 0;
  All(ForNeed("need"), Now(), &total);
  EXPECT_EQ(total, 600);
}

TEST_F(MatchTest, TokenOfAnotherQueryIsRefused) {
  PutNeed("need", testing::MakeNeed(Spec({"website"})));
  for (int i = 0; i < 3; ++i) {
    PutOffer(absl::StrCat("o", i), testing::MakeOffer(Spec({"website"})));
  }
  v1::MatchRequest req = ForNeed("need");
  req.set_page_size(1);
  absl::StatusOr<v1::MatchResponse> first = dir().MatchAt(req, Now());
  ASSERT_OK(first);
  ASSERT_FALSE(first->next_page_token().empty());
  v1::MatchRequest other;
  other.mutable_criteria()->set_want(v1::RECORD_KIND_OFFER);
  other.mutable_criteria()->add_capabilities("website");
  other.set_page_token(first->next_page_token());
  EXPECT_STATUS(dir().MatchAt(other, Now()), StatusCode::kInvalidArgument,
                "different query");
}

// Retrieval through the postings finds exactly what scoring every record
// of the other kind finds, in the same order.
TEST_F(MatchTest, AgreesWithScoringEveryRecord) {
  const unsigned seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  std::mt19937 rng(seed);
  const std::vector<std::string> caps = {
      "website",     "web-development", "web",         "hosting",
      "translation", "writing",         "gis",         "x-radio-repair",
      "data-entry",  "research",        "mobile-apps", "digital-security"};
  const std::vector<std::vector<std::string>> langs = {
      {"en"}, {"sw"}, {"es", "en"}, {"fr"}};
  const std::vector<std::pair<double, double>> places = {
      {-1.2921, 36.8219}, {-4.0435, 39.6682}, {-12.0464, -77.0428}};
  auto random_spec = [&] {
    NeedSpec s = Spec({});
    std::set<std::string> chosen;
    const int n = 1 + rng() % 3;
    for (int i = 0; i < n; ++i) chosen.insert(caps[rng() % caps.size()]);
    s.capabilities.assign(chosen.begin(), chosen.end());
    s.languages = langs[rng() % langs.size()];
    s.remote = rng() % 2 == 0;
    s.lat_lon = places[rng() % places.size()];
    s.radius_km = 10 + rng() % 500;
    s.expires_at = Now() + absl::Hours(24 * (1 + rng() % 300));
    s.status = rng() % 10 == 0 ? "withdrawn" : "open";
    return s;
  };
  std::vector<v1::Need> needs;
  std::vector<v1::Offer> offers;
  for (int i = 0; i < 150; ++i) {
    needs.push_back(testing::MakeNeed(random_spec()));
    PutNeed(absl::StrCat("n", 1000 + i), needs.back());
    offers.push_back(testing::MakeOffer(random_spec()));
    PutOffer(absl::StrCat("o", 1000 + i), offers.back());
  }
  const absl::Time now = Now() + absl::Hours(24 * 30);
  auto brute = [&](const MatchSide& subject, bool is_need) {
    std::vector<std::pair<double, std::string>> ranked;
    for (int i = 0; i < 150; ++i) {
      MatchScore s = is_need ? ScoreMatch(subject, OfferSide(offers[i]), now)
                             : ScoreMatch(NeedSide(needs[i]), subject, now);
      if (s.excluded == MatchExclusion::kNone) {
        ranked.emplace_back(-s.score,
                            absl::StrCat(is_need ? "o" : "n", 1000 + i));
      }
    }
    std::sort(ranked.begin(), ranked.end());
    std::vector<std::string> ids;
    for (const auto& r : ranked) ids.push_back(r.second);
    return ids;
  };
  int compared = 0;
  for (int i = 0; i < 150; i += 5) {
    const MatchSide need = NeedSide(needs[i]);
    if (need.open && need.expires_at > now) {
      EXPECT_EQ(All(ForNeed(absl::StrCat("n", 1000 + i)), now),
                brute(need, true))
          << "need n" << 1000 + i;
      ++compared;
    }
    const MatchSide offer = OfferSide(offers[i]);
    if (offer.open && offer.expires_at > now) {
      EXPECT_EQ(All(ForOffer(absl::StrCat("o", 1000 + i)), now),
                brute(offer, false))
          << "offer o" << 1000 + i;
      ++compared;
    }
  }
  EXPECT_GT(compared, 20);
}

}  // namespace
}  // namespace civhub::node
