// Geography for radius search: great-circle distance and a three-level grid
// of latitude/longitude cells (0.1°, 1° and 10°). Each location is indexed in
// one cell per level; a radius query scans the cells of the coarsest level
// fine enough to cover its circle with few cells. Thread-safe.
#ifndef CIVHUB_NODE_RECORDS_GEO_H_
#define CIVHUB_NODE_RECORDS_GEO_H_

#include <cstdint>
#include <vector>

namespace civhub::node {

inline constexpr int kGeoLevels = 3;
inline constexpr double kEarthRadiusKm = 6371.0088;

// Great-circle (haversine) distance in kilometres.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

// The cell holding (lat, lon) at `level` (0..kGeoLevels-1).
uint64_t GeoCell(int level, double lat, double lon);

struct GeoCover {
  int level;
  std::vector<uint64_t> cells;
};

// Cells that together contain every point within `radius_km` of
// (lat, lon): at most a few hundred, at the finest level that allows it.
GeoCover CoverCircle(double lat, double lon, double radius_km);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_RECORDS_GEO_H_
