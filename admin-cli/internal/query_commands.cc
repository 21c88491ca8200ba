// civhubctl's directory queries: search (with its flags checked before the
// hub is called) and match. The record commands are in commands.cc.
#include <grpcpp/client_context.h>

#include <optional>
#include <string>
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
#include "admin-cli/internal/commands.h"
#include "node/records/capabilities.h"
#include "node/records/record_kinds.h"
#include "node/records/taxonomy.h"
#include "node/records/time_text.h"

namespace civhub::ctl::internal {
namespace {

// A searchable kind by its command ("org") or name ("organization").
const node::RecordKindInfo* SearchableKind(absl::string_view word) {
  for (const node::RecordKindInfo& kind : node::RecordKinds()) {
    if (kind.searchable && (word == kind.command || word == kind.name)) {
      return &kind;
    }
  }
  return nullptr;
}

}  // namespace

std::string SearchKindChoices() {
  std::vector<std::string> commands;
  for (const node::RecordKindInfo& kind : node::RecordKinds()) {
    if (kind.searchable) commands.emplace_back(kind.command);
  }
  return node::JoinAlternatives(commands);
}

namespace {

// Refuses a malformed --topic or --type code (exit 1) with what was meant.
// A well-formed one goes to the hub, which refuses it unless it is listed,
// an "x-" extension, or on a record there (a hub with a newer list).
std::optional<int> CheckCode(Session& s, const char* flag, const char* what,
                             absl::Span<const node::TaxonomyTerm> terms,
                             const std::string& code) {
  if (code.empty() || node::IsWellFormedCode(code)) return std::nullopt;
  std::vector<std::string> similar = node::SimilarCodes(terms, code);
  std::string hint =
      similar.empty()
          ? absl::StrCat(what, " codes are: ",
                         absl::StrJoin(
                             terms, " ",
                             [](std::string* out, const node::TaxonomyTerm& t) {
                               out->append(t.code);
                             }))
          : absl::StrCat("did you mean ", absl::StrJoin(similar, " or "), "?");
  return s.UsageError(absl::StrCat(
      flag, " \"", code, "\" is not a well-formed ", what, " code; ", hint));
}

}  // namespace

int Search(Session& s, const SearchFlags& f) {
  if (auto code = CheckCode(s, "--topic", "topic", node::Topics(), f.topic)) {
    return *code;
  }
  if (auto code = CheckCode(s, "--type", "organization type",
                            node::OrganizationTypes(), f.type)) {
    return *code;
  }
  if (!f.capability.empty() && !node::IsWellFormedCode(f.capability)) {
    std::vector<std::string> similar = node::SimilarCapabilities(f.capability);
    return s.UsageError(absl::StrCat(
        "--capability \"", f.capability,
        "\" is not a well-formed capability "
        "code",
        similar.empty()
            ? "; the list is in docs/matchmaking.md (\"Capabilities\")"
            : absl::StrCat("; did you mean ", absl::StrJoin(similar, " or "),
                           "?")));
  }
  if (f.km_given && !(f.km > 0)) {
    return s.UsageError(
        absl::StrCat("--km ", f.km, ": the radius must be more than 0 (km)"));
  }
  if (f.limit < 0) {
    return s.UsageError("--limit must be 1-100 (0 means 20)");
  }
  v1::SearchRequest req;
  req.set_text(f.text);
  req.set_country(f.country);
  req.set_region(f.region);
  req.set_topic(f.topic);
  req.set_organization_type(f.type);
  req.set_language(f.lang);
  req.set_page_size(f.limit);
  req.set_page_token(f.page_token);
  req.set_capability(f.capability);
  if (!f.from.empty() || !f.to.empty()) {
    if (f.from.empty()) return s.UsageError("--to needs --from");
    for (auto [flag, value, ts] :
         {std::make_tuple("--from", &f.from,
                          req.mutable_during()->mutable_start()),
          std::make_tuple("--to", &f.to,
                          req.mutable_during()->mutable_end())}) {
      if (value->empty()) continue;
      std::optional<absl::Time> t = node::ParseTimeOrDate(
          *value, value == &f.to ? node::DateMeans::kEndOfDay
                                 : node::DateMeans::kStartOfDay);
      if (!t) {
        return s.UsageError(
            absl::StrCat(flag, " \"", *value,
                         "\": expected a date (2026-07-01) or an RFC 3339 time "
                         "(2026-07-01T09:00:00-05:00)"));
      }
      ts->set_seconds(absl::ToUnixSeconds(*t));
    }
    if (f.to.empty()) {
      req.mutable_during()->mutable_end()->set_seconds(
          req.during().start().seconds() + 366 * 24 * 3600);
    } else if (req.during().end().seconds() <= req.during().start().seconds()) {
      // Said in the flags' terms (the hub names during.end).
      return s.UsageError(absl::StrCat(
          "--to \"", f.to, "\" is not after --from \"", f.from, "\""));
    }
  }
  if (!f.kind.empty()) {
    const node::RecordKindInfo* kind = SearchableKind(f.kind);
    if (kind == nullptr) {
      return s.UsageError(absl::StrCat("--kind must be ", SearchKindChoices()));
    }
    req.set_kind(kind->api_kind);
  }
  if (!f.near.empty()) {
    std::vector<std::string> parts = absl::StrSplit(f.near, ',');
    double lat, lon;
    if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lat) ||
        !absl::SimpleAtod(parts[1], &lon)) {
      return s.UsageError(absl::StrCat(
          "--near \"", f.near, "\": expected LAT,LON such as -1.29,36.82"));
    }
    req.mutable_near()->set_latitude(lat);
    req.mutable_near()->set_longitude(lon);
    req.mutable_near()->set_radius_km(f.km_given ? f.km : 50);
  } else if (f.km_given) {
    return s.UsageError("--km needs --near LAT,LON");
  }
  if (!f.identifier.empty()) {
    size_t colon = f.identifier.find(':');
    if (colon == std::string::npos) {
      return s.UsageError(
          "--identifier expects SCHEME:ID, such as GB-CHC:1234567");
    }
    req.mutable_identifier()->set_scheme(f.identifier.substr(0, colon));
    req.mutable_identifier()->set_identifier(f.identifier.substr(colon + 1));
  }
  int code = kExitOk;
  for (auto [flag, field] :
       {std::make_pair(&f.member_of, req.mutable_member_of()),
        std::make_pair(&f.has_member, req.mutable_has_member()),
        std::make_pair(&f.provided_by, req.mutable_provided_by()),
        std::make_pair(&f.organization, req.mutable_organization()),
        std::make_pair(&f.event, req.mutable_event())}) {
    if (flag->empty()) continue;
    std::optional<v1::RecordRef> ref = ParseRef(s, *flag, &code);
    if (!ref) return code;
    *field = *ref;
  }
  if (f.member_of.empty()) req.clear_member_of();
  if (f.has_member.empty()) req.clear_has_member();
  if (f.provided_by.empty()) req.clear_provided_by();
  if (f.organization.empty()) req.clear_organization();
  if (f.event.empty()) req.clear_event();

  v1::SearchResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().directory()->Search(ctx.get(), req, &response);
  code = s.Respond(st, response, PrintHits);
  if (code == kExitOk && !s.json && !response.next_page_token().empty()) {
    s.out() << "more: run the same command with --page-token "
            << response.next_page_token() << "\n";
  }
  return code;
}

// The names of the organizations offering or needing the hits, from their
// records on this hub; one missing is left out (shown by reference).
RecordNames OrganizationNames(Session& s, const v1::MatchResponse& response) {
  RecordNames names;
  for (const v1::MatchHit& hit : response.hits()) {
    const v1::RecordBody& b = hit.record().body();
    const v1::RecordRef& org =
        b.has_need() ? b.need().organization() : b.offer().organization();
    if (org.record_id().empty()) continue;
    const std::string key = absl::StrCat(org.origin(), "/", org.record_id());
    if (names.count(key)) continue;
    v1::GetRecordRequest get;
    get.set_origin(org.origin());
    get.set_record_id(org.record_id());
    v1::Record record;
    auto ctx = s.Context();
    if (s.Node().directory()->GetRecord(ctx.get(), get, &record).ok()) {
      names[key] = TitleOf(record.body());
    }
  }
  return names;
}

int Match(Session& s, const std::string& ref_text, int limit,
          const std::string& page_token) {
  if (limit < 0) return s.UsageError("--limit must be 1-100 (0 means 20)");
  int code = kExitOk;
  std::optional<v1::RecordRef> ref = ParseRef(s, ref_text, &code);
  if (!ref) return code;
  v1::GetRecordRequest get;
  get.set_origin(ref->origin());
  get.set_record_id(ref->record_id());
  v1::Record record;
  {
    auto ctx = s.Context();
    grpc::Status st = s.Node().directory()->GetRecord(ctx.get(), get, &record);
    if (!st.ok()) return s.NodeError(st);
  }
  // The hub refuses to match an expired need or offer; say what to do.
  if (std::optional<std::string> expired =
          ExpiredNote(record.body(), absl::Now())) {
    s.err() << "civhubctl: " << (record.body().has_need() ? "need " : "offer ")
            << RefOf(record) << " " << *expired << "\n";
    return kExitNode;
  }
  v1::MatchRequest req;
  if (record.body().has_need()) {
    *req.mutable_need() = *ref;
  } else if (record.body().has_offer()) {
    *req.mutable_offer() = *ref;
  } else {
    const node::RecordKindInfo* kind = node::KindOf(record.body());
    return s.UsageError(absl::StrCat(
        RefOf(record), " is ",
        kind == nullptr ? std::string("deleted")
                        : absl::StrCat("a record of kind ", kind->name),
        "; match takes a need (offers for it) or an offer (needs for it)"));
  }
  req.set_page_size(limit);
  req.set_page_token(page_token);
  v1::MatchResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().directory()->Match(ctx.get(), req, &response);
  if (!st.ok() || s.json) {
    code = s.Respond(st, response, PrintMatches);
  } else {
    PrintMatches(response, s.Names(), OrganizationNames(s, response), s.out());
  }
  if (code == kExitOk && !s.json && !response.next_page_token().empty()) {
    s.out() << "more: run the same command with --page-token "
            << response.next_page_token() << "\n";
  }
  return code;
}

}  // namespace civhub::ctl::internal
