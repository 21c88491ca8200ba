#include "node/records/record_kinds.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/keys.h"
#include "google/protobuf/descriptor.h"
#include "node/records/hsds_ids.h"
#include "node/records/index_terms.h"
#include "node/records/validate.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

// Every case of RecordBody.payload has one complete entry: a kind added to
// the proto without one fails here, naming its field.
TEST(RecordKinds, EveryPayloadCaseHasACompleteEntry) {
  const OneofDescriptor* payload =
      v1::RecordBody::descriptor()->FindOneofByName("payload");
  ASSERT_NE(payload, nullptr);
  for (int i = 0; i < payload->field_count(); ++i) {
    const FieldDescriptor* field = payload->field(i);
    SCOPED_TRACE(field->full_name());
    const RecordKindInfo* kind = FindRecordKind(
        static_cast<v1::RecordBody::PayloadCase>(field->number()));
    ASSERT_NE(kind, nullptr)
        << field->full_name() << " has no entry in record_kinds.cc";
    EXPECT_EQ(kind->name, field->name()) << field->full_name();
    EXPECT_EQ(FindRecordKind(field->name()), kind) << field->full_name();
    EXPECT_NE(kind->api_kind, v1::RECORD_KIND_UNSPECIFIED)
        << field->full_name() << " has no RecordKind";
    EXPECT_FALSE(kind->display_name.empty()) << field->full_name();
    EXPECT_FALSE(kind->plural.empty()) << field->full_name();
    EXPECT_NE(kind->validate, nullptr)
        << field->full_name() << " has no validator";
    EXPECT_NE(kind->index_terms, nullptr)
        << field->full_name() << " has no index-term function";
    EXPECT_NE(kind->title, nullptr) << field->full_name() << " has no title";
    EXPECT_NE(kind->summary, nullptr)
        << field->full_name() << " has no summary";
    EXPECT_NE(kind->details, nullptr)
        << field->full_name() << " has no details";
    EXPECT_TRUE(kind->count != nullptr && kind->set_count != nullptr)
        << field->full_name() << " has no counter";
    // A searchable kind is found by its kind posting.
    if (kind->searchable) {
      EXPECT_NE(kind->index_letter, '\0') << field->full_name();
    }
  }
  EXPECT_EQ(RecordKinds().size(), static_cast<size_t>(payload->field_count()))
      << "an entry names no payload case";
}

TEST(RecordKinds, NamesLettersKindsAndCountersAreUnique) {
  std::set<absl::string_view> names;
  std::set<char> letters;
  std::set<v1::RecordKind> api_kinds;
  std::set<std::string> counted;
  for (const RecordKindInfo& kind : RecordKinds()) {
    EXPECT_TRUE(names.insert(kind.name).second)
        << "two entries are named " << kind.name;
    if (kind.index_letter != '\0') {
      EXPECT_TRUE(letters.insert(kind.index_letter).second)
          << kind.name << " shares the index letter " << kind.index_letter;
    }
    EXPECT_TRUE(api_kinds.insert(kind.api_kind).second)
        << kind.name << " shares its RecordKind";
    // Counting a record moves the kind's own counter and nothing else.
    v1::RecordBody body;
    body.GetReflection()->MutableMessage(
        &body,
        v1::RecordBody::descriptor()->FindFieldByNumber(kind.payload_case));
    storage::Counters counters;
    CountRecord(body, +1, &counters);
    EXPECT_EQ((counters.*kind.count)(), 1u) << kind.name;
    EXPECT_TRUE(counted.insert(counters.SerializeAsString()).second)
        << kind.name << " shares its counter";
    CountRecord(body, -1, &counters);
    EXPECT_EQ(counters.SerializeAsString(), "") << kind.name;
  }
}

// The letters are part of the on-disk format: stores written before keep
// their kind postings.
TEST(RecordKinds, IndexLettersAreThoseOnDisk) {
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kOrganization)->index_letter, 'o');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kCommunity)->index_letter, 'c');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kHubProfile)->index_letter, 'h');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kPeerLink)->index_letter, 'l');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kService)->index_letter, 's');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kNeed)->index_letter, 'n');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kOffer)->index_letter, 'f');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kEvent)->index_letter, 'v');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kRegistration)->index_letter, 'g');
  EXPECT_EQ(FindRecordKind(v1::RecordBody::kTombstone)->index_letter, '\0');
}

TEST(RecordKinds, EveryApiKindHasAnEntry) {
  const google::protobuf::EnumDescriptor* kinds = v1::RecordKind_descriptor();
  for (int i = 0; i < kinds->value_count(); ++i) {
    const auto value = static_cast<v1::RecordKind>(kinds->value(i)->number());
    if (value == v1::RECORD_KIND_UNSPECIFIED) continue;
    const RecordKindInfo* kind = FindRecordKind(value);
    ASSERT_NE(kind, nullptr) << kinds->value(i)->name() << " has no entry";
    EXPECT_EQ(kind->api_kind, value);
  }
}

// Admin.Publish copies PublishRequest.payload into the body by field: each
// of its cases is a kind's field of the same name and message type.
TEST(RecordKinds, EveryPublishCaseIsAKindOfTheSameMessage) {
  const OneofDescriptor* publish =
      v1::PublishRequest::descriptor()->FindOneofByName("payload");
  ASSERT_NE(publish, nullptr);
  int publishable = 0;
  for (const RecordKindInfo& kind : RecordKinds()) {
    if (kind.publish_case == v1::PublishRequest::PAYLOAD_NOT_SET) {
      EXPECT_TRUE(kind.command.empty()) << kind.name;
      continue;
    }
    ++publishable;
    EXPECT_FALSE(kind.command.empty()) << kind.name << " has no command";
    EXPECT_FALSE(kind.command_help.empty()) << kind.name;
    const FieldDescriptor* from =
        v1::PublishRequest::descriptor()->FindFieldByNumber(kind.publish_case);
    ASSERT_NE(from, nullptr) << kind.name;
    EXPECT_EQ(from->containing_oneof(), publish) << kind.name;
    EXPECT_EQ(from->name(), kind.name);
    const FieldDescriptor* to =
        v1::RecordBody::descriptor()->FindFieldByNumber(kind.payload_case);
    EXPECT_EQ(from->message_type(), to->message_type()) << kind.name;
    EXPECT_EQ(FindPublishKind(kind.publish_case), &kind);
  }
  EXPECT_EQ(publishable, publish->field_count())
      << "a PublishRequest.payload case has no kind";
}

TEST(RecordKinds, CopiesThePublishedPayload) {
  v1::PublishRequest request;
  *request.mutable_organization() = testing::MakeOrganization({});
  v1::RecordBody body;
  ASSERT_OK(CopyPublishedPayload(request, &body));
  EXPECT_EQ(body.organization().SerializeAsString(),
            request.organization().SerializeAsString());

  request.Clear();
  EXPECT_STATUS(CopyPublishedPayload(request, &body),
                absl::StatusCode::kInvalidArgument,
                "payload: set one of organization, community, service, need, "
                "offer, event or registration");
}

TEST(RecordKinds, SwapsThePublishedPayloadAndBack) {
  v1::PublishRequest request;
  *request.mutable_organization() = testing::MakeOrganization({});
  const std::string payload = request.organization().SerializeAsString();
  v1::RecordBody body;
  ASSERT_OK(SwapPublishedPayload(&request, &body));
  EXPECT_EQ(body.organization().SerializeAsString(), payload);
  EXPECT_EQ(request.organization().ByteSizeLong(), 0u);
  ASSERT_OK(SwapPublishedPayload(&request, &body));
  EXPECT_EQ(request.organization().SerializeAsString(), payload);
  EXPECT_EQ(body.organization().ByteSizeLong(), 0u);

  request.Clear();
  EXPECT_STATUS(SwapPublishedPayload(&request, &body),
                absl::StatusCode::kInvalidArgument, "payload: set one of");
}

TEST(RecordKinds, DeriveIndexTermsAddsTheKindsPostings) {
  v1::RecordBody body;
  *body.mutable_organization() = testing::MakeOrganization({});
  IndexTerms terms = DeriveIndexTerms(body);
  EXPECT_TRUE(terms.filters.count({kFieldAll, ""}));
  EXPECT_TRUE(terms.filters.count({kFieldKind, "o"}));
  EXPECT_FALSE(terms.tokens.empty());

  body.mutable_hub_profile()->set_name("East Africa Civic Hub");
  terms = DeriveIndexTerms(body);
  EXPECT_EQ(terms.filters,
            (absl::btree_set<std::pair<char, std::string>>{{kFieldKind, "h"}}));
  EXPECT_TRUE(terms.tokens.empty());

  body.mutable_tombstone();
  terms = DeriveIndexTerms(body);
  EXPECT_TRUE(terms.filters.empty() && terms.tokens.empty() &&
              terms.points.empty());
}

// The HSDS API finds organizations and services by their HSDS ids, and a
// service also by the id of each place it is offered at
// (service_at_location); communities have no HSDS object.
TEST(RecordKinds, KindsWithAnHsdsObjectHaveHsdsIdPostings) {
  const crypto::PrivateKey key = testing::NewKey();
  const std::string hub_id = key.public_key().HubId();
  auto hsds_ids = [](const IndexTerms& terms) {
    std::set<std::string> ids;
    for (const auto& [field, value] : terms.filters) {
      if (field == kFieldHsdsId) ids.insert(value);
    }
    return ids;
  };
  v1::RecordBody body;
  body.set_origin(key.public_key().bytes());
  body.set_record_id("org-1");
  *body.mutable_organization() = testing::MakeOrganization({});
  EXPECT_EQ(hsds_ids(DeriveIndexTerms(body)),
            std::set<std::string>{HsdsId(hub_id, "org-1")});
  EXPECT_EQ(RecordHsdsId(body), HsdsId(hub_id, "org-1"));

  const std::string uuid = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
  body.set_record_id("hsds-" + uuid);
  EXPECT_EQ(hsds_ids(DeriveIndexTerms(body)), std::set<std::string>{uuid});

  body.set_record_id("svc-1");
  testing::ServiceSpec spec;
  spec.provider_origin = hub_id;
  *body.mutable_service() = testing::MakeService(spec);
  auto* second = body.mutable_service()->add_locations();
  *second = body.service().locations(0);
  second->set_id(uuid);  // An id that is a UUID is the row's id as it is.
  const std::string service_id = HsdsId(hub_id, "svc-1");
  EXPECT_EQ(hsds_ids(DeriveIndexTerms(body)),
            (std::set<std::string>{
                service_id,
                HsdsSubId(service_id, "service_at_location", "loc-1"), uuid}));

  body.mutable_community()->add_names()->set_text("Water Network");
  EXPECT_EQ(hsds_ids(DeriveIndexTerms(body)), std::set<std::string>{});
  body.mutable_tombstone();
  EXPECT_EQ(hsds_ids(DeriveIndexTerms(body)), std::set<std::string>{});
}

TEST(RecordKinds, HsdsObjectsAndHttpPaths) {
  EXPECT_EQ(FindRecordKind("organization")->hsds_object, "organization");
  EXPECT_EQ(FindRecordKind("organization")->http_path, "organizations");
  EXPECT_EQ(FindRecordKind("service")->hsds_object, "service");
  EXPECT_EQ(FindRecordKind("service")->http_path, "services");
  for (const RecordKindInfo& kind : RecordKinds()) {
    SCOPED_TRACE(kind.name);
    if (!kind.hsds_object.empty()) {
      EXPECT_TRUE(kind.searchable);
      EXPECT_FALSE(kind.http_path.empty());
    }
  }
  EXPECT_TRUE(FindRecordKind("community")->hsds_object.empty());
}

TEST(RecordKinds, ValidationNamesTheKindsABodyMayHold) {
  v1::RecordBody body;
  body.set_origin(std::string(32, '\x01'));
  body.set_record_id("org-1");
  body.set_version(1);
  body.set_sequence(1);
  body.mutable_issued_at()->set_seconds(
      absl::ToUnixSeconds(testing::TestNow()));
  EXPECT_STATUS(
      ValidateRecordBody(body, {testing::TestNow(), true}),
      absl::StatusCode::kInvalidArgument,
      "payload: one of organization, community, service, need, offer, "
      "event, registration or tombstone is required");
  *body.mutable_organization() = testing::MakeOrganization({});
  EXPECT_OK(ValidateRecordBody(body, {testing::TestNow(), true}));
  body.set_record_id("~org");
  EXPECT_STATUS(ValidateRecordBody(body, {testing::TestNow(), true}),
                absl::StatusCode::kInvalidArgument,
                "record_id: ids starting with \"~\" are reserved");
}

// A need is found by each capability and its group, its organization, its
// languages, its place and the day it expires.
TEST(RecordKinds, NeedAndOfferTerms) {
  const std::string hub = testing::NewKey().public_key().HubId();
  testing::NeedSpec spec;
  spec.org_origin = hub;
  spec.capabilities = {"website", "translation", "x-solar"};
  spec.expires_at = absl::FromCivil(absl::CivilSecond(2026, 9, 30, 23, 0, 0),
                                    absl::UTCTimeZone());
  v1::RecordBody body;
  *body.mutable_need() = testing::MakeNeed(spec);
  IndexTerms terms = DeriveIndexTerms(body);
  for (const auto& want : std::vector<std::pair<char, std::string>>{
           {kFieldKind, "n"},
           {kFieldCapability, "website"},
           {kFieldCapability, "web"},
           {kFieldCapability, "translation"},
           {kFieldCapability, "communication"},
           {kFieldCapability, "x-solar"},
           {kFieldOwner, hub + "/org-1"},
           {kFieldLanguage, "sw"},
           {kFieldCountry, "KE"},
           {kFieldRegion, "KE-30"},
           {kFieldExpires, "2026-09-30"}}) {
    EXPECT_TRUE(terms.filters.count(want)) << want.first << " " << want.second;
  }
  EXPECT_EQ(terms.points.size(), 1u);
  EXPECT_EQ(terms.tokens["website"], kWeightName);

  *body.mutable_offer() = testing::MakeOffer(spec, "Ana M.");
  terms = DeriveIndexTerms(body);
  EXPECT_TRUE(terms.filters.count({kFieldKind, "f"}));
  EXPECT_TRUE(terms.filters.count({kFieldCapability, "web"}));
  EXPECT_TRUE(terms.tokens.count("ana"));
  for (const auto& [field, value] : terms.filters) {
    EXPECT_NE(field, kFieldOwner) << "a volunteer's offer has no owner";
  }
}

TEST(RecordKinds, EventAndRegistrationTerms) {
  const std::string hub = testing::NewKey().public_key().HubId();
  testing::EventSpec spec;
  spec.organizer_origin = hub;
  spec.starts_local = absl::CivilSecond(2026, 7, 28, 18, 0, 0);
  spec.recurrence = "FREQ=WEEKLY;COUNT=2";
  v1::RecordBody body;
  *body.mutable_event() = testing::MakeEvent(spec);
  IndexTerms terms = DeriveIndexTerms(body);
  EXPECT_TRUE(terms.filters.count({kFieldKind, "v"}));
  EXPECT_TRUE(terms.filters.count({kFieldOwner, hub + "/org-1"}));
  EXPECT_TRUE(terms.filters.count({kFieldMonth, "2026-07"}));
  EXPECT_TRUE(terms.filters.count({kFieldMonth, "2026-08"}));
  EXPECT_TRUE(terms.filters.count({kFieldCountry, "PE"}));
  EXPECT_TRUE(terms.tokens.count("techcamp"));

  v1::Registration* r = body.mutable_registration();
  r->mutable_event()->set_origin(hub);
  r->mutable_event()->set_record_id("techcamp");
  r->mutable_organization()->set_origin(hub);
  r->mutable_organization()->set_record_id("org-2");
  terms = DeriveIndexTerms(body);
  EXPECT_TRUE(terms.filters.count({kFieldKind, "g"}));
  EXPECT_TRUE(terms.filters.count({kFieldEvent, hub + "/techcamp"}));
  EXPECT_TRUE(terms.filters.count({kFieldOwner, hub + "/org-2"}));
}

TEST(RecordKinds, JoinsAlternatives) {
  EXPECT_EQ(JoinAlternatives({}), "");
  EXPECT_EQ(JoinAlternatives({"a"}), "a");
  EXPECT_EQ(JoinAlternatives({"a", "b"}), "a or b");
  EXPECT_EQ(JoinAlternatives({"a", "b", "c"}), "a, b or c");
}

}  // namespace
}  // namespace civhub::node
