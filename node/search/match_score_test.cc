#include "node/search/match_score.h"

#include <gtest/gtest.h>

#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;

absl::Time Now() { return testing::TestNow(); }

MatchSide Remote(std::vector<std::string> capabilities) {
  MatchSide s;
  s.capabilities = std::move(capabilities);
  s.mode = MatchSide::Mode::kRemote;
  s.languages = {"en"};
  s.expires_at = Now() + absl::Hours(24 * 100);
  PrepareMatchSide(&s);
  return s;
}

MatchSide OnSite(std::vector<std::string> capabilities, double lat, double lon,
                 double radius_km) {
  MatchSide s = Remote(std::move(capabilities));
  s.mode = MatchSide::Mode::kOnSite;
  s.has_place = true;
  s.latitude = lat;
  s.longitude = lon;
  s.radius_km = radius_km;
  return s;
}

TEST(MatchScoreTest, ExactMatchScoresOneAndSaysWhy) {
  MatchScore s = ScoreMatch(Remote({"website"}), Remote({"website"}), Now());
  ASSERT_EQ(s.excluded, MatchExclusion::kNone);
  EXPECT_DOUBLE_EQ(s.features.capability(), 1);
  EXPECT_DOUBLE_EQ(s.features.distance(), 1);
  EXPECT_DOUBLE_EQ(s.features.window_overlap(), 1);
  EXPECT_DOUBLE_EQ(s.features.capacity_fit(), kUnknownCapacityFit);
  EXPECT_DOUBLE_EQ(s.score, 1 - kMatchWeightCapacity * 0.5);
  EXPECT_EQ(s.features.shared_capabilities_size(), 1);
  EXPECT_EQ(s.features.shared_capabilities(0), "website");
  EXPECT_EQ(s.features.partial_capabilities_size(), 0);
  EXPECT_EQ(s.features.shared_languages_size(), 1);
  EXPECT_FALSE(s.features.has_distance_km());
}

// The API said what matched, not what is left to find (the web page and
// civhubctl worked it out themselves).
TEST(MatchScoreTest, TheNeedsCapabilitiesNotMetAreNamed) {
  MatchScore s = ScoreMatch(Remote({"website", "translation", "hosting"}),
                            Remote({"website", "social-media"}), Now());
  ASSERT_EQ(s.excluded, MatchExclusion::kNone);
  // translation partly (social-media, its group), hosting not at all.
  ASSERT_EQ(s.features.uncovered_capabilities_size(), 1);
  EXPECT_EQ(s.features.uncovered_capabilities(0), "hosting");
  EXPECT_EQ(ScoreMatch(Remote({"website"}), Remote({"website"}), Now())
                .features.uncovered_capabilities_size(),
            0);
}

TEST(MatchScoreTest, WebDevelopmentPartlyMeetsAWebsiteNamingBoth) {
  MatchScore s =
      ScoreMatch(Remote({"website"}), Remote({"web-development"}), Now());
  ASSERT_EQ(s.excluded, MatchExclusion::kNone);
  EXPECT_DOUBLE_EQ(s.features.capability(), kPartialCapability);
  ASSERT_EQ(s.features.partial_capabilities_size(), 1);
  EXPECT_EQ(s.features.partial_capabilities(0), "web-development~website");
  // A group and its member, both ways.
  EXPECT_DOUBLE_EQ(ScoreMatch(Remote({"web"}), Remote({"website"}), Now())
                       .features.capability(),
                   kPartialCapability);
  EXPECT_DOUBLE_EQ(ScoreMatch(Remote({"website"}), Remote({"web"}), Now())
                       .features.capability(),
                   kPartialCapability);
}

TEST(MatchScoreTest, CapabilityIsTheMeanOverTheNeededOnes) {
  MatchScore s = ScoreMatch(Remote({"website", "hosting", "translation"}),
                            Remote({"website", "server-space"}), Now());
  ASSERT_EQ(s.excluded, MatchExclusion::kNone);
  EXPECT_DOUBLE_EQ(s.features.capability(), (1 + kPartialCapability) / 3);
}

TEST(MatchScoreTest, DistanceFallsWithinTheReachOfBothRadii) {
  // Nairobi and a point ~11 km north of it.
  MatchSide need = OnSite({"hardware"}, -1.2921, 36.8219, 10);
  MatchSide offer = OnSite({"hardware"}, -1.1921, 36.8219, 10);
  MatchScore s = ScoreMatch(need, offer, Now());
  ASSERT_EQ(s.excluded, MatchExclusion::kNone);
  ASSERT_TRUE(s.features.has_distance_km());
  EXPECT_NEAR(s.features.distance_km(), 11.1, 0.1);
  EXPECT_NEAR(s.features.distance(), 1 - 11.1 / 20, 0.01);
  offer.radius_km = 1;  // Reach 11 km: just short.
  EXPECT_EQ(ScoreMatch(need, offer, Now()).excluded, MatchExclusion::kDistance);
  offer.radius_km = 0;  // The default radius reaches.
  EXPECT_EQ(ScoreMatch(need, offer, Now()).excluded, MatchExclusion::kNone);
}

TEST(MatchScoreTest, EitherModeWorksRemotelyAndOnSite) {
  MatchSide either = OnSite({"hardware"}, -1.2921, 36.8219, 10);
  either.mode = MatchSide::Mode::kEither;
  MatchScore remote = ScoreMatch(either, Remote({"hardware"}), Now());
  ASSERT_EQ(remote.excluded, MatchExclusion::kNone);
  EXPECT_DOUBLE_EQ(remote.features.distance(), 1);
  // A Lima offer on-site cannot come to Nairobi.
  MatchSide lima = OnSite({"hardware"}, -12.0464, -77.0428, 100);
  EXPECT_EQ(ScoreMatch(either, lima, Now()).excluded,
            MatchExclusion::kDistance);
  // Remote-only meets on-site-only: nothing.
  EXPECT_EQ(ScoreMatch(Remote({"hardware"}), lima, Now()).excluded,
            MatchExclusion::kMode);
}

TEST(MatchScoreTest, WindowsAreClippedToNowAndExpiry) {
  MatchSide need = Remote({"website"});
  need.window_start = Now() - absl::Hours(24 * 30);  // Started a month ago.
  need.window_end = Now() + absl::Hours(24 * 10);
  MatchSide offer = Remote({"website"});
  offer.window_start = Now() + absl::Hours(24 * 5);
  MatchScore s = ScoreMatch(need, offer, Now());
  ASSERT_EQ(s.excluded, MatchExclusion::kNone);
  EXPECT_NEAR(s.features.window_overlap(), 0.5, 1e-9);
  // A window that ended is no window.
  need.window_end = Now() - absl::Hours(1);
  EXPECT_EQ(ScoreMatch(need, offer, Now()).excluded, MatchExclusion::kWindow);
}

TEST(MatchScoreTest, CapacityIsTheOffersHoursOverTheOverlapAgainstTheEffort) {
  MatchSide need = Remote({"website"});
  need.window_start = Now();
  need.window_end = Now() + absl::Hours(24 * 365.25 / 12 * 2);  // 2 months.
  need.hours = 40;
  MatchSide offer = Remote({"website"});
  offer.hours = 10;
  EXPECT_NEAR(ScoreMatch(need, offer, Now()).features.capacity_fit(), 0.5,
              1e-9);
  offer.hours = 30;
  EXPECT_DOUBLE_EQ(ScoreMatch(need, offer, Now()).features.capacity_fit(), 1);
  need.hours = 0;
  EXPECT_DOUBLE_EQ(ScoreMatch(need, offer, Now()).features.capacity_fit(),
                   kUnknownCapacityFit);
}

TEST(MatchScoreTest, LanguagesAreAnyWhenOneSideListsNone) {
  MatchSide need = Remote({"website"});
  need.languages.clear();
  PrepareMatchSide(&need);
  MatchSide offer = Remote({"website"});
  offer.languages = {"fr"};
  PrepareMatchSide(&offer);
  EXPECT_EQ(ScoreMatch(need, offer, Now()).excluded, MatchExclusion::kNone);
  need.languages = {"sw"};
  PrepareMatchSide(&need);
  EXPECT_EQ(ScoreMatch(need, offer, Now()).excluded, MatchExclusion::kLanguage);
}

TEST(MatchScoreTest, RecordsReadAsSides) {
  v1::Need need;
  need.add_capabilities("website");
  need.mutable_work_place()->set_mode("on-site");
  need.mutable_work_place()->mutable_location()->set_latitude(1);
  need.mutable_work_place()->mutable_location()->set_longitude(2);
  need.mutable_work_place()->set_radius_km(5);
  need.set_status("partly-met");
  need.set_effort_hours(12);
  need.mutable_expires_at()->set_seconds(absl::ToUnixSeconds(Now()) + 60);
  MatchSide n = NeedSide(need);
  EXPECT_EQ(n.mode, MatchSide::Mode::kOnSite);
  EXPECT_TRUE(n.has_place);
  EXPECT_EQ(n.radius_km, 5);
  EXPECT_TRUE(n.open);
  EXPECT_EQ(n.hours, 12u);
  EXPECT_EQ(n.window_start, absl::InfinitePast());
  EXPECT_EQ(n.expires_at, Now() + absl::Seconds(60));
  need.set_status("met");
  EXPECT_FALSE(NeedSide(need).open);

  v1::Offer offer;
  offer.set_status("open");
  offer.mutable_work_place()->set_mode("on-site");  // No coordinates.
  offer.mutable_work_place()->mutable_location()->set_city("Lima");
  MatchSide o = OfferSide(offer);
  EXPECT_TRUE(o.open);
  EXPECT_FALSE(o.has_place);
  offer.set_status("withdrawn");
  EXPECT_FALSE(OfferSide(offer).open);
}

TEST(MatchScoreTest, CriteriaErrorsNameTheField) {
  v1::MatchCriteria c;
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.want:");
  c.set_want(v1::RECORD_KIND_OFFER);
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.capabilities:");
  c.add_capabilities("website");
  c.add_capabilities("Web Site");
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.capabilities[1]:");
  c.mutable_capabilities()->RemoveLast();
  c.set_mode("onsite");
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.mode:");
  c.set_mode("on-site");
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.near:");
  c.mutable_near()->set_latitude(95);
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.near.latitude:");
  c.mutable_near()->set_latitude(-1.29);
  c.mutable_near()->set_longitude(36.82);
  c.add_languages("xx");
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.languages[0]:");
  c.set_languages(0, "sw");
  c.mutable_window()->mutable_start()->set_seconds(100);
  c.mutable_window()->mutable_end()->set_seconds(50);
  EXPECT_STATUS(CriteriaSide(c), StatusCode::kInvalidArgument,
                "criteria.window.end:");
  c.mutable_window()->mutable_end()->set_seconds(150);
  absl::StatusOr<MatchSide> side = CriteriaSide(c);
  ASSERT_OK(side);
  EXPECT_EQ(side->mode, MatchSide::Mode::kOnSite);
  EXPECT_TRUE(side->has_place);
  EXPECT_EQ(side->expires_at, absl::InfiniteFuture());
}

}  // namespace
}  // namespace civhub::node
