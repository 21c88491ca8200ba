// The ranking test set: 36 needs and 19 offers with the order a coordinator
// expects, written down before the weights were tuned
// (docs/matchmaking.md, "Matching"). Each need lists the offers that must
// match it, best first; every other offer must be excluded. A few offers
// list the needs they must match, the other way round.
//
// Ties (equal scores) are broken by record id, so the expected order of
// tied offers is their id order.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "node/search/match_score.h"
#include "sim/records.h"

namespace civhub::node {
namespace {

struct Place {
  double lat;
  double lon;
};
constexpr Place kNairobi{-1.2921, 36.8219};
constexpr Place kMombasa{-4.0435, 39.6682};  // ~441 km from Nairobi.
constexpr Place kKampala{0.3476, 32.5825};
constexpr Place kLima{-12.0464, -77.0428};
constexpr Place kCusco{-13.5320, -71.9675};  // ~573 km from Lima.
constexpr Place kManila{14.5995, 120.9842};
constexpr Place kQuezonCity{14.6760, 121.0437};  // ~10.6 km from Manila.

// One need or offer of the set. Days count from now (TestNow()); a window
// bound of -1 is unset.
struct Fixture {
  std::string id;
  std::vector<std::string> capabilities;
  std::string mode = "remote";
  std::optional<Place> place = std::nullopt;
  double radius_km = 0;
  std::vector<std::string> languages = {"en"};
  int from_day = -1;
  int to_day = -1;
  uint32_t hours = 0;  // Effort (needs) or hours per month (offers).
  std::string status = "open";
  int expires_day = 180;
};

const std::vector<Fixture>& Offers() {
  static const auto* const offers = new std::vector<Fixture>{
      {.id = "o01-webdev", .capabilities = {"web-development"}, .hours = 20},
      {.id = "o02-website",
       .capabilities = {"website", "web-design"},
       .languages = {"en", "sw"},
       .hours = 10},
      {.id = "o03-hosting",
       .capabilities = {"hosting", "server-space"},
       .languages = {"en", "fr"}},
      {.id = "o04-translation-nairobi",
       .capabilities = {"translation"},
       .mode = "on-site",
       .place = kNairobi,
       .radius_km = 30,
       .languages = {"sw", "en"},
       .hours = 8},
      {.id = "o05-translation-es",
       .capabilities = {"translation", "writing"},
       .languages = {"es", "en"},
       .hours = 15},
      {.id = "o06-mapping-lima",
       .capabilities = {"gis", "crisis-mapping"},
       .mode = "either",
       .place = kLima,
       .radius_km = 50,
       .languages = {"es"},
       .hours = 20},
      {.id = "o07-security-manila",
       .capabilities = {"digital-security", "privacy"},
       .mode = "on-site",
       .place = kManila,
       .radius_km = 20,
       .languages = {"en", "tl"},
       .hours = 10},
      {.id = "o08-security-fr",
       .capabilities = {"digital-security"},
       .languages = {"fr"},
       .hours = 10},
      {.id = "o09-webdev-expired",
       .capabilities = {"web-development"},
       .hours = 20,
       .expires_day = -1},
      {.id = "o10-webdev-withdrawn",
       .capabilities = {"web-development", "website"},
       .hours = 20,
       .status = "withdrawn"},
      {.id = "o11-webdev-one-month",
       .capabilities = {"web-development"},
       .from_day = 0,
       .to_day = 30,
       .hours = 40},
      {.id = "o12-data-entry",
       .capabilities = {"data-entry", "surveys"},
       .languages = {"en", "sw"},
       .hours = 30},
      {.id = "o13-training-nairobi",
       .capabilities = {"digital-literacy", "mentoring"},
       .mode = "either",
       .place = kNairobi,
       .radius_km = 20,
       .languages = {"en", "sw"},
       .hours = 12},
      {.id = "o14-hardware-mombasa",
       .capabilities = {"hardware", "connectivity"},
       .mode = "on-site",
       .place = kMombasa,
       .radius_km = 50,
       .languages = {"en", "sw"}},
      {.id = "o15-mobile-apps-later",
       .capabilities = {"mobile-apps", "software-development"},
       .languages = {"es", "en"},
       .from_day = 60,
       .to_day = 240,
       .hours = 20},
      {.id = "o16-security-quezon",
       .capabilities = {"digital-security"},
       .mode = "on-site",
       .place = kQuezonCity,
       .radius_km = 10,
       .hours = 20},
      {.id = "o17-x-radio", .capabilities = {"x-radio-repair"}},
      {.id = "o18-security-remote",
       .capabilities = {"digital-security"},
       .hours = 5},
      {.id = "o19-hardware-nairobi",
       .capabilities = {"hardware"},
       .mode = "either",
       .place = kNairobi,
       .radius_km = 100},
  };
  return *offers;
}

struct NeedCase {
  Fixture need;
  std::vector<std::string> expected;  // Offer ids, best first.
};

const std::vector<NeedCase>& Needs() {
  static const auto* const needs = new std::vector<NeedCase>{
      // "web-development" partly matches "website": below the exact offer.
      {{.id = "n01-website", .capabilities = {"website"}, .hours = 40},
       {"o02-website", "o01-webdev", "o11-webdev-one-month"}},
      // An exact match for a month beats a partial one for the whole time.
      {{.id = "n02-webdev", .capabilities = {"web-development"}, .hours = 100},
       {"o01-webdev", "o11-webdev-one-month", "o02-website"}},
      // Language mismatch excludes: only o02 speaks Swahili.
      {{.id = "n03-website-sw",
        .capabilities = {"website"},
        .languages = {"sw"}},
       {"o02-website"}},
      {{.id = "n04-translation-nairobi-sw",
        .capabilities = {"translation"},
        .mode = "on-site",
        .place = kNairobi,
        .radius_km = 10,
        .languages = {"sw"}},
       {"o04-translation-nairobi"}},
      // A remote need: the on-site-only translator is excluded.
      {{.id = "n05-translation-remote", .capabilities = {"translation"}},
       {"o05-translation-es"}},
      {{.id = "n06-gis-lima",
        .capabilities = {"gis"},
        .mode = "on-site",
        .place = kLima,
        .radius_km = 20,
        .languages = {"es"}},
       {"o06-mapping-lima"}},
      // On-site out of radius: Lima's mappers do not reach Cusco.
      {{.id = "n07-gis-cusco",
        .capabilities = {"gis"},
        .mode = "on-site",
        .place = kCusco,
        .radius_km = 20,
        .languages = {"es"}},
       {}},
      // "either" can work remotely.
      {{.id = "n08-crisis-mapping-remote",
        .capabilities = {"crisis-mapping"},
        .languages = {"es"}},
       {"o06-mapping-lima"}},
      // On-site: the nearer of two exact offers first.
      {{.id = "n09-security-manila",
        .capabilities = {"digital-security"},
        .mode = "on-site",
        .place = kManila,
        .radius_km = 15,
        .hours = 20},
       {"o07-security-manila", "o16-security-quezon"}},
      {{.id = "n10-privacy-manila-either",
        .capabilities = {"privacy"},
        .mode = "either",
        .place = kManila,
        .radius_km = 15},
       {"o07-security-manila", "o18-security-remote", "o16-security-quezon"}},
      {{.id = "n11-privacy-remote", .capabilities = {"privacy"}},
       {"o18-security-remote"}},
      // Tied: by id.
      {{.id = "n12-security-fr-en",
        .capabilities = {"digital-security"},
        .languages = {"fr", "en"}},
       {"o08-security-fr", "o18-security-remote"}},
      {{.id = "n13-server-space",
        .capabilities = {"server-space"},
        .hours = 10},
       {"o03-hosting", "o19-hardware-nairobi"}},
      {{.id = "n14-connectivity-mombasa",
        .capabilities = {"connectivity"},
        .mode = "on-site",
        .place = kMombasa,
        .radius_km = 20},
       {"o14-hardware-mombasa"}},
      {{.id = "n15-hardware-nairobi",
        .capabilities = {"hardware"},
        .mode = "on-site",
        .place = kNairobi,
        .radius_km = 30},
       {"o19-hardware-nairobi"}},
      // A wide radius reaches Mombasa, ranked below the offer in Nairobi.
      {{.id = "n16-hardware-nairobi-wide",
        .capabilities = {"hardware"},
        .mode = "on-site",
        .place = kNairobi,
        .radius_km = 500},
       {"o19-hardware-nairobi", "o14-hardware-mombasa"}},
      {{.id = "n17-data-entry-sw",
        .capabilities = {"data-entry"},
        .languages = {"sw"},
        .hours = 60},
       {"o12-data-entry"}},
      {{.id = "n18-research", .capabilities = {"research"}},
       {"o12-data-entry"}},
      {{.id = "n19-literacy-nairobi",
        .capabilities = {"digital-literacy"},
        .mode = "on-site",
        .place = kNairobi,
        .radius_km = 10,
        .languages = {"sw"}},
       {"o13-training-nairobi"}},
      {{.id = "n20-facilitation", .capabilities = {"facilitation"}},
       {"o13-training-nairobi"}},
      // Windows that do not overlap exclude.
      {{.id = "n21-mobile-apps-now",
        .capabilities = {"mobile-apps"},
        .languages = {"es"},
        .from_day = 0,
        .to_day = 30},
       {}},
      {{.id = "n22-mobile-apps-later",
        .capabilities = {"mobile-apps"},
        .languages = {"es"},
        .from_day = 90,
        .to_day = 150},
       {"o15-mobile-apps-later"}},
      {{.id = "n23-database-design", .capabilities = {"database-design"}},
       {"o15-mobile-apps-later"}},
      // Local extensions match only themselves.
      {{.id = "n24-x-radio", .capabilities = {"x-radio-repair"}},
       {"o17-x-radio"}},
      {{.id = "n25-x-solar", .capabilities = {"x-solar-install"}}, {}},
      // A group needed: every member offered counts partly; tied by id.
      {{.id = "n26-web", .capabilities = {"web"}},
       {"o01-webdev", "o02-website", "o11-webdev-one-month"}},
      // Two capabilities needed: each offer meets half, the overlap decides.
      {{.id = "n27-website-hosting",
        .capabilities = {"website", "hosting"},
        .hours = 40},
       {"o02-website", "o03-hosting", "o01-webdev", "o19-hardware-nairobi",
        "o11-webdev-one-month"}},
      // Expired and met needs match nothing.
      {{.id = "n28-website-expired",
        .capabilities = {"website"},
        .expires_day = -1},
       {}},
      {{.id = "n29-website-met", .capabilities = {"website"}, .status = "met"},
       {}},
      {{.id = "n30-website-partly-met",
        .capabilities = {"website"},
        .hours = 40,
        .status = "partly-met"},
       {"o02-website", "o01-webdev", "o11-webdev-one-month"}},
      // Remote or on-site at the same place: more hours decide.
      {{.id = "n31-translation-nairobi-either",
        .capabilities = {"translation"},
        .mode = "either",
        .place = kNairobi,
        .radius_km = 10,
        .languages = {"sw", "en"},
        .hours = 100},
       {"o05-translation-es", "o04-translation-nairobi"}},
      {{.id = "n32-webdev-two-months",
        .capabilities = {"web-development"},
        .from_day = 0,
        .to_day = 60,
        .hours = 20},
       {"o01-webdev", "o11-webdev-one-month", "o02-website"}},
      // An on-site need: remote-only help is excluded.
      {{.id = "n33-surveys-kampala",
        .capabilities = {"surveys"},
        .mode = "on-site",
        .place = kKampala,
        .radius_km = 50},
       {}},
      {{.id = "n34-literacy-translation-mombasa",
        .capabilities = {"digital-literacy", "translation"},
        .mode = "either",
        .place = kMombasa,
        .radius_km = 15},
       {"o05-translation-es", "o13-training-nairobi"}},
      // Remote help ties with on-site help at the same place; farther
      // on-site help ranks below.
      {{.id = "n35-security-manila-either",
        .capabilities = {"digital-security"},
        .mode = "either",
        .place = kManila,
        .radius_km = 15,
        .hours = 20},
       {"o07-security-manila", "o18-security-remote", "o16-security-quezon"}},
      {{.id = "n36-writing-sw",
        .capabilities = {"writing"},
        .languages = {"sw"}},
       {}},
  };
  return *needs;
}

// The needs each of a few offers must match, best first.
const std::map<std::string, std::vector<std::string>>& NeedsByOffer() {
  static const auto* const by_offer =
      new std::map<std::string, std::vector<std::string>>{
          {"o01-webdev",
           {"n02-webdev", "n32-webdev-two-months", "n01-website",
            "n30-website-partly-met", "n26-web", "n27-website-hosting"}},
          {"o07-security-manila",
           {"n09-security-manila", "n35-security-manila-either",
            "n10-privacy-manila-either"}},
          {"o13-training-nairobi",
           {"n19-literacy-nairobi", "n20-facilitation",
            "n34-literacy-translation-mombasa"}},
      };
  return *by_offer;
}

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

absl::Time Now() { return testing::TestNow(); }
absl::Time Day(int day) { return Now() + absl::Hours(24) * day; }

void FillWorkPlace(const Fixture& f, v1::WorkPlace* wp) {
  wp->set_mode(f.mode);
  if (f.place.has_value()) {
    wp->mutable_location()->set_latitude(f.place->lat);
    wp->mutable_location()->set_longitude(f.place->lon);
    wp->set_radius_km(f.radius_km);
  }
}

void FillWindow(const Fixture& f, v1::TimeWindow* w) {
  if (f.from_day >= 0) *w->mutable_start() = TimestampOf(Day(f.from_day));
  if (f.to_day >= 0) *w->mutable_end() = TimestampOf(Day(f.to_day));
}

MatchSide NeedOf(const Fixture& f) {
  v1::Need need;
  for (const auto& c : f.capabilities) need.add_capabilities(c);
  FillWorkPlace(f, need.mutable_work_place());
  for (const auto& l : f.languages) need.add_languages(l);
  FillWindow(f, need.mutable_window());
  need.set_effort_hours(f.hours);
  need.set_status(f.status);
  *need.mutable_expires_at() = TimestampOf(Day(f.expires_day));
  return NeedSide(need);
}

MatchSide OfferOf(const Fixture& f) {
  v1::Offer offer;
  for (const auto& c : f.capabilities) offer.add_capabilities(c);
  FillWorkPlace(f, offer.mutable_work_place());
  for (const auto& l : f.languages) offer.add_languages(l);
  FillWindow(f, offer.mutable_window());
  offer.set_hours_per_month(f.hours);
  offer.set_status(f.status);
  *offer.mutable_expires_at() = TimestampOf(Day(f.expires_day));
  return OfferSide(offer);
}

struct Ranked {
  std::string id;
  double score;
};

// The ids of `others` that match, best first, ties by id; `describe`
// collects each one's score and features for failure messages.
template <typename Score>
std::vector<std::string> Rank(const std::vector<const Fixture*>& others,
                              Score score, std::string* describe) {
  std::vector<Ranked> ranked;
  for (const Fixture* other : others) {
    MatchScore s = score(*other);
    if (s.excluded != MatchExclusion::kNone) {
      absl::StrAppend(describe, "  ", other->id, ": excluded (",
                      MatchExclusionName(s.excluded), ")\n");
      continue;
    }
    absl::StrAppend(describe, "  ", other->id, ": ", s.score, " ",
                    s.features.ShortDebugString(), "\n");
    ranked.push_back({other->id, s.score});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  std::vector<std::string> ids;
  for (const Ranked& r : ranked) ids.push_back(r.id);
  return ids;
}

TEST(MatchRankingTest, TheSetIsAsLargeAsPromised) {
  EXPECT_GE(Needs().size(), 30u);
  EXPECT_GE(Offers().size(), 15u);
}

TEST(MatchRankingTest, EachNeedRanksTheOffersAsWrittenDown) {
  std::vector<const Fixture*> offers;
  for (const Fixture& o : Offers()) offers.push_back(&o);
  for (const NeedCase& c : Needs()) {
    const MatchSide need = NeedOf(c.need);
    std::string describe;
    std::vector<std::string> got = Rank(
        offers,
        [&](const Fixture& o) { return ScoreMatch(need, OfferOf(o), Now()); },
        &describe);
    EXPECT_EQ(got, c.expected)
        << c.need.id << " ranked: " << absl::StrJoin(got, ", ")
        << "\nexpected: " << absl::StrJoin(c.expected, ", ") << "\n"
        << describe;
  }
}

TEST(MatchRankingTest, SomeOffersRankTheNeedsAsWrittenDown) {
  std::vector<const Fixture*> needs;
  for (const NeedCase& c : Needs()) needs.push_back(&c.need);
  for (const auto& [offer_id, expected] : NeedsByOffer()) {
    const Fixture* offer = nullptr;
    for (const Fixture& o : Offers()) {
      if (o.id == offer_id) offer = &o;
    }
    ASSERT_NE(offer, nullptr) << offer_id;
    const MatchSide side = OfferOf(*offer);
    std::string describe;
    std::vector<std::string> got = Rank(
        needs,
        [&](const Fixture& n) { return ScoreMatch(NeedOf(n), side, Now()); },
        &describe);
    EXPECT_EQ(got, expected)
        << offer_id << " ranked: " << absl::StrJoin(got, ", ") << "\n"
        << describe;
  }
}

// The ranking of many candidates (ScoreOnly) and the explained page
// (ScoreMatch) agree on every pair of the set.
TEST(MatchRankingTest, ScoreOnlyAgreesWithScoreMatch) {
  for (const NeedCase& c : Needs()) {
    const MatchSide need = NeedOf(c.need);
    for (const Fixture& o : Offers()) {
      const MatchSide offer = OfferOf(o);
      const MatchScore full = ScoreMatch(need, offer, Now());
      double score = -1;
      EXPECT_EQ(ScoreOnly(need, offer, Now(), &score), full.excluded)
          << c.need.id << " x " << o.id;
      if (full.excluded == MatchExclusion::kNone) {
        EXPECT_EQ(score, full.score) << c.need.id << " x " << o.id;
      }
    }
  }
}

// Each hard filter, on a pair of the set that only it excludes.
TEST(MatchRankingTest, ExclusionsNameTheFilter) {
  auto find_need = [](const std::string& id) {
    for (const NeedCase& c : Needs()) {
      if (c.need.id == id) return NeedOf(c.need);
    }
    ADD_FAILURE() << id;
    return MatchSide();
  };
  auto find_offer = [](const std::string& id) {
    for (const Fixture& o : Offers()) {
      if (o.id == id) return OfferOf(o);
    }
    ADD_FAILURE() << id;
    return MatchSide();
  };
  struct Pair {
    const char* need;
    const char* offer;
    MatchExclusion why;
  };
  const Pair pairs[] = {
      {"n03-website-sw", "o01-webdev", MatchExclusion::kLanguage},
      {"n01-website", "o09-webdev-expired", MatchExclusion::kExpired},
      {"n28-website-expired", "o02-website", MatchExclusion::kExpired},
      {"n01-website", "o10-webdev-withdrawn", MatchExclusion::kStatus},
      {"n29-website-met", "o02-website", MatchExclusion::kStatus},
      {"n07-gis-cusco", "o06-mapping-lima", MatchExclusion::kDistance},
      {"n15-hardware-nairobi", "o14-hardware-mombasa",
       MatchExclusion::kDistance},
      {"n05-translation-remote", "o04-translation-nairobi",
       MatchExclusion::kMode},
      {"n33-surveys-kampala", "o12-data-entry", MatchExclusion::kMode},
      {"n21-mobile-apps-now", "o15-mobile-apps-later", MatchExclusion::kWindow},
      {"n25-x-solar", "o17-x-radio", MatchExclusion::kCapability},
      {"n01-website", "o03-hosting", MatchExclusion::kCapability},
  };
  for (const Pair& p : pairs) {
    MatchScore s = ScoreMatch(find_need(p.need), find_offer(p.offer), Now());
    EXPECT_EQ(MatchExclusionName(s.excluded), MatchExclusionName(p.why))
        << p.need << " x " << p.offer;
  }
}

}  // namespace
}  // namespace civhub::node
