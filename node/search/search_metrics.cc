#include "node/search/search_metrics.h"

#include <vector>

#include "absl/strings/str_join.h"
#include "node/base/metrics.h"

namespace civhub::node {

std::string SearchClass(const v1::SearchRequest& r) {
  std::vector<absl::string_view> parts;
  if (!r.text().empty()) parts.push_back("text");
  if (r.kind() != v1::RECORD_KIND_UNSPECIFIED || !r.country().empty() ||
      !r.region().empty() || !r.topic().empty() ||
      !r.organization_type().empty() || !r.language().empty() ||
      r.has_identifier() || r.has_provided_by() || !r.capability().empty() ||
      r.has_organization() || r.has_event() || r.has_during()) {
    parts.push_back("filter");
  }
  if (r.has_member_of() || r.has_has_member()) parts.push_back("membership");
  if (r.has_near()) parts.push_back("radius");
  if (parts.empty()) return "all";
  return absl::StrJoin(parts, "+");
}

void ObserveSearch(const v1::SearchRequest& request, absl::string_view api,
                   absl::Duration elapsed) {
  static auto& family =
      prometheus::BuildHistogram()
          .Name("civhub_search_duration_seconds")
          .Help(
              "Time to answer a search, by API (grpc, http) and query class "
              "(text, filter, membership, radius, joined by +; all)")
          .Register(metrics::ProcessRegistry());
  family
      .Add({{"api", std::string(api)}, {"class", SearchClass(request)}},
           metrics::LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void ObserveMatch(const v1::MatchRequest& request, absl::string_view api,
                  absl::Duration elapsed) {
  static auto& family =
      prometheus::BuildHistogram()
          .Name("civhub_match_duration_seconds")
          .Help(
              "Time to answer a match, by API (grpc, http) and subject "
              "(need: offers for a need; offer: needs for an offer; "
              "criteria: ad-hoc)")
          .Register(metrics::ProcessRegistry());
  const char* subject = request.has_need()    ? "need"
                        : request.has_offer() ? "offer"
                                              : "criteria";
  family
      .Add({{"api", std::string(api)}, {"subject", subject}},
           metrics::LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

}  // namespace civhub::node
