#include "gateway/hsds_api.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "gateway/api_params.h"
#include "gateway/hsds_params.h"
#include "hsds/to_hsds.h"
#include "node/records/geo.h"
#include "node/records/hsds_ids.h"
#include "node/records/index_terms.h"

namespace civhub::gateway {
namespace {

namespace v3 = hsds::v3;

constexpr absl::string_view kCache = "public, max-age=10";
// The most services a service_at_location list reads to count and page its
// entries (each service holds several).
constexpr int kMaxServicesExpanded = 10000;
// The most services organization_full lists.
constexpr int kMaxServicesOfOrganization = 100;

// Whether `text` holds `part`, ignoring ASCII case.
bool ContainsFolded(absl::string_view text, absl::string_view part) {
  return absl::StrContains(absl::AsciiStrToLower(text),
                           absl::AsciiStrToLower(part));
}

absl::StatusOr<http::Response> HsdsJsonResponse(
    const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  http::Response response;
  auto st = google::protobuf::util::MessageToJsonString(message, &response.body,
                                                        options);
  if (!st.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the response as JSON: ", st.ToString()));
  }
  response.body += "\n";
  response.content_type = "application/json";
  response.headers.emplace_back("cache-control", std::string(kCache));
  return response;
}

// `response` with the ETag of its body when it is a success built whole:
// every /hsds answer that succeeded carries one, which CORS exposes, so a
// client polling a list revalidates it with If-None-Match and gets 304
// while nothing changed (found missing in a trial).
absl::StatusOr<http::Response> Tagged(absl::StatusOr<http::Response> response) {
  if (response.ok() && response->status == 200 && response->etag.empty()) {
    response->etag = BodyEtag(response->body);
  }
  return response;
}

template <typename Item>
absl::StatusOr<http::Response> NdjsonResponse(const std::vector<Item>& items) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  http::Response response;
  for (const Item& item : items) {
    std::string line;
    auto st = google::protobuf::util::MessageToJsonString(item, &line, options);
    if (!st.ok()) return absl::InternalError(st.ToString());
    absl::StrAppend(&response.body, line, "\n");
  }
  response.content_type = "application/x-ndjson";
  response.headers.emplace_back("cache-control", std::string(kCache));
  return response;
}

// Takes the lists named `fields` out of the items of compact JSON `body`
// ("phones":[] and the comma beside it): a list item without `full` leaves
// its rows out, and an empty list there would read as "none" (found in a
// trial). The items must not nest objects holding those names. Only a key
// can match: within a JSON string every quote is escaped.
void OmitLists(absl::Span<const absl::string_view> fields, std::string* body) {
  for (absl::string_view f : fields) {
    const std::string pair = absl::StrCat("\"", f, "\":[]");
    absl::StrReplaceAll({{absl::StrCat(",", pair), ""}}, body);
    absl::StrReplaceAll({{absl::StrCat(pair, ","), ""}}, body);
    absl::StrReplaceAll({{pair, ""}}, body);
  }
}

// Takes every empty list out of compact JSON `body` ("phones":[] and a comma
// beside it), at any depth, except a page's "contents". Only a key can
// match, as in OmitLists: within a JSON string a quote is escaped, so no
// `"` there follows a key's letters after a `{` or `,`.
void OmitEmptyLists(std::string* body) {
  static constexpr char kEmpty[] = "\":[]";
  constexpr size_t kEmptySize = sizeof(kEmpty) - 1;
  const std::string& in = *body;
  std::string out;
  out.reserve(in.size());
  size_t from = 0;  // in[from, ...) is not yet in `out`.
  size_t at = in.find(kEmpty);
  while (at != std::string::npos) {
    size_t open = at;  // The key's first letter.
    while (open > from &&
           (absl::ascii_islower(in[open - 1]) ||
            absl::ascii_isdigit(in[open - 1]) || in[open - 1] == '_')) {
      --open;
    }
    const size_t quote = open - 1;
    const bool key = open < at && open > from && open >= 2 &&
                     in[quote] == '"' &&
                     (in[quote - 1] == '{' || in[quote - 1] == ',') &&
                     in.compare(open, at - open, "contents") != 0;
    if (!key) {
      at = in.find(kEmpty, at + 1);
      continue;
    }
    size_t begin = quote;
    size_t end = at + kEmptySize;
    if (in[quote - 1] == ',' && quote - 1 >= from) {
      begin = quote - 1;  // ,"a":[] goes with the comma before it
    } else if (end < in.size() && in[end] == ',') {
      ++end;  // {"a":[],"b"... -> {"b"...
    }
    out.append(in, from, begin - from);
    from = end;
    at = in.find(kEmpty, end);
  }
  out.append(in, from, std::string::npos);
  *body = std::move(out);
}

// The paged envelope around `items` (page `p` of `total` items), or the items
// as NDJSON when asked; with the lists `omitted` of each item left out, or
// with `omit_empty_lists` every empty one.
template <typename Page, typename Item>
absl::StatusOr<http::Response> PageResponse(
    std::vector<Item> items, int64_t total, const HsdsListParams& p,
    absl::Span<const absl::string_view> omitted = {},
    bool omit_empty_lists = false) {
  const int64_t pages =
      std::max<int64_t>(1, (total + p.per_page - 1) / p.per_page);
  if (p.ndjson) {
    absl::StatusOr<http::Response> response = NdjsonResponse(items);
    if (!response.ok()) return response;
    OmitLists(omitted, &response->body);
    if (omit_empty_lists) OmitEmptyLists(&response->body);
    // The envelope's counts, which NDJSON has no place for, as headers.
    response->headers.emplace_back("x-total-items", absl::StrCat(total));
    response->headers.emplace_back("x-total-pages", absl::StrCat(pages));
    response->headers.emplace_back("x-page-number", absl::StrCat(p.page));
    return response;
  }
  Page page;
  page.set_total_items(static_cast<int32_t>(total));
  page.set_total_pages(static_cast<int32_t>(pages));
  page.set_page_number(p.page);
  page.set_size(static_cast<int32_t>(items.size()));
  page.set_first_page(p.page == 1);
  page.set_last_page(p.page >= pages);
  // Whether this page holds nothing (a page past the end too), as the
  // Spring Data page HSDS's envelope follows says.
  page.set_empty(items.empty());
  for (Item& item : items) *page.add_contents() = std::move(item);
  absl::StatusOr<http::Response> response = HsdsJsonResponse(page);
  if (response.ok()) {
    OmitLists(omitted, &response->body);
    if (omit_empty_lists) OmitEmptyLists(&response->body);
  }
  return response;
}

int64_t OffsetOf(const HsdsListParams& p) {
  return static_cast<int64_t>(p.page - 1) * p.per_page;
}

// The HSDS id index's record of `kind` with `id`: this hub's own first
// (two hubs that imported one package hold the same "hsds-" ids).
absl::StatusOr<std::optional<v1::Record>> FindOne(const node::Hub& hub,
                                                  absl::string_view id,
                                                  v1::RecordKind kind) {
  absl::StatusOr<std::vector<v1::Record>> found =
      hub.directory().FindByHsdsId(id, kind);
  if (!found.ok()) return found.status();
  if (found->empty()) return std::nullopt;
  const std::string self = hub.id().HubId();
  for (v1::Record& r : *found) {
    if (r.origin() == self) return std::move(r);
  }
  return std::move(found->front());
}

absl::Status NotFound(absl::string_view what, absl::string_view id) {
  // Taxonomies and their terms are not records, so are never deleted
  // (the hint read oddly there; found in a trial).
  const bool record = what != "taxonomy" && what != "taxonomy_term";
  return absl::NotFoundError(absl::StrCat(
      "this hub holds no ", what, " with id ", id,
      record ? " (a deleted record is gone: /v1/changes lists deletions)"
             : ""));
}

// The (taxonomy, code) of a term id: a listed code or a local one held.
struct Term {
  absl::string_view taxonomy;
  std::string code;
};

absl::StatusOr<std::vector<std::string>> LocalCodes(const node::Hub& hub,
                                                    char field) {
  return hub.directory().FilterValues(field, "x-", 1000);
}

absl::StatusOr<std::optional<Term>> FindTerm(const node::Hub& hub,
                                             absl::string_view term_id) {
  absl::StatusOr<std::vector<std::string>> topics =
      LocalCodes(hub, node::kFieldTopic);
  if (!topics.ok()) return topics.status();
  absl::StatusOr<std::vector<std::string>> types =
      LocalCodes(hub, node::kFieldOrgType);
  if (!types.ok()) return types.status();
  for (const v3::TaxonomyTerm& t : hsds::TaxonomyTerms(*topics, *types)) {
    if (t.id() == term_id) {
      return Term{t.taxonomy() == hsds::kTopicsTaxonomy ? hsds::kTopicsTaxonomy
                                                        : hsds::kTypesTaxonomy,
                  t.code()};
    }
  }
  return std::nullopt;
}

// Sets `search`'s filters from the list's; false when they can match
// nothing (an unknown term, organization or taxonomy).
absl::StatusOr<bool> ApplyFilters(const node::Hub& hub, const HsdsListParams& p,
                                  v1::SearchRequest* search) {
  search->set_text(p.search);
  if (p.near) *search->mutable_near() = *p.near;
  if (!p.taxonomy_id.empty()) {
    bool known = false;
    for (const v3::Taxonomy& t : hsds::Taxonomies()) {
      known |= t.id() == p.taxonomy_id;
    }
    if (!known) return false;
    if (p.taxonomy_term_id.empty()) {
      return ParamError("taxonomy_id",
                        "give taxonomy_term_id with it: this hub filters by "
                        "one term of a taxonomy");
    }
  }
  if (!p.taxonomy_term_id.empty()) {
    absl::StatusOr<std::optional<Term>> term =
        FindTerm(hub, p.taxonomy_term_id);
    if (!term.ok()) return term.status();
    if (!term->has_value()) return false;
    if (!p.taxonomy_id.empty() &&
        node::HsdsTaxonomyId((*term)->taxonomy) != p.taxonomy_id) {
      return false;
    }
    if ((*term)->taxonomy == hsds::kTopicsTaxonomy) {
      search->set_topic((*term)->code);
    } else {
      if (search->kind() != v1::RECORD_KIND_ORGANIZATION) return false;
      search->set_organization_type((*term)->code);
    }
  }
  if (!p.organization_id.empty()) {
    absl::StatusOr<std::optional<v1::Record>> org =
        FindOne(hub, p.organization_id, v1::RECORD_KIND_ORGANIZATION);
    if (!org.ok()) return org.status();
    if (!org->has_value()) return false;
    search->mutable_provided_by()->set_origin((*org)->origin());
    search->mutable_provided_by()->set_record_id((*org)->record_id());
  }
  return true;
}

// The page of records of `kind` the list asks for; an empty response (no
// hits, total 0) when its filters can match nothing.
absl::StatusOr<v1::SearchResponse> FindPage(const node::Hub& hub,
                                            v1::RecordKind kind,
                                            const HsdsListParams& p,
                                            const node::QueryStop& stop) {
  v1::SearchRequest search;
  search.set_kind(kind);
  search.set_page_size(p.per_page);
  absl::StatusOr<bool> matches = ApplyFilters(hub, p, &search);
  if (!matches.ok()) return matches.status();
  if (!*matches) return v1::SearchResponse();
  node::SearchPaging paging;
  paging.offset = OffsetOf(p);
  paging.modified_after = p.modified_after;
  return hub.directory().SearchAt(search, paging, stop);
}

// The lists of rows StripRows clears, which a list then leaves out.
constexpr absl::string_view kServiceRows[] = {"phones", "service_areas",
                                              "languages", "attributes",
                                              "service_at_locations"};
// Those ListedOrganization clears without `full`, and its services.
constexpr absl::string_view kOrganizationRows[] = {"phones", "locations",
                                                   "organization_identifiers",
                                                   "attributes", "services"};
// An organization's services, which a list gives only with full_service
// and a service's nested provider (FullService) never: given empty,
// "services" said the organization had none (found in a trial).
constexpr absl::string_view kOrganizationServices[] = {"services"};

// A service with its own fields only, as lists give it without `full`.
void StripRows(v3::Service* svc) {
  svc->clear_phones();
  svc->clear_service_areas();
  svc->clear_languages();
  svc->clear_attributes();
  svc->clear_service_at_locations();
}

// The services an organization provides (at most
// kMaxServicesOfOrganization), as HSDS.
absl::StatusOr<std::vector<v3::Service>> ServicesOf(
    const node::Hub& hub, const v1::Record& org, bool full,
    const node::QueryStop& stop) {
  v1::SearchRequest search;
  search.set_kind(v1::RECORD_KIND_SERVICE);
  search.mutable_provided_by()->set_origin(org.origin());
  search.mutable_provided_by()->set_record_id(org.record_id());
  search.set_page_size(kMaxServicesOfOrganization);
  absl::StatusOr<v1::SearchResponse> found =
      hub.directory().Search(search, stop);
  if (!found.ok()) return found.status();
  std::vector<v3::Service> out;
  for (const v1::SearchHit& hit : found->hits()) {
    v3::Service svc = hsds::ServiceToHsds(hit.record());
    if (!full) StripRows(&svc);
    out.push_back(std::move(svc));
  }
  return out;
}

// A service record as HSDS with its rows and, when this hub holds it, its
// provider organization (service_full).
v3::Service FullService(const node::Hub& hub, const v1::Record& service) {
  v3::Service out = hsds::ServiceToHsds(service);
  v1::GetRecordRequest get;
  get.set_origin(service.body().service().organization().origin());
  get.set_record_id(service.body().service().organization().record_id());
  absl::StatusOr<v1::Record> org = hub.directory().GetRecord(get);
  if (org.ok() && org->body().has_organization()) {
    *out.mutable_organization() = hsds::OrganizationToHsds(*org);
  }
  return out;
}

// The service of a service_at_location answer: with its rows and its
// provider, less its entries (the answer is one of them).
v3::Service ServiceOfEntry(const node::Hub& hub, const v1::Record& service) {
  v3::Service svc = FullService(hub, service);
  svc.clear_service_at_locations();
  return svc;
}

// A list's service: its own fields, or with `full` its nested rows and its
// provider.
v3::Service ListedService(const node::Hub& hub, const v1::Record& record,
                          const HsdsListParams& p) {
  if (p.full) return FullService(hub, record);
  v3::Service svc = hsds::ServiceToHsds(record);
  StripRows(&svc);
  return svc;
}

v3::Organization ListedOrganization(const v1::Record& record, bool full) {
  v3::Organization org = hsds::OrganizationToHsds(record);
  if (!full) {
    org.clear_phones();
    org.clear_locations();
    org.clear_organization_identifiers();
    org.clear_attributes();
  }
  return org;
}

}  // namespace

HsdsApi::HsdsApi(const GatewayOptions& options, const GatewayContext& context,
                 node::CallGate* gate)
    : options_(options), context_(context), gate_(gate) {}

void HsdsApi::Run(const http::Request& request, http::Reply reply,
                  QueryWork work) {
  RunQuery(gate_, options_.query_deadline, request, std::move(reply),
           [work = std::move(work)](const node::QueryStop& stop) {
             return Tagged(work(stop));
           });
}

void HsdsApi::AddRoutes(http::Router* router) {
  auto bind = [this](void (HsdsApi::*method)(Req, http::Reply)) {
    return [this, method](Req request, http::Reply reply) {
      (this->*method)(std::move(request), std::move(reply));
    };
  };
  auto root = [](Req request, http::Reply reply) {
    if (absl::Status s = CheckParams(request->query, {}); !s.ok()) {
      return SendApiResponse(reply, ErrorResponse(s));
    }
    v3::ApiInfo info;
    info.set_version("3.0");
    info.set_profile("https://docs.openreferral.org/en/3.0/hsds/");
    info.set_openapi_url(
        "https://raw.githubusercontent.com/openreferral/specification/3.0/"
        "schema/openapi.json");
    absl::StatusOr<http::Response> response = Tagged(HsdsJsonResponse(info));
    SendApiResponse(reply, response.ok() ? *std::move(response)
                                         : ErrorResponse(response.status()));
  };
  router->Add("GET", "/hsds", root);
  router->Add("GET", "/hsds/", root);
  // Each list and item also with a trailing slash (a 404 there was found
  // in two trials), each list before its {id} route.
  auto route = [&](const std::string& path, http::Handler handler) {
    router->Add("GET", path, handler);
    router->Add("GET", path + "/", handler);
  };
  route("/hsds/organizations", bind(&HsdsApi::Organizations));
  route("/hsds/organizations/{id}", bind(&HsdsApi::Organization));
  route("/hsds/services", bind(&HsdsApi::Services));
  route("/hsds/services/{id}", bind(&HsdsApi::Service));
  route("/hsds/service_at_locations", bind(&HsdsApi::ServiceAtLocations));
  route("/hsds/service_at_locations/{id}", bind(&HsdsApi::ServiceAtLocation));
  route("/hsds/taxonomies", bind(&HsdsApi::Taxonomies));
  route("/hsds/taxonomies/{id}", bind(&HsdsApi::Taxonomies));
  route("/hsds/taxonomy_terms", bind(&HsdsApi::TaxonomyTerms));
  route("/hsds/taxonomy_terms/{id}", bind(&HsdsApi::TaxonomyTerms));
}

void HsdsApi::Organizations(Req request, http::Reply reply) {
  absl::StatusOr<HsdsListParams> params =
      ParseHsdsList(request->query,
                    {"search", "full_service", "full", "page", "per_page",
                     "format", "taxonomy_term_id", "taxonomy_id", "postcode"});
  if (!params.ok())
    return SendApiResponse(reply, ErrorResponse(params.status()));
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, p = *std::move(params)](
          const node::QueryStop& stop) -> absl::StatusOr<http::Response> {
        absl::StatusOr<v1::SearchResponse> found =
            FindPage(*hub, v1::RECORD_KIND_ORGANIZATION, p, stop);
        if (!found.ok()) return found.status();
        std::vector<v3::Organization> items;
        for (const v1::SearchHit& hit : found->hits()) {
          v3::Organization org =
              ListedOrganization(hit.record(), p.full || p.full_service);
          if (p.full_service) {
            absl::StatusOr<std::vector<v3::Service>> services =
                ServicesOf(*hub, hit.record(), /*full=*/true, stop);
            if (!services.ok()) return services.status();
            for (v3::Service& s : *services) *org.add_services() = std::move(s);
          }
          items.push_back(std::move(org));
        }
        absl::Span<const absl::string_view> omitted;
        if (!p.full && !p.full_service) {
          omitted = kOrganizationRows;
        } else if (!p.full_service) {
          omitted = kOrganizationServices;
        }
        return PageResponse<v3::OrganizationPage>(
            std::move(items), found->total_count(), p, omitted);
      });
}

void HsdsApi::Organization(Req request, http::Reply reply) {
  absl::StatusOr<HsdsListParams> params =
      ParseHsdsList(request->query, {"full_service"});
  if (!params.ok())
    return SendApiResponse(reply, ErrorResponse(params.status()));
  const std::string id = request->path_params[0];
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, id, full = params->full_service](
          const node::QueryStop& stop) -> absl::StatusOr<http::Response> {
        absl::StatusOr<std::optional<v1::Record>> record =
            FindOne(*hub, id, v1::RECORD_KIND_ORGANIZATION);
        if (!record.ok()) return record.status();
        if (!record->has_value()) return NotFound("organization", id);
        v3::Organization org = hsds::OrganizationToHsds(**record);
        absl::StatusOr<std::vector<v3::Service>> services =
            ServicesOf(*hub, **record, full, stop);
        if (!services.ok()) return services.status();
        if (full) {
          for (v3::Service& s : *services) *org.add_services() = std::move(s);
          return HsdsJsonResponse(org);
        }
        // Without full_service each service carries its own fields only:
        // printed apart, its row lists left out (as lists leave them), and
        // put in the organization's "services".
        absl::StatusOr<http::Response> response = HsdsJsonResponse(org);
        if (!response.ok()) return response;
        std::string items;
        for (const v3::Service& s : *services) {
          absl::StatusOr<http::Response> one = HsdsJsonResponse(s);
          if (!one.ok()) return one;
          std::string text(absl::StripTrailingAsciiWhitespace(one->body));
          OmitLists(kServiceRows, &text);
          absl::StrAppend(&items, items.empty() ? "" : ",", text);
        }
        absl::StrReplaceAll(
            {{"\"services\":[]", absl::StrCat("\"services\":[", items, "]")}},
            &response->body);
        return response;
      });
}

void HsdsApi::Services(Req request, http::Reply reply) {
  absl::StatusOr<HsdsListParams> params = ParseHsdsList(
      request->query,
      {"search", "page", "per_page", "format", "taxonomy_term_id",
       "taxonomy_id", "organization_id", "modified_after", "minimal", "full",
       // Refused with its reason (ParseList), not as unknown.
       "postcode"});
  if (!params.ok())
    return SendApiResponse(reply, ErrorResponse(params.status()));
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, p = *std::move(params)](
          const node::QueryStop& stop) -> absl::StatusOr<http::Response> {
        absl::StatusOr<v1::SearchResponse> found =
            FindPage(*hub, v1::RECORD_KIND_SERVICE, p, stop);
        if (!found.ok()) return found.status();
        if (p.minimal) {
          // Only id, name, status and last_modified.
          std::vector<v3::MinimalService> minimal;
          for (const v1::SearchHit& hit : found->hits()) {
            v3::Service svc = hsds::ServiceToHsds(hit.record());
            v3::MinimalService& m = minimal.emplace_back();
            m.set_id(svc.id());
            m.set_name(svc.name());
            m.set_status(svc.status());
            m.set_last_modified(svc.last_modified());
          }
          return PageResponse<v3::MinimalServicePage>(std::move(minimal),
                                                      found->total_count(), p);
        }
        std::vector<v3::Service> items;
        for (const v1::SearchHit& hit : found->hits()) {
          items.push_back(ListedService(*hub, hit.record(), p));
        }
        return PageResponse<v3::ServicePage>(
            std::move(items), found->total_count(), p,
            p.full ? absl::MakeConstSpan(kOrganizationServices)
                   : absl::MakeConstSpan(kServiceRows));
      });
}

void HsdsApi::Service(Req request, http::Reply reply) {
  if (absl::Status s = CheckParams(request->query, {}); !s.ok()) {
    return SendApiResponse(reply, ErrorResponse(s));
  }
  const std::string id = request->path_params[0];
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, id](const node::QueryStop&) -> absl::StatusOr<http::Response> {
        absl::StatusOr<std::optional<v1::Record>> record =
            FindOne(*hub, id, v1::RECORD_KIND_SERVICE);
        if (!record.ok()) return record.status();
        if (!record->has_value()) return NotFound("service", id);
        absl::StatusOr<http::Response> response =
            HsdsJsonResponse(FullService(*hub, **record));
        if (response.ok()) OmitLists(kOrganizationServices, &response->body);
        return response;
      });
}

void HsdsApi::ServiceAtLocations(Req request, http::Reply reply) {
  absl::StatusOr<HsdsListParams> params = ParseHsdsList(
      request->query, {"search", "taxonomy_term_id", "taxonomy_id",
                       "organization_id", "modified_after", "full", "page",
                       "per_page", "format", "postcode", "proximity", "near"});
  if (!params.ok())
    return SendApiResponse(reply, ErrorResponse(params.status()));
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, p = *std::move(params)](
          const node::QueryStop& stop) -> absl::StatusOr<http::Response> {
        v1::SearchRequest search;
        search.set_kind(v1::RECORD_KIND_SERVICE);
        absl::StatusOr<bool> matches = ApplyFilters(*hub, p, &search);
        if (!matches.ok()) return matches.status();
        std::vector<v3::ServiceAtLocation> items;
        if (!*matches)
          return PageResponse<v3::ServiceAtLocationPage>(items, 0, p);
        // Entries are counted and paged over the services that match, in
        // their order (nearest first with near); with near, each entry is
        // also within the distance itself.
        node::SearchPaging paging;
        paging.modified_after = p.modified_after;
        paging.limit = kMaxServicesExpanded + 1;
        absl::StatusOr<v1::SearchResponse> found =
            hub->directory().SearchAt(search, paging, stop);
        if (!found.ok()) return found.status();
        if (found->total_count() > kMaxServicesExpanded) {
          return absl::InvalidArgumentError(absl::StrCat(
              "search: more than ", kMaxServicesExpanded,
              " services match, too many to list their locations; narrow "
              "the list with search, organization_id, taxonomy_term_id or "
              "near"));
        }
        const int64_t first = OffsetOf(p);
        int64_t total = 0;
        for (const v1::SearchHit& hit : found->hits()) {
          for (v3::ServiceAtLocation& at :
               hsds::ServiceAtLocationsOf(hit.record())) {
            if (p.near) {
              if (!at.location().has_latitude()) continue;
              double km = node::DistanceKm(
                  p.near->latitude(), p.near->longitude(),
                  at.location().latitude(), at.location().longitude());
              if (km > p.near->radius_km()) continue;
            }
            const int64_t index = total++;
            if (index < first || index >= first + p.per_page) continue;
            if (p.full) {
              *at.mutable_service() = ServiceOfEntry(*hub, hit.record());
            }
            items.push_back(std::move(at));
          }
        }
        return PageResponse<v3::ServiceAtLocationPage>(
            std::move(items), total, p, {}, /*omit_empty_lists=*/true);
      });
}

void HsdsApi::ServiceAtLocation(Req request, http::Reply reply) {
  if (absl::Status s = CheckParams(request->query, {}); !s.ok()) {
    return SendApiResponse(reply, ErrorResponse(s));
  }
  const std::string id = request->path_params[0];
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, id](const node::QueryStop&) -> absl::StatusOr<http::Response> {
        absl::StatusOr<std::optional<v1::Record>> record =
            FindOne(*hub, id, v1::RECORD_KIND_SERVICE);
        if (!record.ok()) return record.status();
        if (record->has_value()) {
          const std::string want = node::NormalizeUuid(id);
          for (v3::ServiceAtLocation& at :
               hsds::ServiceAtLocationsOf(**record)) {
            if (at.id() != want) continue;
            *at.mutable_service() = ServiceOfEntry(*hub, **record);
            absl::StatusOr<http::Response> response = HsdsJsonResponse(at);
            if (response.ok()) OmitEmptyLists(&response->body);
            return response;
          }
        }
        return NotFound("service_at_location", id);
      });
}

void HsdsApi::Taxonomies(Req request, http::Reply reply) {
  const bool by_id = !request->path_params.empty();
  absl::StatusOr<HsdsListParams> params = ParseHsdsList(
      request->query, by_id ? std::vector<absl::string_view>{}
                            : std::vector<absl::string_view>{
                                  "search", "page", "per_page", "format"});
  if (!params.ok())
    return SendApiResponse(reply, ErrorResponse(params.status()));
  std::vector<v3::Taxonomy> all = hsds::Taxonomies();
  absl::StatusOr<http::Response> response;
  if (by_id) {
    const std::string id = node::NormalizeUuid(request->path_params[0]);
    response = NotFound("taxonomy", request->path_params[0]);
    for (const v3::Taxonomy& t : all) {
      if (t.id() == id) response = HsdsJsonResponse(t);
    }
  } else {
    const HsdsListParams& p = *params;
    std::vector<v3::Taxonomy> matched;
    for (v3::Taxonomy& t : all) {
      if (p.search.empty() ||
          ContainsFolded(absl::StrCat(t.name(), " ", t.description()),
                         p.search)) {
        matched.push_back(std::move(t));
      }
    }
    const int64_t total = matched.size();
    const int64_t first = std::min<int64_t>(OffsetOf(p), total);
    const int64_t last = std::min<int64_t>(first + p.per_page, total);
    response = PageResponse<v3::TaxonomyPage>(
        std::vector<v3::Taxonomy>(matched.begin() + first,
                                  matched.begin() + last),
        total, p);
  }
  response = Tagged(std::move(response));
  SendApiResponse(reply, response.ok() ? *std::move(response)
                                       : ErrorResponse(response.status()));
}

void HsdsApi::TaxonomyTerms(Req request, http::Reply reply) {
  const bool by_id = !request->path_params.empty();
  absl::StatusOr<HsdsListParams> params = ParseHsdsList(
      request->query, by_id ? std::vector<absl::string_view>{}
                            : std::vector<absl::string_view>{
                                  "search", "page", "per_page", "format",
                                  "taxonomy_id", "top_only", "parent_id"});
  if (!params.ok())
    return SendApiResponse(reply, ErrorResponse(params.status()));
  const node::Hub* hub = context_.node->hub();
  std::string id = by_id ? request->path_params[0] : std::string();
  Run(*request, std::move(reply),
      [hub, by_id, id, p = *std::move(params)](
          const node::QueryStop&) -> absl::StatusOr<http::Response> {
        absl::StatusOr<std::vector<std::string>> topics =
            LocalCodes(*hub, node::kFieldTopic);
        if (!topics.ok()) return topics.status();
        absl::StatusOr<std::vector<std::string>> types =
            LocalCodes(*hub, node::kFieldOrgType);
        if (!types.ok()) return types.status();
        std::vector<v3::TaxonomyTerm> all =
            hsds::TaxonomyTerms(*topics, *types);
        if (by_id) {
          const std::string want = node::NormalizeUuid(id);
          for (v3::TaxonomyTerm& t : all) {
            if (t.id() == want) return HsdsJsonResponse(t);
          }
          return NotFound("taxonomy_term", id);
        }
        std::vector<v3::TaxonomyTerm> matched;
        for (v3::TaxonomyTerm& t : all) {
          // Every term is at the top: civhub's taxonomies are flat.
          if (!p.parent_id.empty()) continue;
          if (!p.taxonomy_id.empty() && t.taxonomy_id() != p.taxonomy_id) {
            continue;
          }
          if (!p.search.empty() &&
              !ContainsFolded(absl::StrCat(t.code(), " ", t.name()),
                              p.search)) {
            continue;
          }
          matched.push_back(std::move(t));
        }
        const int64_t total = matched.size();
        const int64_t first = std::min<int64_t>(OffsetOf(p), total);
        const int64_t last = std::min<int64_t>(first + p.per_page, total);
        return PageResponse<v3::TaxonomyTermPage>(
            std::vector<v3::TaxonomyTerm>(matched.begin() + first,
                                          matched.begin() + last),
            total, p);
      });
}

}  // namespace civhub::gateway
