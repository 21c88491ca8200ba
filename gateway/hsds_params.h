// The HSDS API's list parameters (/hsds/services?search=…&page=2…), free of
// sockets and threads: a query string into what a list asks for, or a
// status naming the parameter (ParamError).
#ifndef CIVHUB_GATEWAY_HSDS_PARAMS_H_
#define CIVHUB_GATEWAY_HSDS_PARAMS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/directory.pb.h"
#include "gateway/api_params.h"

namespace civhub::gateway {

inline constexpr int kHsdsDefaultPerPage = 20;
// A larger per_page is taken as this.
inline constexpr int kHsdsMaxPerPage = 100;

// What an HSDS list asks for: the parsed values of its parameters.
struct HsdsListParams {
  int page = 1;
  int per_page = kHsdsDefaultPerPage;
  std::string search;
  bool ndjson = false;
  bool full = false;
  bool full_service = false;
  bool minimal = false;
  std::string taxonomy_term_id;
  std::string taxonomy_id;
  std::string organization_id;
  absl::Time modified_after = absl::InfinitePast();
  std::optional<v1::GeoCircle> near;
  bool top_only = false;
  std::string parent_id;
};

// The parameters of `query`, of which a path takes those `known` (any other
// is refused, naming the ones it takes). "postcode" in `known` is refused
// with its reason: a hub has no postcode gazetteer. full and minimal
// together are refused; proximity needs near.
absl::StatusOr<HsdsListParams> ParseHsdsList(
    const QueryParams& query, const std::vector<absl::string_view>& known);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_HSDS_PARAMS_H_
