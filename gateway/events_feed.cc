#include "gateway/events_feed.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "calendar/ics_writer.h"
#include "crypto/hash.h"
#include "gateway/query_runner.h"
#include "node/records/recurrence.h"
#include "node/records/time_text.h"
#include "node/records/validate.h"

namespace civhub::gateway {
namespace {

constexpr int32_t kFeedPage = 100;
// Distinct organizers looked up for ORGANIZER lines, per feed.
constexpr size_t kMaxOrganizerLookups = 200;

// A date alone means what it does in /v1/search (time_text.h): from= its
// midnight UTC, to= the day included (from=2027-04-14&to=2027-04-14 is that
// day; it was refused, "to must be after from").
absl::StatusOr<absl::Time> ParseWhen(absl::string_view param,
                                     const std::string& value) {
  if (std::optional<absl::Time> t = node::ParseTimeOrDate(
          value, param == "to" ? node::DateMeans::kEndOfDay
                               : node::DateMeans::kStartOfDay)) {
    return *t;
  }
  return ParamError(param,
                    absl::StrCat("\"", value,
                                 "\" is not a date (2027-05-01) or an RFC "
                                 "3339 time (2027-05-01T09:00:00Z)"));
}

absl::StatusOr<v1::RecordRef> ParseRef(absl::string_view param,
                                       const std::string& value) {
  const size_t slash = value.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == value.size()) {
    return ParamError(param, absl::StrCat("\"", value,
                                          "\" is not ORIGIN/ID (a hub id, "
                                          "a slash, a record id)"));
  }
  v1::RecordRef ref;
  ref.set_origin(value.substr(0, slash));
  ref.set_record_id(value.substr(slash + 1));
  return ref;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(t));
}

// The first of `texts` in `lang`, else the first.
std::string TextIn(
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    const std::string& lang) {
  for (const v1::LocalizedText& t : texts) {
    if (t.lang() == lang) return t.text();
  }
  return texts.empty() ? "" : texts[0].text();
}

struct FeedEvent {
  v1::Record record;
  absl::Time first;  // Its first occurrence in the window.
};

// The feed's events, earliest first occurrence in the window first, at
// most kMaxFeedEvents. On a worker.
absl::StatusOr<std::vector<v1::Record>> SelectEvents(
    const node::Hub* hub, const FeedQuery& q, const node::QueryStop& stop) {
  std::vector<FeedEvent> events;
  v1::SearchRequest search = q.search;
  size_t scanned = 0;
  while (scanned < kMaxFeedScan) {
    absl::StatusOr<v1::SearchResponse> page =
        hub->directory().Search(search, stop);
    if (!page.ok()) return page.status();
    for (v1::SearchHit& hit : *page->mutable_hits()) {
      ++scanned;
      const v1::Event& e = hit.record().body().event();
      if (!hit.record().body().has_event()) continue;
      if (!q.community.record_id().empty() &&
          (e.community().origin() != q.community.origin() ||
           e.community().record_id() != q.community.record_id())) {
        continue;
      }
      std::vector<node::Occurrence> first =
          node::Occurrences(e, q.from, q.to, 1);
      if (first.empty()) continue;
      events.push_back({std::move(*hit.mutable_record()), first[0].start});
    }
    if (page->next_page_token().empty()) break;
    search.set_page_token(page->next_page_token());
  }
  std::stable_sort(
      events.begin(), events.end(),
      [](const FeedEvent& a, const FeedEvent& b) { return a.first < b.first; });
  if (events.size() > kMaxFeedEvents) events.resize(kMaxFeedEvents);
  std::vector<v1::Record> records;
  records.reserve(events.size());
  for (FeedEvent& e : events) records.push_back(std::move(e.record));
  return records;
}

// GET /v1/events: the same events as a SearchResponse. On a worker.
absl::StatusOr<http::Response> BuildJson(const node::Hub* hub,
                                         const FeedQuery& q,
                                         const std::string& /*web_url*/,
                                         const node::QueryStop& stop) {
  absl::StatusOr<std::vector<v1::Record>> records = SelectEvents(hub, q, stop);
  if (!records.ok()) return records.status();
  v1::SearchResponse found;
  for (v1::Record& r : *records)
    *found.add_hits()->mutable_record() = std::move(r);
  found.set_total_count(found.hits_size());
  http::Response response;
  if (auto st =
          google::protobuf::util::MessageToJsonString(found, &response.body);
      !st.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the response as JSON: ", st.ToString()));
  }
  response.body += "\n";
  response.etag = BodyEtag(response.body);
  response.headers.emplace_back("cache-control", "public, max-age=60");
  return response;
}

// Runs the feed's searches and writes the calendar. On a worker.
absl::StatusOr<http::Response> BuildFeed(const node::Hub* hub,
                                         const FeedQuery& q,
                                         const std::string& web_url,
                                         const node::QueryStop& stop) {
  absl::StatusOr<std::vector<v1::Record>> selected = SelectEvents(hub, q, stop);
  if (!selected.ok()) return selected.status();
  const std::vector<v1::Record>& records = *selected;
  calendar::WriteOptions options;
  options.lang = q.lang;
  options.web_url = web_url;
  v1::GetRecordRequest get;
  get.set_origin(hub->id().HubId());
  get.set_record_id(std::string(node::kHubProfileRecordId));
  absl::StatusOr<v1::Record> profile = hub->directory().GetRecord(get);
  const std::string hub_name =
      profile.ok() && !profile->body().hub_profile().name().empty()
          ? profile->body().hub_profile().name()
          : "civhub";
  options.calendar_name = absl::StrCat(hub_name, ": events");
  // The organizers this hub holds, each looked up once.
  auto known =
      std::make_shared<std::map<std::pair<std::string, std::string>,
                                std::optional<calendar::OrganizerInfo>>>();
  options.organizer =
      [hub, known, lang = q.lang](
          const v1::RecordRef& ref) -> std::optional<calendar::OrganizerInfo> {
    auto key = std::make_pair(ref.origin(), ref.record_id());
    if (auto it = known->find(key); it != known->end()) return it->second;
    if (known->size() >= kMaxOrganizerLookups) return std::nullopt;
    std::optional<calendar::OrganizerInfo>& info = (*known)[key];
    v1::GetRecordRequest org;
    org.set_origin(ref.origin());
    org.set_record_id(ref.record_id());
    absl::StatusOr<v1::Record> r = hub->directory().GetRecord(org);
    if (r.ok() && r->body().has_organization()) {
      info = calendar::OrganizerInfo{
          TextIn(r->body().organization().names(), lang),
          r->body().organization().email()};
    }
    return info;
  };

  http::Response response;
  response.body = calendar::WriteIcs(records, options);
  response.content_type = "text/calendar; charset=utf-8";
  response.etag = absl::StrCat(
      "\"", absl::BytesToHexString(crypto::Sha256(response.body).substr(0, 16)),
      "\"");
  response.headers.emplace_back("cache-control", "public, max-age=60");
  response.headers.emplace_back("content-disposition",
                                "inline; filename=\"events.ics\"");
  return response;
}

}  // namespace

absl::StatusOr<FeedQuery> ParseFeedQuery(const QueryParams& query,
                                         absl::Time now) {
  if (absl::Status s =
          CheckParams(query, {"country", "topic", "community", "organization",
                              "from", "to", "lang"});
      !s.ok()) {
    return s;
  }
  FeedQuery q;
  q.search.set_kind(v1::RECORD_KIND_EVENT);
  q.search.set_page_size(kFeedPage);
  bool to_given = false;
  q.from = now - kFeedDefaultPast;
  for (const auto& [name, value] : query) {
    if (name == "country") {
      // In either case, as /v1/search takes it (api_params.cc).
      q.search.set_country(CountryInAnyForm(value));
    } else if (name == "topic") {
      q.search.set_topic(value);
    } else if (name == "lang") {
      q.lang = value;
    } else if (name == "community") {
      absl::StatusOr<v1::RecordRef> ref = ParseRef(name, value);
      if (!ref.ok()) return ref.status();
      q.community = *ref;
    } else if (name == "organization") {
      absl::StatusOr<v1::RecordRef> ref = ParseRef(name, value);
      if (!ref.ok()) return ref.status();
      *q.search.mutable_organization() = *ref;
    } else if (name == "from" || name == "to") {
      absl::StatusOr<absl::Time> t = ParseWhen(name, value);
      if (!t.ok()) return t.status();
      (name == "from" ? q.from : q.to) = *t;
      if (name == "to") to_given = true;
    }
  }
  if (!to_given) q.to = q.from + absl::Hours(24 * 366);
  if (q.to <= q.from) {
    return ParamError("to", "must be after from");
  }
  if (q.to - q.from > node::kRecurrenceHorizon) {
    return ParamError("to", "at most 5 years after from");
  }
  SetTimestamp(q.from, q.search.mutable_during()->mutable_start());
  SetTimestamp(q.to, q.search.mutable_during()->mutable_end());
  return q;
}

void AddEventsFeedRoutes(const GatewayOptions& options,
                         const GatewayContext& context, node::CallGate* gate,
                         http::Router* router) {
  const absl::Duration deadline = options.query_deadline;
  hubnode::HubNode* node = context.node;
  const std::string web_url = options.web_url;
  using Build = absl::StatusOr<http::Response> (*)(
      const node::Hub*, const FeedQuery&, const std::string&,
      const node::QueryStop&);
  auto handler = [gate, deadline, node, web_url](Build build) {
    return [gate, deadline, node, web_url, build](
               std::shared_ptr<const http::Request> request,
               http::Reply reply) {
      absl::StatusOr<FeedQuery> q = ParseFeedQuery(request->query, absl::Now());
      if (!q.ok()) return SendApiResponse(reply, ErrorResponse(q.status()));
      const node::Hub* hub = node->hub();
      RunQuery(gate, deadline, *request, std::move(reply),
               [hub, build, web_url,
                q = *std::move(q)](const node::QueryStop& stop) {
                 return build(hub, q, web_url, stop);
               });
    };
  };
  router->Add("GET", "/v1/events.ics", handler(&BuildFeed));
  router->Add("GET", "/v1/events", handler(&BuildJson));
}

}  // namespace civhub::gateway
