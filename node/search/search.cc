// Directory::Search: the query engine.
//
// Each condition of a query becomes a sorted list of document numbers (a
// "clause"): filter postings are read lazily from the store; text, radius and
// membership conditions are materialized because they merge several
// postings or need per-document values. Clauses are intersected by leapfrog
// (internal/intersection), then the matches are ranked: nearest first for
// radius queries, best text score first for text queries, else in document
// order. A query in document order stops once its page is full and its
// count has passed the cap (SearchOptions); the others rank, and so count,
// every match. Request checks are in internal/search_checks.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "crypto/keys.h"
#include "node/records/geo.h"
#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/records/recurrence.h"
#include "node/records/taxonomy.h"
#include "node/records/text.h"
#include "node/search/directory.h"
#include "node/search/internal/intersection.h"
#include "node/search/internal/membership.h"
#include "node/search/internal/page_token.h"
#include "node/search/internal/search_checks.h"
#include "node/search/internal/stopper.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"

namespace civhub::node {
namespace {

using internal::Before;
using internal::CheckCapabilityCode;
using internal::CheckNamedRecord;
using internal::CheckSearchRequest;
using internal::CheckTaxonomyCode;
using internal::Clause;
using internal::CountedPage;
using internal::DropExpiredMatches;
using internal::Found;
using internal::ListClause;
using internal::MergeRunsKeepingMax;
using internal::NextMatches;
using internal::Normalize;
using internal::PageInDocumentOrder;
using internal::PostingClause;
using internal::QueryPlan;
using internal::Stopper;

constexpr absl::string_view kSearchPastDeadline =
    "the search ran past its deadline; narrow it (more words, a country, a "
    "kind or a smaller radius)";

// One word of the query. A document matches it if it has a word equal to
// one of `forms` (or starting with it, with `prefix`), or — for a word of
// several Han, kana or Hangul characters — each of `chars` as a word (the
// index holds those characters one by one).
struct QueryTerm {
  std::vector<std::string> forms;
  std::vector<std::string> chars;
  bool prefix = false;
};

// The words of the query, de-duplicated. A word of two or more characters
// matches as a prefix, and so does a one-character word when it is the
// last: "plan b" finds "Plan B Collective" and "b" finds "Bamboo".
std::vector<QueryTerm> QueryTerms(absl::string_view text) {
  std::vector<Word> words = SplitWords(text);
  std::vector<QueryTerm> terms;
  absl::flat_hash_map<std::string, size_t> seen;
  for (size_t i = 0; i < words.size(); ++i) {
    Word& w = words[i];
    const bool prefix = i + 1 == words.size() || CodePointCount(w.folded) >= 2;
    auto [it, added] = seen.emplace(w.folded, terms.size());
    if (!added) {
      terms[it->second].prefix |= prefix;
      continue;
    }
    QueryTerm t;
    t.forms.push_back(std::move(w.folded));
    if (!w.stem.empty()) t.forms.push_back(std::move(w.stem));
    t.chars = std::move(w.chars);
    t.prefix = prefix;
    terms.push_back(std::move(t));
  }
  return terms;
}

// Appends (doc, value) for every posting of `token`'s word, or of every word
// starting with it when `prefix`: value = weight * 2, plus one for the word
// itself (an exact word beats a longer word with the same prefix), plus
// `offset` (in (-1, 0]: a lesser form of the query word).
// Stops early once `stop` says so (the caller checks stop->stopped()).
absl::Status ScanWord(PostingCursor* cursor, const std::string& token,
                      bool prefix, double offset,
                      std::vector<std::pair<uint64_t, double>>* docs,
                      Stopper* stop) {
  for (cursor->Reset(PostingList::Text(token, prefix)); cursor->Valid();
       cursor->Next()) {
    if (stop->Tick()) break;
    const double weight = cursor->weight();
    docs->emplace_back(cursor->doc(),
                       weight * 2 + (cursor->exact() ? 1 : 0) + offset);
  }
  return cursor->status();
}

// A match on the query word without its article or clitic ("eau" for
// "l'eau") is worth a little less than one on the word as typed, so that
// "L'Eau Vive" ranks above "Eau Potable" for "l'eau" (found in a trial: it
// came last of 2,056), and still above a prefix of the word as typed.
constexpr double kStemOffset = -0.5;

// Documents matching `term`, valued by their best match: where the word
// occurs (a name counts three times a description), exact before prefix,
// the word as typed before its stem, and a word found only character by
// character last.
absl::StatusOr<std::unique_ptr<ListClause>> TextClause(
    const StoreSnapshot& snap, const QueryTerm& term, Stopper* stop) {
  PostingCursor cursor(snap);
  std::vector<std::pair<uint64_t, double>> docs;
  for (size_t f = 0; f < term.forms.size(); ++f) {
    absl::Status s = ScanWord(&cursor, term.forms[f], term.prefix,
                              f == 0 ? 0 : kStemOffset, &docs, stop);
    if (!s.ok()) return s;
    if (stop->stopped()) return stop->status();
  }
  // Every character as a word, valued by the weakest of them.
  std::vector<std::pair<uint64_t, double>> all;
  for (size_t i = 0; i < term.chars.size(); ++i) {
    std::vector<std::pair<uint64_t, double>> one;
    absl::Status s = ScanWord(&cursor, term.chars[i], false, 0, &one, stop);
    if (!s.ok()) return s;
    if (stop->stopped()) return stop->status();
    one = MergeRunsKeepingMax(std::move(one));
    if (i == 0) {
      all = std::move(one);
      continue;
    }
    std::vector<std::pair<uint64_t, double>> both;
    auto a = all.begin();
    for (const auto& [doc, value] : one) {
      while (a != all.end() && a->first < doc) ++a;
      if (a != all.end() && a->first == doc) {
        both.emplace_back(doc, std::min(a->second, value));
      }
    }
    all = std::move(both);
  }
  for (const auto& [doc, value] : all) {
    // An exact character's weight * 2 + 1 becomes weight * 2 - 1: below
    // any word match of the same weight.
    docs.emplace_back(doc, value - 2);
  }
  return std::make_unique<ListClause>(MergeRunsKeepingMax(std::move(docs)));
}

// Documents with a location within the circle, valued by distance.
absl::StatusOr<std::unique_ptr<ListClause>> GeoClause(const StoreSnapshot& snap,
                                                      const v1::GeoCircle& near,
                                                      Stopper* stop) {
  GeoCover cover =
      CoverCircle(near.latitude(), near.longitude(), near.radius_km());
  std::vector<std::pair<uint64_t, double>> docs;
  PostingCursor cursor(snap);
  for (uint64_t cell : cover.cells) {
    for (cursor.Reset(PostingList::GeoCell(cover.level, cell)); cursor.Valid();
         cursor.Next()) {
      if (stop->Tick()) return stop->status();
      double km = DistanceKm(near.latitude(), near.longitude(),
                             cursor.latitude(), cursor.longitude());
      if (km > near.radius_km()) continue;
      docs.emplace_back(cursor.doc(), km);
    }
  }
  if (absl::Status s = cursor.status(); !s.ok()) return s;
  return std::make_unique<ListClause>(
      Normalize(std::move(docs), [](double a, double b) { return a < b; }));
}

// Events with an occurrence overlapping `during`: the month postings, then
// each candidate's occurrences exactly.
absl::StatusOr<std::unique_ptr<ListClause>> DuringClause(
    const StoreSnapshot& snap, const v1::TimeWindow& during, Stopper* stop) {
  const absl::Time from = absl::FromUnixSeconds(during.start().seconds()) +
                          absl::Nanoseconds(during.start().nanos());
  const absl::Time to = absl::FromUnixSeconds(during.end().seconds()) +
                        absl::Nanoseconds(during.end().nanos());
  std::vector<uint64_t> candidates;
  PostingCursor cursor(snap);
  for (const std::string& month : MonthsOverlapping(from, to, 100)) {
    for (cursor.Reset(PostingList::Filter(kFieldMonth, month)); cursor.Valid();
         cursor.Next()) {
      if (stop->Tick()) return stop->status();
      candidates.push_back(cursor.doc());
    }
  }
  if (absl::Status s = cursor.status(); !s.ok()) return s;
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()),
                   candidates.end());
  std::vector<std::pair<uint64_t, double>> docs;
  for (uint64_t doc : candidates) {
    if (stop->Tick()) return stop->status();
    absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(doc);
    if (!view.ok()) return view.status();
    if (view->has_value() && (*view)->body.has_event() &&
        OccursDuring((*view)->body.event(), from, to)) {
      docs.emplace_back(doc, 0);
    }
  }
  return std::make_unique<ListClause>(std::move(docs));
}

// A search request checked, with what checking it parsed.
struct CheckedQuery {
  int page_size = 0;
  std::vector<QueryTerm> terms;
  std::string member_of_origin;  // The origins' key bytes.
  std::string has_member_origin;
  std::string provider_origin;
  std::string organization_origin;
  std::string event_origin;
};

// Checks everything in `request` but its page token and taxonomy codes
// (which need the store). Errors name the field.
absl::StatusOr<CheckedQuery> CheckQuery(const v1::SearchRequest& request) {
  if (absl::Status s = CheckSearchRequest(request); !s.ok()) return s;
  CheckedQuery q;
  absl::StatusOr<int> page_size =
      internal::EffectivePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  q.page_size = *page_size;
  q.terms = QueryTerms(request.text());
  if (q.terms.size() > kMaxSearchWords) {
    return absl::InvalidArgumentError(
        absl::StrCat("text: has ", q.terms.size(),
                     " distinct words; the limit is ", kMaxSearchWords));
  }
  if (request.has_member_of()) {
    if (absl::Status s = CheckRecordRef(request.member_of(), "member_of",
                                        &q.member_of_origin);
        !s.ok()) {
      return s;
    }
  }
  if (request.has_has_member()) {
    if (absl::Status s = CheckRecordRef(request.has_member(), "has_member",
                                        &q.has_member_origin);
        !s.ok()) {
      return s;
    }
  }
  if (request.has_provided_by()) {
    if (absl::Status s = CheckRecordRef(request.provided_by(), "provided_by",
                                        &q.provider_origin);
        !s.ok()) {
      return s;
    }
  }
  if (request.has_organization()) {
    if (absl::Status s = CheckRecordRef(request.organization(), "organization",
                                        &q.organization_origin);
        !s.ok()) {
      return s;
    }
  }
  if (request.has_event()) {
    if (absl::Status s =
            CheckRecordRef(request.event(), "event", &q.event_origin);
        !s.ok()) {
      return s;
    }
  }
  return q;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) /
                                     absl::Nanoseconds(1)));
}

// Where an event's "next" occurrence is looked for from: the query's
// window's start, else now.
absl::Time EventsFrom(const v1::SearchRequest& request, absl::Time now) {
  if (!request.has_during()) return now;
  return absl::FromUnixSeconds(request.during().start().seconds()) +
         absl::Nanoseconds(request.during().start().nanos());
}

// The event's first occurrence under way or starting at `from` or later.
std::optional<Occurrence> NextOccurrence(const v1::Event& event,
                                         absl::Time from) {
  std::vector<Occurrence> next =
      Occurrences(event, from, from + kRecurrenceHorizon, 1);
  if (next.empty()) return std::nullopt;
  return next.front();
}

// Past every next occurrence's key (seconds since 1970): events that are
// over sort after those to come, the latest first.
constexpr double kOverKey = 1e15;

// Events searched with neither text nor place to rank them: by their next
// occurrence, soonest first (a reader looks for what comes next).
absl::Status KeyEventsByDate(const StoreSnapshot& snap, absl::Time from,
                             std::vector<Found>* matches, Stopper* stop) {
  for (Found& m : *matches) {
    if (stop->Tick()) return stop->status();
    absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(m.doc);
    if (!view.ok()) return view.status();
    if (!view->has_value() || !(*view)->body.has_event()) continue;
    const v1::Event& event = (*view)->body.event();
    if (std::optional<Occurrence> next = NextOccurrence(event, from)) {
      m.key = absl::ToDoubleSeconds(next->start - absl::UnixEpoch());
    } else {
      m.key = kOverKey - static_cast<double>(event.starts_at().seconds());
    }
  }
  return absl::OkStatus();
}

// Checks what in `request` names codes or records the store must hold.
absl::Status CheckAgainstStore(const StoreSnapshot& snap,
                               const v1::SearchRequest& request,
                               const CheckedQuery& q) {
  if (absl::Status s = CheckTaxonomyCode(
          snap, kFieldTopic, "topic", request.topic(), Topics(),
          "a topic code (such as \"disaster-response\")");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckTaxonomyCode(
          snap, kFieldOrgType, "organization_type", request.organization_type(),
          OrganizationTypes(), "an organization type code (such as \"ngo\")");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckCapabilityCode(snap, request.capability());
      !s.ok()) {
    return s;
  }
  if (request.has_organization()) {
    if (absl::Status s = CheckNamedRecord(
            snap, "organization", q.organization_origin, request.organization(),
            v1::RecordBody::kOrganization);
        !s.ok()) {
      return s;
    }
  }
  if (request.has_event()) {
    if (absl::Status s =
            CheckNamedRecord(snap, "event", q.event_origin, request.event(),
                             v1::RecordBody::kEvent);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Builds the clauses of the checked query. Text, radius and membership
// clauses are read whole here; filter postings as the intersection goes.
absl::StatusOr<QueryPlan> PlanQuery(const StoreSnapshot& snap,
                                    const v1::SearchRequest& request,
                                    const CheckedQuery& q, Stopper* stop) {
  QueryPlan plan;
  std::vector<std::unique_ptr<Clause>>& clauses = plan.clauses;
  std::vector<ListClause*>& text_clauses = plan.text_clauses;
  ListClause*& geo_clause = plan.geo_clause;
  std::vector<PostingClause*>& postings = plan.postings;
  auto add_postings = [&](PostingList list) {
    auto c = std::make_unique<PostingClause>(snap, std::move(list));
    postings.push_back(c.get());
    clauses.push_back(std::move(c));
  };
  auto add_filter = [&](char field, const std::string& value) {
    add_postings(PostingList::Filter(field, value));
  };

  for (const QueryTerm& term : q.terms) {
    absl::StatusOr<std::unique_ptr<ListClause>> c =
        TextClause(snap, term, stop);
    if (!c.ok()) return c.status();
    text_clauses.push_back(c->get());
    clauses.push_back(*std::move(c));
  }
  if (request.has_near()) {
    absl::StatusOr<std::unique_ptr<ListClause>> c =
        GeoClause(snap, request.near(), stop);
    if (!c.ok()) return c.status();
    geo_clause = c->get();
    clauses.push_back(*std::move(c));
  }
  if (const RecordKindInfo* kind = FindRecordKind(request.kind());
      kind != nullptr && kind->searchable) {
    add_filter(kFieldKind, std::string(1, kind->index_letter));
  }
  if (!request.country().empty()) add_filter(kFieldCountry, request.country());
  if (!request.region().empty()) add_filter(kFieldRegion, request.region());
  if (!request.topic().empty()) add_filter(kFieldTopic, request.topic());
  if (!request.organization_type().empty()) {
    add_filter(kFieldOrgType, request.organization_type());
  }
  if (!request.language().empty())
    add_filter(kFieldLanguage, request.language());
  if (request.has_identifier()) {
    // Records hold org-id.guide schemes in upper case ("GB-CHC"), and the
    // index with them; a query's scheme matches in any case.
    add_filter(
        kFieldIdentifier,
        absl::StrCat(absl::AsciiStrToUpper(request.identifier().scheme()), " ",
                     request.identifier().identifier()));
  }
  if (request.has_provided_by()) {
    add_filter(kFieldProvider, MemberKey(crypto::HubIdOf(q.provider_origin),
                                         request.provided_by().record_id()));
  }
  if (!request.capability().empty()) {
    // A group's code is also a posting of each of its members' records.
    add_filter(kFieldCapability, request.capability());
  }
  if (request.has_organization()) {
    add_filter(kFieldOwner, MemberKey(crypto::HubIdOf(q.organization_origin),
                                      request.organization().record_id()));
  }
  if (request.has_event()) {
    add_filter(kFieldEvent, MemberKey(crypto::HubIdOf(q.event_origin),
                                      request.event().record_id()));
  }
  if (request.has_during()) {
    absl::StatusOr<std::unique_ptr<ListClause>> c =
        DuringClause(snap, request.during(), stop);
    if (!c.ok()) return c.status();
    clauses.push_back(*std::move(c));
  }
  if (request.has_has_member()) {
    add_postings(internal::CommunitiesOf(request.has_member()));
  }
  if (request.has_member_of()) {
    // Organizations listed by the community, resolved to local documents.
    std::vector<std::pair<uint64_t, double>> docs;
    absl::StatusOr<std::optional<StoredView>> community =
        internal::HeldCommunity(snap, q.member_of_origin,
                                request.member_of().record_id());
    if (!community.ok()) return community.status();
    if (community->has_value()) {
      for (const v1::Membership& m :
           (*community)->body.community().memberships()) {
        if (stop->Tick()) return stop->status();
        absl::StatusOr<std::optional<StoredView>> org =
            internal::MemberOrganization(snap, m);
        if (!org.ok()) return org.status();
        if (org->has_value()) docs.emplace_back((*org)->stored.doc(), 0);
      }
    }
    clauses.push_back(std::make_unique<ListClause>(
        Normalize(std::move(docs), [](double, double) { return false; })));
  }
  if (clauses.empty()) add_filter(kFieldAll, "");

  // Materialized clauses first: they are cheap to step and often small;
  // the smallest of them first, as the first clause drives the
  // intersection (every one of its documents is a candidate).
  for (auto& c : clauses) plan.order.push_back(c.get());
  std::stable_sort(plan.order.begin(), plan.order.end(),
                   [](Clause* a, Clause* b) {
                     if (a->materialized() != b->materialized()) {
                       return a->materialized();
                     }
                     return a->size() < b->size();
                   });
  const RecordKindInfo* kind = FindRecordKind(request.kind());
  plan.may_expire = kind == nullptr ||
                    kind->payload_case == v1::RecordBody::kNeed ||
                    kind->payload_case == v1::RecordBody::kOffer;
  // `during` finds events only, so a query with it is one for events.
  plan.events_by_date =
      (request.kind() == v1::RECORD_KIND_EVENT || request.has_during()) &&
      request.text().empty() && !request.has_near();
  return plan;
}

// Every match of the planned query, in document order, keyed for ranking.
absl::StatusOr<std::vector<Found>> AllMatches(const StoreSnapshot& snap,
                                              const v1::SearchRequest& request,
                                              QueryPlan* plan, absl::Time now,
                                              Stopper* stop) {
  std::vector<Found> matches;
  absl::StatusOr<bool> done =
      NextMatches(plan, std::numeric_limits<size_t>::max(), &matches, stop);
  if (!done.ok()) return done.status();
  if (plan->may_expire) {
    if (absl::Status s = DropExpiredMatches(snap, now, &matches); !s.ok()) {
      return s;
    }
  }
  if (plan->events_by_date) {
    if (absl::Status s =
            KeyEventsByDate(snap, EventsFrom(request, now), &matches, stop);
        !s.ok()) {
      return s;
    }
  }
  return matches;
}

// Every match of the checked query in `snap`, in document order, keyed for
// ranking.
absl::StatusOr<std::vector<Found>> FindMatches(const StoreSnapshot& snap,
                                               const v1::SearchRequest& request,
                                               const CheckedQuery& q,
                                               absl::Time now, Stopper* stop) {
  if (absl::Status s = CheckAgainstStore(snap, request, q); !s.ok()) return s;
  absl::StatusOr<QueryPlan> plan = PlanQuery(snap, request, q, stop);
  if (!plan.ok()) return plan.status();
  return AllMatches(snap, request, &*plan, now, stop);
}

// Adds a hit for each of `matches`, in order; an event's with its next
// occurrence from `from`.
absl::Status AddHits(const StoreSnapshot& snap, absl::Span<const Found> matches,
                     absl::Time from, v1::SearchResponse* out) {
  for (const Found& m : matches) {
    absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(m.doc);
    if (!view.ok()) return view.status();
    if (!view->has_value()) continue;
    v1::SearchHit* hit = out->add_hits();
    *hit->mutable_record() = Directory::ToRecord(**view);
    if (m.distance >= 0) hit->set_distance_km(m.distance);
    if ((*view)->body.has_event()) {
      if (std::optional<Occurrence> next =
              NextOccurrence((*view)->body.event(), from)) {
        SetTimestamp(next->start,
                     hit->mutable_next_occurrence()->mutable_start());
        SetTimestamp(next->end, hit->mutable_next_occurrence()->mutable_end());
      }
    }
  }
  return absl::OkStatus();
}

// The page after `after` of a query ranked by text score, distance or
// date, and the exact count: ranking reads every match's key anyway (the
// clauses hold them all), so the count adds no reads.
absl::StatusOr<CountedPage> RankedPage(const StoreSnapshot& snap,
                                       const v1::SearchRequest& request,
                                       QueryPlan* plan,
                                       const std::optional<Found>& after,
                                       size_t take, absl::Time now,
                                       Stopper* stop) {
  absl::StatusOr<std::vector<Found>> all =
      AllMatches(snap, request, plan, now, stop);
  if (!all.ok()) return all.status();
  CountedPage out;
  out.total = static_cast<int64_t>(all->size());
  out.matches = *std::move(all);
  std::vector<Found>& m = out.matches;
  if (after.has_value()) {
    m.erase(std::remove_if(m.begin(), m.end(),
                           [&](const Found& f) { return !Before(*after, f); }),
            m.end());
  }
  const size_t n = std::min(m.size(), take + 1);
  std::partial_sort(m.begin(), m.begin() + n, m.end(), Before);
  m.resize(n);
  return out;
}

}  // namespace

absl::StatusOr<v1::SearchResponse> Directory::Search(
    const v1::SearchRequest& request, const QueryStop& query_stop) const {
  Stopper stop(query_stop, std::string(kSearchPastDeadline));
  absl::StatusOr<CheckedQuery> q = CheckQuery(request);
  if (!q.ok()) return q.status();
  v1::SearchRequest copy = request;
  const uint64_t query = internal::QueryFingerprint(&copy);
  std::optional<Found> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<internal::PagePosition> pos =
        internal::DecodePageToken(request.page_token(), query);
    if (!pos.ok()) return pos.status();
    after = Found{pos->id, pos->key};
  }

  StoreSnapshot snap(*store_);
  if (absl::Status s = CheckAgainstStore(snap, request, *q); !s.ok()) return s;
  absl::StatusOr<QueryPlan> plan = PlanQuery(snap, request, *q, &stop);
  if (!plan.ok()) return plan.status();
  const absl::Time now = clock_->Now();
  const size_t take = static_cast<size_t>(q->page_size);
  absl::StatusOr<CountedPage> page =
      plan->in_document_order()
          ? PageInDocumentOrder(snap, &*plan, after, take,
                                options_.exact_count_up_to, now, &stop)
          : RankedPage(snap, request, &*plan, after, take, now, &stop);
  if (!page.ok()) return page.status();

  v1::SearchResponse out;
  out.set_total_count(page->total);
  out.set_total_count_is_lower_bound(page->total_is_lower_bound);
  const size_t shown = std::min(take, page->matches.size());
  if (absl::Status s =
          AddHits(snap, absl::MakeConstSpan(page->matches).first(shown),
                  EventsFrom(request, now), &out);
      !s.ok()) {
    return s;
  }
  if (page->matches.size() > take) {
    const Found& last = page->matches[take - 1];
    out.set_next_page_token(
        internal::EncodePageToken(query, {last.key, last.doc}));
  }
  return out;
}

absl::StatusOr<v1::SearchResponse> Directory::SearchAt(
    const v1::SearchRequest& request, const SearchPaging& paging,
    const QueryStop& query_stop) const {
  Stopper stop(query_stop, std::string(kSearchPastDeadline));
  if (!request.page_token().empty()) {
    return absl::InvalidArgumentError(
        "page_token: not taken with offset paging; choose the page by its "
        "offset");
  }
  if (paging.offset < 0) {
    return absl::InvalidArgumentError("offset: must not be negative");
  }
  absl::StatusOr<CheckedQuery> q = CheckQuery(request);
  if (!q.ok()) return q.status();

  StoreSnapshot snap(*store_);
  absl::StatusOr<std::vector<Found>> found =
      FindMatches(snap, request, *q, clock_->Now(), &stop);
  if (!found.ok()) return found.status();
  std::vector<Found>& matches = *found;
  if (paging.modified_after != absl::InfinitePast()) {
    // issued_at is in no index: read each match's record.
    size_t kept = 0;
    for (const Found& m : matches) {
      if (stop.Tick()) return stop.status();
      absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(m.doc);
      if (!view.ok()) return view.status();
      if (!view->has_value()) continue;
      const google::protobuf::Timestamp& issued = (*view)->body.issued_at();
      if (absl::FromUnixSeconds(issued.seconds()) +
              absl::Nanoseconds(issued.nanos()) >=
          paging.modified_after) {
        matches[kept++] = m;
      }
    }
    matches.resize(kept);
  }

  v1::SearchResponse out;
  out.set_total_count(static_cast<int64_t>(matches.size()));
  const size_t begin =
      std::min<uint64_t>(matches.size(), static_cast<uint64_t>(paging.offset));
  const size_t page_size =
      paging.limit > 0 ? static_cast<size_t>(paging.limit) : q->page_size;
  const size_t end = std::min<size_t>(matches.size(), begin + page_size);
  std::partial_sort(matches.begin(), matches.begin() + end, matches.end(),
                    Before);
  if (absl::Status s = AddHits(
          snap, absl::MakeConstSpan(matches).subspan(begin, end - begin),
          EventsFrom(request, clock_->Now()), &out);
      !s.ok()) {
    return s;
  }
  return out;
}

}  // namespace civhub::node
