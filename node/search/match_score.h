// How well an offer meets a need: the hard filters a pair must pass and the
// explained score that ranks the pairs that pass (docs/matchmaking.md,
// "Matching"). A pure function of the two sides and the time; the retrieval
// that picks the candidates is Directory::Match.
//
// Thread-safe: pure functions and constant weights.
#ifndef CIVHUB_NODE_SEARCH_MATCH_SCORE_H_
#define CIVHUB_NODE_SEARCH_MATCH_SCORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"
#include "civhub/v1/record.pb.h"

namespace civhub::node {

// The weights of the features in the score; they sum to 1, so the score is
// in [0, 1]. Capability overlap counts most: a pair is worth proposing for
// what it can do; place, time and capacity order pairs that can do as much.
inline constexpr double kMatchWeightCapability = 0.5;
inline constexpr double kMatchWeightDistance = 0.2;
inline constexpr double kMatchWeightWindow = 0.15;
inline constexpr double kMatchWeightCapacity = 0.15;

// A needed capability met by an offered one of the same group (siblings
// "web-development" and "website", or the group "web" and a member of it)
// counts this much; an exact one counts 1. "x-" codes and codes this hub
// does not list belong to no group: only the same code meets them.
inline constexpr double kPartialCapability = 0.5;

// The capacity feature when the need's effort or the offer's hours are not
// said: neither a good nor a poor fit, so a pair that says ranks above or
// below it by what it says.
inline constexpr double kUnknownCapacityFit = 0.5;

// The radius an on-site side with a place but no radius_km is taken to have
// (about a city).
inline constexpr double kDefaultMatchRadiusKm = 25;

// How far ahead an open-ended window counts: a need or an offer expires at
// most a year after it was issued, so nothing is matched beyond this.
inline constexpr absl::Duration kMatchHorizon = absl::Hours(24 * 366);

// One side of a pair, as matching reads a Need, an Offer or MatchCriteria.
struct MatchSide {
  enum class Mode { kRemote, kOnSite, kEither };

  std::vector<std::string> capabilities;
  Mode mode = Mode::kRemote;
  // The place; needed unless the mode is kRemote (a side without one can
  // only work remotely).
  bool has_place = false;
  double latitude = 0;
  double longitude = 0;
  double radius_km = 0;  // 0: kDefaultMatchRadiusKm.
  // ISO 639-1; empty: any language (ad-hoc criteria only).
  std::vector<std::string> languages;
  // [window_start, window_end); unset ends are infinite (ongoing).
  absl::Time window_start = absl::InfinitePast();
  absl::Time window_end = absl::InfiniteFuture();
  absl::Time expires_at = absl::InfiniteFuture();
  // A need's effort in hours, or an offer's hours per month; 0: not said.
  uint32_t hours = 0;
  // The status allows matching: a need "open" or "partly-met", an offer
  // "open".
  bool open = true;

  // Set by PrepareMatchSide from the fields above: fingerprints of each
  // capability, of its group (0: none) and of each language, in the same
  // order, which scoring compares instead of the strings.
  absl::InlinedVector<uint64_t, 4> capability_prints;
  absl::InlinedVector<uint64_t, 4> group_prints;
  absl::InlinedVector<uint64_t, 2> language_prints;
};

// Sets the fingerprints of `side`. NeedSide, OfferSide and CriteriaSide
// return prepared sides; one built or changed by hand must be prepared
// (again) before it is scored. ScoreOnly reads only the fingerprints of a
// prepared side, so a side kept for it alone may drop its capability and
// language strings; ScoreMatch needs them.
void PrepareMatchSide(MatchSide* side);

MatchSide NeedSide(const v1::Need& need);
MatchSide OfferSide(const v1::Offer& offer);

// The side `criteria` describes: a need's when it wants offers, an offer's
// when it wants needs. INVALID_ARGUMENT naming the field
// ("criteria.capabilities[1]: ...") if the criteria are malformed.
absl::StatusOr<MatchSide> CriteriaSide(const v1::MatchCriteria& criteria);

// Why a pair is not matched.
enum class MatchExclusion {
  kNone,        // Matched.
  kStatus,      // The need is met or withdrawn, or the offer withdrawn.
  kExpired,     // One side's expires_at is not after now.
  kCapability,  // No capability in common, exactly or partly.
  kLanguage,    // Both list languages, and none in common.
  kWindow,      // The windows, from now on, do not overlap.
  kMode,        // One side works only remotely, the other only on-site.
  kDistance,    // On-site, and the places are too far apart.
};

// A name for tests and logs: "status", "expired", "capability"...
absl::string_view MatchExclusionName(MatchExclusion exclusion);

struct MatchScore {
  MatchExclusion excluded = MatchExclusion::kNone;
  // Set only when not excluded.
  double score = 0;
  v1::MatchFeatures features;
};

// Scores the pair (`need`, `offer`) at `now`.
//
// Hard filters, in order: both statuses open, neither expired, a capability
// in common (exactly or within a group), a shared language when both list
// some, overlapping windows from `now` on, and the place:
//  - when both sides can work remotely (mode "remote" or "either"), the work
//    is remote and distance does not matter;
//  - otherwise the work is on-site: both sides must be able to work on-site
//    and have a place, and the places at most need radius + offer radius
//    apart (some place is within the need's radius of the need's place and
//    within the offer's reach of the offer's place).
// Features, each in [0, 1]:
//  - capability: the mean, over the needed capabilities, of 1 for one
//    offered exactly, kPartialCapability for one met only within its
//    group, 0 otherwise;
//  - distance: 1 for remote work, else 1 - km / (need radius + offer
//    radius), so 1 at the same place and 0 at the edge of reach;
//  - window_overlap: the share of the need's window (from now, until its
//    end, its expiry or kMatchHorizon) that the offer's window (likewise
//    clipped) covers;
//  - capacity_fit: the offer's hours per month over the overlap, as a share
//    of the need's effort, at most 1; kUnknownCapacityFit if either is not
//    said.
// score = the features weighted by kMatchWeight*.
MatchScore ScoreMatch(const MatchSide& need, const MatchSide& offer,
                      absl::Time now);

// ScoreMatch without the features: the exclusion, and when kNone the score
// (`*score`), the same as ScoreMatch's. Allocates nothing: for ranking many
// candidates, whose page alone needs the features.
MatchExclusion ScoreOnly(const MatchSide& need, const MatchSide& offer,
                         absl::Time now, double* score);

}  // namespace civhub::node

#endif  // CIVHUB_NODE_SEARCH_MATCH_SCORE_H_
