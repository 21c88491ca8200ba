// `civhubctl event import`: VEVENTs read by calendar/ics_reader.h,
// published with Admin.PublishBatch.
#include <grpcpp/client_context.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "admin-cli/internal/commands.h"
#include "calendar/ics_reader.h"
#include "crypto/keys.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/recurrence.h"
#include "node/records/taxonomy.h"
#include "node/records/validate.h"

namespace civhub::ctl::internal {
namespace {

constexpr int kPublishBatch = 200;

// An origin for --dry-run's local validation: any valid public key.
const std::string& PlaceholderKey() {
  static const std::string* key = [] {
    absl::StatusOr<crypto::PrivateKey> k = crypto::PrivateKey::Generate();
    return new std::string(k.ok() ? k->public_key().bytes() : "");
  }();
  return *key;
}

// The checks the hub makes on publish, here, for --dry-run.
absl::Status ValidateLocally(const v1::PublishRequest& request) {
  v1::RecordBody body;
  if (absl::Status s = node::CopyPublishedPayload(request, &body); !s.ok()) {
    return s;
  }
  // Without the hub (a dry run it could not check), ids of "this hub".
  for (v1::RecordRef& r : *body.mutable_event()->mutable_organizers()) {
    if (r.origin().empty()) r.set_origin(crypto::HubIdOf(PlaceholderKey()));
  }
  v1::Event& event = *body.mutable_event();
  if (event.has_replicates() && event.replicates().origin().empty()) {
    event.mutable_replicates()->set_origin(crypto::HubIdOf(PlaceholderKey()));
  }
  return node::ValidateAsPublishedNow(std::move(body), PlaceholderKey(),
                                      request.record_id());
}

// "2027-05-12 09:00 America/Lima", or "2027-03-06 (all day)".
std::string When(const v1::Event& e) {
  const absl::Time start = absl::FromUnixSeconds(e.starts_at().seconds());
  if (e.all_day()) {
    return absl::StrCat(
        absl::FormatTime("%Y-%m-%d", start, absl::UTCTimeZone()), " (all day)");
  }
  absl::TimeZone zone = absl::UTCTimeZone();
  absl::LoadTimeZone(e.time_zone(), &zone);
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M", start, zone), " ",
                      e.time_zone());
}

std::string Describe(const calendar::ImportedEvent& e) {
  const std::string name =
      e.event.names().empty() ? "" : e.event.names(0).text();
  std::string out =
      absl::StrCat(e.record_id, " \"", name, "\" ", When(e.event));
  if (!e.event.recurrence().empty()) {
    absl::StrAppend(&out, " RRULE:", e.event.recurrence());
  }
  for (const google::protobuf::Timestamp& t : e.event.excluded_starts()) {
    v1::Event one = e.event;
    *one.mutable_starts_at() = t;
    absl::StrAppend(&out, " except ", When(one));
  }
  if (e.event.has_place()) {
    absl::StrAppend(&out, " in ",
                    e.event.place().country().empty()
                        ? "no country"
                        : e.event.place().country());
  }
  absl::StrAppend(&out, " (line ", e.line, ")");
  return out;
}

// Events of other hubs imported from the same iCalendar UID (the same
// file imported on two hubs: same record id, other origin). Looked up among
// the events overlapping `e`'s first occurrence; at most a few pages.
std::vector<std::string> SameUidElsewhere(Session& s,
                                          const calendar::ImportedEvent& e,
                                          const std::string& self) {
  v1::SearchRequest search;
  search.set_kind(v1::RECORD_KIND_EVENT);
  search.set_page_size(100);
  *search.mutable_during()->mutable_start() = e.event.starts_at();
  *search.mutable_during()->mutable_end() = e.event.ends_at();
  std::vector<std::string> out;
  for (int page = 0; page < 5; ++page) {
    v1::SearchResponse response;
    auto ctx = s.Context(std::chrono::seconds(30));
    if (!s.Node().directory()->Search(ctx.get(), search, &response).ok()) {
      break;  // A warning only: the import goes on without it.
    }
    for (const v1::SearchHit& hit : response.hits()) {
      const v1::Record& r = hit.record();
      if (r.origin() != self &&
          r.body().event().ical_uid() == e.event.ical_uid()) {
        out.push_back(absl::StrCat(r.origin(), "/", r.record_id()));
      }
    }
    if (response.next_page_token().empty()) break;
    search.set_page_token(response.next_page_token());
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string text;
  text.resize(calendar::kMaxIcsBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// ORG_ID or HUB_ID/ORG_ID as given; an empty origin is this hub's.
v1::RecordRef SplitRef(const std::string& text) {
  v1::RecordRef ref;
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    ref.set_record_id(text);
  } else {
    ref.set_origin(text.substr(0, slash));
    ref.set_record_id(text.substr(slash + 1));
  }
  return ref;
}

// The flags that need no hub; the exit code of the first wrong one.
std::optional<int> CheckFlags(Session& s, const EventImportFlags& flags) {
  if (!node::IsLanguageCode(flags.lang)) {
    return s.UsageError(absl::StrCat("--lang: \"", flags.lang,
                                     "\" is not an ISO 639-1 code such as "
                                     "en, es, sw"));
  }
  if (!flags.country.empty() && !node::IsCountryCode(flags.country)) {
    return s.UsageError(absl::StrCat("--country: \"", flags.country,
                                     "\" is not an ISO 3166-1 code such as "
                                     "PE, KE",
                                     node::CountryCodeHint(flags.country)));
  }
  if (!flags.tz.empty()) {
    if (absl::Status st = node::CheckTimeZone("--tz", flags.tz); !st.ok()) {
      return s.UsageError(st.message());
    }
  }
  if (SplitRef(flags.organizer).record_id().empty()) {
    return s.UsageError(
        absl::StrCat("--organizer: \"", flags.organizer,
                     "\" is not an organization: use ORG_ID or HUB_ID/ORG_ID"));
  }
  if (!flags.type.empty()) {
    bool known = false;
    for (const node::TaxonomyTerm& t : node::EventTypes()) {
      known |= flags.type == t.code;
    }
    if (!known) {
      std::vector<std::string> similar =
          node::SimilarCodes(node::EventTypes(), flags.type);
      std::vector<std::string> all;
      for (const node::TaxonomyTerm& t : node::EventTypes()) {
        all.emplace_back(t.code);
      }
      return s.UsageError(absl::StrCat(
          "--type: \"", flags.type, "\" is not an event type; ",
          similar.empty()
              ? absl::StrCat("the types are: ", absl::StrJoin(all, " "))
              : absl::StrCat("did you mean ", absl::StrJoin(similar, " or "),
                             "?")));
    }
  }
  if (!flags.replicates.empty() &&
      (SplitRef(flags.replicates).record_id().empty() ||
       flags.replicates.front() == '/')) {
    return s.UsageError(absl::StrCat(
        "--replicates: \"", flags.replicates,
        "\" is not an event: use EVENT_ID of this hub or HUB_ID/EVENT_ID"));
  }
  return std::nullopt;
}

// The ids of `origin`'s organizations (every hub holds every record) near
// `given`: within two typos, containing it (or their name does), or
// sharing its first word ("kalaayan-ph" → kalaayan-digital).
std::vector<std::string> SimilarOrganizationIds(Session& s,
                                                const std::string& origin,
                                                const std::string& given) {
  std::vector<std::string> ids, names;
  v1::SearchRequest search;
  search.set_kind(v1::RECORD_KIND_ORGANIZATION);
  search.set_page_size(100);
  for (int page = 0; page < 50; ++page) {
    v1::SearchResponse response;
    auto ctx = s.Context(std::chrono::seconds(30));
    if (!s.Node().directory()->Search(ctx.get(), search, &response).ok()) {
      break;  // Only a suggestion: the error goes out without it.
    }
    for (const v1::SearchHit& hit : response.hits()) {
      const v1::Record& r = hit.record();
      if (r.origin() != origin) continue;
      ids.push_back(r.record_id());
      const auto& org_names = r.body().organization().names();
      names.push_back(org_names.empty() ? "" : org_names[0].text());
    }
    if (response.next_page_token().empty()) break;
    search.set_page_token(response.next_page_token());
  }
  std::vector<node::TaxonomyTerm> terms;
  for (size_t i = 0; i < ids.size(); ++i) {
    terms.push_back({ids[i].c_str(), names[i].c_str()});
  }
  std::vector<std::string> similar = node::SimilarCodes(terms, given);
  const std::string first_word = given.substr(0, given.find('-'));
  for (const std::string& id : ids) {
    if (first_word.size() >= 4 && id.substr(0, id.find('-')) == first_word &&
        std::find(similar.begin(), similar.end(), id) == similar.end()) {
      similar.push_back(id);
    }
  }
  if (similar.size() > 5) similar.resize(5);
  return similar;
}

// What the hub says about --organizer and --replicates.
struct HubChecks {
  int code = kExitOk;
  // The hub's id; "" if a dry run could not reach it.
  std::string self;
  v1::RecordRef organizer, replicates;
  // The organizer's first location's country; "" if it has none.
  std::string organizer_country;
};

// The record `ref` names on the hub, with `flag` named in the error if
// there is none of `kind`; nullopt with `*code` set otherwise.
std::optional<v1::Record> FetchFlagRecord(Session& s, const char* flag,
                                          const std::string& given,
                                          const v1::RecordRef& ref,
                                          v1::RecordBody::PayloadCase kind,
                                          int* code) {
  v1::GetRecordRequest request;
  request.set_origin(ref.origin());
  request.set_record_id(ref.record_id());
  v1::Record record;
  auto ctx = s.Context();
  grpc::Status st =
      s.Node().directory()->GetRecord(ctx.get(), request, &record);
  const char* kind_name =
      kind == v1::RecordBody::kOrganization ? "organization" : "event";
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
    std::string hint;
    if (kind == v1::RecordBody::kOrganization) {
      std::vector<std::string> similar =
          SimilarOrganizationIds(s, ref.origin(), ref.record_id());
      hint = similar.empty()
                 ? "; civhubctl search --kind org lists the organizations"
                 : absl::StrCat("; did you mean ",
                                absl::StrJoin(similar, " or "), "?");
    } else {
      hint = "; civhubctl search --kind event lists the events";
    }
    *code = s.UsageError(absl::StrCat(flag, ": this hub holds no ", kind_name,
                                      " \"", given, "\"", hint));
    return std::nullopt;
  }
  if (!st.ok()) {
    *code = s.NodeError(st);
    return std::nullopt;
  }
  if (record.body().payload_case() != kind) {
    const node::RecordKindInfo* info = node::KindOf(record.body());
    *code = s.UsageError(absl::StrCat(
        flag, ": \"", given, "\" is ",
        info == nullptr ? std::string("a record")
                        : absl::StrCat("a record of kind ", info->name),
        ", not an ", kind_name));
    return std::nullopt;
  }
  return record;
}

// Checks --organizer (and --replicates) on the hub, once, before any event
// is read or published. A dry run the hub cannot be reached for goes on
// without, saying what it did not check.
HubChecks CheckOnHub(Session& s, const EventImportFlags& flags) {
  HubChecks out;
  out.organizer = SplitRef(flags.organizer);
  if (!flags.replicates.empty()) out.replicates = SplitRef(flags.replicates);
  v1::HubStatus status;
  auto ctx = s.Context(std::chrono::seconds(10));
  grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
  if (!st.ok()) {
    if (flags.dry_run &&
        (st.error_code() == grpc::StatusCode::UNAVAILABLE ||
         st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
      s.err() << "civhubctl: warning: cannot reach civhubd at unix:"
              << s.SocketPath() << ": --organizer"
              << (flags.replicates.empty() ? "" : " and --replicates")
              << " not checked, and places have no default country from the "
                 "organizer; the import itself checks them\n";
      return out;
    }
    out.code = s.NodeError(st);
    return out;
  }
  out.self = status.hub_id();
  std::optional<v1::RecordRef> organizer =
      ParseRef(s, flags.organizer, &out.code);
  if (!organizer) return out;
  std::optional<v1::Record> org =
      FetchFlagRecord(s, "--organizer", flags.organizer, *organizer,
                      v1::RecordBody::kOrganization, &out.code);
  if (!org) return out;
  out.organizer = *organizer;
  const auto& locations = org->body().organization().locations();
  if (!locations.empty()) out.organizer_country = locations[0].country();
  if (flags.replicates.empty()) return out;
  std::optional<v1::RecordRef> replicates =
      ParseRef(s, flags.replicates, &out.code);
  if (!replicates) return out;
  if (!FetchFlagRecord(s, "--replicates", flags.replicates, *replicates,
                       v1::RecordBody::kEvent, &out.code)) {
    return out;
  }
  out.replicates = *replicates;
  return out;
}

}  // namespace

int EventImport(Session& s, const EventImportFlags& flags) {
  if (std::optional<int> code = CheckFlags(s, flags)) return *code;
  calendar::ParseOptions options;
  options.lang = flags.lang;
  options.country = flags.country;
  options.event_type = flags.type;
  options.floating_zone = flags.tz;
  // The file's own errors first: they need no hub.
  absl::StatusOr<std::string> text = ReadFile(flags.file);
  if (!text.ok()) return s.UsageError(text.status().message());
  if (absl::Status st = calendar::CheckIsIcs(*text); !st.ok()) {
    return s.UsageError(absl::StrCat(flags.file, ": ", st.message()));
  }
  const HubChecks hub = CheckOnHub(s, flags);
  if (hub.code != kExitOk) return hub.code;
  options.organizer = hub.organizer;
  options.replicates = hub.replicates;
  options.default_country = hub.organizer_country;
  absl::StatusOr<calendar::ParsedCalendar> parsed =
      calendar::ParseIcs(*text, options);
  if (!parsed.ok()) {
    return s.UsageError(
        absl::StrCat(flags.file, ": ", parsed.status().message()));
  }

  std::vector<v1::PublishRequest> requests;
  for (const calendar::ImportedEvent& e : parsed->events) {
    v1::PublishRequest& r = requests.emplace_back();
    r.set_record_id(e.record_id);
    *r.mutable_event() = e.event;
  }
  int64_t published = 0, unchanged = 0, rejected = 0, not_imported = 0;
  std::vector<std::string> refused;  // Parallel to nothing: printed as is.
  std::vector<std::string> done(requests.size());
  std::vector<std::vector<std::string>> warnings(requests.size());
  // The same event imported on another hub: said before publishing, and in
  // a dry run too when the hub answers.
  for (size_t i = 0; !hub.self.empty() && i < requests.size(); ++i) {
    for (const std::string& other :
         SameUidElsewhere(s, parsed->events[i], hub.self)) {
      warnings[i].push_back(absl::StrCat(
          "warning: ", other, " is the same event (UID ",
          parsed->events[i].event.ical_uid(),
          "), imported on another hub: both copies replicate; the feed "
          "(/v1/events.ics) shows one of them. If that hub's copy is the "
          "one to keep, ",
          flags.dry_run ? "do not import this one"
                        : absl::StrCat("delete this one (civhubctl record rm ",
                                       parsed->events[i].record_id, ")")));
    }
  }
  if (flags.dry_run) {
    for (size_t i = 0; i < requests.size(); ++i) {
      if (absl::Status st = ValidateLocally(requests[i]); !st.ok()) {
        ++rejected;
        done[i] = absl::StrCat(
            "would refuse ", Describe(parsed->events[i]), ": ",
            calendar::ExplainRefusal(parsed->events[i], st.message()));
      } else {
        done[i] = absl::StrCat("would publish ", Describe(parsed->events[i]));
      }
    }
  } else if (!requests.empty()) {
    for (size_t begin = 0; begin < requests.size(); begin += kPublishBatch) {
      const size_t end = std::min(requests.size(), begin + kPublishBatch);
      v1::PublishBatchRequest request;
      for (size_t i = begin; i < end; ++i) *request.add_records() = requests[i];
      v1::PublishBatchResponse response;
      auto ctx = s.Context(std::chrono::seconds(120));
      grpc::Status st =
          s.Node().admin()->PublishBatch(ctx.get(), request, &response);
      if (!st.ok()) return s.NodeError(st);
      for (int k = 0; k < response.results_size(); ++k) {
        const v1::PublishBatchResult& r = response.results(k);
        const calendar::ImportedEvent& e = parsed->events[begin + k];
        if (r.outcome() == "published") {
          ++published;
          done[begin + k] =
              absl::StrCat("published ", Describe(e), " version ", r.version());
        } else if (r.outcome() == "unchanged") {
          ++unchanged;
          done[begin + k] = absl::StrCat("unchanged ", Describe(e));
        } else {
          ++rejected;
          done[begin + k] =
              absl::StrCat("refused by the hub: ", Describe(e), ": ",
                           calendar::ExplainRefusal(e, r.error()));
        }
      }
    }
  }
  for (size_t i = 0; i < done.size(); ++i) {
    s.out() << done[i] << "\n";
    for (const std::string& w : parsed->events[i].warnings) {
      s.out() << "  warning: " << w << "\n";
    }
    for (const std::string& w : warnings[i]) s.out() << "  " << w << "\n";
    for (const std::string& what : parsed->events[i].not_imported) {
      s.out() << "  not imported: " << what << "\n";
      ++not_imported;
    }
  }
  for (const calendar::IcsProblem& p : parsed->errors) {
    s.out() << flags.file << ":" << p.line << ": " << p.message << "\n";
  }
  s.out() << (flags.dry_run ? "dry run: would publish " : "published ")
          << (flags.dry_run ? static_cast<int64_t>(requests.size()) - rejected
                            : published)
          << ", unchanged " << unchanged << ", rejected " << rejected
          << ", skipped " << parsed->skipped << " events; " << not_imported
          << (not_imported == 1 ? " property" : " properties")
          << " not imported\n";
  return rejected > 0 || parsed->skipped > 0 ? kExitPartial : kExitOk;
}

}  // namespace civhub::ctl::internal
