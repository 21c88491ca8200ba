#include "node/search/internal/search_checks.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "node/records/capabilities.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/recurrence.h"
#include "node/records/text.h"
#include "node/search/directory.h"
#include "node/storage/postings.h"

namespace civhub::node::internal {

absl::Status CheckSearchRequest(const v1::SearchRequest& r) {
  auto invalid = [](absl::string_view field, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
  };
  if (r.text().size() > kMaxSearchTextBytes) {
    return invalid(
        "text", absl::StrCat("is longer than ", kMaxSearchTextBytes, " bytes"));
  }
  if (!IsValidUtf8(r.text())) return invalid("text", "is not valid UTF-8");
  // Kinds without postings are refused; the hub's system kinds are accepted
  // and, not being searchable, select nothing beyond the other fields.
  if (const RecordKindInfo* kind = FindRecordKind(r.kind());
      r.kind() != v1::RECORD_KIND_UNSPECIFIED &&
      (kind == nullptr || kind->index_letter == '\0')) {
    std::vector<std::string> names;
    for (const RecordKindInfo& k : RecordKinds()) {
      if (k.searchable) {
        names.push_back(absl::AsciiStrToUpper(k.name));
      }
    }
    names.emplace_back("unspecified");
    return invalid("kind", absl::StrCat("must be ", JoinAlternatives(names)));
  }
  if (!r.country().empty() && !IsCountryCode(r.country())) {
    return invalid("country", absl::StrCat("\"", r.country(),
                                           "\" is not an ISO 3166-1 alpha-2 "
                                           "code (such as \"KE\")",
                                           CountryCodeHint(r.country())));
  }
  if (!r.region().empty() && !IsRegionCode(r.region())) {
    return invalid("region", absl::StrCat("\"", r.region(),
                                          "\" is not an ISO 3166-2 code (such "
                                          "as \"KE-30\")"));
  }
  if (!r.language().empty() && !IsLanguageCode(r.language())) {
    return invalid("language", absl::StrCat("\"", r.language(),
                                            "\" is not an ISO 639-1 code (such "
                                            "as \"sw\")"));
  }
  if (r.has_identifier() && (r.identifier().scheme().empty() ||
                             r.identifier().identifier().empty())) {
    return invalid("identifier", "needs both scheme and identifier");
  }
  if (!r.capability().empty() && !IsWellFormedCode(r.capability())) {
    return invalid("capability",
                   absl::StrCat("\"", r.capability(),
                                "\" is not a code (lower-case words joined by "
                                "'-', such as \"web-development\")"));
  }
  if (r.has_during()) {
    if (!r.during().has_start() || !r.during().has_end()) {
      return invalid("during", "needs both start and end");
    }
    const absl::Time from = absl::FromUnixSeconds(r.during().start().seconds());
    const absl::Time to = absl::FromUnixSeconds(r.during().end().seconds());
    if (to <= from) return invalid("during.end", "is not after during.start");
    if (to - from > kRecurrenceHorizon) {
      return invalid("during", "spans more than 5 years");
    }
  }
  if (r.has_near()) {
    const v1::GeoCircle& n = r.near();
    if (!(n.latitude() >= -90 && n.latitude() <= 90)) {
      return invalid("near.latitude", "must be within [-90, 90]");
    }
    if (!(n.longitude() >= -180 && n.longitude() <= 180)) {
      return invalid("near.longitude", "must be within [-180, 180]");
    }
    if (!(n.radius_km() > 0 && n.radius_km() <= 20040)) {
      return invalid("near.radius_km", "must be within (0, 20040]");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTaxonomyCode(const StoreSnapshot& snap, char index_field,
                               absl::string_view field, absl::string_view code,
                               absl::Span<const TaxonomyTerm> terms,
                               absl::string_view what) {
  if (code.empty() || absl::StartsWith(code, "x-")) return absl::OkStatus();
  for (const TaxonomyTerm& t : terms) {
    if (code == t.code) return absl::OkStatus();
  }
  if (IsWellFormedCode(code)) {
    PostingCursor held(snap, PostingList::Filter(index_field, code));
    if (absl::Status s = held.status(); !s.ok()) return s;
    if (held.Valid()) return absl::OkStatus();
  }
  std::vector<std::string> similar = SimilarCodes(terms, code);
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": \"", code, "\" is not ", what, "; ",
      similar.empty()
          ? ""
          : absl::StrCat("did you mean ", absl::StrJoin(similar, " or "), "? "),
      "the codes are listed in the hub's /static/options.json and in "
      "docs/api.md (\"Taxonomy\"); local extensions start with \"x-\""));
}

absl::Status CheckNamedRecord(const StoreSnapshot& snap,
                              absl::string_view field,
                              const std::string& origin,
                              const v1::RecordRef& ref,
                              v1::RecordBody::PayloadCase kind) {
  absl::StatusOr<std::optional<StoredView>> view =
      snap.Get(origin, ref.record_id());
  if (!view.ok()) return view.status();
  const absl::string_view wanted = FindRecordKind(kind)->display_name;
  if (!view->has_value()) {
    return absl::NotFoundError(absl::StrCat(
        field, ": this hub holds no ", wanted, " ", ref.origin(), "/",
        ref.record_id(), "; check the hub id and the id (search with kind=",
        FindRecordKind(kind)->name, " lists the ones it holds)"));
  }
  const v1::RecordBody& body = (*view)->body;
  if (body.payload_case() != kind &&
      body.payload_case() != v1::RecordBody::kTombstone) {
    const RecordKindInfo* is = KindOf(body);
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", ref.origin(), "/", ref.record_id(), " is ",
        is != nullptr ? WithArticle(is->display_name) : "another record",
        ", not ", WithArticle(wanted)));
  }
  return absl::OkStatus();
}

absl::Status CheckCapabilityCode(const StoreSnapshot& snap,
                                 absl::string_view code) {
  if (code.empty() || absl::StartsWith(code, "x-") ||
      FindCapability(code) != nullptr) {
    return absl::OkStatus();
  }
  PostingCursor held(snap, PostingList::Filter(kFieldCapability, code));
  if (absl::Status s = held.status(); !s.ok()) return s;
  if (held.Valid()) return absl::OkStatus();
  std::vector<std::string> similar = SimilarCapabilities(code);
  return absl::InvalidArgumentError(absl::StrCat(
      "capability: \"", code, "\" is not a listed capability; ",
      similar.empty()
          ? ""
          : absl::StrCat("did you mean ", absl::StrJoin(similar, " or "), "? "),
      "the list is in docs/matchmaking.md (\"Capabilities\"); local ones "
      "start with \"x-\""));
}

}  // namespace civhub::node::internal
