#include "hsds/to_hsds.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "crypto/keys.h"
#include "node/records/hsds_ids.h"
#include "sim/records.h"

namespace civhub::hsds {
namespace {

v1::Record RecordOf(const crypto::PrivateKey& key, const std::string& id,
                    const v1::PublishRequest& payload) {
  v1::Record r;
  r.set_origin(key.public_key().HubId());
  r.set_record_id(id);
  v1::RecordBody* body = r.mutable_body();
  body->set_origin(key.public_key().bytes());
  body->set_record_id(id);
  body->set_version(3);
  body->set_sequence(9);
  body->mutable_issued_at()->set_seconds(1780315200);  // 2026-06-01T12:00:00Z
  if (payload.has_organization()) {
    *body->mutable_organization() = payload.organization();
  } else {
    *body->mutable_service() = payload.service();
  }
  return r;
}

std::string Json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(m, &out, options).ok());
  return out;
}

TEST(ToHsds, OrganizationIdsNamesAndRowsFollowTheContract) {
  crypto::PrivateKey key = testing::NewKey();
  testing::OrgSpec spec;
  spec.region = "KE-30";
  spec.lat_lon = {{-1.31, 36.79}};
  v1::PublishRequest p = testing::OrgPublish("maji", spec);
  v1::Organization* o = p.mutable_organization();
  o->mutable_locations(0)->set_id("kibera");
  o->mutable_locations(0)->set_city("Nairobi");
  auto* sw = o->add_names();
  sw->set_lang("sw");
  sw->set_text("Maji Safi");
  o->set_phone("+254 20 123 4567");
  auto* ident = o->add_identifiers();
  ident->set_scheme("KE-NGO");
  ident->set_identifier("OP.1");
  const v1::Record record = RecordOf(key, "maji", p);

  v3::Organization org = OrganizationToHsds(record);
  const std::string id = node::HsdsId(record.origin(), "maji");
  EXPECT_EQ(org.id(), id);
  EXPECT_EQ(org.name(), "Maji Safi Kenya");
  EXPECT_EQ(OrganizationToHsds(record, {"sw"}).name(), "Maji Safi");
  EXPECT_EQ(org.description(), "");  // required: printed, empty
  ASSERT_EQ(org.locations_size(), 1);
  EXPECT_EQ(org.locations(0).id(), node::HsdsSubId(id, "locations", "kibera"));
  EXPECT_EQ(org.locations(0).addresses(0).state_province(), "KE-30");
  EXPECT_EQ(org.locations(0).addresses(0).country(), "KE");
  EXPECT_EQ(org.locations(0).latitude(), -1.31);
  EXPECT_EQ(org.phones(0).number(), "+254 20 123 4567");
  EXPECT_EQ(org.organization_identifiers(0).identifier_scheme(), "KE-NGO");
  // A topic and a type, each an attribute with its term.
  ASSERT_EQ(org.attributes_size(), 2);
  EXPECT_EQ(org.attributes(0).taxonomy_term().code(), "water-sanitation");
  EXPECT_EQ(org.attributes(0).taxonomy_term_id(),
            node::HsdsTermId(kTopicsTaxonomy, "water-sanitation"));
  EXPECT_EQ(org.attributes(1).taxonomy_term().taxonomy(), kTypesTaxonomy);
  EXPECT_EQ(org.civhub().record_id(), "maji");
  EXPECT_EQ(org.civhub().issued_at(), "2026-06-01T12:00:00Z");

  // HSDS JSON: HSDS's names; an unknown optional value absent, not "".
  const std::string json = Json(org);
  EXPECT_NE(json.find("\"organization_identifiers\""), std::string::npos);
  EXPECT_NE(json.find("\"description\":\"\""), std::string::npos);
  EXPECT_EQ(json.find("\"email\""), std::string::npos) << json;
  EXPECT_EQ(json.find("\"website\""), std::string::npos) << json;
}

TEST(ToHsds, ServiceLocationsAreTheProvidersOwn) {
  crypto::PrivateKey key = testing::NewKey();
  testing::ServiceSpec spec;
  spec.provider_origin = key.public_key().HubId();
  spec.provider_id = "maji";
  spec.status = "temporarily closed";
  v1::PublishRequest p = testing::ServicePublish("kiosks", spec);
  v1::Service* s = p.mutable_service();
  s->mutable_locations(0)->set_location_id("kibera");
  s->add_languages("sw");
  s->add_areas_served("KE-30");
  auto* phone = s->add_phones();
  phone->set_number("+254 20 123 4567");
  phone->set_extension("12");
  s->set_minimum_age(0);
  const v1::Record record = RecordOf(key, "kiosks", p);

  v3::Service svc = ServiceToHsds(record);
  const std::string provider = node::HsdsId(record.origin(), "maji");
  EXPECT_EQ(svc.id(), node::HsdsId(record.origin(), "kiosks"));
  EXPECT_EQ(svc.organization_id(), provider);
  EXPECT_EQ(svc.status(), "temporarily closed");
  EXPECT_EQ(svc.last_modified(), "2026-06-01T12:00:00Z");
  ASSERT_EQ(svc.service_at_locations_size(), 1);
  const v3::ServiceAtLocation& at = svc.service_at_locations(0);
  EXPECT_EQ(at.id(), ServiceAtLocationId(svc.id(), "loc-1"));
  EXPECT_EQ(at.location_id(), node::HsdsSubId(provider, "locations", "kibera"));
  EXPECT_EQ(at.location().id(), at.location_id());
  EXPECT_EQ(at.location().organization_id(), provider);
  EXPECT_EQ(svc.languages(0).code(), "sw");
  EXPECT_EQ(svc.service_areas(0).name(), "KE-30");
  EXPECT_EQ(svc.phones(0).extension(), 12);
  EXPECT_TRUE(svc.has_minimum_age());
  EXPECT_FALSE(svc.has_maximum_age());
  EXPECT_EQ(ServiceAtLocationsOf(record).size(), 1u);
}

TEST(ToHsds, TaxonomiesListEveryCodeAndTheLocalOnes) {
  std::vector<v3::Taxonomy> taxonomies = Taxonomies();
  ASSERT_EQ(taxonomies.size(), 2u);
  EXPECT_EQ(taxonomies[0].id(), node::HsdsTaxonomyId(kTopicsTaxonomy));
  std::vector<v3::TaxonomyTerm> terms = TaxonomyTerms({"x-boreholes"}, {});
  bool local = false, health = false;
  for (const v3::TaxonomyTerm& t : terms) {
    EXPECT_FALSE(t.name().empty()) << t.code();
    EXPECT_FALSE(t.description().empty()) << t.code();
    if (t.code() == "x-boreholes") {
      local = true;
      EXPECT_EQ(t.taxonomy_id(), taxonomies[0].id());
    }
    if (t.code() == "health") health = t.name() != "health";
  }
  EXPECT_TRUE(local);
  EXPECT_TRUE(health) << "listed codes are named by the taxonomy";
}

}  // namespace
}  // namespace civhub::hsds
