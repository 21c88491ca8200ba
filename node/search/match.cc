// Directory::Match: the candidates a subject's capability groups list (from
// the match index), the hard filters and scores of match_score.h, and keyset
// paging over (score, origin, record id).
#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "crypto/keys.h"
#include "node/records/capabilities.h"
#include "node/records/index_terms.h"
#include "node/records/record_kinds.h"
#include "node/search/directory.h"
#include "node/search/internal/match_index.h"
#include "node/search/internal/page_token.h"
#include "node/search/internal/stopper.h"
#include "node/search/match_score.h"
#include "node/storage/postings.h"
#include "node/storage/snapshot.h"

namespace civhub::node {
namespace {

using internal::GetBE64;
using internal::PutBE64;

// What is matched against: the subject's side, and which side it plays.
struct Subject {
  MatchSide side;
  // The subject is (or describes) a need: the candidates are offers.
  bool is_need = true;
  std::optional<StoredView> record;
};

// A record that passed the hard filters.
struct Candidate {
  double score = 0;
  std::string origin;  // Key bytes.
  std::string record_id;
  uint64_t doc = 0;
};

// Best score first; ties by origin key bytes, then record id.
bool Before(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.origin != b.origin) return a.origin < b.origin;
  return a.record_id < b.record_id;
}

// Where a page ended, and the time the first page was ranked at.
struct MatchPosition {
  absl::Time now;
  Candidate last;
};

constexpr char kTokenVersion = 'm';
constexpr size_t kTokenHeader = 1 + 8 + 8 + 8 + crypto::kPublicKeySize;
constexpr size_t kMaxTokenChars = 512;

std::string EncodeToken(uint64_t query, absl::Time now, const Candidate& last) {
  std::string raw(1, kTokenVersion);
  PutBE64(&raw, query);
  PutBE64(&raw, static_cast<uint64_t>(absl::ToUnixMicros(now)));
  uint64_t score_bits;
  std::memcpy(&score_bits, &last.score, 8);
  PutBE64(&raw, score_bits);
  raw += last.origin;
  raw += last.record_id;
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<MatchPosition> DecodeToken(absl::string_view token,
                                          uint64_t query) {
  std::string raw;
  if (token.size() > kMaxTokenChars ||
      !absl::WebSafeBase64Unescape(token, &raw) || raw.size() <= kTokenHeader ||
      raw[0] != kTokenVersion) {
    return absl::InvalidArgumentError(
        "page_token: is not a page token issued by this hub for Match");
  }
  absl::string_view view(raw);
  if (GetBE64(view.substr(1)) != query) {
    return absl::InvalidArgumentError(
        "page_token: was issued for a different query; repeat the query that "
        "returned it");
  }
  MatchPosition pos;
  pos.now = absl::FromUnixMicros(static_cast<int64_t>(GetBE64(view.substr(9))));
  const uint64_t score_bits = GetBE64(view.substr(17));
  std::memcpy(&pos.last.score, &score_bits, 8);
  pos.last.origin = std::string(view.substr(25, crypto::kPublicKeySize));
  pos.last.record_id = std::string(view.substr(kTokenHeader));
  return pos;
}

// `not_found` with, when another hub's record has the id `ref` names, how
// to name that one: civhubctl takes a bare id for the hub it talks to, and
// a coordinator on Lima's hub matching Nairobi's need by its id alone was
// told only "not on this hub".
absl::Status WithHolderHint(const Store& store, const StoreSnapshot& snap,
                            const absl::Status& not_found,
                            const v1::RecordRef& ref) {
  absl::StatusOr<std::vector<std::pair<std::string, storage::OriginState>>>
      origins = store.Origins();
  if (!origins.ok()) return not_found;
  for (const auto& [origin, state] : *origins) {
    const std::string hub = crypto::HubIdOf(origin);
    if (hub == ref.origin()) continue;
    absl::StatusOr<std::optional<StoredView>> view =
        snap.Get(origin, ref.record_id());
    if (!view.ok() || !view->has_value()) continue;
    const v1::RecordBody& body = (*view)->body;
    if (!body.has_need() && !body.has_offer()) continue;
    return absl::Status(
        not_found.code(),
        absl::StrCat(not_found.message(), "; hub ", hub, " has ",
                     body.has_need() ? "a need" : "an offer",
                     " with this id: ", hub, "/", ref.record_id()));
  }
  return not_found;
}

// The subject a request names, read from `snap`.
absl::StatusOr<Subject> RecordSubject(const StoreSnapshot& snap,
                                      const v1::RecordRef& ref, bool need,
                                      absl::Time now) {
  const absl::string_view field = need ? "need" : "offer";
  std::string origin;
  if (absl::Status s = CheckRecordRef(ref, field, &origin); !s.ok()) return s;
  const std::string name = absl::StrCat(ref.origin(), "/", ref.record_id());
  absl::StatusOr<std::optional<StoredView>> view =
      snap.Get(origin, ref.record_id());
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return absl::NotFoundError(
        absl::StrCat(field, ": record ", name, " is not on this hub"));
  }
  const v1::RecordBody& body = (*view)->body;
  if (body.has_tombstone()) {
    return absl::NotFoundError(absl::StrCat(field, ": record ", name,
                                            " was deleted (version ",
                                            body.version(), ")"));
  }
  const bool right_kind = need ? body.has_need() : body.has_offer();
  if (!right_kind) {
    const RecordKindInfo* kind = KindOf(body);
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", name, " is ",
        kind == nullptr ? std::string("a record of an unknown kind")
                        : absl::StrCat("a record of kind ", kind->name),
        ", not ", need ? "a need" : "an offer", "; give ",
        need ? "offers with offer=" : "needs with need=", "ORIGIN/ID instead"));
  }
  Subject subject;
  subject.is_need = need;
  subject.side = need ? NeedSide(body.need()) : OfferSide(body.offer());
  if (!subject.side.open) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", name, " is ",
        need ? body.need().status() : body.offer().status(), "; only ",
        need ? "open and partly-met needs" : "open offers", " are matched"));
  }
  if (subject.side.expires_at <= now) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", name, " expired at ",
        absl::FormatTime(absl::RFC3339_sec, subject.side.expires_at,
                         absl::UTCTimeZone()),
        "; expired records are not matched"));
  }
  subject.record = **std::move(view);
  return subject;
}

// A criteria code that is neither listed nor "x-" is refused (a typo must
// not answer "nothing matches") unless a record here carries it: hubs with
// a newer list publish codes this one does not know yet.
absl::Status CheckCriteriaCodes(const StoreSnapshot& snap,
                                const v1::MatchCriteria& criteria) {
  for (int i = 0; i < criteria.capabilities_size(); ++i) {
    const std::string& code = criteria.capabilities(i);
    if (IsPublishableCapability(code)) continue;
    PostingCursor held(snap, PostingList::Filter(kFieldCapability, code));
    if (absl::Status s = held.status(); !s.ok()) return s;
    if (held.Valid()) continue;
    std::vector<std::string> similar = SimilarCapabilities(code);
    return absl::InvalidArgumentError(absl::StrCat(
        "criteria.capabilities[", i, "]: \"", code,
        "\" is not a capability code; ",
        similar.empty() ? ""
                        : absl::StrCat("did you mean ",
                                       absl::StrJoin(similar, " or "), "? "),
        "the codes are listed in docs/matchmaking.md (\"Capabilities\"); "
        "local extensions start with \"x-\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<Subject> ResolveSubject(const StoreSnapshot& snap,
                                       const v1::MatchRequest& request,
                                       absl::Time now) {
  switch (request.subject_case()) {
    case v1::MatchRequest::kNeed:
      return RecordSubject(snap, request.need(), true, now);
    case v1::MatchRequest::kOffer:
      return RecordSubject(snap, request.offer(), false, now);
    case v1::MatchRequest::kCriteria: {
      absl::StatusOr<MatchSide> side = CriteriaSide(request.criteria());
      if (!side.ok()) return side.status();
      if (absl::Status s = CheckCriteriaCodes(snap, request.criteria());
          !s.ok()) {
        return s;
      }
      Subject subject;
      subject.side = *std::move(side);
      subject.is_need = request.criteria().want() == v1::RECORD_KIND_OFFER;
      return subject;
    }
    case v1::MatchRequest::SUBJECT_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "subject: give a need (need=ORIGIN/ID), an offer (offer=ORIGIN/ID) or "
      "criteria");
}

}  // namespace

Directory::Directory(const Store* store, const Clock* clock,
                     const SearchOptions& options)
    : store_(store),
      clock_(clock),
      options_(options),
      match_index_(std::make_shared<internal::MatchIndex>(store)) {}

absl::StatusOr<v1::MatchResponse> Directory::MatchAt(
    const v1::MatchRequest& request, absl::Time now,
    const QueryStop& query_stop) const {
  internal::Stopper stop(query_stop,
                         "the match ran past its deadline; narrow it (fewer "
                         "capabilities, or ones of a smaller group)");
  absl::StatusOr<int> page_size =
      internal::EffectivePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  v1::MatchRequest copy = request;
  const uint64_t query = internal::QueryFingerprint(&copy);
  std::optional<MatchPosition> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<MatchPosition> pos =
        DecodeToken(request.page_token(), query);
    if (!pos.ok()) return pos.status();
    after = *std::move(pos);
    now = after->now;  // Rank every page at the first page's time.
  }

  StoreSnapshot snap(*store_);
  absl::StatusOr<Subject> subject = ResolveSubject(snap, request, now);
  if (absl::IsNotFound(subject.status()) &&
      (request.has_need() || request.has_offer())) {
    return WithHolderHint(
        *store_, snap, subject.status(),
        request.has_need() ? request.need() : request.offer());
  }
  if (!subject.ok()) return subject.status();
  const RecordKindInfo* want = FindRecordKind(
      subject->is_need ? v1::RECORD_KIND_OFFER : v1::RECORD_KIND_NEED);
  if (want == nullptr || want->index_letter == '\0') {
    return absl::UnimplementedError("this hub does not hold needs and offers");
  }

  if (absl::Status s = match_index_->CatchUp(snap); !s.ok()) return s;
  std::vector<std::string> keys;
  for (const std::string& c : subject->side.capabilities) {
    keys.push_back(internal::MatchKey(c));
  }
  std::vector<Candidate> passed;
  match_index_->ForEachCandidate(
      !subject->is_need, keys,
      [&](uint64_t doc, const internal::MatchIndex::Entry& e) {
        if (stop.Tick()) return false;
        double score = 0;
        const MatchExclusion excluded =
            subject->is_need ? ScoreOnly(subject->side, e.side, now, &score)
                             : ScoreOnly(e.side, subject->side, now, &score);
        if (excluded == MatchExclusion::kNone) {
          passed.push_back({score, *e.origin, e.record_id, doc});
        }
        return true;
      });
  if (stop.stopped()) return stop.status();

  v1::MatchResponse out;
  out.set_total_count(static_cast<int64_t>(passed.size()));
  if (subject->record.has_value()) {
    *out.mutable_subject() = ToRecord(*subject->record);
  }
  if (after.has_value()) {
    passed.erase(std::remove_if(passed.begin(), passed.end(),
                                [&](const Candidate& c) {
                                  return !Before(after->last, c);
                                }),
                 passed.end());
  }
  const size_t take = std::min<size_t>(passed.size(), *page_size);
  std::partial_sort(passed.begin(), passed.begin() + take, passed.end(),
                    Before);
  // The page's records as of the snapshot, with their features (the index
  // may be a moment ahead of the snapshot).
  for (size_t i = 0; i < take; ++i) {
    absl::StatusOr<std::optional<StoredView>> view = snap.GetDoc(passed[i].doc);
    if (!view.ok()) return view.status();
    if (!view->has_value()) continue;
    const v1::RecordBody& body = (*view)->body;
    MatchScore s;
    if (subject->is_need && body.has_offer()) {
      s = ScoreMatch(subject->side, OfferSide(body.offer()), now);
    } else if (!subject->is_need && body.has_need()) {
      s = ScoreMatch(NeedSide(body.need()), subject->side, now);
    } else {
      continue;
    }
    if (s.excluded != MatchExclusion::kNone) continue;
    v1::MatchHit* hit = out.add_hits();
    *hit->mutable_record() = ToRecord(**view);
    hit->set_score(s.score);
    *hit->mutable_features() = std::move(s.features);
  }
  if (take < passed.size()) {
    out.set_next_page_token(EncodeToken(query, now, passed[take - 1]));
  }
  return out;
}

}  // namespace civhub::node
