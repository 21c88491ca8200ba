#include "gateway/api_params.h"

#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "crypto/keys.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"
#include "node/records/time_text.h"
#include "node/records/validate.h"

namespace civhub::gateway {

std::string CodeInEitherCase(absl::string_view value,
                             bool (*is_code)(absl::string_view)) {
  std::string upper = absl::AsciiStrToUpper(value);
  return is_code(upper) ? upper : std::string(value);
}

std::string CountryInAnyForm(absl::string_view value) {
  std::optional<absl::string_view> code = node::CountryCodeFor(value);
  return std::string(code.value_or(value));
}

namespace {

constexpr double kDefaultKm = 10;

const std::vector<absl::string_view>& SearchParams() {
  static const auto* const params = new std::vector<absl::string_view>{
      "text",        "kind",         "country",    "region",    "topic",
      "type",        "lang",         "identifier", "member_of", "has_member",
      "provided_by", "near",         "km",         "page_size", "page_token",
      "capability",  "organization", "event",      "from",      "to"};
  return *params;
}

absl::StatusOr<v1::RecordKind> ParseKind(absl::string_view value) {
  const std::string folded = absl::AsciiStrToLower(value);
  if (folded.empty() || folded == "record_kind_unspecified") {
    return v1::RECORD_KIND_UNSPECIFIED;
  }
  // "service", or the enum's name ("RECORD_KIND_SERVICE") as the gRPC JSON
  // mapping writes it.
  absl::string_view lower = folded;
  absl::ConsumePrefix(&lower, "record_kind_");
  std::vector<std::string> names;
  for (const node::RecordKindInfo& k : node::RecordKinds()) {
    if (!k.searchable) continue;
    // Or civhubctl's short name ("org"), as `civhubctl search --kind` takes.
    if (k.name == lower || (!k.command.empty() && k.command == lower)) {
      return k.api_kind;
    }
    names.push_back(absl::StrCat("\"", k.name, "\"",
                                 !k.command.empty() && k.command != k.name
                                     ? absl::StrCat(" (\"", k.command, "\")")
                                     : ""));
  }
  return ParamError("kind",
                    absl::StrCat("expected ", node::JoinAlternatives(names),
                                 ", got \"", value, "\""));
}

absl::Status ParseRef(absl::string_view param, absl::string_view value,
                      v1::RecordRef* ref) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(value, absl::MaxSplits('/', 1));
  if (parts.first.empty() || parts.second.empty()) {
    return ParamError(param, absl::StrCat("expected ORIGIN/RECORD_ID (a hub "
                                          "id, a slash, a record id), got \"",
                                          value, "\""));
  }
  ref->set_origin(std::string(parts.first));
  ref->set_record_id(std::string(parts.second));
  return absl::OkStatus();
}

// ORIGIN/RECORD_ID, checked here: the core's "organization.origin" errors
// would name the list endpoints' path parameters (SplitFieldOf).
absl::Status ParseCheckedRef(absl::string_view param, absl::string_view value,
                             v1::RecordRef* ref) {
  if (absl::Status s = ParseRef(param, value, ref); !s.ok()) return s;
  if (absl::StatusOr<crypto::PublicKey> key =
          crypto::PublicKey::FromHubId(ref->origin());
      !key.ok()) {
    return ParamError(param, absl::StrCat("ORIGIN ", key.status().message()));
  }
  if (absl::Status s = node::ValidateRecordId(ref->record_id(), "RECORD_ID");
      !s.ok()) {
    return ParamError(param, s.message());
  }
  return absl::OkStatus();
}

// An RFC 3339 time ("2026-07-01T00:00:00Z", "2026-07-01T09:00:00-05:00"),
// or a date alone: from= its start, to= the day included (time_text.h).
absl::Status ParseTimestamp(absl::string_view param, absl::string_view value,
                            google::protobuf::Timestamp* ts) {
  std::optional<absl::Time> t = node::ParseTimeOrDate(
      value, param == "to" ? node::DateMeans::kEndOfDay
                           : node::DateMeans::kStartOfDay);
  if (!t) {
    return ParamError(param, absl::StrCat("expected a date (\"2026-07-01\") "
                                          "or an RFC 3339 time "
                                          "(\"2026-07-01T09:00:00-05:00\"), "
                                          "got \"",
                                          value, "\""));
  }
  ts->set_seconds(absl::ToUnixSeconds(*t));
  return absl::OkStatus();
}

bool ParseDouble(absl::string_view s, double* out) {
  s = absl::StripAsciiWhitespace(s);
  return absl::SimpleAtod(s, out) && std::isfinite(*out);
}

absl::Status ParseNear(absl::string_view value, v1::GeoCircle* near) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(value, absl::MaxSplits(',', 1));
  double lat, lon;
  if (!ParseDouble(parts.first, &lat) || !ParseDouble(parts.second, &lon)) {
    return ParamError("near", absl::StrCat("expected LAT,LON in decimal "
                                           "degrees (\"-1.29,36.82\"), got \"",
                                           value, "\""));
  }
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    return ParamError("near",
                      "latitude must be within -90..90 and longitude "
                      "within -180..180");
  }
  near->set_latitude(lat);
  near->set_longitude(lon);
  return absl::OkStatus();
}

absl::Status ParsePageSize(absl::string_view value, int32_t* page_size) {
  int32_t n;
  if (!absl::SimpleAtoi(value, &n) || n < 0) {
    return ParamError("page_size",
                      absl::StrCat("expected a whole number of results a "
                                   "page (0: the default, 20; more than 100 "
                                   "are capped at 100), got \"",
                                   value, "\""));
  }
  *page_size = n;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParamError(absl::string_view param, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(param, ": ", what));
}

absl::Status CheckParams(const QueryParams& query,
                         const std::vector<absl::string_view>& known) {
  for (size_t i = 0; i < query.size(); ++i) {
    const std::string& name = query[i].first;
    bool ok = false;
    for (absl::string_view k : known) ok = ok || k == name;
    if (!ok) {
      return ParamError(
          name, known.empty()
                    ? std::string("this path takes no query parameters")
                    : absl::StrCat("unknown parameter; this path takes ",
                                   absl::StrJoin(known, ", ")));
    }
    for (size_t j = 0; j < i; ++j) {
      if (query[j].first == name) {
        return ParamError(name, "given more than once; give it once");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SearchRequest> ParseSearch(const QueryParams& query) {
  if (absl::Status s = CheckParams(query, SearchParams()); !s.ok()) return s;
  v1::SearchRequest request;
  bool has_near = false;
  const std::string* km = nullptr;
  for (const auto& [name, value] : query) {
    if (name == "text") {
      request.set_text(value);
    } else if (name == "kind") {
      absl::StatusOr<v1::RecordKind> kind = ParseKind(value);
      if (!kind.ok()) return kind.status();
      request.set_kind(*kind);
    } else if (name == "country") {
      // The Directory refuses a non-code naming the parameter and the
      // codes it may have meant.
      request.set_country(CountryInAnyForm(value));
    } else if (name == "region") {
      request.set_region(CodeInEitherCase(value, node::IsRegionCode));
    } else if (name == "topic") {
      request.set_topic(value);
    } else if (name == "type") {
      request.set_organization_type(value);
    } else if (name == "lang") {
      request.set_language(value);
    } else if (name == "identifier") {
      std::pair<absl::string_view, absl::string_view> parts =
          absl::StrSplit(value, absl::MaxSplits(':', 1));
      if (parts.first.empty() || parts.second.empty()) {
        return ParamError("identifier",
                          absl::StrCat("expected SCHEME:ID (\"KE-NGO:OP."
                                       "218/051/2003/0210/1234\"; the scheme "
                                       "in any case), got \"",
                                       value, "\""));
      }
      request.mutable_identifier()->set_scheme(std::string(parts.first));
      request.mutable_identifier()->set_identifier(std::string(parts.second));
    } else if (name == "member_of") {
      if (absl::Status s = ParseRef(name, value, request.mutable_member_of());
          !s.ok()) {
        return s;
      }
    } else if (name == "has_member") {
      if (absl::Status s = ParseRef(name, value, request.mutable_has_member());
          !s.ok()) {
        return s;
      }
    } else if (name == "provided_by") {
      if (absl::Status s = ParseRef(name, value, request.mutable_provided_by());
          !s.ok()) {
        return s;
      }
    } else if (name == "capability") {
      request.set_capability(value);
    } else if (name == "organization" || name == "event") {
      if (absl::Status s =
              ParseCheckedRef(name, value,
                              name == "event" ? request.mutable_event()
                                              : request.mutable_organization());
          !s.ok()) {
        return s;
      }
    } else if (name == "from" || name == "to") {
      if (absl::Status s = ParseTimestamp(
              name, value,
              name == "from" ? request.mutable_during()->mutable_start()
                             : request.mutable_during()->mutable_end());
          !s.ok()) {
        return s;
      }
    } else if (name == "near") {
      if (absl::Status s = ParseNear(value, request.mutable_near()); !s.ok()) {
        return s;
      }
      has_near = true;
    } else if (name == "km") {
      km = &value;
    } else if (name == "page_size") {
      int32_t n;
      if (absl::Status s = ParsePageSize(value, &n); !s.ok()) return s;
      request.set_page_size(n);
    } else if (name == "page_token") {
      request.set_page_token(value);
    }
  }
  if (request.has_during()) {
    // from alone: the year after it; to alone is refused.
    if (!request.during().has_start()) {
      return ParamError("to", "needs from=TIME (the start of the window)");
    }
    if (!request.during().has_end()) {
      request.mutable_during()->mutable_end()->set_seconds(
          request.during().start().seconds() + 366 * 24 * 3600);
    }
  }
  if (km != nullptr) {
    double radius;
    if (!ParseDouble(*km, &radius) || radius <= 0 || radius > 20040) {
      return ParamError("km", absl::StrCat("expected a radius in kilometres, "
                                           "more than 0 and at most 20040, "
                                           "got \"",
                                           *km, "\""));
    }
    if (!has_near) {
      return ParamError("km", "needs near=LAT,LON (the centre of the circle)");
    }
    request.mutable_near()->set_radius_km(radius);
  } else if (has_near) {
    request.mutable_near()->set_radius_km(kDefaultKm);
  }
  return request;
}

absl::Status ParsePaging(const QueryParams& query, int32_t* page_size,
                         std::string* page_token) {
  if (absl::Status s = CheckParams(query, {"page_size", "page_token"});
      !s.ok()) {
    return s;
  }
  for (const auto& [name, value] : query) {
    if (name == "page_size") {
      if (absl::Status s = ParsePageSize(value, page_size); !s.ok()) return s;
    } else {
      *page_token = value;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<FeedRequest> ParseFeed(const http::Request& request) {
  FeedRequest feed;
  auto cursor = [](absl::string_view param, absl::string_view value,
                   uint64_t* out) -> absl::Status {
    // Empty, as a client that has no cursor yet may send it: from the start.
    if (value.empty()) {
      *out = 0;
      return absl::OkStatus();
    }
    if (!absl::SimpleAtoi(value, out)) {
      return ParamError(param, absl::StrCat("expected a change cursor (a "
                                            "whole number, 0 for the whole "
                                            "directory), got \"",
                                            value, "\""));
    }
    return absl::OkStatus();
  };
  if (const std::string* id = request.Header("last-event-id")) {
    if (absl::Status s = cursor("Last-Event-ID", *id, &feed.after); !s.ok()) {
      return s;
    }
  } else if (const std::string* after = request.Param("after")) {
    if (absl::Status s = cursor("after", *after, &feed.after); !s.ok()) {
      return s;
    }
  }
  const std::string* format = request.Param("format");
  if (format != nullptr) {
    if (*format == "sse") {
      feed.format = FeedFormat::kSse;
    } else if (*format != "ndjson") {
      return ParamError("format", absl::StrCat("expected \"sse\" or "
                                               "\"ndjson\", got \"",
                                               *format, "\""));
    }
  } else if (const std::string* accept = request.Header("accept");
             accept != nullptr &&
             absl::StrContains(*accept, "text/event-stream")) {
    feed.format = FeedFormat::kSse;
  }
  return feed;
}

int HttpStatusOf(absl::StatusCode code, bool too_large) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return too_large ? 413 : 429;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    default:
      return 500;
  }
}

namespace {

// A core error's "field: what" message, split and named for HTTP.
struct FieldOfMessage {
  std::string param;  // The query or path parameter; "" if none.
  // The part of the field the parameter does not name: "" or its
  // placeholder in the parameter's documented form ("LAT" of near=LAT,LON).
  std::string part;
  absl::string_view what;  // The message after "field: ".
};

FieldOfMessage SplitFieldOf(absl::string_view message) {
  FieldOfMessage out;
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return out;
  absl::string_view field = message.substr(0, colon);
  for (char c : field) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-')) {
      return out;
    }
  }
  out.what = message.substr(colon + 2);
  absl::string_view head = field.substr(0, field.find('.'));
  absl::string_view rest =
      head.size() < field.size() ? field.substr(head.size() + 1) : "";
  if (head == "organization_type") {
    out.param = "type";
  } else if (head == "language") {
    out.param = "lang";
  } else if (head == "near" && rest == "radius_km") {
    out.param = "km";
    rest = "";
  } else if (head == "organization" && rest.empty()) {
    // Search's organization=ORIGIN/ID (ParseCheckedRef).
    out.param = "organization";
  } else if (head == "community" || head == "organization") {
    // The list endpoints' path: /v1/…/{origin}/{id}/….
    out.param = rest == "origin" ? "origin" : "id";
    rest = "";
  } else if (head == "during") {
    // Search's window: from=, to=.
    out.param = rest == "end" ? "to" : "from";
    rest = "";
  } else if (head == "request") {
    out.param = std::string(rest);
    rest = "";
  } else {
    out.param = std::string(head);
  }
  static constexpr std::pair<absl::string_view, absl::string_view> kParts[] = {
      {"origin", "ORIGIN"}, {"record_id", "RECORD_ID"}, {"latitude", "LAT"},
      {"longitude", "LON"}, {"scheme", "SCHEME"},       {"identifier", "ID"}};
  if (!rest.empty()) {
    out.part = absl::AsciiStrToUpper(rest);
    for (const auto& [name, placeholder] : kParts) {
      if (rest == name) out.part = std::string(placeholder);
    }
  }
  return out;
}

}  // namespace

std::string ParamOfField(absl::string_view message) {
  return SplitFieldOf(message).param;
}

std::string HttpMessageOf(absl::string_view message) {
  FieldOfMessage f = SplitFieldOf(message);
  if (f.param.empty()) return std::string(message);
  if (f.part.empty()) return absl::StrCat(f.param, ": ", f.what);
  return absl::StrCat(f.param, ": ", f.part, " ", f.what);
}

http::Response ErrorResponse(const absl::Status& status) {
  const bool too_large =
      status.code() == absl::StatusCode::kResourceExhausted &&
      (absl::StrContains(status.message(), "too large") ||
       absl::StrContains(status.message(), "too long"));
  std::string code = absl::StatusCodeToString(status.code());
  // absl spells the codes "INVALID_ARGUMENT" etc. already.
  const bool names_field =
      status.code() == absl::StatusCode::kInvalidArgument ||
      status.code() == absl::StatusCode::kOutOfRange ||
      status.code() == absl::StatusCode::kFailedPrecondition;
  http::Response response =
      http::JsonError(HttpStatusOf(status.code(), too_large), code,
                      names_field ? HttpMessageOf(status.message())
                                  : std::string(status.message()),
                      names_field ? ParamOfField(status.message()) : "");
  if (status.code() == absl::StatusCode::kResourceExhausted && !too_large) {
    response.headers.emplace_back("retry-after", "1");
  }
  if (status.code() == absl::StatusCode::kUnavailable) {
    response.headers.emplace_back("retry-after", "60");
  }
  return response;
}

namespace {

const std::vector<absl::string_view>& MatchParams() {
  static const auto* const params = new std::vector<absl::string_view>{
      "need", "offer", "want", "capability", "mode",      "near",      "km",
      "lang", "from",  "to",   "hours",      "page_size", "page_token"};
  return *params;
}

// "a,b" as its non-empty items.
std::vector<std::string> CommaList(absl::string_view value) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

}  // namespace

absl::StatusOr<v1::MatchRequest> ParseMatch(const QueryParams& query) {
  if (absl::Status s = CheckParams(query, MatchParams()); !s.ok()) return s;
  v1::MatchRequest request;
  v1::MatchCriteria criteria;
  std::string subject;          // The parameter naming it.
  std::string first_criterion;  // The first ad-hoc parameter given.
  const std::string* km = nullptr;
  for (const auto& [name, value] : query) {
    if (name == "need" || name == "offer" || name == "want") {
      if (!subject.empty()) {
        return ParamError(name, absl::StrCat("give one of need, offer and "
                                             "want (",
                                             subject, " is given)"));
      }
      subject = name;
    } else if (name != "page_size" && name != "page_token" &&
               first_criterion.empty()) {
      first_criterion = name;
    }
    if (name == "need" || name == "offer") {
      if (absl::Status s = ParseRef(name, value,
                                    name == "need" ? request.mutable_need()
                                                   : request.mutable_offer());
          !s.ok()) {
        return s;
      }
    } else if (name == "want") {
      if (value == "offer" || value == "offers") {
        criteria.set_want(v1::RECORD_KIND_OFFER);
      } else if (value == "need" || value == "needs") {
        criteria.set_want(v1::RECORD_KIND_NEED);
      } else {
        return ParamError("want", absl::StrCat("expected \"offer\" (offers "
                                               "for these criteria) or "
                                               "\"need\", got \"",
                                               value, "\""));
      }
    } else if (name == "capability") {
      for (std::string& c : CommaList(value)) {
        criteria.add_capabilities(std::move(c));
      }
    } else if (name == "mode") {
      criteria.set_mode(value);
    } else if (name == "near") {
      if (absl::Status s = ParseNear(value, criteria.mutable_near()); !s.ok()) {
        return s;
      }
    } else if (name == "km") {
      km = &value;
    } else if (name == "lang") {
      for (std::string& l : CommaList(value)) {
        criteria.add_languages(std::move(l));
      }
    } else if (name == "from" || name == "to") {
      if (absl::Status s = ParseTimestamp(
              name, value,
              name == "from" ? criteria.mutable_window()->mutable_start()
                             : criteria.mutable_window()->mutable_end());
          !s.ok()) {
        return s;
      }
    } else if (name == "hours") {
      uint32_t hours;
      if (!absl::SimpleAtoi(value, &hours)) {
        return ParamError("hours",
                          absl::StrCat("expected a whole number of hours "
                                       "(needed, or available a month with "
                                       "want=need), got \"",
                                       value, "\""));
      }
      criteria.set_hours(hours);
    } else if (name == "page_size") {
      int32_t n;
      if (absl::Status s = ParsePageSize(value, &n); !s.ok()) return s;
      request.set_page_size(n);
    } else if (name == "page_token") {
      request.set_page_token(value);
    }
  }
  if (subject.empty()) {
    return ParamError("need",
                      "give need=ORIGIN/ID (offers for a need), "
                      "offer=ORIGIN/ID (needs for an offer) or "
                      "want=offer|need with capability=… (ad-hoc criteria)");
  }
  if (subject != "want") {
    if (!first_criterion.empty()) {
      return ParamError(
          first_criterion,
          absl::StrCat("is a criterion for want=; with ", subject, "= the ",
                       subject, "'s own fields are matched"));
    }
    return request;
  }
  if (km != nullptr) {
    double radius;
    if (!ParseDouble(*km, &radius) || radius <= 0 || radius > 20040) {
      return ParamError("km", absl::StrCat("expected a radius in kilometres, "
                                           "more than 0 and at most 20040, "
                                           "got \"",
                                           *km, "\""));
    }
    if (!criteria.has_near()) {
      return ParamError("km", "needs near=LAT,LON (where the work is)");
    }
    criteria.mutable_near()->set_radius_km(radius);
  }
  *request.mutable_criteria() = std::move(criteria);
  return request;
}

absl::Status MatchErrorInApiNames(const absl::Status& status) {
  absl::string_view message = status.message();
  if (!absl::ConsumePrefix(&message, "criteria.")) return status;
  static constexpr std::pair<absl::string_view, absl::string_view> kNames[] = {
      {"capabilities", "capability"},
      {"languages", "language"},
      {"window.start", "during.start"},
      {"window.end", "during.end"}};
  std::string renamed(message);
  for (const auto& [field, param] : kNames) {
    if (absl::StartsWith(message, field)) {
      absl::string_view rest = message.substr(field.size());
      if (absl::ConsumePrefix(&rest, "[")) {
        rest = rest.substr(std::min(rest.size(), rest.find(']') + 1));
      }
      renamed = absl::StrCat(param, rest);
      break;
    }
  }
  return absl::Status(status.code(), renamed);
}

}  // namespace civhub::gateway
