#include "node/records/geo.h"

#include <gtest/gtest.h>

#include <random>

namespace civhub::node {
namespace {

TEST(Geo, DistanceMatchesKnownCities) {
  // Nairobi to Mombasa is about 440 km; Santiago to Buenos Aires about 1140.
  EXPECT_NEAR(DistanceKm(-1.2864, 36.8172, -4.0435, 39.6682), 440, 10);
  EXPECT_NEAR(DistanceKm(-33.4489, -70.6693, -34.6037, -58.3816), 1140, 15);
  EXPECT_DOUBLE_EQ(DistanceKm(10, 20, 10, 20), 0);
}

// Every point within the radius lies in one of the covering cells, including
// across the antimeridian and near the poles.
TEST(Geo, CoverContainsEveryPointInTheCircle) {
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  std::uniform_real_distribution<double> lat_d(-89.5, 89.5), lon_d(-180, 180),
      radius_d(0.5, 3000), bearing(0, 2 * M_PI), frac(0, 1);
  for (int round = 0; round < 300; ++round) {
    double lat = lat_d(rng), lon = lon_d(rng), radius = radius_d(rng);
    if (round % 10 == 0) lon = 179.95;  // Straddles the antimeridian.
    GeoCover cover = CoverCircle(lat, lon, radius);
    ASSERT_FALSE(cover.cells.empty());
    for (int p = 0; p < 50; ++p) {
      // A random point within `radius` (destination-point formula).
      double d = radius * frac(rng) / kEarthRadiusKm, b = bearing(rng);
      double la1 = lat * M_PI / 180, lo1 = lon * M_PI / 180;
      double la2 = std::asin(std::sin(la1) * std::cos(d) +
                             std::cos(la1) * std::sin(d) * std::cos(b));
      double lo2 =
          lo1 + std::atan2(std::sin(b) * std::sin(d) * std::cos(la1),
                           std::cos(d) - std::sin(la1) * std::sin(la2));
      double plat = la2 * 180 / M_PI;
      double plon = std::remainder(lo2 * 180 / M_PI, 360.0);
      if (DistanceKm(lat, lon, plat, plon) > radius) continue;
      uint64_t cell = GeoCell(cover.level, plat, plon);
      EXPECT_TRUE(
          std::binary_search(cover.cells.begin(), cover.cells.end(), cell))
          << "centre " << lat << "," << lon << " r=" << radius << " point "
          << plat << "," << plon << " seed "
          << ::testing::UnitTest::GetInstance()->random_seed();
    }
  }
}

TEST(Geo, CoverStaysSmall) {
  EXPECT_LE(CoverCircle(-1.28, 36.82, 5).cells.size(), 16u);
  EXPECT_LE(CoverCircle(-1.28, 36.82, 500).cells.size(), 256u);
  EXPECT_LE(CoverCircle(0, 0, 20000).cells.size(), 648u);
}

}  // namespace
}  // namespace civhub::node
