#include "admin-cli/internal/commands.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "admin-cli/format.h"
#include "admin-cli/json_input.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "node/check_report.h"
#include "node/records/capabilities.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/time_text.h"

namespace civhub::ctl::internal {

std::optional<std::string> ConnectedHubId(Session& s, int* exit_code) {
  v1::HubStatus status;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
  if (!st.ok()) {
    *exit_code = s.NodeError(st);
    return std::nullopt;
  }
  return status.hub_id();
}

namespace {

constexpr size_t kImportBatch = 500;
// "civhub1" and the bech32m of a 32-byte key with its checksum.
constexpr size_t kFullHubIdLength = 7 + 52 + 6;
// How long a need or an offer published without expires_at runs.
constexpr absl::Duration kDefaultExpiry = absl::Hours(24 * 180);

}  // namespace

std::optional<std::string> ResolveHubPrefix(Session& s, absl::string_view text,
                                            int* exit_code) {
  absl::string_view prefix = text;
  absl::ConsumeSuffix(&prefix, "…");
  v1::Network network;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->GetNetwork(ctx.get(), {}, &network);
  if (!st.ok()) {
    *exit_code = s.NodeError(st);
    return std::nullopt;
  }
  std::vector<std::string> found;
  for (const v1::NetworkHub& h : network.hubs()) {
    if (absl::StartsWith(h.hub_id(), prefix)) found.push_back(h.hub_id());
  }
  if (found.size() == 1) return found[0];
  *exit_code = s.UsageError(absl::StrCat(
      "\"", text, "\" is ",
      found.empty()
          ? "not the start of the id of a hub this hub knows"
          : absl::StrCat("the start of ", found.size(), " hubs' ids (",
                         absl::StrJoin(found, ", "), ")"),
      "; give more of the hub id (civhubctl network lists them)"));
  return std::nullopt;
}

std::optional<v1::RecordRef> ParseRef(Session& s, const std::string& text,
                                      int* exit_code) {
  v1::RecordRef ref;
  size_t slash = text.find('/');
  if (slash == std::string::npos) {
    std::optional<std::string> self = ConnectedHubId(s, exit_code);
    if (!self) return std::nullopt;
    ref.set_origin(*self);
    ref.set_record_id(text);
  } else {
    ref.set_origin(text.substr(0, slash));
    ref.set_record_id(text.substr(slash + 1));
  }
  if (ref.record_id().empty() || ref.origin().empty()) {
    *exit_code = s.UsageError(absl::StrCat(
        "\"", text, "\" is not a record reference: use HUB_ID/RECORD_ID"));
    return std::nullopt;
  }
  if (absl::EndsWith(ref.origin(), "…") ||
      ref.origin().size() < kFullHubIdLength) {
    std::optional<std::string> origin =
        ResolveHubPrefix(s, ref.origin(), exit_code);
    if (!origin) return std::nullopt;
    ref.set_origin(*origin);
  }
  return ref;
}

namespace {

// Copies each service location given by `location_id` alone from the
// provider's record: the copy in the service's own record is how it is found
// by place. Returns an exit code.
int FillServiceLocations(Session& s, const std::string& file,
                         v1::Service* svc) {
  bool missing = false;
  for (const auto& at : svc->locations()) missing |= !at.has_location();
  if (!missing) return kExitOk;
  v1::GetRecordRequest get;
  get.set_origin(svc->organization().origin());
  get.set_record_id(svc->organization().record_id());
  v1::Record provider;
  auto ctx = s.Context();
  grpc::Status st = s.Node().directory()->GetRecord(ctx.get(), get, &provider);
  if (!st.ok() && st.error_code() != grpc::StatusCode::NOT_FOUND) {
    return s.NodeError(st);
  }
  const std::string ref = absl::StrCat(get.origin(), "/", get.record_id());
  if (!st.ok() || !provider.body().has_organization()) {
    return s.UsageError(absl::StrCat(
        file,
        ": service.locations: a location given by locationId alone is "
        "copied from the provider's record, but this hub holds no "
        "organization ",
        ref,
        "; publish the organization first, or give each location in "
        "full (\"location\": {\"country\": ...})"));
  }
  const v1::Organization& org = provider.body().organization();
  for (int i = 0; i < svc->locations_size(); ++i) {
    v1::ServiceLocation* at = svc->mutable_locations(i);
    if (at->has_location()) continue;
    const v1::Location* found = nullptr;
    std::vector<std::string> ids;
    for (const v1::Location& l : org.locations()) {
      if (l.id() == at->location_id()) found = &l;
      if (!l.id().empty()) ids.push_back(absl::StrCat("\"", l.id(), "\""));
    }
    if (found == nullptr) {
      return s.UsageError(absl::StrCat(
          file, ": service.locations[", i, "].location_id: organization ", ref,
          " has no location \"", at->location_id(), "\"",
          ids.empty() ? " (none of its locations has an id)"
                      : absl::StrCat(" (its locations: ",
                                     absl::StrJoin(ids, ", "), ")")));
    }
    *at->mutable_location() = *found;
  }
  return kExitOk;
}

}  // namespace

namespace {

// Says which of `refs` (other hubs' records a record just published names)
// this hub does not hold: a mistyped id would otherwise go unnoticed, the
// record pointing at nothing on every hub.
void WarnOfMissingReferences(Session& s, const std::string& file,
                             const std::vector<v1::RecordRef>& refs) {
  for (const v1::RecordRef& ref : refs) {
    v1::GetRecordRequest req;
    req.set_origin(ref.origin());
    req.set_record_id(ref.record_id());
    v1::Record record;
    auto ctx = s.Context();
    grpc::Status st = s.Node().directory()->GetRecord(ctx.get(), req, &record);
    if (st.error_code() != grpc::StatusCode::NOT_FOUND) continue;
    const std::string name = absl::StrCat(ref.origin(), "/", ref.record_id());
    if (absl::StrContains(st.error_message(), "deleted")) {
      s.err() << file << ": warning: " << name
              << " was deleted by its hub; the record names it still\n";
    } else {
      s.err() << file << ": warning: this hub holds no record " << name
              << "; if the id is right it is on its way from its hub, else "
                 "fix the file and put it again (civhubctl search lists what "
                 "this hub holds)\n";
    }
  }
}

}  // namespace

int PutRecord(Session& s, const std::string& file, const std::string& id_flag,
              v1::PublishRequest::PayloadCase want) {
  absl::StatusOr<v1::PublishRequest> request = ReadPublishFile(file);
  if (!request.ok()) return s.UsageError(request.status().message());
  if (!id_flag.empty()) request->set_record_id(id_flag);
  if (request->record_id().empty()) {
    return s.UsageError(absl::StrCat(
        file,
        ": no record id: add \"recordId\": \"...\" to the file or pass --id"));
  }
  if (request->payload_case() != want) {
    const node::RecordKindInfo* held =
        node::FindPublishKind(request->payload_case());
    if (held == nullptr) {
      std::vector<std::string> objects;
      for (const node::RecordKindInfo& kind : node::RecordKinds()) {
        if (!kind.command.empty()) {
          objects.push_back(absl::StrCat("\"", kind.name, "\""));
        }
      }
      return s.UsageError(absl::StrCat(
          file, ": holds no ", node::JoinAlternatives(objects), " object"));
    }
    return s.UsageError(absl::StrCat(
        file, ": holds a different kind of record; use `civhubctl ",
        held->command, " put`"));
  }
  // A reference without an origin (a membership's organization, a
  // service's provider, an organization's parent, the organization of a
  // need or an offer, an event's organizers, community and model, a
  // registration's event and organization) names a record of this hub.
  // (mutable_<kind>() would set the payload: only the kind it holds.)
  std::vector<v1::RecordRef*> refs;
  if (request->has_community()) {
    for (auto& m : *request->mutable_community()->mutable_memberships()) {
      refs.push_back(m.mutable_organization());
    }
  }
  if (request->has_service()) {
    refs.push_back(request->mutable_service()->mutable_organization());
  }
  if (request->has_organization() && request->organization().has_parent()) {
    refs.push_back(request->mutable_organization()->mutable_parent());
  }
  if (request->has_need()) {
    refs.push_back(request->mutable_need()->mutable_organization());
  }
  if (request->has_offer() && request->offer().has_organization()) {
    refs.push_back(request->mutable_offer()->mutable_organization());
  }
  if (request->has_event()) {
    v1::Event* e = request->mutable_event();
    for (auto& org : *e->mutable_organizers()) refs.push_back(&org);
    if (e->has_community()) refs.push_back(e->mutable_community());
    if (e->has_replicates()) refs.push_back(e->mutable_replicates());
  }
  if (request->has_registration()) {
    // The attending organization is always one of this hub's.
    refs.push_back(request->mutable_registration()->mutable_event());
    refs.push_back(request->mutable_registration()->mutable_organization());
  }
  // References to other hubs' records, as written: the hub cannot refuse
  // one it does not hold yet (it may be on its way), so a missing one is
  // said after publishing.
  std::vector<v1::RecordRef> named;
  for (const v1::RecordRef* r : refs) {
    if (!r->origin().empty() && !r->record_id().empty()) named.push_back(*r);
  }
  refs.erase(std::remove_if(refs.begin(), refs.end(),
                            [](const v1::RecordRef* r) {
                              return !r->origin().empty() ||
                                     r->record_id().empty();
                            }),
             refs.end());
  if (!refs.empty()) {
    int code = kExitOk;
    std::optional<std::string> self = ConnectedHubId(s, &code);
    if (!self) return code;
    for (v1::RecordRef* r : refs) r->set_origin(*self);
  }
  // A need or an offer without expires_at runs until its window ends (at
  // most a year ahead), or kDefaultExpiry without one: files (examples/)
  // stay publishable, and the admin is told the date once it is published.
  std::string expiry_note;
  google::protobuf::Timestamp* expires =
      request->has_need()    ? request->mutable_need()->mutable_expires_at()
      : request->has_offer() ? request->mutable_offer()->mutable_expires_at()
                             : nullptr;
  if (expires != nullptr && expires->seconds() == 0 && expires->nanos() == 0) {
    const v1::TimeWindow& window = request->has_need()
                                       ? request->need().window()
                                       : request->offer().window();
    const absl::Time now = absl::Now();
    const absl::Time window_end = absl::FromUnixSeconds(window.end().seconds());
    absl::Time at = now + kDefaultExpiry;
    std::string why = "in 180 days";
    if (window.has_end() && window_end > now) {
      at = std::min(window_end, now + absl::Hours(24 * 365));
      why = at == window_end ? "when its window ends"
                             : "in a year, the longest allowed, before its "
                               "window ends: publish it again then";
    }
    expires->set_seconds(absl::ToUnixSeconds(at));
    expiry_note = absl::StrCat(
        file, ": no expiresAt; the ", request->has_need() ? "need" : "offer",
        " expires on ", absl::FormatTime("%Y-%m-%d", at, absl::UTCTimeZone()),
        " (", why, "; set expiresAt to choose)\n");
  }
  if (request->has_service()) {
    if (int code = FillServiceLocations(s, file, request->mutable_service());
        code != kExitOk) {
      return code;
    }
  }
  v1::PublishResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->Publish(ctx.get(), *request, &response);
  const int code = s.Respond(st, response, PrintPublished);
  if (code != kExitOk) return code;
  s.err() << expiry_note;
  WarnOfMissingReferences(s, file, named);
  return code;
}
int Export(Session& s, const std::string& file) {
  std::ofstream file_out;
  std::ostream* out = &s.out();
  if (!file.empty() && file != "-") {
    file_out.open(file, std::ios::binary | std::ios::trunc);
    if (!file_out) return s.UsageError(absl::StrCat(file, ": cannot write"));
    out = &file_out;
  }
  auto ctx = std::make_unique<grpc::ClientContext>();
  v1::WatchRequest request;
  auto reader = s.Node().directory()->Watch(ctx.get(), request);
  v1::WatchResponse response;
  size_t count = 0;
  google::protobuf::util::JsonPrintOptions compact;
  while (reader->Read(&response)) {
    for (const v1::Change& change : response.changes()) {
      std::string line;
      (void)google::protobuf::util::MessageToJsonString(
          change.record().signed_(), &line, compact);
      *out << line << "\n";
      ++count;
    }
    if (response.caught_up()) {
      ctx->TryCancel();
      break;
    }
  }
  grpc::Status st = reader->Finish();
  if (!st.ok() && st.error_code() != grpc::StatusCode::CANCELLED) {
    return s.NodeError(st);
  }
  out->flush();
  s.err() << "exported " << count << " records\n";
  return kExitOk;
}

namespace {

// When FILE is one record to publish rather than `export` output, the
// command that takes it.
std::optional<std::string> PutCommandFor(const std::string& file) {
  absl::StatusOr<v1::PublishRequest> request = ReadPublishFile(file);
  if (request.ok()) {
    const node::RecordKindInfo* kind =
        node::FindPublishKind(request->payload_case());
    if (kind == nullptr) return std::nullopt;
    return absl::StrCat("civhubctl ", kind->command, " put");
  }
  for (const node::RecordKindInfo& kind : node::RecordKinds()) {
    if (kind.command.empty()) continue;
    if (absl::StrContains(request.status().message(),
                          absl::StrCat("bare ", kind.name))) {
      return absl::StrCat("civhubctl ", kind.command, " put");
    }
  }
  return std::nullopt;
}

// `import --json`: {"imported": N, "outcomes": {"applied": N, ...},
// "rejected": [{"line": N, "error": "..."}]}, every outcome listed.
google::protobuf::Struct ImportSummary(
    size_t imported, const std::map<std::string, int>& outcomes,
    const std::vector<std::pair<int, std::string>>& rejected) {
  google::protobuf::Struct summary;
  auto& fields = *summary.mutable_fields();
  fields["imported"].set_number_value(static_cast<double>(imported));
  auto& counts = *fields["outcomes"].mutable_struct_value()->mutable_fields();
  for (const char* outcome :
       {"applied", "duplicate", "stale", "fork", "rejected"}) {
    counts[outcome].set_number_value(0);
  }
  for (const auto& [outcome, n] : outcomes) counts[outcome].set_number_value(n);
  auto* list = fields["rejected"].mutable_list_value();
  for (const auto& [line, error] : rejected) {
    auto& entry = *list->add_values()->mutable_struct_value()->mutable_fields();
    entry["line"].set_number_value(line);
    entry["error"].set_string_value(error);
  }
  return summary;
}

}  // namespace

int Import(Session& s, const std::string& file) {
  if (absl::Status st = CheckInputFile(file); !st.ok()) {
    return s.UsageError(st.message());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return s.UsageError(
        absl::StrCat(file, ": cannot open: ", std::strerror(errno)));
  }
  std::vector<v1::SignedRecord> records;
  std::vector<int> line_numbers;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    v1::SignedRecord rec;
    JsonPosition where;
    if (absl::Status st = ParseJson(line, &rec, &where); !st.ok()) {
      if (std::optional<std::string> put = PutCommandFor(file)) {
        return s.UsageError(absl::StrCat(
            file,
            ": holds a record to publish, not signed records written by "
            "`civhubctl export`; publish it with: ",
            *put, " ", file));
      }
      return s.UsageError(absl::StrCat(
          file, ":", n,
          where.column > 0 ? absl::StrCat(":", where.column) : std::string(),
          ": ", st.message()));
    }
    records.push_back(std::move(rec));
    line_numbers.push_back(n);
  }
  std::map<std::string, int> outcomes;
  std::vector<std::pair<int, std::string>> rejected;
  for (size_t start = 0; start < records.size(); start += kImportBatch) {
    v1::ImportRecordsRequest request;
    size_t end = std::min(records.size(), start + kImportBatch);
    for (size_t i = start; i < end; ++i) *request.add_records() = records[i];
    v1::ImportRecordsResponse response;
    auto ctx = s.Context(std::chrono::seconds(300));
    grpc::Status st =
        s.Node().admin()->ImportRecords(ctx.get(), request, &response);
    if (!st.ok()) return s.NodeError(st);
    for (int i = 0; i < response.results_size(); ++i) {
      const v1::ImportResult& r = response.results(i);
      ++outcomes[r.outcome()];
      if (r.outcome() == "rejected") {
        rejected.emplace_back(line_numbers[start + i], r.error());
      }
    }
  }
  if (s.json) {
    s.out() << ToJson(ImportSummary(records.size(), outcomes, rejected));
  } else {
    for (const auto& [n, error] : rejected) {
      s.err() << file << ":" << n << ": " << error << "\n";
    }
    s.out() << "imported " << records.size() << " records:";
    for (const auto& [outcome, n] : outcomes)
      s.out() << " " << n << " " << outcome;
    s.out() << "\n";
  }
  return rejected.empty() ? kExitOk : kExitNode;
}

int ShowStatus(Session& s) {
  v1::HubStatus status;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
  return s.Respond(st, status, PrintStatus);
}

int ShowHubId(Session& s) {
  v1::HubStatus status;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
  if (!st.ok()) return s.NodeError(st);
  v1::HubStatus id;
  id.set_hub_id(status.hub_id());
  id.set_fingerprint(status.fingerprint());
  const int code = s.Respond(st, id, PrintHubId);
  // The fingerprint, read aloud to the other admin, on stderr: stdout is
  // the id alone, for `civhubctl peer add ADDRESS $(civhubctl hub id)`
  // (with both lines, the command was refused).
  if (code == kExitOk && !s.json) {
    s.err() << "fingerprint " << status.fingerprint() << "\n";
  }
  return code;
}

// Who is coming to the event `ref`: the registrations this hub holds (from
// every hub), totalled, as the organizer's hub counts them.
int PrintEventRegistrations(Session& s, const v1::RecordRef& ref) {
  v1::SearchRequest req;
  req.set_kind(v1::RECORD_KIND_REGISTRATION);
  *req.mutable_event() = ref;
  req.set_page_size(100);
  RegistrationTally tally;
  do {
    v1::SearchResponse response;
    auto ctx = s.Context();
    grpc::Status st = s.Node().directory()->Search(ctx.get(), req, &response);
    if (!st.ok()) return s.NodeError(st);
    for (const v1::SearchHit& hit : response.hits()) tally.Add(hit.record());
    req.set_page_token(response.next_page_token());
  } while (!req.page_token().empty());
  PrintRegistrationTally(tally, s.Names(), s.out());
  return kExitOk;
}

int GetRecord(Session& s, const std::string& ref_text) {
  int code = kExitOk;
  std::optional<v1::RecordRef> ref = ParseRef(s, ref_text, &code);
  if (!ref) return code;
  v1::GetRecordRequest req;
  req.set_origin(ref->origin());
  req.set_record_id(ref->record_id());
  v1::Record record;
  auto ctx = s.Context();
  grpc::Status st = s.Node().directory()->GetRecord(ctx.get(), req, &record);
  code = s.Respond(st, record, PrintRecord);
  if (code == kExitOk && !s.json && record.body().has_event()) {
    code = PrintEventRegistrations(s, *ref);
  }
  return code;
}

int DeleteRecord(Session& s, const std::string& id, const std::string& reason) {
  v1::DeleteRequest req;
  req.set_record_id(id);
  req.set_reason(reason);
  v1::PublishResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->Delete(ctx.get(), req, &response);
  return s.Respond(st, response, PrintDeleted);
}

int ListMembers(Session& s, const std::string& ref_text) {
  int code = kExitOk;
  std::optional<v1::RecordRef> ref = ParseRef(s, ref_text, &code);
  if (!ref) return code;
  v1::ListMembersRequest req;
  *req.mutable_community() = *ref;
  req.set_page_size(100);
  v1::ListMembersResponse response;
  auto ctx = s.Context();
  grpc::Status st =
      s.Node().directory()->ListMembers(ctx.get(), req, &response);
  return s.Respond(st, response, PrintMembers);
}

int ListCommunities(Session& s, const std::string& ref_text) {
  int code = kExitOk;
  std::optional<v1::RecordRef> ref = ParseRef(s, ref_text, &code);
  if (!ref) return code;
  v1::ListCommunitiesRequest req;
  *req.mutable_organization() = *ref;
  req.set_page_size(100);
  v1::ListCommunitiesResponse response;
  auto ctx = s.Context();
  grpc::Status st =
      s.Node().directory()->ListCommunities(ctx.get(), req, &response);
  return s.Respond(st, response, PrintCommunities);
}

int Check(Session& s) {
  v1::CheckReport report;
  // A full pass reads every record: allow about a minute per million.
  auto ctx = s.Context(std::chrono::seconds(3600));
  grpc::Status st = s.Node().admin()->Check(ctx.get(), {}, &report);
  const int code = s.Respond(
      st, report, +[](const v1::CheckReport& r, std::ostream& out) {
        out << node::FormatCheckReport(r);
      });
  if (code == kExitOk && report.problem_count() > 0) {
    s.err() << "civhubctl: the store is damaged; docs/operations.md, "
               "\"Checking a hub\", says what to do\n";
    return kExitProblems;
  }
  return code;
}

}  // namespace civhub::ctl::internal
