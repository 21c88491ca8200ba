#include "node/records/index_terms.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "node/records/geo.h"
#include "node/records/text.h"
#include "node/storage/internal/keys.h"

namespace civhub::node {
namespace {

void AddText(absl::string_view text, uint8_t weight, IndexTerms* terms) {
  std::vector<std::string> tokens;
  AppendIndexTerms(text, &tokens);
  for (std::string& t : tokens) {
    uint8_t& w = terms->tokens[std::move(t)];
    if (weight > w) w = weight;
  }
}

// "KE-30" adds region KE-30 and country KE; "KE" adds country KE.
void AddArea(const std::string& code, IndexTerms* terms) {
  size_t dash = code.find('-');
  if (dash == std::string::npos) {
    terms->filters.emplace(keys::kFieldCountry, code);
  } else {
    terms->filters.emplace(keys::kFieldRegion, code);
    terms->filters.emplace(keys::kFieldCountry, code.substr(0, dash));
  }
}

void AddLocalized(
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    uint8_t weight, IndexTerms* terms) {
  for (const v1::LocalizedText& t : texts) {
    AddText(t.text(), weight, terms);
    terms->filters.emplace(keys::kFieldLanguage, t.lang());
  }
}

}  // namespace

std::string MemberKey(absl::string_view hub_id, absl::string_view record_id) {
  return absl::StrCat(hub_id, "/", record_id);
}

IndexTerms DeriveIndexTerms(const v1::RecordBody& body) {
  IndexTerms terms;
  if (body.has_organization()) {
    const v1::Organization& org = body.organization();
    terms.filters.emplace(keys::kFieldAll, "");
    terms.filters.emplace(keys::kFieldKind, "o");
    AddLocalized(org.names(), kWeightName, &terms);
    AddLocalized(org.descriptions(), kWeightText, &terms);
    AddText(org.alternate_name(), kWeightName, &terms);
    AddText(org.acronym(), kWeightName, &terms);
    for (const auto& id : org.identifiers()) {
      terms.filters.emplace(keys::kFieldIdentifier,
                            absl::StrCat(id.scheme(), " ", id.identifier()));
    }
    for (const auto& type : org.types()) {
      terms.filters.emplace(keys::kFieldOrgType, type);
    }
    for (const auto& loc : org.locations()) {
      AddArea(loc.country(), &terms);
      if (!loc.region().empty()) AddArea(loc.region(), &terms);
      if (loc.has_latitude() && loc.has_longitude()) {
        terms.points.emplace_back(loc.latitude(), loc.longitude());
      }
    }
    for (const auto& area : org.areas_served()) AddArea(area, &terms);
    for (const auto& lang : org.languages()) {
      terms.filters.emplace(keys::kFieldLanguage, lang);
    }
    for (const auto& topic : org.topics()) {
      terms.filters.emplace(keys::kFieldTopic, topic);
    }
  } else if (body.has_hub_profile()) {
    // Not searchable; listed by kind for the network view.
    terms.filters.emplace(keys::kFieldKind, "h");
  } else if (body.has_peer_link()) {
    terms.filters.emplace(keys::kFieldKind, "l");
  } else if (body.has_community()) {
    const v1::Community& c = body.community();
    terms.filters.emplace(keys::kFieldAll, "");
    terms.filters.emplace(keys::kFieldKind, "c");
    AddLocalized(c.names(), kWeightName, &terms);
    AddLocalized(c.missions(), kWeightText, &terms);
    for (const auto& topic : c.topics()) {
      terms.filters.emplace(keys::kFieldTopic, topic);
    }
    for (const auto& area : c.region_scope()) AddArea(area, &terms);
    for (const auto& m : c.memberships()) {
      terms.filters.emplace(
          keys::kFieldMember,
          MemberKey(m.organization().origin(), m.organization().record_id()));
    }
  }
  return terms;
}

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
