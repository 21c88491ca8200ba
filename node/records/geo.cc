#include "node/records/geo.h"

#include <algorithm>
#include <cmath>

namespace civhub::node {
namespace {

constexpr double kCellDegrees[kGeoLevels] = {0.1, 1.0, 10.0};
constexpr size_t kMaxCells = 256;

double Radians(double deg) { return deg * M_PI / 180.0; }

int64_t LatIndex(int level, double lat) {
  double size = kCellDegrees[level];
  int64_t rows = static_cast<int64_t>(std::ceil(180.0 / size));
  int64_t i = static_cast<int64_t>(std::floor((lat + 90.0) / size));
  return std::clamp<int64_t>(i, 0, rows - 1);
}

int64_t LonCount(int level) {
  return static_cast<int64_t>(std::ceil(360.0 / kCellDegrees[level]));
}

int64_t LonIndex(int level, double lon) {
  int64_t cols = LonCount(level);
  int64_t i =
      static_cast<int64_t>(std::floor((lon + 180.0) / kCellDegrees[level]));
  return ((i % cols) + cols) % cols;
}

uint64_t Pack(int64_t lat_i, int64_t lon_i) {
  return (static_cast<uint64_t>(lat_i) << 32) | static_cast<uint64_t>(lon_i);
}

}  // namespace

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  double dlat = Radians(lat2 - lat1);
  double dlon = Radians(lon2 - lon1);
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(Radians(lat1)) * std::cos(Radians(lat2)) *
                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

uint64_t GeoCell(int level, double lat, double lon) {
  return Pack(LatIndex(level, lat), LonIndex(level, lon));
}

GeoCover CoverCircle(double lat, double lon, double radius_km) {
  // A spherical cap of angular radius d spans latitudes lat +- d and, unless
  // it contains a pole, longitudes lon +- asin(sin d / cos lat).
  const double d = radius_km / kEarthRadiusKm;
  const double dlat = d * 180.0 / M_PI;
  double lat_lo = std::max(-90.0, lat - dlat);
  double lat_hi = std::min(90.0, lat + dlat);
  const double ratio = std::sin(std::min(d, M_PI / 2)) / std::cos(Radians(lat));
  bool all_lons =
      lat_hi >= 90.0 || lat_lo <= -90.0 || d >= M_PI / 2 || !(ratio < 1.0);
  double dlon = all_lons ? 180.0 : std::asin(ratio) * 180.0 / M_PI;
  // Cells are found by their index; widen by a hair against rounding.
  dlon = std::min(180.0, dlon * 1.000001 + 1e-9);
  lat_lo = std::max(-90.0, lat_lo - 1e-9);
  lat_hi = std::min(90.0, lat_hi + 1e-9);
  if (dlon >= 180.0) all_lons = true;

  for (int level = 0; level < kGeoLevels; ++level) {
    int64_t lat_first = LatIndex(level, lat_lo),
            lat_last = LatIndex(level, lat_hi);
    int64_t cols = LonCount(level);
    int64_t lon_first = 0, lon_span = cols;
    if (!all_lons) {
      lon_first = LonIndex(level, lon - dlon);
      int64_t lon_last = LonIndex(level, lon + dlon);
      lon_span = ((lon_last - lon_first) % cols + cols) % cols + 1;
    }
    size_t count = static_cast<size_t>((lat_last - lat_first + 1) * lon_span);
    if (count > kMaxCells && level + 1 < kGeoLevels) continue;
    GeoCover cover{level, {}};
    cover.cells.reserve(count);
    for (int64_t r = lat_first; r <= lat_last; ++r) {
      for (int64_t c = 0; c < lon_span; ++c) {
        cover.cells.push_back(Pack(r, (lon_first + c) % cols));
      }
    }
    std::sort(cover.cells.begin(), cover.cells.end());
    return cover;
  }
  return {kGeoLevels - 1, {}};  // Unreachable: the last level always returns.
}

}  // namespace civhub::node
