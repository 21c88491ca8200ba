#include "gateway/api_params.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sim/records.h"

namespace civhub::gateway {
namespace {

// The string `key` holds in the error body of `status` ("" if none), as
// the JSON has it (escapes kept).
std::string ErrorBodyValue(const absl::Status& status, absl::string_view key) {
  const std::string body = ErrorResponse(status).body;
  const std::string start = absl::StrCat("\"", key, "\":\"");
  size_t at = body.find(start);
  if (at == std::string::npos) return "";
  at += start.size();
  size_t end = at;
  while (end < body.size() && body[end] != '"')
    end += body[end] == '\\' ? 2 : 1;
  return body.substr(at, end - at);
}

std::string FieldOf(const absl::Status& status) {
  return ErrorBodyValue(status, "field");
}

TEST(ParseSearchTest, EveryParameterFillsItsField) {
  absl::StatusOr<v1::SearchRequest> r = ParseSearch({
      {"text", "water"},
      {"kind", "organization"},
      {"country", "KE"},
      {"region", "KE-30"},
      {"topic", "environment"},
      {"type", "ngo"},
      {"lang", "sw"},
      {"identifier", "ke-ngo:OP.218/051"},
      {"member_of", "civhub1abc/net"},
      {"has_member", "civhub1def/org:1"},
      {"near", "-1.29,36.82"},
      {"km", "25"},
      {"page_size", "5"},
      {"page_token", "tok"},
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text(), "water");
  EXPECT_EQ(r->kind(), v1::RECORD_KIND_ORGANIZATION);
  EXPECT_EQ(r->country(), "KE");
  EXPECT_EQ(r->region(), "KE-30");
  EXPECT_EQ(r->topic(), "environment");
  EXPECT_EQ(r->organization_type(), "ngo");
  EXPECT_EQ(r->language(), "sw");
  EXPECT_EQ(r->identifier().scheme(), "ke-ngo");
  EXPECT_EQ(r->identifier().identifier(), "OP.218/051");
  EXPECT_EQ(r->member_of().origin(), "civhub1abc");
  EXPECT_EQ(r->member_of().record_id(), "net");
  EXPECT_EQ(r->has_member().record_id(), "org:1");
  EXPECT_DOUBLE_EQ(r->near().latitude(), -1.29);
  EXPECT_DOUBLE_EQ(r->near().longitude(), 36.82);
  EXPECT_DOUBLE_EQ(r->near().radius_km(), 25);
  EXPECT_EQ(r->page_size(), 5);
  EXPECT_EQ(r->page_token(), "tok");
}

TEST(ParseSearchTest, KindTakesShortAndEnumNames) {
  for (const char* k : {"community", "COMMUNITY", "RECORD_KIND_COMMUNITY"}) {
    absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"kind", k}});
    ASSERT_TRUE(r.ok()) << k;
    EXPECT_EQ(r->kind(), v1::RECORD_KIND_COMMUNITY) << k;
  }
}

// Found in a trial: `civhubctl search --kind org` worked and
// `/v1/search?kind=org` did not.
TEST(ParseSearchTest, KindTakesCivhubctlsShortName) {
  absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"kind", "org"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind(), v1::RECORD_KIND_ORGANIZATION);
  // And a wrong kind's answer offers it.
  EXPECT_TRUE(
      absl::StrContains(ParseSearch({{"kind", "orgs"}}).status().message(),
                        "\"organization\" (\"org\")"));
}

TEST(ParseSearchTest, NearWithoutKmIsTenKm) {
  absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"near", "1,2"}});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->near().radius_km(), 10);
}

TEST(ParseSearchTest, MalformedValuesNameTheirParameter) {
  struct Case {
    QueryParams query;
    const char* field;
  } cases[] = {
      {{{"near", "1"}}, "near"},
      {{{"near", "abc,2"}}, "near"},
      {{{"near", "91,0"}}, "near"},
      {{{"near", "1,2"}, {"km", "far"}}, "km"},
      {{{"near", "1,2"}, {"km", "0"}}, "km"},
      {{{"km", "5"}}, "km"},
      {{{"page_size", "ten"}}, "page_size"},
      {{{"page_size", "-1"}}, "page_size"},
      {{{"kind", "person"}}, "kind"},
      {{{"identifier", "nocolon"}}, "identifier"},
      {{{"member_of", "noslash"}}, "member_of"},
      {{{"has_member", "/id"}}, "has_member"},
      {{{"txet", "water"}}, "txet"},
      {{{"text", "a"}, {"text", "b"}}, "text"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<v1::SearchRequest> r = ParseSearch(c.query);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(r.status()), c.field) << r.status();
    EXPECT_EQ(ErrorResponse(r.status()).status, 400);
  }
}

TEST(ParseSearchTest, MatchmakingFilters) {
  const std::string hub = testing::NewKey().public_key().HubId();
  absl::StatusOr<v1::SearchRequest> r = ParseSearch({
      {"capability", "web"},
      {"organization", hub + "/org-1"},
      {"event", hub + "/techcamp"},
      {"from", "2026-07-01T00:00:00Z"},
      {"to", "2026-08-01T00:00:00-05:00"},
  });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->capability(), "web");
  EXPECT_EQ(r->organization().origin(), hub);
  EXPECT_EQ(r->organization().record_id(), "org-1");
  EXPECT_EQ(r->event().record_id(), "techcamp");
  EXPECT_EQ(r->during().start().seconds(), 1782864000);
  EXPECT_EQ(r->during().end().seconds(), 1785560400);

  r = ParseSearch({{"from", "2026-07-01T00:00:00Z"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->during().end().seconds(), 1782864000 + 366 * 86400);
  // Issue 18: dates alone were refused here though civhubctl took them.
  // from= is the day's midnight UTC, to= includes its day.
  r = ParseSearch({{"from", "2026-07-01"}, {"to", "2026-07-31"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->during().start().seconds(), 1782864000);
  EXPECT_EQ(r->during().end().seconds(), 1782864000 + 31 * 86400 - 1);

  for (const auto& [query, field] :
       std::vector<std::pair<QueryParams, std::string>>{
           {{{"to", "2026-07-01T00:00:00Z"}}, "to"},
           {{{"from", "1 July 2026"}}, "from"},
           {{{"organization", "civhub1nope/org-1"}}, "organization"},
           {{{"event", hub + "/bad id"}}, "event"},
       }) {
    r = ParseSearch(query);
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(FieldOf(r.status()), field) << r.status();
  }
  // The core's window errors name from= and to=.
  EXPECT_EQ(ParamOfField("during.end: is not after during.start"), "to");
  EXPECT_EQ(ParamOfField("during: spans more than 5 years"), "from");
}

TEST(ParseSearchTest, ACountryCodeIsTakenInEitherCase) {
  // Found in a trial: country=ke was refused; a person types it so.
  for (const char* code : {"ke", "Ke", "KE"}) {
    absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"country", code}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->country(), "KE") << code;
  }
  // A country's name stands for its code (found in a trial: an import
  // read "Kenya" in a package, search refused it).
  for (const char* name : {"Perú", "kenya", "PER"}) {
    absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"country", name}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->country(), name[0] == 'k' ? "KE" : "PE") << name;
  }
  // Another value goes on as sent, for the Directory's refusal to quote it
  // (it said "NARNIá" of "Narniá").
  absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"country", "Narniá"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->country(), "Narniá");
}

TEST(ParseSearchTest, ARegionCodeIsTakenInEitherCase) {
  // Found in a trial: region=ke-30 was refused while country=ke was taken.
  for (const char* code : {"ke-30", "Ke-30", "KE-30"}) {
    absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"region", code}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region(), "KE-30") << code;
  }
  for (const char* code : {"pe-lma", "pE-lMa"}) {
    absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"region", code}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->region(), "PE-LMA") << code;
  }
}

TEST(ParseSearchTest, UnknownParameterSaysWhatIsKnown) {
  absl::StatusOr<v1::SearchRequest> r = ParseSearch({{"contry", "KE"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("country"), absl::string_view::npos);
}

TEST(ParseMatchTest, ARecordOrCriteria) {
  absl::StatusOr<v1::MatchRequest> r =
      ParseMatch({{"need", "civhub1abc/site"}, {"page_size", "5"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->need().origin(), "civhub1abc");
  EXPECT_EQ(r->need().record_id(), "site");
  EXPECT_EQ(r->page_size(), 5);
  r = ParseMatch({{"want", "offer"},
                  {"capability", "website, translation"},
                  {"mode", "on-site"},
                  {"near", "-1.29,36.82"},
                  {"km", "40"},
                  {"lang", "sw,en"},
                  {"from", "2027-01-01T00:00:00Z"},
                  {"to", "2027-03-01T00:00:00Z"},
                  {"hours", "60"}});
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::MatchCriteria& c = r->criteria();
  EXPECT_EQ(c.want(), v1::RECORD_KIND_OFFER);
  ASSERT_EQ(c.capabilities_size(), 2);
  EXPECT_EQ(c.capabilities(1), "translation");
  EXPECT_EQ(c.mode(), "on-site");
  EXPECT_EQ(c.near().radius_km(), 40);
  EXPECT_EQ(c.languages_size(), 2);
  EXPECT_TRUE(c.window().has_start() && c.window().has_end());
  EXPECT_EQ(c.hours(), 60u);
}

TEST(ParseMatchTest, ErrorsNameTheParameter) {
  EXPECT_EQ(FieldOf(ParseMatch({}).status()), "need");
  EXPECT_EQ(FieldOf(ParseMatch({{"need", "x/y"}, {"offer", "x/z"}}).status()),
            "offer");
  EXPECT_EQ(
      FieldOf(ParseMatch({{"need", "x/y"}, {"capability", "web"}}).status()),
      "capability");
  EXPECT_EQ(FieldOf(ParseMatch({{"want", "offers-please"}}).status()), "want");
  EXPECT_EQ(FieldOf(ParseMatch({{"want", "need"}, {"km", "5"}}).status()),
            "km");
  EXPECT_EQ(FieldOf(ParseMatch({{"want", "need"}, {"hours", "-1"}}).status()),
            "hours");
  EXPECT_EQ(FieldOf(ParseMatch({{"want", "need"}, {"text", "x"}}).status()),
            "text");
  // The Directory's criteria errors, in the API's names.
  const std::pair<const char*, const char*> cases[] = {
      {"criteria.capabilities[1]: \"Web\" is not", "capability"},
      {"criteria.languages[0]: \"xx\" is not", "lang"},
      {"criteria.window.end: must be after", "to"},
      {"criteria.near.radius_km: must be", "km"},
      {"criteria.near.latitude: must be", "near"},
      {"criteria.mode: must be", "mode"},
      {"need.origin: is required", "need"},
  };
  for (const auto& [message, field] : cases) {
    EXPECT_EQ(
        FieldOf(MatchErrorInApiNames(absl::InvalidArgumentError(message))),
        field)
        << message;
  }
  EXPECT_EQ(ErrorBodyValue(MatchErrorInApiNames(absl::InvalidArgumentError(
                               "criteria.capabilities[1]: \"Web\" is not")),
                           "message"),
            "capability: \\\"Web\\\" is not");
}

TEST(ParsePagingTest, TakesOnlyPaging) {
  int32_t size = 0;
  std::string token;
  EXPECT_TRUE(
      ParsePaging({{"page_size", "3"}, {"page_token", "t"}}, &size, &token)
          .ok());
  EXPECT_EQ(size, 3);
  EXPECT_EQ(token, "t");
  EXPECT_EQ(FieldOf(ParsePaging({{"text", "x"}}, &size, &token)), "text");
}

TEST(ParseFeedTest, LastEventIdWinsOverAfter) {
  http::Request request;
  request.query = {{"after", "5"}};
  EXPECT_EQ(ParseFeed(request)->after, 5u);
  EXPECT_EQ(ParseFeed(request)->format, FeedFormat::kNdjson);
  request.headers = {{"last-event-id", "9"}, {"accept", "text/event-stream"}};
  EXPECT_EQ(ParseFeed(request)->after, 9u);
  EXPECT_EQ(ParseFeed(request)->format, FeedFormat::kSse);
  request.query = {{"format", "ndjson"}};
  EXPECT_EQ(ParseFeed(request)->format, FeedFormat::kNdjson);
  request.headers = {{"last-event-id", "x"}};
  EXPECT_EQ(FieldOf(ParseFeed(request).status()), "Last-Event-ID");
  request.headers.clear();
  request.query = {{"after", "-1"}};
  EXPECT_EQ(FieldOf(ParseFeed(request).status()), "after");
  request.query = {{"format", "xml"}};
  EXPECT_EQ(FieldOf(ParseFeed(request).status()), "format");
}

// ?after= (a client with no cursor yet) was refused, though docs/api.md
// says absent means the whole directory.
TEST(ParseFeedTest, AnEmptyCursorMeansFromTheStart) {
  http::Request request;
  request.query = {{"after", ""}};
  ASSERT_TRUE(ParseFeed(request).ok()) << ParseFeed(request).status();
  EXPECT_EQ(ParseFeed(request)->after, 0u);
}

TEST(ErrorMappingTest, CodesMapToStatuses) {
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted, true), 413);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnknown), 500);
}

TEST(ErrorMappingTest, CoreFieldsBecomeQueryParameters) {
  EXPECT_EQ(ParamOfField("organization_type: unknown code"), "type");
  EXPECT_EQ(ParamOfField("language: expected ISO 639-1"), "lang");
  EXPECT_EQ(ParamOfField("near.radius_km: too large"), "km");
  EXPECT_EQ(ParamOfField("near.latitude: out of range"), "near");
  EXPECT_EQ(ParamOfField("member_of.origin: bad checksum"), "member_of");
  EXPECT_EQ(ParamOfField("country: expected ISO 3166-1"), "country");
  EXPECT_EQ(ParamOfField("page_token: does not match"), "page_token");
  EXPECT_EQ(ParamOfField("community.record_id: too long"), "id");
  EXPECT_EQ(ParamOfField("record X is not on this hub"), "");
}

TEST(ErrorMappingTest, MessagesNameTheParameterTheirFieldNames) {
  struct Case {
    const char* core;
    const char* http;
    const char* field;
  } cases[] = {
      {"language: xx is not an ISO 639-1 code",
       "lang: xx is not an ISO 639-1 code", "lang"},
      {"organization_type: ngoo is not an organization type code",
       "type: ngoo is not an organization type code", "type"},
      {"topic: helth is not a topic code", "topic: helth is not a topic code",
       "topic"},
      {"identifier: needs both scheme and identifier",
       "identifier: needs both scheme and identifier", "identifier"},
      {"member_of.origin: is required", "member_of: ORIGIN is required",
       "member_of"},
      {"has_member.record_id: is longer than 128 characters",
       "has_member: RECORD_ID is longer than 128 characters", "has_member"},
      {"near.latitude: must be within [-90, 90]",
       "near: LAT must be within [-90, 90]", "near"},
      {"near.radius_km: must be within (0, 20040]",
       "km: must be within (0, 20040]", "km"},
      {"page_size: must not be negative", "page_size: must not be negative",
       "page_size"},
      {"page_token: is not a page token issued by this hub",
       "page_token: is not a page token issued by this hub", "page_token"},
      {"organization.record_id: is required", "id: is required", "id"},
      {"community.origin: hub id x is too short",
       "origin: hub id x is too short", "origin"},
  };
  for (const Case& c : cases) {
    absl::Status status = absl::InvalidArgumentError(c.core);
    EXPECT_EQ(ErrorBodyValue(status, "message"), c.http) << c.core;
    EXPECT_EQ(FieldOf(status), c.field) << c.core;
  }
  // Not a field's error: unchanged.
  EXPECT_EQ(HttpMessageOf("record a/b is not on this hub"),
            "record a/b is not on this hub");
}

TEST(ErrorMappingTest, ErrorBodyHasCodeMessageField) {
  http::Response r =
      ErrorResponse(absl::InvalidArgumentError("country: expected XX"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"country: expected "
            "XX\",\"field\":\"country\"}\n");
  r = ErrorResponse(absl::NotFoundError("record a/b is not on this hub"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("field"), std::string::npos);
  r = ErrorResponse(absl::ResourceExhaustedError("too many calls"));
  EXPECT_EQ(r.status, 429);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "retry-after");
}

}  // namespace
}  // namespace civhub::gateway
