// `civhubctl event import`: VEVENTs read by calendar/ics_reader.h,
// published with Admin.PublishBatch.
#include <grpcpp/client_context.h>

#include <fstream>
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
  for (v1::RecordRef& r : *body.mutable_event()->mutable_organizers()) {
    if (r.origin().empty()) r.set_origin(crypto::HubIdOf(PlaceholderKey()));
  }
  body.set_origin(PlaceholderKey());
  body.set_record_id(request.record_id());
  body.set_version(1);
  body.set_sequence(1);
  const absl::Time now = absl::Now();
  body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(now));
  return node::ValidateRecordBody(body, node::ValidationOptions{now, true});
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

}  // namespace

int EventImport(Session& s, const EventImportFlags& flags) {
  if (!node::IsLanguageCode(flags.lang)) {
    return s.UsageError(absl::StrCat("--lang: \"", flags.lang,
                                     "\" is not an ISO 639-1 code such as "
                                     "en, es, sw"));
  }
  if (!flags.country.empty() && !node::IsCountryCode(flags.country)) {
    return s.UsageError(absl::StrCat("--country: \"", flags.country,
                                     "\" is not an ISO 3166-1 code such as "
                                     "PE, KE"));
  }
  calendar::ParseOptions options;
  options.lang = flags.lang;
  options.country = flags.country;
  if (!flags.tz.empty()) {
    if (absl::Status st = node::CheckTimeZone("--tz", flags.tz); !st.ok()) {
      return s.UsageError(st.message());
    }
    options.floating_zone = flags.tz;
  }
  const size_t slash = flags.organizer.find('/');
  if (slash == std::string::npos) {
    options.organizer.set_record_id(flags.organizer);
  } else {
    options.organizer.set_origin(flags.organizer.substr(0, slash));
    options.organizer.set_record_id(flags.organizer.substr(slash + 1));
  }
  if (options.organizer.record_id().empty()) {
    return s.UsageError(
        absl::StrCat("--organizer: \"", flags.organizer,
                     "\" is not an organization: use ORG_ID or HUB_ID/ORG_ID"));
  }
  absl::StatusOr<std::string> text = ReadFile(flags.file);
  if (!text.ok()) return s.UsageError(text.status().message());
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
    int code = kExitOk;
    std::optional<std::string> self = ConnectedHubId(s, &code);
    if (!self) return code;
    if (options.organizer.origin().empty()) {
      for (v1::PublishRequest& r : requests) {
        r.mutable_event()->mutable_organizers(0)->set_origin(*self);
      }
    }
    for (size_t i = 0; i < requests.size(); ++i) {
      for (const std::string& other :
           SameUidElsewhere(s, parsed->events[i], *self)) {
        warnings[i].push_back(absl::StrCat(
            "warning: ", other, " is the same event (UID ",
            parsed->events[i].event.ical_uid(),
            "), imported on another hub: both copies replicate; the feed "
            "(/v1/events.ics) shows one of them. If that hub's copy is the "
            "one to keep, delete this one (civhubctl record rm ",
            parsed->events[i].record_id, ")"));
      }
    }
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
