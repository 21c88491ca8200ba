#include "node/search/match_score.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "node/records/capabilities.h"
#include "node/records/geo.h"
#include "node/records/iso_codes.h"
#include "node/records/taxonomy.h"

namespace civhub::node {
namespace {

constexpr int kMaxCriteriaCapabilities = 16;

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void SetWindow(const v1::TimeWindow& window, MatchSide* side) {
  if (window.has_start()) side->window_start = TimeOf(window.start());
  if (window.has_end()) side->window_end = TimeOf(window.end());
}

bool ParseMode(absl::string_view mode, MatchSide::Mode* out) {
  if (mode == "remote") {
    *out = MatchSide::Mode::kRemote;
  } else if (mode == "on-site") {
    *out = MatchSide::Mode::kOnSite;
  } else if (mode == "either" || mode.empty()) {
    *out = MatchSide::Mode::kEither;
  } else {
    return false;
  }
  return true;
}

// A record's work place. An unknown mode (from a hub with newer rules)
// counts as "either"; a place without coordinates counts as none.
void SetWorkPlace(const v1::WorkPlace& place, MatchSide* side) {
  if (!ParseMode(place.mode(), &side->mode)) {
    side->mode = MatchSide::Mode::kEither;
  }
  const v1::Location& loc = place.location();
  if (place.has_location() && loc.has_latitude() && loc.has_longitude()) {
    side->has_place = true;
    side->latitude = loc.latitude();
    side->longitude = loc.longitude();
    side->radius_km = place.radius_km();
  }
}

bool CanWorkRemotely(const MatchSide& s) {
  return s.mode != MatchSide::Mode::kOnSite;
}

bool CanWorkOnSite(const MatchSide& s) {
  return s.mode != MatchSide::Mode::kRemote && s.has_place;
}

double RadiusOf(const MatchSide& s) {
  return s.radius_km > 0 ? s.radius_km : kDefaultMatchRadiusKm;
}

// [start, end) of `side`'s window from `now` on, within its expiry and
// kMatchHorizon; empty (end <= start) if it is over.
std::pair<absl::Time, absl::Time> Clipped(const MatchSide& side,
                                          absl::Time now) {
  const absl::Time start = std::max(side.window_start, now);
  const absl::Time end =
      std::min({side.window_end, side.expires_at, now + kMatchHorizon});
  return {start, end};
}

uint64_t Print(absl::string_view s) {
  // Never 0, which means "no group".
  return std::hash<std::string_view>()(std::string_view(s.data(), s.size())) |
         1;
}

template <typename Prints>
bool Contains(const Prints& v, uint64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The capability feature, and (with `features`) the codes it was computed
// from.
double CapabilityOverlap(const MatchSide& need, const MatchSide& offer,
                         v1::MatchFeatures* features) {
  const size_t n = need.capability_prints.size();
  if (n == 0) return 0;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (Contains(offer.capability_prints, need.capability_prints[i])) {
      sum += 1;
      if (features != nullptr) {
        features->add_shared_capabilities(need.capabilities[i]);
      }
      continue;
    }
    const uint64_t group = need.group_prints[i];
    bool partly = false;
    for (size_t j = 0; group != 0 && j < offer.group_prints.size(); ++j) {
      if (offer.group_prints[j] == group) {
        sum += kPartialCapability;
        partly = true;
        if (features != nullptr) {
          features->add_partial_capabilities(
              absl::StrCat(offer.capabilities[j], "~", need.capabilities[i]));
        }
        break;
      }
    }
    if (!partly && features != nullptr) {
      features->add_uncovered_capabilities(need.capabilities[i]);
    }
  }
  return sum / n;
}

// ScoreMatch and ScoreOnly: the features' values always, their codes,
// languages and distance_km only into `f` when it is not null.
MatchExclusion Evaluate(const MatchSide& need, const MatchSide& offer,
                        absl::Time now, v1::MatchFeatures* f, double* score) {
  if (!need.open || !offer.open) return MatchExclusion::kStatus;
  if (need.expires_at <= now || offer.expires_at <= now) {
    return MatchExclusion::kExpired;
  }

  const double capability = CapabilityOverlap(need, offer, f);
  if (capability <= 0) return MatchExclusion::kCapability;

  if (!need.language_prints.empty() && !offer.language_prints.empty()) {
    bool shared = false;
    for (size_t i = 0; i < need.language_prints.size(); ++i) {
      if (!Contains(offer.language_prints, need.language_prints[i])) continue;
      shared = true;
      if (f == nullptr) break;
      f->add_shared_languages(need.languages[i]);
    }
    if (!shared) return MatchExclusion::kLanguage;
  }

  const auto [need_start, need_end] = Clipped(need, now);
  const auto [offer_start, offer_end] = Clipped(offer, now);
  const absl::Duration overlap =
      std::min(need_end, offer_end) - std::max(need_start, offer_start);
  if (need_end <= need_start || overlap <= absl::ZeroDuration()) {
    return MatchExclusion::kWindow;
  }
  const double window =
      std::min(1.0, absl::FDivDuration(overlap, need_end - need_start));

  double distance = 1;
  const bool remote = CanWorkRemotely(need) && CanWorkRemotely(offer);
  const bool both_have_places = need.has_place && offer.has_place;
  if (!remote && !(CanWorkOnSite(need) && CanWorkOnSite(offer))) {
    return MatchExclusion::kMode;
  }
  if (both_have_places && (!remote || f != nullptr)) {
    const double km = DistanceKm(need.latitude, need.longitude, offer.latitude,
                                 offer.longitude);
    if (f != nullptr) f->set_distance_km(km);
    if (!remote) {
      const double reach = RadiusOf(need) + RadiusOf(offer);
      if (km > reach) return MatchExclusion::kDistance;
      distance = 1 - km / reach;
    }
  }

  double capacity = kUnknownCapacityFit;
  if (need.hours > 0 && offer.hours > 0) {
    const double months =
        absl::FDivDuration(overlap, absl::Hours(24 * 365.25 / 12));
    capacity = std::min(1.0, offer.hours * months / need.hours);
  }

  if (f != nullptr) {
    f->set_capability(capability);
    f->set_distance(distance);
    f->set_window_overlap(window);
    f->set_capacity_fit(capacity);
  }
  *score = kMatchWeightCapability * capability +
           kMatchWeightDistance * distance + kMatchWeightWindow * window +
           kMatchWeightCapacity * capacity;
  return MatchExclusion::kNone;
}

}  // namespace

void PrepareMatchSide(MatchSide* side) {
  side->capability_prints.clear();
  side->group_prints.clear();
  side->language_prints.clear();
  for (const std::string& c : side->capabilities) {
    side->capability_prints.push_back(Print(c));
    const absl::string_view group = CapabilityGroup(c);
    side->group_prints.push_back(group.empty() ? 0 : Print(group));
  }
  for (const std::string& l : side->languages) {
    side->language_prints.push_back(Print(l));
  }
}

absl::string_view MatchExclusionName(MatchExclusion exclusion) {
  switch (exclusion) {
    case MatchExclusion::kNone:
      return "none";
    case MatchExclusion::kStatus:
      return "status";
    case MatchExclusion::kExpired:
      return "expired";
    case MatchExclusion::kCapability:
      return "capability";
    case MatchExclusion::kLanguage:
      return "language";
    case MatchExclusion::kWindow:
      return "window";
    case MatchExclusion::kMode:
      return "mode";
    case MatchExclusion::kDistance:
      return "distance";
  }
  return "unknown";
}

MatchSide NeedSide(const v1::Need& need) {
  MatchSide side;
  side.capabilities.assign(need.capabilities().begin(),
                           need.capabilities().end());
  SetWorkPlace(need.work_place(), &side);
  side.languages.assign(need.languages().begin(), need.languages().end());
  SetWindow(need.window(), &side);
  if (need.has_expires_at()) side.expires_at = TimeOf(need.expires_at());
  side.hours = need.effort_hours();
  side.open = need.status() == "open" || need.status() == "partly-met";
  PrepareMatchSide(&side);
  return side;
}

MatchSide OfferSide(const v1::Offer& offer) {
  MatchSide side;
  side.capabilities.assign(offer.capabilities().begin(),
                           offer.capabilities().end());
  SetWorkPlace(offer.work_place(), &side);
  side.languages.assign(offer.languages().begin(), offer.languages().end());
  SetWindow(offer.window(), &side);
  if (offer.has_expires_at()) side.expires_at = TimeOf(offer.expires_at());
  side.hours = offer.hours_per_month();
  side.open = offer.status() == "open";
  PrepareMatchSide(&side);
  return side;
}

absl::StatusOr<MatchSide> CriteriaSide(const v1::MatchCriteria& c) {
  auto invalid = [](absl::string_view field, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("criteria.", field, ": ", what));
  };
  if (c.want() != v1::RECORD_KIND_OFFER && c.want() != v1::RECORD_KIND_NEED) {
    return invalid("want", "must be RECORD_KIND_OFFER or RECORD_KIND_NEED");
  }
  MatchSide side;
  if (c.capabilities().empty()) {
    return invalid("capabilities",
                   "at least one capability code is required (such as "
                   "\"web-development\")");
  }
  if (c.capabilities_size() > kMaxCriteriaCapabilities) {
    return invalid("capabilities", absl::StrCat("has ", c.capabilities_size(),
                                                " codes; the limit is ",
                                                kMaxCriteriaCapabilities));
  }
  for (int i = 0; i < c.capabilities_size(); ++i) {
    if (!IsWellFormedCode(c.capabilities(i))) {
      return invalid(absl::StrCat("capabilities[", i, "]"),
                     absl::StrCat("\"", c.capabilities(i),
                                  "\" is not a capability code (lower-case "
                                  "words joined by \"-\", such as "
                                  "\"web-development\")"));
    }
    side.capabilities.push_back(c.capabilities(i));
  }
  if (!ParseMode(c.mode(), &side.mode)) {
    return invalid("mode", absl::StrCat("must be \"remote\", \"on-site\" or "
                                        "\"either\", not \"",
                                        c.mode(), "\""));
  }
  if (c.has_near()) {
    const v1::GeoCircle& n = c.near();
    if (!(n.latitude() >= -90 && n.latitude() <= 90)) {
      return invalid("near.latitude", "must be within [-90, 90]");
    }
    if (!(n.longitude() >= -180 && n.longitude() <= 180)) {
      return invalid("near.longitude", "must be within [-180, 180]");
    }
    if (!(n.radius_km() >= 0 && n.radius_km() <= 20040)) {
      return invalid("near.radius_km",
                     "must be within (0, 20040], or 0 for the default");
    }
    side.has_place = true;
    side.latitude = n.latitude();
    side.longitude = n.longitude();
    side.radius_km = n.radius_km();
  } else if (side.mode == MatchSide::Mode::kOnSite) {
    return invalid("near",
                   "is required for mode \"on-site\" (where the work "
                   "is, and how far from it)");
  }
  for (int i = 0; i < c.languages_size(); ++i) {
    if (!IsLanguageCode(c.languages(i))) {
      return invalid(absl::StrCat("languages[", i, "]"),
                     absl::StrCat("\"", c.languages(i),
                                  "\" is not an ISO 639-1 code (such as "
                                  "\"sw\")"));
    }
    side.languages.push_back(c.languages(i));
  }
  SetWindow(c.window(), &side);
  if (side.window_end <= side.window_start) {
    return invalid("window.end", "must be after window.start");
  }
  side.hours = c.hours();
  PrepareMatchSide(&side);
  return side;
}

MatchScore ScoreMatch(const MatchSide& need, const MatchSide& offer,
                      absl::Time now) {
  MatchScore out;
  out.excluded = Evaluate(need, offer, now, &out.features, &out.score);
  if (out.excluded != MatchExclusion::kNone) {
    out.features.Clear();
    out.score = 0;
  }
  return out;
}

MatchExclusion ScoreOnly(const MatchSide& need, const MatchSide& offer,
                         absl::Time now, double* score) {
  return Evaluate(need, offer, now, nullptr, score);
}

}  // namespace civhub::node
