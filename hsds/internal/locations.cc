#include "hsds/internal/locations.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hsds/internal/reading.h"
#include "node/records/hsds_ids.h"
#include "node/records/iso_codes.h"

namespace civhub::hsds::internal {

void LocationMap::Index() {
  addresses_.reserve(p_->addresses.size());
  locations_.reserve(p_->locations.size());
  org_locations_.reserve(p_->locations.size());
  problems_.resize(p_->locations.size());
  for (const auto& a : p_->addresses) {
    addresses_[node::NormalizeUuid(a.message.location_id())].push_back(&a);
  }
  for (size_t i = 0; i < p_->locations.size(); ++i) {
    const auto& row = p_->locations[i];
    const v3::Location& l = row.message;
    std::vector<Problem>* problems = &problems_[i];
    if (!node::IsUuid(l.id())) {
      AddProblem(
          problems, row.where, l.id(), "location.id", l.id(),
          "is not a UUID (8-4-4-4-12 hex digits); the location is skipped",
          true);
      continue;
    }
    std::string id = node::NormalizeUuid(l.id());
    if (locations_.contains(id)) {
      AddProblem(problems, row.where, id, "location.id", id,
                 "appears more than once; the first is kept", true);
      continue;
    }
    org_locations_[node::NormalizeUuid(l.organization_id())].push_back(id);
    locations_.emplace(std::move(id), Entry{&row, i, false, std::nullopt});
  }
}

const v1::Location* LocationMap::Get(const std::string& id) {
  auto it = locations_.find(id);
  return it == locations_.end() ? nullptr : Get(&it->second);
}

const v1::Location* LocationMap::Get(Entry* entry) {
  if (!entry->mapped) {
    entry->mapped = true;
    entry->location = Map(*entry->row, &problems_[entry->index]);
  }
  return entry->location.has_value() ? &*entry->location : nullptr;
}

const Row<v3::Location>* LocationMap::RowOf(const std::string& id) const {
  auto it = locations_.find(id);
  return it == locations_.end() ? nullptr : it->second.row;
}

const std::vector<std::string>& LocationMap::OfOrganization(
    const std::string& org_id) const {
  static const auto* kNone = new std::vector<std::string>();
  auto it = org_locations_.find(org_id);
  return it == org_locations_.end() ? *kNone : it->second;
}

std::vector<Problem> LocationMap::TakeProblems() {
  for (auto& [id, entry] : locations_) Get(&entry);
  std::vector<Problem> out;
  for (std::vector<Problem>& problems : problems_) {
    for (Problem& problem : problems) out.push_back(std::move(problem));
  }
  problems_.clear();
  return out;
}

std::optional<v1::Location> LocationMap::Map(const Row<v3::Location>& row,
                                             std::vector<Problem>* problems) {
  const v3::Location& l = row.message;
  const std::string id = node::NormalizeUuid(l.id());
  v1::Location loc;
  loc.set_id(id);
  loc.set_name(Trimmed(l.name()));
  const v3::Address* address = nullptr;
  std::string address_where = row.where;
  // A problem of the address names its row: its own id.
  std::string address_id = id;
  if (auto it = addresses_.find(id); it != addresses_.end()) {
    for (const Row<v3::Address>* a : it->second) {
      if (address == nullptr || (a->message.address_type() == "physical" &&
                                 address->address_type() != "physical")) {
        address = &a->message;
        address_where = a->where;
        address_id = a->message.id().empty() ? id : a->message.id();
      }
    }
  }
  if (address == nullptr) {
    AddProblem(problems, row.where, id, "location", "",
               "has no address, so no country (civhub requires an ISO 3166-1 "
               "country); the location is dropped",
               true);
    return std::nullopt;
  }
  // Packages written by hand often name the country ("Kenya", "USA").
  const std::string given = Trimmed(address->country());
  std::optional<absl::string_view> code = node::CountryCodeFor(given);
  if (given.empty()) {
    AddProblem(problems, address_where, address_id, "address.country", "",
               "is empty: civhub requires an ISO 3166-1 country; the location "
               "is dropped",
               true);
    return std::nullopt;
  }
  if (!code.has_value()) {
    AddProblem(
        problems, address_where, address_id, "address.country",
        address->country(),
        absl::StrCat("is not an ISO 3166-1 alpha-2 code, nor the name of "
                     "one country",
                     node::CountryCodeHint(given), "; the location is dropped"),
        true);
    return std::nullopt;
  }
  const std::string country(*code);
  if (!absl::EqualsIgnoreCase(given, country)) {
    AddProblem(problems, address_where, address_id, "address.country",
               address->country(),
               absl::StrCat("is not an ISO 3166-1 alpha-2 code; read as ",
                            country, " (", *node::CountryName(country), ")"));
  }
  loc.set_country(country);
  for (const std::string* region :
       {&address->region(), &address->state_province()}) {
    std::string r = absl::AsciiStrToUpper(Trimmed(*region));
    if (r.empty()) continue;
    if (node::IsRegionCode(r) &&
        absl::StartsWith(r, absl::StrCat(country, "-"))) {
      loc.set_region(r);
      break;
    }
    AddProblem(
        problems, address_where, address_id,
        region == &address->region() ? "address.region"
                                     : "address.state_province",
        *region,
        absl::StrCat("is not an ISO 3166-2 code of ", country, "; dropped"));
  }
  loc.set_city(Trimmed(address->city()));
  std::string street = Trimmed(address->address_1());
  if (std::string second = Trimmed(address->address_2()); !second.empty()) {
    street = street.empty() ? second : absl::StrCat(street, ", ", second);
  }
  loc.set_address(street);
  loc.set_postal_code(Trimmed(address->postal_code()));
  if (l.has_latitude() != l.has_longitude()) {
    AddProblem(problems, row.where, id,
               l.has_latitude() ? "location.latitude" : "location.longitude",
               absl::StrCat(l.has_latitude() ? l.latitude() : l.longitude()),
               "is given without the other coordinate; neither is kept");
  } else if (l.has_latitude()) {
    if (std::isfinite(l.latitude()) && std::isfinite(l.longitude()) &&
        std::abs(l.latitude()) <= 90 && std::abs(l.longitude()) <= 180) {
      loc.set_latitude(l.latitude());
      loc.set_longitude(l.longitude());
    } else {
      AddProblem(problems, row.where, id, "location.latitude",
                 absl::StrCat(l.latitude(), ",", l.longitude()),
                 "is not a WGS84 point (latitude -90..90, longitude "
                 "-180..180); the coordinates are dropped");
    }
  }
  return loc;
}

}  // namespace civhub::hsds::internal
