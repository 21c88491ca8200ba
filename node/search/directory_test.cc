#include "node/search/directory.h"

#include <gtest/gtest.h>

#include <set>

#include "node/hub.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using ::absl::StatusCode;
using testing::NewKey;
using testing::OrgPublish;
using testing::OrgSpec;

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStore(dir_.Sub("store"), &clock_);
    ASSERT_NE(store_, nullptr);
    hub_ = std::make_unique<Hub>(key_, store_.get(), &clock_);
  }

  void Put(const std::string& id, const OrgSpec& spec) {
    ASSERT_OK(hub_->Publish(OrgPublish(id, spec)));
  }

  // Record ids of every hit, following page tokens.
  std::vector<std::string> Find(v1::SearchRequest req,
                                int64_t* total = nullptr) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 100; ++pages) {
      absl::StatusOr<v1::SearchResponse> resp = dir().Search(req);
      EXPECT_TRUE(resp.ok()) << resp.status();
      if (!resp.ok()) break;
      if (total != nullptr) *total = resp->total_count();
      for (const auto& hit : resp->hits())
        ids.push_back(hit.record().record_id());
      if (resp->next_page_token().empty()) break;
      req.set_page_token(resp->next_page_token());
    }
    return ids;
  }
  std::vector<std::string> Text(const std::string& text) {
    v1::SearchRequest req;
    req.set_text(text);
    return Find(req);
  }
  const Directory& dir() { return hub_->directory(); }

  testing::TempDir dir_;
  ManualClock clock_{testing::TestNow()};
  crypto::PrivateKey key_ = NewKey();
  std::unique_ptr<Store> store_;
  std::unique_ptr<Hub> hub_;
};

using Ids = std::vector<std::string>;

TEST_F(DirectoryTest, TextIgnoresCaseAndDiacriticsAndMatchesPrefixes) {
  OrgSpec agua;
  agua.name = "Fundación Água Limpia";
  agua.lang = "es";
  agua.country = "CL";
  Put("agua", agua);
  OrgSpec water;
  water.name = "Clean Water Kenya";
  water.description = "Boreholes and sanitation in rural areas";
  Put("water", water);

  EXPECT_EQ(Text("AGUA"), Ids{"agua"});
  EXPECT_EQ(Text("fundacion"), Ids{"agua"});
  EXPECT_EQ(Text("wat"), Ids{"water"});
  EXPECT_EQ(Text("boreholes rural"), Ids{"water"});
  EXPECT_EQ(Text("boreholes chile"), Ids{});
  EXPECT_EQ(Text("zzz"), Ids{});
}

TEST_F(DirectoryTest, NameMatchesRankAboveDescriptionMatches) {
  OrgSpec in_desc;
  in_desc.name = "Rural Trust";
  in_desc.description = "We drill water wells";
  Put("desc", in_desc);
  OrgSpec in_name;
  in_name.name = "Water Wells Now";
  Put("name", in_name);
  EXPECT_EQ(Text("water"), (Ids{"name", "desc"}));
}

TEST_F(DirectoryTest, FiltersCombineWithAnd) {
  OrgSpec a;
  a.country = "KE";
  a.region = "KE-30";
  a.topics = {"water-sanitation", "health"};
  a.types = {"ngo"};
  Put("a", a);
  OrgSpec b;
  b.country = "KE";
  b.topics = {"education"};
  b.types = {"charity"};
  Put("b", b);
  OrgSpec c;
  c.country = "UG";
  c.topics = {"health"};
  c.types = {"ngo"};
  c.lang = "sw";
  Put("c", c);

  v1::SearchRequest req;
  req.set_country("KE");
  EXPECT_EQ(Find(req), (Ids{"a", "b"}));
  req.set_topic("health");
  EXPECT_EQ(Find(req), (Ids{"a"}));
  req.clear_country();
  req.set_organization_type("ngo");
  EXPECT_EQ(Find(req), (Ids{"a", "c"}));
  req.set_language("sw");
  EXPECT_EQ(Find(req), (Ids{"c"}));
  v1::SearchRequest region;
  region.set_region("KE-30");
  EXPECT_EQ(Find(region), (Ids{"a"}));
  v1::SearchRequest kinds;
  kinds.set_kind(v1::RECORD_KIND_COMMUNITY);
  EXPECT_EQ(Find(kinds), Ids{});
  kinds.set_kind(v1::RECORD_KIND_ORGANIZATION);
  EXPECT_EQ(Find(kinds), (Ids{"a", "b", "c"}));
}

TEST_F(DirectoryTest, IdentifierFilterIsExact) {
  v1::PublishRequest req = OrgPublish("charity", {});
  auto* id = req.mutable_organization()->add_identifiers();
  id->set_scheme("GB-CHC");
  id->set_identifier("1234567");
  ASSERT_OK(hub_->Publish(req));
  Put("other", {});
  v1::SearchRequest q;
  q.mutable_identifier()->set_scheme("GB-CHC");
  q.mutable_identifier()->set_identifier("1234567");
  EXPECT_EQ(Find(q), Ids{"charity"});
  q.mutable_identifier()->set_identifier("123456");
  EXPECT_EQ(Find(q), Ids{});
  // The scheme matches in any case (records hold it in upper case), the
  // identifier exactly.
  q.mutable_identifier()->set_scheme("gb-chc");
  q.mutable_identifier()->set_identifier("1234567");
  EXPECT_EQ(Find(q), Ids{"charity"});
  q.mutable_identifier()->set_scheme("Gb-Chc");
  EXPECT_EQ(Find(q), Ids{"charity"});
  q.mutable_identifier()->set_identifier("1234567a");
  EXPECT_EQ(Find(q), Ids{});
}

TEST_F(DirectoryTest, TaxonomyCodesOffTheListAreRefused) {
  // A hub with a newer list published "ocean-literacy"; it stays
  // searchable here.
  OrgSpec newer;
  newer.topics = {"ocean-literacy"};
  newer.types = {"think-tank"};
  ASSERT_OK(hub_->Ingest(testing::SignedOrg(key_, "newer", 1, 1, newer), true));
  OrgSpec local;
  local.topics = {"x-mangroves"};
  Put("local", local);

  v1::SearchRequest q;
  q.set_topic("helth");
  EXPECT_STATUS(dir().Search(q), StatusCode::kInvalidArgument,
                "topic: \"helth\" is not a topic code");
  EXPECT_STATUS(dir().Search(q), StatusCode::kInvalidArgument,
                "did you mean health? the codes are listed in the hub's "
                "/static/options.json");
  q.set_topic("Health");  // Not well-formed.
  EXPECT_STATUS(dir().Search(q), StatusCode::kInvalidArgument, "topic:");
  q = {};
  q.set_organization_type("ngoo");
  EXPECT_STATUS(dir().Search(q), StatusCode::kInvalidArgument,
                "organization_type: \"ngoo\" is not an organization type");

  q = {};
  q.set_topic("x-mangroves");
  EXPECT_EQ(Find(q), Ids{"local"});
  q.set_topic("x-nothing-here");  // An extension: no error, no match.
  EXPECT_EQ(Find(q), Ids{});
  q.set_topic("health");
  EXPECT_EQ(Find(q), Ids{});
  q.set_topic("ocean-literacy");
  EXPECT_EQ(Find(q), Ids{"newer"});
  q = {};
  q.set_organization_type("think-tank");
  EXPECT_EQ(Find(q), Ids{"newer"});
}

TEST_F(DirectoryTest, RadiusSearchIsOrderedByDistance) {
  OrgSpec nairobi, thika, mombasa, kampala;
  nairobi.lat_lon = {{-1.2864, 36.8172}};
  thika.lat_lon = {{-1.0333, 37.0693}};
  mombasa.lat_lon = {{-4.0435, 39.6682}};
  kampala.lat_lon = {{0.3476, 32.5825}};
  kampala.country = "UG";
  Put("mombasa", mombasa);
  Put("kampala", kampala);
  Put("thika", thika);
  Put("nairobi", nairobi);

  v1::SearchRequest req;
  req.mutable_near()->set_latitude(-1.29);
  req.mutable_near()->set_longitude(36.82);
  req.mutable_near()->set_radius_km(50);
  EXPECT_EQ(Find(req), (Ids{"nairobi", "thika"}));
  req.mutable_near()->set_radius_km(600);
  EXPECT_EQ(Find(req), (Ids{"nairobi", "thika", "mombasa", "kampala"}));
  req.set_country("KE");
  EXPECT_EQ(Find(req), (Ids{"nairobi", "thika", "mombasa"}));

  absl::StatusOr<v1::SearchResponse> resp = dir().Search(req);
  ASSERT_OK(resp);
  ASSERT_EQ(resp->hits_size(), 3);
  EXPECT_LT(resp->hits(0).distance_km(), 1);
  EXPECT_NEAR(resp->hits(2).distance_km(), 440, 10);
}

// Services are found by kind, text, their topics and places, by the
// distance of the locations they are offered at, and by their provider.
TEST_F(DirectoryTest, ServicesAreFoundByKindProviderAndTheirLocations) {
  OrgSpec provider;
  provider.name = "Maji Safi Kenya";
  provider.lat_lon = {{-1.2864, 36.8172}};
  Put("maji", provider);
  const std::string hub_id = key_.public_key().HubId();
  testing::ServiceSpec clinic;
  clinic.provider_origin = hub_id;
  clinic.provider_id = "maji";
  clinic.name = "Mobile water clinic";
  clinic.region = "KE-28";
  clinic.lat_lon = {{-0.5143, 35.2698}};  // Eldoret, ~250 km from Nairobi
  ASSERT_OK(hub_->Publish(testing::ServicePublish("clinic", clinic)));
  testing::ServiceSpec other = clinic;
  other.provider_id = "someone-else";
  other.name = "Water kiosk";
  other.region = "KE-30";
  other.lat_lon = {{-1.30, 36.80}};
  other.topics = {"health"};
  ASSERT_OK(hub_->Publish(testing::ServicePublish("kiosk", other)));

  v1::SearchRequest req;
  req.set_kind(v1::RECORD_KIND_SERVICE);
  EXPECT_EQ(Find(req), (Ids{"clinic", "kiosk"}));
  req.set_kind(v1::RECORD_KIND_ORGANIZATION);
  EXPECT_EQ(Find(req), (Ids{"maji"}));

  req = {};
  req.set_text("clinic");
  EXPECT_EQ(Find(req), (Ids{"clinic"}));
  req = {};
  req.set_region("KE-28");
  EXPECT_EQ(Find(req), (Ids{"clinic"}));
  req = {};
  req.set_topic("health");
  EXPECT_EQ(Find(req), (Ids{"kiosk"}));

  req = {};
  req.mutable_provided_by()->set_origin(hub_id);
  req.mutable_provided_by()->set_record_id("maji");
  EXPECT_EQ(Find(req), (Ids{"clinic"}));
  req.mutable_provided_by()->set_record_id("nobody");
  EXPECT_EQ(Find(req), (Ids{}));
  req.mutable_provided_by()->set_origin("civhub1nope");
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument,
                "provided_by.origin:");

  // Near Nairobi: the kiosk and the provider; the clinic only farther out.
  req = {};
  req.mutable_near()->set_latitude(-1.29);
  req.mutable_near()->set_longitude(36.82);
  req.mutable_near()->set_radius_km(20);
  EXPECT_EQ(Find(req), (Ids{"maji", "kiosk"}));
  req.mutable_near()->set_radius_km(400);
  req.set_kind(v1::RECORD_KIND_SERVICE);
  EXPECT_EQ(Find(req), (Ids{"kiosk", "clinic"}));
}

TEST_F(DirectoryTest, PagesCoverEveryMatchOnceWithTotal) {
  for (int i = 0; i < 47; ++i) {
    OrgSpec s;
    s.name = "Water Group " + std::to_string(i);
    s.lat_lon = {{-1.0 - i * 0.01, 36.8}};
    Put("g" + std::to_string(i), s);
  }
  for (bool geo : {false, true}) {
    v1::SearchRequest req;
    req.set_text("water");
    req.set_page_size(10);
    if (geo) {
      req.mutable_near()->set_latitude(-1);
      req.mutable_near()->set_longitude(36.8);
      req.mutable_near()->set_radius_km(500);
    }
    int64_t total = 0;
    std::vector<std::string> ids = Find(req, &total);
    EXPECT_EQ(total, 47);
    EXPECT_EQ(ids.size(), 47u);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 47u);
    if (geo) {
      EXPECT_EQ(ids.front(), "g0");
    }
  }
  v1::SearchRequest big;
  big.set_page_size(100000);
  absl::StatusOr<v1::SearchResponse> resp = dir().Search(big);
  ASSERT_OK(resp);
  EXPECT_EQ(resp->hits_size(), 47);  // Capped at 100, fewer exist.
  big.set_page_size(0);
  resp = dir().Search(big);
  ASSERT_OK(resp);
  EXPECT_EQ(resp->hits_size(), 20);
}

// Issue 13: one-letter words were never matched (the exact-word key check
// skipped them), so neither were Chinese or Japanese names, which were cut
// into one-character words.
TEST_F(DirectoryTest, OneLetterAndChineseJapaneseWordsAreFound) {
  OrgSpec tokyo;
  tokyo.name = "東京ボランティア協会";
  tokyo.lang = "ja";
  tokyo.country = "JP";
  Put("tokyo", tokyo);
  OrgSpec green;
  green.name = "绿色水源协会";
  green.lang = "zh";
  green.country = "CN";
  Put("green", green);
  OrgSpec planb;
  planb.name = "Plan B Collective";
  Put("planb", planb);
  OrgSpec bamboo;
  bamboo.name = "Bamboo Builders";
  Put("bamboo", bamboo);

  EXPECT_EQ(Text("東京"), Ids{"tokyo"});
  EXPECT_EQ(Text("東京ボランティア協会"), Ids{"tokyo"});
  EXPECT_EQ(Text("ボランティア"), Ids{"tokyo"});
  EXPECT_EQ(Text("水"), Ids{"green"});
  EXPECT_EQ(Text("源"), Ids{"green"});
  EXPECT_EQ(Text("绿色水源协会"), Ids{"green"});
  EXPECT_EQ(Text("水源"), Ids{"green"});
  EXPECT_EQ(Text("协会"), Ids{"green"});
  EXPECT_EQ(Text("plan b"), Ids{"planb"});
  // "b" alone is the last word, so also a prefix: the exact word ranks first.
  EXPECT_EQ(Text("b"), (Ids{"planb", "bamboo"}));
  // Not the last word: exact only.
  EXPECT_EQ(Text("b collective"), Ids{"planb"});
  EXPECT_EQ(Text("b builders"), Ids{});
}

TEST_F(DirectoryTest, ApostrophesElisionsAndTheArabicArticleMatch) {
  OrgSpec women;
  women.name = "Rural Women's Groups Network";
  Put("women", women);
  OrgSpec eau;
  eau.name = "L'eau pour tous";
  eau.lang = "fr";
  Put("eau", eau);
  OrgSpec acqua;
  acqua.name = "Amici dell’acqua";
  acqua.lang = "it";
  Put("acqua", acqua);
  OrgSpec tanmia;
  tanmia.name = "الجمعية الوطنية للتنمية";
  tanmia.lang = "ar";
  Put("tanmia", tanmia);
  OrgSpec amal;
  amal.name = "جمعية الأمل";
  amal.lang = "ar";
  Put("amal", amal);

  EXPECT_EQ(Text("women's"), Ids{"women"});
  EXPECT_EQ(Text("womens"), Ids{"women"});
  EXPECT_EQ(Text("women"), Ids{"women"});
  EXPECT_EQ(Text("l'eau"), Ids{"eau"});
  EXPECT_EQ(Text("l’eau"), Ids{"eau"});
  EXPECT_EQ(Text("eau"), Ids{"eau"});
  EXPECT_EQ(Text("dell'acqua"), Ids{"acqua"});
  EXPECT_EQ(Text("acqua"), Ids{"acqua"});
  EXPECT_EQ(Text("التنمية"), Ids{"tanmia"});
  EXPECT_EQ(Text("تنمية"), Ids{"tanmia"});
  EXPECT_EQ(Text("أمل"), Ids{"amal"});
  EXPECT_EQ(Text("امل"), Ids{"amal"});
  EXPECT_EQ(Text("الأمل"), Ids{"amal"});
}

// Found in a trial: "l'eau" ranked "L'Eau Vive" last of 2,056, tied with
// every name holding "eau" (the query word's stem) and behind them in
// storage order.
TEST_F(DirectoryTest, TheWordAsTypedRanksAboveItsStem) {
  OrgSpec potable;
  potable.name = "Association Eau Potable";
  Put("potable", potable);
  OrgSpec vive;
  vive.name = "L'Eau Vive";
  vive.lang = "fr";
  Put("vive", vive);
  EXPECT_EQ(Text("l'eau"), (Ids{"vive", "potable"}));
  EXPECT_EQ(Text("leau"), (Ids{"vive"}));
  // Both hold "eau" as typed (one as the piece after its article): a tie,
  // in storage order.
  EXPECT_EQ(Text("eau"), (Ids{"potable", "vive"}));
}

TEST_F(DirectoryTest, UpdateAndDeleteChangeResults) {
  OrgSpec s;
  s.name = "Old Name Society";
  Put("x", s);
  s.name = "New Name Society";
  Put("x", s);
  EXPECT_EQ(Text("old"), Ids{});
  EXPECT_EQ(Text("new"), Ids{"x"});
  ASSERT_OK(hub_->Delete("x", ""));
  EXPECT_EQ(Text("new"), Ids{});
  EXPECT_EQ(Find(v1::SearchRequest()), Ids{});
  v1::GetRecordRequest get;
  get.set_origin(key_.public_key().HubId());
  get.set_record_id("x");
  EXPECT_STATUS(dir().GetRecord(get), StatusCode::kNotFound, "was deleted");
}

// A search over many records stops within a few hundred candidates once
// its client cancels or its deadline passes, instead of running to the end.
TEST_F(DirectoryTest, SearchStopsWhenItsClientCancelsOrItsDeadlinePasses) {
  constexpr int kRecords = 3000;
  for (int i = 0; i < kRecords; ++i) {
    OrgSpec spec;
    spec.name = "Stoppable Organization " + std::to_string(i);
    spec.lat_lon = std::make_pair(-1.0 + i * 1e-4, 36.8);
    Put("stop-" + std::to_string(i), spec);
  }
  v1::SearchRequest text;
  text.set_text("stoppable");
  v1::SearchRequest filter;  // No text: the filter postings' loop.
  filter.set_country("KE");
  v1::SearchRequest near;
  near.mutable_near()->set_latitude(-1);
  near.mutable_near()->set_longitude(36.8);
  near.mutable_near()->set_radius_km(100);
  for (const v1::SearchRequest& req : {text, filter, near}) {
    SCOPED_TRACE(req.ShortDebugString());
    // Not told to stop: every record.
    absl::StatusOr<v1::SearchResponse> all = dir().Search(req);
    ASSERT_OK(all);
    EXPECT_EQ(all->total_count(), kRecords);

    int asked = 0;
    QueryStop cancel;
    cancel.cancelled = [&asked] { return ++asked >= 2; };
    EXPECT_STATUS(dir().Search(req, cancel), StatusCode::kCancelled,
                  "cancelled");
    // Asked once per few hundred candidates, and not again once it said so.
    EXPECT_EQ(asked, 2);

    QueryStop late;
    late.deadline = absl::Now() - absl::Seconds(1);
    EXPECT_STATUS(dir().Search(req, late), StatusCode::kDeadlineExceeded,
                  "deadline");
  }
}

TEST_F(DirectoryTest, BadRequestsNameTheField) {
  v1::SearchRequest req;
  req.set_country("Kenya");
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument, "country:");
  req = {};
  req.set_text(std::string(300, 'a'));
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument, "text:");
  req = {};
  std::string many;
  for (int i = 0; i < 20; ++i) many += "w" + std::to_string(i) + " ";
  req.set_text(many);
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument,
                "distinct words");
  req = {};
  req.mutable_near()->set_radius_km(-1);
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument,
                "near.radius_km");
  req = {};
  req.set_page_token("garbage!");
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument, "page_token");
  req = {};
  req.set_page_size(-1);
  EXPECT_STATUS(dir().Search(req), StatusCode::kInvalidArgument, "page_size");
  req = {};
  req.set_kind(v1::RECORD_KIND_TOMBSTONE);
  EXPECT_STATUS(
      dir().Search(req), StatusCode::kInvalidArgument,
      "kind: must be ORGANIZATION, COMMUNITY, SERVICE, NEED, OFFER, EVENT, "
      "REGISTRATION or unspecified");

  // A token from one query does not continue another.
  for (int i = 0; i < 3; ++i) Put("p" + std::to_string(i), {});
  v1::SearchRequest first;
  first.set_page_size(1);
  absl::StatusOr<v1::SearchResponse> resp = dir().Search(first);
  ASSERT_OK(resp);
  ASSERT_FALSE(resp->next_page_token().empty());
  v1::SearchRequest other;
  other.set_country("KE");
  other.set_page_token(resp->next_page_token());
  EXPECT_STATUS(dir().Search(other), StatusCode::kInvalidArgument,
                "different query");

  v1::GetRecordRequest get;
  get.set_origin("civhub1nope");
  get.set_record_id("p0");
  EXPECT_STATUS(dir().GetRecord(get), StatusCode::kInvalidArgument, "origin:");
}

TEST_F(DirectoryTest, CommunitiesAndMembers) {
  Put("redcross", {});
  Put("scouts", {});
  v1::PublishRequest req;
  req.set_record_id("drn");
  auto* c = req.mutable_community();
  auto* name = c->add_names();
  name->set_lang("en");
  name->set_text("Disaster Response Network");
  c->add_topics("disaster-response");
  for (const char* org : {"redcross", "scouts", "elsewhere"}) {
    auto* m = c->add_memberships();
    m->mutable_organization()->set_origin(key_.public_key().HubId());
    m->mutable_organization()->set_record_id(org);
    m->set_role("member");
  }
  ASSERT_OK(hub_->Publish(req));

  v1::ListMembersRequest lm;
  lm.mutable_community()->set_origin(key_.public_key().HubId());
  lm.mutable_community()->set_record_id("drn");
  absl::StatusOr<v1::ListMembersResponse> members = dir().ListMembers(lm);
  ASSERT_OK(members);
  ASSERT_EQ(members->members_size(), 3);
  EXPECT_EQ(members->members(0).organization().record_id(), "redcross");
  EXPECT_FALSE(members->members(2).has_organization());  // Not on this hub.

  v1::ListCommunitiesRequest lc;
  lc.mutable_organization()->set_origin(key_.public_key().HubId());
  lc.mutable_organization()->set_record_id("scouts");
  absl::StatusOr<v1::ListCommunitiesResponse> comms = dir().ListCommunities(lc);
  ASSERT_OK(comms);
  ASSERT_EQ(comms->communities_size(), 1);
  EXPECT_EQ(comms->communities(0).community().record_id(), "drn");
  EXPECT_EQ(comms->communities(0).membership().role(), "member");
  // A member from elsewhere: listed by a community here, record not held.
  lc.mutable_organization()->set_record_id("elsewhere");
  comms = dir().ListCommunities(lc);
  ASSERT_OK(comms);
  EXPECT_EQ(comms->communities_size(), 1);
  // Unknown here: NOT_FOUND, as ListMembers answers for a community.
  lc.mutable_organization()->set_record_id("nope");
  EXPECT_STATUS(
      dir().ListCommunities(lc), StatusCode::kNotFound,
      "organization " + key_.public_key().HubId() + "/nope is not on this hub");
  lm.mutable_community()->set_record_id("nope");
  EXPECT_STATUS(
      dir().ListMembers(lm), StatusCode::kNotFound,
      "community " + key_.public_key().HubId() + "/nope is not on this hub");
  lm.mutable_community()->set_record_id("drn");
  // An organization that belongs to nothing is still known.
  Put("loner", {});
  lc.mutable_organization()->set_record_id("loner");
  comms = dir().ListCommunities(lc);
  ASSERT_OK(comms);
  EXPECT_EQ(comms->total_count(), 0);
  lc.mutable_organization()->set_record_id("bad id");
  EXPECT_STATUS(dir().ListCommunities(lc), StatusCode::kInvalidArgument,
                "organization.record_id:");
  lc.mutable_organization()->set_record_id("scouts");

  v1::SearchRequest q;
  *q.mutable_member_of() = lm.community();
  EXPECT_EQ(Find(q), (Ids{"redcross", "scouts"}));
  v1::SearchRequest h;
  *h.mutable_has_member() = lc.organization();
  EXPECT_EQ(Find(h), (Ids{"drn"}));
  v1::SearchRequest t;
  t.set_text("disaster");
  t.set_kind(v1::RECORD_KIND_COMMUNITY);
  EXPECT_EQ(Find(t), (Ids{"drn"}));
}

TEST_F(DirectoryTest, ChangesListLatestVersionsInOrder) {
  Put("a", {});
  Put("b", {});
  OrgSpec s;
  s.name = "A renamed";
  Put("a", s);
  absl::StatusOr<std::vector<v1::Change>> changes = dir().ChangesAfter(0, 100);
  ASSERT_OK(changes);
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].record().record_id(), "b");
  EXPECT_EQ((*changes)[1].record().record_id(), "a");
  EXPECT_EQ((*changes)[1].record().body().version(), 2u);
  changes = dir().ChangesAfter((*changes)[0].cursor(), 100);
  ASSERT_OK(changes);
  ASSERT_EQ(changes->size(), 1u);
  ASSERT_OK(hub_->Delete("b", ""));
  changes = dir().ChangesAfter((*changes)[0].cursor(), 100);
  ASSERT_OK(changes);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].record().kind(), v1::RECORD_KIND_TOMBSTONE);
}

}  // namespace
}  // namespace civhub::node
