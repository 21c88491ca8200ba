#include "node/records/validate.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::MakeOrganization;
using testing::OrgSpec;
using testing::TestNow;

constexpr auto kInvalid = StatusCode::kInvalidArgument;

ValidationOptions Strict() { return {TestNow(), true}; }
ValidationOptions Lenient() { return {TestNow(), false}; }

v1::RecordBody Body(v1::Organization org) {
  v1::RecordBody body;
  body.set_origin(std::string(32, '\x01'));
  body.set_record_id("org-1");
  body.set_version(1);
  body.set_sequence(1);
  body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(TestNow()));
  *body.mutable_organization() = std::move(org);
  return body;
}

TEST(Validate, AcceptsRealisticOrganization) {
  OrgSpec spec;
  spec.region = "KE-30";
  spec.lat_lon = {{-1.28, 36.82}};
  v1::Organization org = MakeOrganization(spec);
  auto* id = org.add_identifiers();
  id->set_scheme("KE-NGO");
  id->set_identifier("OP.218/051/2004/0412");
  org.set_website("https://majisafi.example.org/about?lang=sw");
  org.set_email("info@majisafi.example.org");
  org.set_phone("+254 20 123 4567");
  org.add_languages("sw");
  org.add_areas_served("KE-30");
  org.add_areas_served("TZ");
  org.set_year_incorporated(2004);
  EXPECT_OK(ValidateRecordBody(Body(org), Strict()));
}

TEST(Validate, LinkLatencyIsBounded) {
  v1::RecordBody body;
  v1::PeerLink* link = body.mutable_peer_link();
  link->set_peer(testing::NewKey().public_key().HubId());
  link->set_link_id(std::string(kLinkIdBytes, 'L'));
  link->set_peer_signature(std::string(crypto::kSignatureSize, 's'));
  body.set_record_id(absl::StrCat(kLinkRecordPrefix, link->peer()));
  EXPECT_OK(ValidatePeerLinkRecord(body, Strict()));  // Not measured: 0.
  link->set_latency_micros(kMaxLinkLatencyMicros);
  EXPECT_OK(ValidatePeerLinkRecord(body, Strict()));
  link->set_latency_micros(kMaxLinkLatencyMicros + 1);
  EXPECT_STATUS(ValidatePeerLinkRecord(body, Strict()), kInvalid,
                "peer_link.latency_micros: 10000001 is more than 10000000 "
                "(10 s)");
}

TEST(Validate, NamesTheFieldOfBadCodes) {
  OrgSpec spec;
  spec.country = "XX";
  EXPECT_STATUS(
      ValidateOrganization(MakeOrganization(spec), Strict()), kInvalid,
      "organization.locations[0].country: \"XX\" is not an ISO 3166-1 "
      "alpha-2 code");
  spec.country = "Kenya";
  EXPECT_STATUS(
      ValidateOrganization(MakeOrganization(spec), Strict()), kInvalid,
      "organization.locations[0].country: \"Kenya\" is not an ISO 3166-1 "
      "alpha-2 code; Kenya is KE");
  spec.country = "KE";
  spec.region = "TZ-01";
  EXPECT_STATUS(
      ValidateOrganization(MakeOrganization(spec), Strict()), kInvalid,
      "organization.locations[0].region: \"TZ-01\" is not in country KE");
  spec.region = "";
  spec.lang = "english";
  EXPECT_STATUS(ValidateOrganization(MakeOrganization(spec), Strict()),
                kInvalid,
                "organization.names[0].lang: \"english\" is not an ISO 639-1");
}

TEST(Validate, RequiresAName) {
  v1::Organization org = MakeOrganization({});
  org.clear_names();
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.names: at least one entry is required");
  org = MakeOrganization({});
  org.mutable_names(0)->set_text("   ");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.names[0].text: is required");
}

TEST(Validate, ChecksCoordinates) {
  OrgSpec spec;
  spec.lat_lon = {{91, 10}};
  EXPECT_STATUS(ValidateOrganization(MakeOrganization(spec), Strict()),
                kInvalid,
                "organization.locations[0].latitude: 91 is outside [-90, 90]");
  spec.lat_lon = {{10, -181}};
  EXPECT_STATUS(ValidateOrganization(MakeOrganization(spec), Strict()),
                kInvalid, "organization.locations[0].longitude");
  v1::Organization org = MakeOrganization({});
  org.mutable_locations(0)->set_latitude(1);
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "latitude and longitude must be given together");
}

TEST(Validate, ChecksUrlEmailPhone) {
  v1::Organization org = MakeOrganization({});
  org.set_website("ftp://example.org");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.website: \"ftp://example.org\" must start with");
  org.set_website("https://exa mple.org");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.website");
  org.set_website("https://user:pw@example.org");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid, "credentials");
  org.set_website("https://example.org");
  org.set_email("not-an-email");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.email: \"not-an-email\" is not an email address");
  org.set_email("a@b");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.email");
  org.set_email("a@example.org");
  org.set_phone("call us");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.phone");
}

TEST(Validate, TaxonomyIsStrictOnlyForLocalPublishes) {
  OrgSpec spec;
  spec.topics = {"enviroment"};  // Misspelt.
  v1::Organization org = MakeOrganization(spec);
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.topics[0]: \"enviroment\" is not a known topic");
  // Another hub may run a newer taxonomy: accept well-formed codes.
  EXPECT_OK(ValidateOrganization(org, Lenient()));
  spec.topics = {"x-mangrove-restoration"};
  EXPECT_OK(ValidateOrganization(MakeOrganization(spec), Strict()));
  spec.topics = {"Bad Code"};
  EXPECT_STATUS(ValidateOrganization(MakeOrganization(spec), Lenient()),
                kInvalid, "is not a code");
  spec.topics = {"health", "health"};
  EXPECT_STATUS(ValidateOrganization(MakeOrganization(spec), Strict()),
                kInvalid,
                "organization.topics[1]: \"health\" appears more than once");
}

TEST(Validate, RejectsDuplicateIdentifiersAndLanguages) {
  v1::Organization org = MakeOrganization({});
  for (int i = 0; i < 2; ++i) {
    auto* id = org.add_identifiers();
    id->set_scheme("GB-CHC");
    id->set_identifier("1234567");
  }
  EXPECT_STATUS(
      ValidateOrganization(org, Strict()), kInvalid,
      "organization.identifiers[1]: identifier GB-CHC 1234567 appears "
      "more than once");
  org.clear_identifiers();
  auto* id = org.add_identifiers();
  id->set_scheme("gb-chc");
  id->set_identifier("1");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "organization.identifiers[0].scheme");
  org.clear_identifiers();
  auto* second = org.add_names();
  second->set_lang("en");
  second->set_text("Again");
  EXPECT_STATUS(
      ValidateOrganization(org, Strict()), kInvalid,
      "organization.names[1].lang: language \"en\" appears more than once");
}

TEST(Validate, LimitsLengths) {
  v1::Organization org = MakeOrganization({});
  org.mutable_names(0)->set_text(std::string(201, 'a'));
  EXPECT_STATUS(
      ValidateOrganization(org, Strict()), kInvalid,
      "organization.names[0].text: has 201 characters; the limit is 200");
  org = MakeOrganization({});
  org.mutable_names(0)->set_text("tab\tin name");
  EXPECT_STATUS(ValidateOrganization(org, Strict()), kInvalid,
                "contains a control character");
}

TEST(Validate, ChecksHeaderFields) {
  v1::RecordBody body = Body(MakeOrganization({}));
  body.set_record_id("has/slash");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid, "record_id");
  body = Body(MakeOrganization({}));
  body.set_version(0);
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid, "version");
  body = Body(MakeOrganization({}));
  body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(TestNow()) + 3600);
  EXPECT_STATUS(
      ValidateRecordBody(body, Strict()), kInvalid,
      "issued_at: 2026-06-01T13:00:00+00:00 is more than 10 minutes in "
      "the future");
  body.mutable_issued_at()->set_seconds(86400);
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "before 2024-01-01");
  body = Body(MakeOrganization({}));
  body.clear_organization();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid, "payload");
}

TEST(Validate, RejectsUnknownFieldsAnywhere) {
  v1::RecordBody body = Body(MakeOrganization({}));
  body.mutable_organization()
      ->mutable_locations(0)
      ->GetReflection()
      ->MutableUnknownFields(body.mutable_organization()->mutable_locations(0))
      ->AddVarint(99, 1);
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "organization.locations[0]: unknown field 99");
  // On the body itself, and a body without any.
  v1::RecordBody top = Body(MakeOrganization({}));
  EXPECT_EQ(FindUnknownField(top), "");
  top.GetReflection()->MutableUnknownFields(&top)->AddVarint(98, 1);
  EXPECT_EQ(FindUnknownField(top),
            "body: unknown field 98 (not part of this record format)");
}

TEST(Validate, ChecksCommunityMemberships) {
  crypto::PrivateKey key = testing::NewKey();
  v1::Community c;
  auto* name = c.add_names();
  name->set_lang("es");
  name->set_text("Red de Respuesta a Desastres");
  c.add_topics("disaster-response");
  c.add_region_scope("CL");
  auto* m = c.add_memberships();
  m->mutable_organization()->set_origin(key.public_key().HubId());
  m->mutable_organization()->set_record_id("bomberos");
  m->set_since("2023-04");
  EXPECT_OK(ValidateCommunity(c, Strict()));

  m->set_since("April 2023");
  EXPECT_STATUS(ValidateCommunity(c, Strict()), kInvalid,
                "community.memberships[0].since");
  m->set_since("2023");
  std::string typo = key.public_key().HubId();
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  m->mutable_organization()->set_origin(typo);
  EXPECT_STATUS(ValidateCommunity(c, Strict()), kInvalid,
                "community.memberships[0].organization.origin: hub id");
  m->mutable_organization()->set_origin(key.public_key().HubId());
  *c.add_memberships() = *m;
  EXPECT_STATUS(ValidateCommunity(c, Strict()), kInvalid,
                "community.memberships[1].organization: this organization is "
                "listed more than once");
}

v1::RecordBody ServiceBody(v1::Service svc) {
  v1::RecordBody body = Body({});
  body.set_record_id("svc-1");
  *body.mutable_service() = std::move(svc);
  return body;
}

v1::Service RealisticService(const crypto::PrivateKey& provider) {
  testing::ServiceSpec spec;
  spec.provider_origin = provider.public_key().HubId();
  spec.region = "KE-30";
  spec.lat_lon = {{-1.31, 36.79}};
  v1::Service svc = testing::MakeService(spec);
  auto* d = svc.add_descriptions();
  d->set_lang("en");
  d->set_text("Free drinking water and hygiene kits.\nOpen daily.");
  auto* phone = svc.add_phones();
  phone->set_number("+254 20 123 4567");
  phone->set_extension("12");
  phone->set_type("voice");
  svc.add_languages("sw");
  svc.add_areas_served("KE-30");
  svc.set_minimum_age(0);
  svc.set_maximum_age(120);
  auto* fees = svc.add_fees();
  fees->set_lang("en");
  fees->set_text("Free");
  return svc;
}

TEST(Validate, AcceptsRealisticService) {
  crypto::PrivateKey key = testing::NewKey();
  EXPECT_OK(ValidateRecordBody(ServiceBody(RealisticService(key)), Strict()));
}

TEST(Validate, NamesTheFieldOfBadServices) {
  crypto::PrivateKey key = testing::NewKey();
  const v1::Service good = RealisticService(key);
  struct Case {
    void (*mutate)(v1::Service*);
    const char* error;
  };
  const Case cases[] = {
      {[](v1::Service* s) { s->clear_organization(); },
       "service.organization: is required"},
      {[](v1::Service* s) {
         s->mutable_organization()->set_origin("civhub1x");
       },
       "service.organization.origin"},
      {[](v1::Service* s) {
         s->mutable_organization()->set_record_id("bad id");
       },
       "service.organization.record_id"},
      {[](v1::Service* s) { s->clear_names(); },
       "service.names: at least one entry is required"},
      {[](v1::Service* s) { s->clear_status(); },
       "service.status: is required (one of \"active\", \"inactive\", "
       "\"defunct\" or \"temporarily closed\")"},
      {[](v1::Service* s) { s->set_status("open"); },
       "service.status: \"open\" is not one of"},
      {[](v1::Service* s) { s->set_url("ftp://x.example"); }, "service.url"},
      {[](v1::Service* s) { s->set_email("nobody"); }, "service.email"},
      {[](v1::Service* s) { s->mutable_phones(0)->clear_number(); },
       "service.phones[0].number: is required"},
      {[](v1::Service* s) { s->mutable_phones(0)->set_number("call us"); },
       "service.phones[0].number"},
      {[](v1::Service* s) { s->mutable_phones(0)->set_extension("12a"); },
       "service.phones[0].extension"},
      {[](v1::Service* s) { s->mutable_phones(0)->set_type("pigeon"); },
       "service.phones[0].type: \"pigeon\" is not one of"},
      {[](v1::Service* s) { s->add_languages("xx"); }, "service.languages[1]"},
      {[](v1::Service* s) { s->add_areas_served("Mathare"); },
       "service.areas_served[1]"},
      {[](v1::Service* s) { s->add_topics("water"); },
       "service.topics[1]: \"water\" is not a known topic"},
      {[](v1::Service* s) { s->mutable_locations(0)->clear_id(); },
       "service.locations[0].id: is required"},
      {[](v1::Service* s) { *s->add_locations() = s->locations(0); },
       "service.locations[1].id: \"loc-1\" appears more than once"},
      {[](v1::Service* s) { s->mutable_locations(0)->set_location_id("a/b"); },
       "service.locations[0].location_id"},
      {[](v1::Service* s) { s->mutable_locations(0)->clear_location(); },
       "service.locations[0].location: is required"},
      {[](v1::Service* s) {
         s->mutable_locations(0)->mutable_location()->set_region("TZ-01");
       },
       "service.locations[0].location.region: \"TZ-01\" is not in country "
       "KE"},
      {[](v1::Service* s) { s->set_maximum_age(151); },
       "service.maximum_age: 151 is not an age"},
      {[](v1::Service* s) {
         s->set_minimum_age(18);
         s->set_maximum_age(12);
       },
       "service.maximum_age: 12 is below minimum_age 18"},
  };
  for (const Case& c : cases) {
    v1::Service svc = good;
    c.mutate(&svc);
    EXPECT_STATUS(ValidateRecordBody(ServiceBody(svc), Strict()), kInvalid,
                  c.error);
  }
}

TEST(Validate, OrganizationLocationIdsAndParent) {
  v1::Organization org = MakeOrganization({});
  org.mutable_locations(0)->set_id("hq");
  org.mutable_locations(0)->set_name("Head office");
  *org.add_locations() = org.locations(0);
  EXPECT_STATUS(ValidateRecordBody(Body(org), Strict()), kInvalid,
                "organization.locations[1].id: \"hq\" appears more than once");
  org.mutable_locations(1)->set_id("field office");
  EXPECT_STATUS(ValidateRecordBody(Body(org), Strict()), kInvalid,
                "organization.locations[1].id");
  org.mutable_locations(1)->set_id("field");
  EXPECT_OK(ValidateRecordBody(Body(org), Strict()));

  // A parent on any hub is fine; the record itself is not.
  v1::RecordBody body = Body(org);
  crypto::PrivateKey other = testing::NewKey();
  body.mutable_organization()->mutable_parent()->set_origin(
      other.public_key().HubId());
  body.mutable_organization()->mutable_parent()->set_record_id("org-1");
  EXPECT_OK(ValidateRecordBody(body, Strict()));
  body.mutable_organization()->mutable_parent()->set_origin(
      crypto::HubIdOf(body.origin()));
  body.mutable_organization()->mutable_parent()->set_record_id("federation");
  EXPECT_OK(ValidateRecordBody(body, Strict()));
  body.mutable_organization()->mutable_parent()->set_record_id("org-1");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "organization.parent: an organization cannot be its own "
                "parent");
}

// Needs, offers, events and registrations: a body of `key`'s hub.
class ValidateMatchmaking : public ::testing::Test {
 protected:
  v1::RecordBody Body() const {
    v1::RecordBody body;
    body.set_origin(key_.public_key().bytes());
    body.set_record_id("rec-1");
    body.set_version(1);
    body.set_sequence(1);
    body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(TestNow()));
    return body;
  }
  v1::RecordBody NeedBody() const {
    v1::RecordBody body = Body();
    *body.mutable_need() = testing::MakeNeed(Spec());
    return body;
  }
  v1::RecordBody OfferBody(const std::string& volunteer = "") const {
    v1::RecordBody body = Body();
    *body.mutable_offer() = testing::MakeOffer(Spec(), volunteer);
    return body;
  }
  v1::RecordBody EventBody() const {
    v1::RecordBody body = Body();
    testing::EventSpec spec;
    spec.organizer_origin = hub_id_;
    *body.mutable_event() = testing::MakeEvent(spec);
    return body;
  }
  v1::RecordBody RegistrationBody() const {
    v1::RecordBody body = Body();
    v1::Registration* r = body.mutable_registration();
    r->mutable_event()->set_origin(other_.public_key().HubId());
    r->mutable_event()->set_record_id("techcamp-lima");
    r->mutable_organization()->set_origin(hub_id_);
    r->mutable_organization()->set_record_id("org-1");
    r->set_attendees(3);
    r->set_status("going");
    return body;
  }
  testing::NeedSpec Spec() const {
    testing::NeedSpec spec;
    spec.org_origin = hub_id_;
    return spec;
  }
  static void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
    ts->set_seconds(absl::ToUnixSeconds(t));
  }

  const crypto::PrivateKey key_ = testing::NewKey();
  const crypto::PrivateKey other_ = testing::NewKey();
  const std::string hub_id_ = key_.public_key().HubId();
};

TEST_F(ValidateMatchmaking, AcceptsRealisticRecords) {
  EXPECT_OK(ValidateRecordBody(NeedBody(), Strict()));
  EXPECT_OK(ValidateRecordBody(OfferBody(), Strict()));
  EXPECT_OK(ValidateRecordBody(OfferBody("Ana M."), Strict()));
  EXPECT_OK(ValidateRecordBody(EventBody(), Strict()));
  EXPECT_OK(ValidateRecordBody(RegistrationBody(), Strict()));
  v1::RecordBody remote = NeedBody();
  remote.mutable_need()->mutable_work_place()->Clear();
  remote.mutable_need()->mutable_work_place()->set_mode("remote");
  EXPECT_OK(ValidateRecordBody(remote, Strict()));
}

TEST_F(ValidateMatchmaking, NeedExpiry) {
  v1::RecordBody body = NeedBody();
  body.mutable_need()->clear_expires_at();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.expires_at: is required");
  SetTime(TestNow() + absl::Hours(24 * 367),
          body.mutable_need()->mutable_expires_at());
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "need.expires_at: 2027-06-03T12:00:00Z is more than a year "
                "after issued_at");
  // Expired: refused when published here, accepted from another hub.
  SetTime(TestNow() - absl::Hours(1),
          body.mutable_need()->mutable_expires_at());
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.expires_at: 2026-06-01T11:00:00Z is in the past");
  EXPECT_OK(ValidateRecordBody(body, Lenient()));
}

TEST_F(ValidateMatchmaking, NeedWindowAndWorkPlace) {
  v1::RecordBody body = NeedBody();
  v1::Need* n = body.mutable_need();
  SetTime(TestNow() + absl::Hours(48), n->mutable_window()->mutable_start());
  SetTime(TestNow() + absl::Hours(24), n->mutable_window()->mutable_end());
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.window.end: before window.start");
  n->mutable_window()->clear_end();
  EXPECT_OK(ValidateRecordBody(body, Strict()));  // from then on, ongoing

  n->mutable_work_place()->clear_location();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.work_place.location: is required unless the work is "
                "remote");
  n->mutable_work_place()->set_mode("remote");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.work_place.radius_km: needs a location");
  n->mutable_work_place()->set_radius_km(0);
  EXPECT_OK(ValidateRecordBody(body, Strict()));
  n->mutable_work_place()->set_mode("onsite");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.work_place.mode: \"onsite\" is not one of remote, "
                "on-site or either");
  n->clear_work_place();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.work_place.mode: is required");

  body = NeedBody();
  body.mutable_need()
      ->mutable_work_place()
      ->mutable_location()
      ->clear_latitude();
  body.mutable_need()
      ->mutable_work_place()
      ->mutable_location()
      ->clear_longitude();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.work_place.location: needs latitude and longitude");
}

TEST_F(ValidateMatchmaking, NeedFields) {
  v1::RecordBody body = NeedBody();
  body.mutable_need()->clear_organization();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.organization: is required");
  body = NeedBody();
  body.mutable_need()->clear_titles();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.titles: at least one entry is required");
  body = NeedBody();
  body.mutable_need()->clear_languages();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.languages: at least one is required");
  body = NeedBody();
  body.mutable_need()->set_status("done");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.status: \"done\" is not one of open, partly-met, met "
                "or withdrawn");
  body.mutable_need()->clear_status();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.status: is required");
  body = NeedBody();
  body.mutable_need()->set_priority("asap");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "need.priority: \"asap\" is not one of low, normal, high or "
                "urgent");
}

// A hub publishes listed or "x-" capabilities, and accepts any well-formed
// code from other hubs (a newer list).
TEST_F(ValidateMatchmaking, Capabilities) {
  v1::RecordBody body = OfferBody();
  v1::Offer* o = body.mutable_offer();
  o->add_capabilities("web-development");
  o->add_capabilities("blokchain");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.capabilities[2]: \"blokchain\" is not a listed "
                "capability; the list is in docs/matchmaking.md, "
                "\"Capabilities\"; local ones start with \"x-\"");
  EXPECT_OK(ValidateRecordBody(body, Lenient()));
  o->set_capabilities(2, "web-developement");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "(did you mean web-development?)");
  // Every unknown code in one message, the field naming the first.
  o->add_capabilities("transaltion");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.capabilities[2]: \"web-developement\" (did you mean "
                "web-development?), \"transaltion\" (did you mean "
                "translation?) are not listed capabilities");
  o->mutable_capabilities()->RemoveLast();
  o->set_capabilities(2, "x-blockchain");
  EXPECT_OK(ValidateRecordBody(body, Strict()));
  o->set_capabilities(2, "Blockchain");
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "offer.capabilities[2]: \"Blockchain\" is not a code");
  // A listed code written as words is named (the example was a topic's).
  o->set_capabilities(2, "Web Design");
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "offer.capabilities[2]: \"Web Design\" is not a code "
                "(lower-case words joined by '-'): did you mean web-design?");
  o->set_capabilities(2, "website");
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "offer.capabilities[2]: \"website\" appears more than once");
  o->clear_capabilities();
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "offer.capabilities: at least one is required");
  for (int i = 0; i < 17; ++i)
    o->add_capabilities(std::string("x-c") + char('a' + i));
  EXPECT_STATUS(ValidateRecordBody(body, Lenient()), kInvalid,
                "offer.capabilities: has 17 entries; the limit is 16");
}

TEST_F(ValidateMatchmaking, OfferIsFromAnOrganizationOrAVolunteer) {
  v1::RecordBody body = OfferBody("Ana M.");
  *body.mutable_offer()->mutable_organization() =
      NeedBody().need().organization();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.volunteer: an offer is from an organization or a "
                "volunteer, not both");
  body.mutable_offer()->clear_organization();
  body.mutable_offer()->clear_volunteer();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer: set either organization");
  body = OfferBody("Ana M.");
  body.mutable_offer()->mutable_volunteer()->set_display_name(
      std::string(101, 'a'));
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.volunteer.display_name: has 101 characters; the limit "
                "is 100");
  body.mutable_offer()->mutable_volunteer()->set_display_name(" ");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.volunteer.display_name: is required");
  body = OfferBody("Ana M.");
  body.mutable_offer()->mutable_volunteer()->set_email("ana@");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.volunteer.email");
  body.mutable_offer()->mutable_volunteer()->set_email("ana@example.org");
  body.mutable_offer()->mutable_volunteer()->set_phone("+51 1 555 0100");
  EXPECT_OK(ValidateRecordBody(body, Strict()));
  body.mutable_offer()->set_hours_per_month(800);
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "offer.hours_per_month: 800 is more hours than a month has");
}

TEST_F(ValidateMatchmaking, EventTimes) {
  v1::RecordBody body = EventBody();
  v1::Event* e = body.mutable_event();
  *e->mutable_ends_at() = e->starts_at();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.ends_at: 2026-07-15T14:00:00Z is not after starts_at");
  body = EventBody();
  body.mutable_event()->clear_time_zone();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.time_zone: is required");
  body.mutable_event()->set_time_zone("Lima");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.time_zone: \"Lima\" is not an IANA time zone");
  // All day: no zone needed, but the times are midnights UTC.
  body.mutable_event()->clear_time_zone();
  body.mutable_event()->set_all_day(true);
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.starts_at: an all-day event starts and ends at "
                "midnight UTC");
  SetTime(absl::FromCivil(absl::CivilDay(2026, 7, 15), absl::UTCTimeZone()),
          body.mutable_event()->mutable_starts_at());
  SetTime(absl::FromCivil(absl::CivilDay(2026, 7, 17), absl::UTCTimeZone()),
          body.mutable_event()->mutable_ends_at());
  EXPECT_OK(ValidateRecordBody(body, Strict()));
}

TEST_F(ValidateMatchmaking, EventRecurrencePlaceAndStatus) {
  v1::RecordBody body = EventBody();
  body.mutable_event()->set_recurrence("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.recurrence: BYSETPOS is not supported");
  body.mutable_event()->set_recurrence("FREQ=MONTHLY;BYDAY=2TU;COUNT=6");
  EXPECT_OK(ValidateRecordBody(body, Strict()));

  body.mutable_event()->clear_place();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.place: a place or an online_url (or both) is required");
  body.mutable_event()->set_online_url("https://meet.example.org/techcamp");
  EXPECT_OK(ValidateRecordBody(body, Strict()));
  body.mutable_event()->set_status("done");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.status: \"done\" is not one of scheduled, cancelled, "
                "postponed or moved-online");
  body = EventBody();
  body.mutable_event()->clear_organizers();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.organizers: at least one is required");
  body = EventBody();
  body.mutable_event()->mutable_replicates()->set_origin(hub_id_);
  body.mutable_event()->mutable_replicates()->set_record_id("rec-1");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "event.replicates: an event cannot replicate itself");
  body.mutable_event()->mutable_replicates()->set_origin(
      other_.public_key().HubId());
  EXPECT_OK(ValidateRecordBody(body, Strict()));
}

// Issue 18: a hub could publish a need for another hub's organization,
// signed by itself: any hub could say anyone's organization needs help.
TEST_F(ValidateMatchmaking, NeedsAndOffersAreOfThePublishingHubsOrganizations) {
  v1::RecordBody need = NeedBody();
  need.mutable_need()->mutable_organization()->set_origin(
      other_.public_key().HubId());
  EXPECT_STATUS(ValidateRecordBody(need, Strict()), kInvalid,
                absl::StrCat("need.organization: must be an organization of "
                             "the publishing hub (origin ",
                             hub_id_,
                             "): an organization publishes its needs through "
                             "its own hub, so publish this on hub ",
                             other_.public_key().HubId()));
  // Received from another hub, too: it is the publishing hub that vouches.
  EXPECT_STATUS(ValidateRecordBody(need, Lenient()), kInvalid,
                "need.organization: must be an organization of the publishing "
                "hub");
  v1::RecordBody offer = OfferBody();
  offer.mutable_offer()->mutable_organization()->set_origin(
      other_.public_key().HubId());
  EXPECT_STATUS(ValidateRecordBody(offer, Strict()), kInvalid,
                "offer.organization: must be an organization of the "
                "publishing hub");
}

TEST_F(ValidateMatchmaking, Registration) {
  v1::RecordBody body = RegistrationBody();
  body.mutable_registration()->mutable_organization()->set_origin(
      other_.public_key().HubId());
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "registration.organization: must be an organization of the "
                "publishing hub");
  // Says where it goes instead.
  EXPECT_STATUS(
      ValidateRecordBody(body, Strict()), kInvalid,
      absl::StrCat("publish this on hub ", other_.public_key().HubId()));
  body = RegistrationBody();
  body.mutable_registration()->set_attendees(0);
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "registration.attendees: 0 is outside [1, 10000]");
  body = RegistrationBody();
  body.mutable_registration()->clear_event();
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "registration.event: is required");
  body = RegistrationBody();
  body.mutable_registration()->set_status("maybe");
  EXPECT_STATUS(ValidateRecordBody(body, Strict()), kInvalid,
                "registration.status: \"maybe\" is not one of going, "
                "interested or cancelled");
}

}  // namespace
}  // namespace civhub::node
