// The Open Referral HSDS 3.0 API under /hsds/ (schema/openapi.json of the
// specification; docs/hsds.md): the whole network's organizations and
// services as this hub holds them, as HSDS JSON (hsds/to_hsds.h). Every
// path of the specification:
//
//   GET /hsds/                              ApiInfo
//   GET /hsds/organizations                 paged organizations
//   GET /hsds/organizations/{id}            organization_full (its services)
//   GET /hsds/services                      paged services
//   GET /hsds/services/{id}                 service_full
//   GET /hsds/service_at_locations          paged service_at_location
//   GET /hsds/service_at_locations/{id}     service_at_location_full
//   GET /hsds/taxonomies, /{id}             civhub's two taxonomies
//   GET /hsds/taxonomy_terms, /{id}         their terms
//
// Lists take page (from 1) and per_page (1-100, default 20; larger is
// capped), search (the text search of /v1/search), format=json|ndjson, and
// their path's filters; unknown or repeated parameters are refused (400
// naming them), as on /v1. Queries run on the gateway's CallGate with the
// API deadline. A deleted record is gone from lists and 404 by id (HSDS has
// no deletion; /v1/changes reports them).
#ifndef CIVHUB_GATEWAY_HSDS_API_H_
#define CIVHUB_GATEWAY_HSDS_API_H_

#include <memory>

#include "gateway/gateway.h"
#include "gateway/query_runner.h"

namespace civhub::gateway {

// Thread-safe once routes are added. Everything in `context` and `gate`
// must outlive it.
class HsdsApi {
 public:
  HsdsApi(const GatewayOptions& options, const GatewayContext& context,
          node::CallGate* gate);

  void AddRoutes(http::Router* router);

 private:
  using Req = std::shared_ptr<const http::Request>;
  void Run(const http::Request& request, http::Reply reply, QueryWork work);

  void Organizations(Req request, http::Reply reply);
  void Organization(Req request, http::Reply reply);
  void Services(Req request, http::Reply reply);
  void Service(Req request, http::Reply reply);
  void ServiceAtLocations(Req request, http::Reply reply);
  void ServiceAtLocation(Req request, http::Reply reply);
  void Taxonomies(Req request, http::Reply reply);
  void TaxonomyTerms(Req request, http::Reply reply);

  const GatewayOptions options_;
  const GatewayContext context_;
  node::CallGate* const gate_;
};

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_HSDS_API_H_
