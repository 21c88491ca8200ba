#include "node/records/index_terms.h"

#include <cstring>

#include "node/records/geo.h"
#include "node/storage/internal/keys.h"

namespace civhub::node {

void WriteIndexEntries(uint64_t doc, const IndexTerms& terms, bool remove,
                       leveldb::WriteBatch* batch) {
  std::string key;
  for (const auto& [token, weight] : terms.tokens) {
    key = keys::TextPrefix(token, /*exact=*/true);
    keys::PutBE64(&key, doc);
    if (remove) {
      batch->Delete(key);
    } else {
      char w = static_cast<char>(weight);
      batch->Put(key, leveldb::Slice(&w, 1));
    }
  }
  for (const auto& [field, value] : terms.filters) {
    key = keys::FilterPrefix(field, value);
    keys::PutBE64(&key, doc);
    if (remove) {
      batch->Delete(key);
    } else {
      batch->Put(key, leveldb::Slice());
    }
  }
  for (size_t n = 0; n < terms.points.size(); ++n) {
    auto [lat, lon] = terms.points[n];
    char value[16];
    std::memcpy(value, &lat, 8);
    std::memcpy(value + 8, &lon, 8);
    for (int level = 0; level < kGeoLevels; ++level) {
      key = keys::GeoCellPrefix(level, GeoCell(level, lat, lon));
      keys::PutBE64(&key, doc);
      key.push_back(static_cast<char>(n));
      if (remove) {
        batch->Delete(key);
      } else {
        batch->Put(key, leveldb::Slice(value, sizeof(value)));
      }
    }
  }
}

}  // namespace civhub::node
