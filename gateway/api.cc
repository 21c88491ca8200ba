#include "gateway/api.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "federation/network_dot.h"
#include "gateway/api_params.h"
#include "gateway/change_feed.h"
#include "gateway/openapi.h"
#include "gateway/query_runner.h"
#include "node/records/validate.h"
#include "node/search/search_metrics.h"

namespace civhub::gateway {
namespace {

void Send(const http::Reply& reply, http::Response response) {
  SendApiResponse(reply, std::move(response));
}

absl::StatusOr<http::Response> JsonOf(const google::protobuf::Message& message,
                                      absl::string_view cache_control) {
  http::Response response;
  auto st =
      google::protobuf::util::MessageToJsonString(message, &response.body);
  if (!st.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the response as JSON: ", st.ToString()));
  }
  response.body += "\n";
  response.content_type = "application/json";
  response.headers.emplace_back("cache-control", std::string(cache_control));
  return response;
}

// A record's strong validator: the signed bytes determine the body.
std::string RecordEtag(const v1::Record& record) {
  std::string digest = crypto::Sha256(
      absl::StrCat(record.signed_().body(), record.signed_().signature()));
  return absl::StrCat("\"", absl::BytesToHexString(digest.substr(0, 16)), "\"");
}

constexpr absl::string_view kRecordCache = "public, max-age=60";
constexpr absl::string_view kQueryCache = "public, max-age=10";

}  // namespace

Api::Api(const GatewayOptions& options, const GatewayContext& context,
         node::CallGate* gate)
    : options_(options),
      context_(context),
      gate_(gate),
      feeds_(std::make_unique<ChangeFeeds>(context.node->hub(), gate,
                                           options.changes)) {}

Api::~Api() { Stop(); }

void Api::Stop() { feeds_->Stop(); }

void Api::AddRoutes(http::Router* router) {
  using Req = std::shared_ptr<const http::Request>;
  auto bind = [this](void (Api::*method)(Req, http::Reply)) {
    return [this, method](Req request, http::Reply reply) {
      (this->*method)(std::move(request), std::move(reply));
    };
  };
  router->Add("GET", "/v1/records/{origin}/{record_id}", bind(&Api::GetRecord));
  router->Add("GET", "/v1/search", bind(&Api::Search));
  router->Add("GET", "/v1/match", bind(&Api::Match));
  router->Add("GET", "/v1/communities/{origin}/{id}/members",
              [this](Req request, http::Reply reply) {
                ListPaged(*request, std::move(reply),
                          &v1::ListMembersRequest::mutable_community,
                          &node::Directory::ListMembers);
              });
  router->Add("GET", "/v1/organizations/{origin}/{id}/communities",
              [this](Req request, http::Reply reply) {
                ListPaged(*request, std::move(reply),
                          &v1::ListCommunitiesRequest::mutable_organization,
                          &node::Directory::ListCommunities);
              });
  router->Add("GET", "/v1/changes", bind(&Api::Changes));
  router->Add("GET", "/v1/hub", bind(&Api::GetHub));
  router->Add("GET", "/v1/network", bind(&Api::GetNetwork));
  router->Add("GET", "/v1/openapi.json", [](Req, http::Reply reply) {
    http::Response response;
    response.body = std::string(OpenApiDocument());
    response.headers.emplace_back("cache-control", "public, max-age=3600");
    Send(reply, std::move(response));
  });
}

void Api::Run(const http::Request& request, http::Reply reply, Work work) {
  RunQuery(gate_, options_.query_deadline, request, std::move(reply),
           std::move(work));
}

void Api::GetRecord(std::shared_ptr<const http::Request> request,
                    http::Reply reply) {
  if (absl::Status s = CheckParams(request->query, {}); !s.ok()) {
    return Send(reply, ErrorResponse(s));
  }
  v1::GetRecordRequest get;
  get.set_origin(request->path_params[0]);
  get.set_record_id(request->path_params[1]);
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, get](const node::QueryStop&) -> absl::StatusOr<http::Response> {
        absl::StatusOr<v1::Record> record = hub->directory().GetRecord(get);
        if (!record.ok()) return record.status();
        absl::StatusOr<http::Response> response = JsonOf(*record, kRecordCache);
        if (response.ok()) response->etag = RecordEtag(*record);
        return response;
      });
}

void Api::Search(std::shared_ptr<const http::Request> request,
                 http::Reply reply) {
  absl::StatusOr<v1::SearchRequest> search = ParseSearch(request->query);
  if (!search.ok()) return Send(reply, ErrorResponse(search.status()));
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, search = *std::move(search)](
          const node::QueryStop& stop) -> absl::StatusOr<http::Response> {
        const absl::Time start = absl::Now();
        absl::StatusOr<v1::SearchResponse> found =
            hub->directory().Search(search, stop);
        node::ObserveSearch(search, "http", absl::Now() - start);
        if (!found.ok()) return found.status();
        return JsonOf(*found, kQueryCache);
      });
}

void Api::Match(std::shared_ptr<const http::Request> request,
                http::Reply reply) {
  absl::StatusOr<v1::MatchRequest> match = ParseMatch(request->query);
  if (!match.ok()) return Send(reply, ErrorResponse(match.status()));
  const node::Hub* hub = context_.node->hub();
  Run(*request, std::move(reply),
      [hub, match = *std::move(match)](
          const node::QueryStop& stop) -> absl::StatusOr<http::Response> {
        const absl::Time start = absl::Now();
        absl::StatusOr<v1::MatchResponse> found =
            hub->directory().Match(match, stop);
        node::ObserveMatch(match, "http", absl::Now() - start);
        if (!found.ok()) return MatchErrorInApiNames(found.status());
        return JsonOf(*found, kQueryCache);
      });
}

template <typename ListRequest, typename ListResponse>
void Api::ListPaged(const http::Request& request, http::Reply reply,
                    v1::RecordRef* (ListRequest::*path_record)(),
                    absl::StatusOr<ListResponse> (node::Directory::*list)(
                        const ListRequest&) const) {
  ListRequest list_request;
  int32_t page_size = 0;
  if (absl::Status s = ParsePaging(request.query, &page_size,
                                   list_request.mutable_page_token());
      !s.ok()) {
    return Send(reply, ErrorResponse(s));
  }
  list_request.set_page_size(page_size);
  v1::RecordRef* record = (list_request.*path_record)();
  record->set_origin(request.path_params[0]);
  record->set_record_id(request.path_params[1]);
  const node::Hub* hub = context_.node->hub();
  Run(request, std::move(reply),
      [hub, list_request,
       list](const node::QueryStop&) -> absl::StatusOr<http::Response> {
        absl::StatusOr<ListResponse> page =
            (hub->directory().*list)(list_request);
        if (!page.ok()) return page.status();
        return JsonOf(*page, kQueryCache);
      });
}

void Api::GetHub(std::shared_ptr<const http::Request> request,
                 http::Reply reply) {
  if (absl::Status s = CheckParams(request->query, {}); !s.ok()) {
    return Send(reply, ErrorResponse(s));
  }
  hubnode::HubNode* hub_node = context_.node;
  Run(*request, std::move(reply),
      [hub_node](const node::QueryStop&) -> absl::StatusOr<http::Response> {
        const node::Hub* hub = hub_node->hub();
        v1::HubStatus status;
        status.set_hub_id(hub->id().HubId());
        status.set_fingerprint(hub->id().Fingerprint());
        storage::Counters counters = hub->store()->counters();
        status.set_organizations(counters.organizations());
        status.set_communities(counters.communities());
        status.set_services(counters.services());
        status.set_needs(counters.needs());
        status.set_offers(counters.offers());
        status.set_events(counters.events());
        status.set_registrations(counters.registrations());
        status.set_tombstones(counters.tombstones());
        status.set_origins(counters.origins());
        v1::GetRecordRequest get;
        get.set_origin(status.hub_id());
        get.set_record_id(std::string(node::kHubProfileRecordId));
        if (absl::StatusOr<v1::Record> profile =
                hub->directory().GetRecord(get);
            profile.ok()) {
          *status.mutable_profile() = profile->body().hub_profile();
        }
        if (hub_node->federation() != nullptr) {
          status.set_active_peers(
              hub_node->federation()->CountPeers(v1::PEER_STATE_ACTIVE));
        }
        return JsonOf(status, "no-cache");
      });
}

void Api::GetNetwork(std::shared_ptr<const http::Request> request,
                     http::Reply reply) {
  if (absl::Status s = CheckParams(request->query, {"format"}); !s.ok()) {
    return Send(reply, ErrorResponse(s));
  }
  const std::string* format = request->Param("format");
  bool dot = false;
  if (format != nullptr && *format != "json") {
    if (*format != "dot") {
      return Send(reply, ErrorResponse(ParamError(
                             "format", "expected \"json\" or \"dot\"")));
    }
    dot = true;
  }
  hubnode::HubNode* hub_node = context_.node;
  Run(*request, std::move(reply),
      [hub_node,
       dot](const node::QueryStop&) -> absl::StatusOr<http::Response> {
        if (hub_node->federation() == nullptr) {
          return absl::UnavailableError("this hub does not federate");
        }
        absl::StatusOr<v1::Network> network =
            hub_node->federation()->GetNetwork();
        if (!network.ok()) return network.status();
        // Which hubs this one blocked is its operator's business.
        for (v1::NetworkHub& h : *network->mutable_hubs()) h.clear_blocked();
        if (!dot) return JsonOf(*network, "no-cache");
        http::Response response;
        response.content_type = "text/vnd.graphviz; charset=utf-8";
        response.body = federation::NetworkDot(*network);
        response.headers.emplace_back("cache-control", "no-cache");
        return response;
      });
}

}  // namespace civhub::gateway

namespace civhub::gateway {

void Api::Changes(std::shared_ptr<const http::Request> request,
                  http::Reply reply) {
  if (absl::Status s = CheckParams(request->query, {"after", "format"});
      !s.ok()) {
    return Send(reply, ErrorResponse(s));
  }
  absl::StatusOr<FeedRequest> feed = ParseFeed(*request);
  if (!feed.ok()) return Send(reply, ErrorResponse(feed.status()));
  absl::StatusOr<std::shared_ptr<http::BodyStream>> stream =
      feeds_->Open(request->client, feed->after, feed->format);
  if (!stream.ok()) return Send(reply, ErrorResponse(stream.status()));
  http::Response response;
  response.content_type = feed->format == FeedFormat::kSse
                              ? "text/event-stream; charset=utf-8"
                              : "application/x-ndjson";
  response.headers.emplace_back("cache-control", "no-store");
  // Proxies such as nginx must pass pieces on as they come.
  response.headers.emplace_back("x-accel-buffering", "no");
  response.stream = *std::move(stream);
  Send(reply, std::move(response));
}

}  // namespace civhub::gateway
