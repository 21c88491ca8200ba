#include "hsds/from_hsds.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"
#include "hsds/package_reader.h"
#include "tests/testutil.h"

namespace civhub::hsds {
namespace {

const std::string kExamples = std::string(CIVHUB_HSDS_DIR) + "/examples";
constexpr char kOrgId[] = "hsds-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610";
constexpr char kServiceId[] = "hsds-ac148810-d857-441c-9679-408f346de14b";
constexpr char kLocationId[] = "3a19ff88-4620-4d17-9830-ac1d859eb5d5";

Mapped Map(const std::string& path) {
  absl::StatusOr<Package> package = ReadHsds(path);
  EXPECT_TRUE(package.ok()) << package.status();
  if (!package.ok()) return {};
  return MapPackage(*std::move(package));
}

std::string Describe(const std::vector<Problem>& problems) {
  std::vector<std::string> lines;
  for (const Problem& p : problems) {
    lines.push_back(absl::StrCat(p.where, " id=", p.id, " ", p.field, ": ",
                                 p.value, " — ", p.reason,
                                 p.row_skipped ? " [skipped]" : ""));
  }
  return absl::StrJoin(lines, "\n");
}

// The problem about `field` whose reason contains `reason`, or nullptr.
const Problem* Find(const Mapped& m, absl::string_view field,
                    absl::string_view reason = "") {
  for (const Problem& p : m.problems) {
    if (p.field == field && absl::StrContains(p.reason, reason)) return &p;
  }
  return nullptr;
}

const v1::PublishRequest* Record(const Mapped& m, absl::string_view id) {
  for (const v1::PublishRequest& r : m.records) {
    if (r.record_id() == id) return &r;
  }
  return nullptr;
}

void ExpectAllValid(const Mapped& m) {
  for (const v1::PublishRequest& r : m.records) {
    absl::Status s = ValidateMapped(r);
    EXPECT_TRUE(s.ok()) << s << "\n" << r.DebugString();
  }
}

// What the spec's example organization and service become, read from any
// of its forms.
void ExpectExampleOrganization(const Mapped& m) {
  const v1::PublishRequest* r = Record(m, kOrgId);
  ASSERT_NE(r, nullptr) << Describe(m.problems);
  const v1::Organization& org = r->organization();
  ASSERT_EQ(org.names_size(), 1);
  EXPECT_EQ(org.names(0).lang(), "en");
  EXPECT_EQ(org.names(0).text(), "Example Organization Inc.");
  EXPECT_EQ(org.alternate_name(), "Example Org");
  EXPECT_EQ(org.email(), "email@example.com");
  EXPECT_EQ(org.website(), "http://example.com");
  EXPECT_EQ(org.year_incorporated(), 2011u);
  EXPECT_EQ(org.legal_status(), "Limited Company");
  EXPECT_EQ(org.parent().origin(), "");
  EXPECT_EQ(org.parent().record_id(),
            "hsds-cd09a387-91f4-4555-94ec-e799c35344cd");
  ASSERT_EQ(org.identifiers_size(), 1);
  EXPECT_EQ(org.identifiers(0).scheme(), "GB-COH");
  EXPECT_EQ(org.identifiers(0).identifier(), "1234567");
  EXPECT_EQ(org.phone(), "+44 1234 234567");
  ASSERT_EQ(org.locations_size(), 1);
  const v1::Location& loc = org.locations(0);
  EXPECT_EQ(loc.id(), kLocationId);
  EXPECT_EQ(loc.name(), "MyCity Civic Center");
  EXPECT_EQ(loc.country(), "US");
  EXPECT_EQ(loc.region(), "");  // "MyRegion" is no ISO 3166-2 code
  EXPECT_EQ(loc.city(), "MyCity");
  EXPECT_EQ(loc.address(), "1-30 Main Street, MyVillage");
  EXPECT_EQ(loc.postal_code(), "ABC 1234");
  EXPECT_FALSE(loc.has_latitude());  // 100, 101: not a point
}

void ExpectExampleService(const Mapped& m) {
  const v1::PublishRequest* r = Record(m, kServiceId);
  ASSERT_NE(r, nullptr) << Describe(m.problems);
  const v1::Service& svc = r->service();
  EXPECT_EQ(svc.organization().origin(), "");
  EXPECT_EQ(svc.organization().record_id(), kOrgId);
  EXPECT_EQ(svc.names(0).text(), "Community Counselling");
  EXPECT_EQ(svc.status(), "active");
  EXPECT_EQ(svc.url(), "http://example.com/counselling");
  EXPECT_EQ(svc.minimum_age(), 12u);
  EXPECT_EQ(svc.maximum_age(), 100u);
  ASSERT_EQ(svc.fees_size(), 1);
  EXPECT_TRUE(absl::StartsWith(svc.fees(0).text(), "Non-NHS patients"));
  ASSERT_EQ(svc.eligibility_size(), 1);
  ASSERT_EQ(svc.application_process_size(), 1);
  ASSERT_EQ(svc.phones_size(), 1);
  EXPECT_EQ(svc.phones(0).number(), "+44 1234 234567");
  EXPECT_EQ(svc.phones(0).extension(), "100");
  EXPECT_EQ(svc.phones(0).type(), "voice");
  ASSERT_EQ(svc.languages_size(), 1);
  EXPECT_EQ(svc.languages(0), "ur");
  ASSERT_EQ(svc.area_descriptions_size(), 1);
  EXPECT_TRUE(absl::StartsWith(svc.area_descriptions(0).text(),
                               "The service is available to all residents"));
  ASSERT_EQ(svc.locations_size(), 1);
  EXPECT_EQ(svc.locations(0).id(), "e94c9f38-1e8f-4564-91d4-d53501ab1765");
  EXPECT_EQ(svc.locations(0).location_id(), kLocationId);
  EXPECT_EQ(svc.locations(0).location().country(), "US");
}

TEST(FromHsds, ExampleCsvPackage) {
  Mapped m = Map(kExamples + "/csv");
  ASSERT_EQ(m.records.size(), 2u) << Describe(m.problems);
  ExpectAllValid(m);
  ExpectExampleOrganization(m);
  ExpectExampleService(m);
  // Organizations first, in input order; each with where it came from.
  EXPECT_EQ(m.records[0].record_id(), kOrgId);
  EXPECT_EQ(m.sources[0], "organizations.csv:2");
  EXPECT_EQ(m.sources[1], "services.csv:2");
  // The location's organization_id is another (absent) organization's: it
  // is attached to the provider, with a note.
  const Problem* attached =
      Find(m, "service_at_location.location_id", "also attached");
  ASSERT_NE(attached, nullptr) << Describe(m.problems);
  EXPECT_EQ(attached->where, "service_at_location.csv:2");
  const Problem* point = Find(m, "location.latitude", "not a WGS84 point");
  ASSERT_NE(point, nullptr) << Describe(m.problems);
  EXPECT_EQ(point->where, "locations.csv:2");
  EXPECT_EQ(point->value, "100,101");
  // "dropped", as other dropped values say: "not kept" is the summary's
  // word for the fields the mapping never reads, and it does not count
  // these.
  EXPECT_NE(Find(m, "address.region", "ISO 3166-2 code of US; dropped"),
            nullptr);
  // The parent is in no table of the package: kept, and said so.
  const Problem* parent = Find(m, "organization.parent_organization_id",
                               "names no organization of this import");
  ASSERT_NE(parent, nullptr) << Describe(m.problems);
  EXPECT_FALSE(parent->row_skipped);
  // Nothing skipped, and what civhub has no place for is counted.
  EXPECT_EQ(m.rows_skipped, 0) << Describe(m.problems);
  EXPECT_EQ(m.not_kept.at("organization.tax_id").count, 1);
  EXPECT_EQ(m.not_kept.at("organization.tax_id").first_where,
            "organizations.csv:2");
  EXPECT_EQ(m.not_kept.at("schedule.*").count, 1);
  EXPECT_EQ(m.not_kept.at("contact.*").count, 1);
  EXPECT_EQ(m.not_kept.at("service.wait_time").count, 1);
  EXPECT_EQ(m.not_kept.count("attribute.* (linked to \"link_entity\")"), 1u);
  EXPECT_GT(m.values_not_kept, 20);
}

TEST(FromHsds, MappingIsDeterministic) {
  Mapped a = Map(kExamples + "/csv");
  Mapped b = Map(kExamples + "/csv");
  ASSERT_EQ(a.records.size(), b.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        a.records[i], b.records[i]));
  }
}

TEST(FromHsds, OrganizationFullJson) {
  Mapped m = Map(kExamples + "/organization_full.json");
  ExpectAllValid(m);
  ExpectExampleOrganization(m);
  ExpectExampleService(m);
  EXPECT_EQ(m.rows_skipped, 0) << Describe(m.problems);
  const Problem* point = Find(m, "location.latitude");
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->where, "organization_full.json:$.locations[0]");
  EXPECT_EQ(m.not_kept.count("organization.funding"), 1u);
}

// A value not kept that the document holds in two nested objects (a
// location under the organization and the same under its service) is
// first seen at the same place however often the document is read: the
// keys of a JSON object were visited in a protobuf map's order, which
// changes from one parse to the next.
TEST(FromHsds, WhereAValueNotKeptIsFirstSeenDoesNotChange) {
  std::set<std::string> first_where;
  for (int i = 0; i < 20; ++i) {
    Mapped m = Map(kExamples + "/organization_full.json");
    ASSERT_EQ(m.not_kept.count("location.accessibility"), 1u);
    first_where.insert(m.not_kept.at("location.accessibility").first_where);
  }
  EXPECT_EQ(first_where,
            std::set<std::string>{"organization_full.json:$.locations[0]"});
}

// Rows stay where they were put while more are added, past several
// blocks, and come back in order by index and by iteration.
TEST(RowList, RowsDoNotMoveAndKeepTheirOrder) {
  RowList<Row<v3::Phone>> rows;
  EXPECT_TRUE(rows.empty());
  rows.push_back({"phones.csv:2", {}});
  const Row<v3::Phone>* first = &rows[0];
  const size_t n = 3 * RowList<Row<v3::Phone>>::kRowsPerBlock + 7;
  for (size_t i = 1; i < n; ++i) {
    Row<v3::Phone>& row = rows.emplace_back();
    row.where = absl::StrCat("phones.csv:", i + 2);
  }
  EXPECT_EQ(&rows[0], first);
  EXPECT_EQ(first->where, "phones.csv:2");
  ASSERT_EQ(rows.size(), n);
  EXPECT_EQ(rows.back().where, absl::StrCat("phones.csv:", n + 1));
  size_t i = 0;
  for (const Row<v3::Phone>& row : rows) {
    EXPECT_EQ(row.where, absl::StrCat("phones.csv:", i + 2));
    ++i;
  }
  EXPECT_EQ(i, n);
  RowList<Row<v3::Phone>> moved = std::move(rows);
  EXPECT_EQ(moved.size(), n);
  EXPECT_EQ(&moved[0], first);
  EXPECT_TRUE(rows.empty());  // NOLINT(bugprone-use-after-move): defined.
  for (const Row<v3::Phone>& row : rows) ADD_FAILURE() << row.where;
}

TEST(FromHsds, ServiceFullJson) {
  Mapped m = Map(kExamples + "/service_full.json");
  ExpectAllValid(m);
  ExpectExampleService(m);
  EXPECT_EQ(m.rows_skipped, 0) << Describe(m.problems);
}

TEST(FromHsds, ServiceAtLocationFullJson) {
  Mapped m = Map(kExamples + "/service_at_location_full.json");
  ExpectAllValid(m);
  EXPECT_FALSE(m.records.empty()) << Describe(m.problems);
  for (const Problem& p : m.problems) {
    EXPECT_FALSE(p.row_skipped) << Describe(m.problems);
  }
}

TEST(FromHsds, PagedListsJson) {
  for (const char* file : {"organization_list.json", "service_list.json"}) {
    Mapped m = Map(kExamples + "/" + file);
    EXPECT_FALSE(m.records.empty()) << file << "\n" << Describe(m.problems);
    ExpectAllValid(m);
    for (const std::string& where : m.sources) {
      EXPECT_TRUE(absl::StartsWith(where, absl::StrCat(file, ":$.contents[")))
          << where;
    }
  }
}

// The specification's other examples are HSDS objects civhub does not
// import on their own: each is refused saying what it looks like, never
// published as an organization named after whatever "name" it has.
TEST(FromHsds, OtherHsdsObjectsAreRefusedSayingWhatTheyAre) {
  for (auto [file, looks_like] : {
           std::pair{"location.json", "an HSDS location"},
           std::pair{"taxonomy.json", "an HSDS taxonomy"},
           std::pair{"taxonomy_term.json", "an HSDS taxonomy term"},
           std::pair{"base.json", "the root of an HSDS API"},
           std::pair{"tabular.json", "tabular JSON"},
       }) {
    absl::StatusOr<Package> p = ReadHsds(kExamples + "/" + file);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << file;
    EXPECT_TRUE(absl::StrContains(p.status().message(), looks_like))
        << file << ": " << p.status();
    EXPECT_TRUE(absl::StartsWith(p.status().message(), file)) << p.status();
  }
  // In a list, each item is a problem and nothing is published.
  for (const char* file : {"taxonomy_list.json", "taxonomy_term_list.json"}) {
    Mapped m = Map(kExamples + "/" + file);
    EXPECT_TRUE(m.records.empty()) << file;
    ASSERT_FALSE(m.problems.empty()) << file;
    EXPECT_TRUE(absl::StrContains(m.problems[0].reason, "taxonomy"))
        << Describe(m.problems);
  }
}

TEST(FromHsds, NewlineDelimitedJson) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("orgs.ndjson"))
      << R"({"id": "11111111-1111-4111-8111-111111111111", "name": "One"})"
      << "\n\n"
      << R"({"id": "22222222-2222-4222-8222-222222222222", "name": "Two",)"
      << R"( "tax_id": "x"})"
      << "\n"
      << "{not json\n";
  Mapped m = Map(dir.Sub("orgs.ndjson"));
  ASSERT_EQ(m.records.size(), 2u) << Describe(m.problems);
  EXPECT_EQ(m.records[1].record_id(),
            "hsds-22222222-2222-4222-8222-222222222222");
  EXPECT_EQ(m.sources[1], "orgs.ndjson:3:$");
  EXPECT_EQ(m.not_kept.at("organization.tax_id").first_where,
            "orgs.ndjson:3:$");
  ASSERT_EQ(m.problems.size(), 1u) << Describe(m.problems);
  EXPECT_EQ(m.problems[0].where, "orgs.ndjson:4");
  EXPECT_TRUE(m.problems[0].row_skipped);
}

// Found in a trial: in JSON, "minimum_age": "twelve" made the parser refuse
// the whole service (and its nested organization) in protobuf's words,
// where the same cell in CSV is dropped with a problem.
TEST(FromHsds, AJsonValueOfTheWrongKindIsDroppedNotTheRecord) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("svc.json"))
      << R"({"id": "33333333-3333-4333-8333-333333333333", "name": "Clinic",)"
      << R"( "status": "active", "minimum_age": "twelve", "maximum_age": "65",)"
      << R"( "email": 7, "languages": {"code": "en"},)"
      << R"( "organization": {"id": "11111111-1111-4111-8111-111111111111",)"
      << R"( "name": "One", "year_incorporated": "last year"}})";
  Mapped m = Map(dir.Sub("svc.json"));
  ASSERT_EQ(m.records.size(), 2u) << Describe(m.problems);
  const v1::PublishRequest* svc =
      Record(m, "hsds-33333333-3333-4333-8333-333333333333");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->service().maximum_age(), 65);  // A number as text is read.
  const Problem* age = Find(m, "service.minimum_age", "is not a number");
  ASSERT_NE(age, nullptr) << Describe(m.problems);
  EXPECT_EQ(age->where, "svc.json:$.minimum_age");
  EXPECT_EQ(age->value, "twelve");
  EXPECT_EQ(age->id, "33333333-3333-4333-8333-333333333333");
  EXPECT_FALSE(age->row_skipped);
  EXPECT_NE(Find(m, "service.email", "is not text"), nullptr);
  EXPECT_NE(Find(m, "service.languages", "is not a list"), nullptr);
  const Problem* year =
      Find(m, "organization.year_incorporated", "is not a number");
  ASSERT_NE(year, nullptr) << Describe(m.problems);
  EXPECT_EQ(year->where, "svc.json:$.organization.year_incorporated");
  EXPECT_EQ(year->id, "11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(m.rows_skipped, 0);
}

// Found in a trial: packages written by hand name the country ("Kenya")
// where HSDS asks for its code, and every such location was dropped.
TEST(FromHsds, ACountrysNameIsReadAsItsCodeWithANote) {
  testing::TempDir dir;
  std::ofstream out(dir.Sub("orgs.ndjson"));
  int n = 0;
  for (const char* country :
       {"Kenya", "PÉROU", "kenia", "USA", "Burma", "Congo", "Narnia", ""}) {
    out << absl::StrCat(
        R"({"id": "11111111-1111-4111-8111-11111111111)", n, R"(", )",
        R"("name": "Org )", n, R"(", "locations": [{"id": )",
        R"("21111111-1111-4111-8111-11111111111)", n, R"(", )",
        R"("location_type": "physical", "addresses": [{"id": )",
        R"("31111111-1111-4111-8111-11111111111)", n, R"(", "address_1": )",
        R"("1 Main St", "city": "Town", "country": ")", country,
        R"(", "address_type": "physical"}]}]})", "\n");
    ++n;
  }
  out.close();
  Mapped m = Map(dir.Sub("orgs.ndjson"));
  ASSERT_EQ(m.records.size(), 8u) << Describe(m.problems);
  ExpectAllValid(m);
  std::vector<std::string> countries;
  for (const v1::PublishRequest& r : m.records) {
    const v1::Organization& org = r.organization();
    countries.push_back(org.locations().empty() ? "(dropped)"
                                                : org.locations(0).country());
  }
  // Congo is two countries: read as neither (found in a trial: a Kinshasa
  // address became CG).
  EXPECT_EQ(countries,
            (std::vector<std::string>{"KE", "PE", "KE", "US", "MM", "(dropped)",
                                      "(dropped)", "(dropped)"}));
  const Problem* note = Find(m, "address.country", "read as KE (Kenya)");
  ASSERT_NE(note, nullptr) << Describe(m.problems);
  EXPECT_EQ(note->value, "Kenya");
  EXPECT_FALSE(note->row_skipped);
  // The problem names the address row, by its id.
  EXPECT_EQ(note->id, "31111111-1111-4111-8111-111111111110");
  const Problem* congo = Find(m, "address.country", "did you mean CD");
  ASSERT_NE(congo, nullptr) << Describe(m.problems);
  EXPECT_EQ(congo->value, "Congo");
  EXPECT_TRUE(absl::StrContains(congo->reason, "or CG (Congo)"))
      << congo->reason;
  const Problem* bad = Find(m, "address.country", "the location is dropped");
  ASSERT_NE(bad, nullptr);
  EXPECT_NE(Find(m, "address.country", "nor the name of one country"), nullptr);
  EXPECT_NE(Find(m, "address.country", "is empty"), nullptr)
      << Describe(m.problems);
}

TEST(FromHsds, UnreadableInputIsAnError) {
  EXPECT_FALSE(ReadHsds("/nonexistent/package").ok());
  testing::TempDir dir;
  EXPECT_EQ(ReadHsds(dir.path()).status().code(),
            absl::StatusCode::kNotFound);  // no datapackage.json
  std::ofstream(dir.Sub("x.json")) << "not json at all";
  EXPECT_EQ(ReadHsds(dir.Sub("x.json")).status().code(),
            absl::StatusCode::kInvalidArgument);
  // One line, without the parser's copy of the input and its caret (found
  // in a trial).
  std::ofstream(dir.Sub("cut.json")) << "{\"name\": ";
  absl::Status cut = ReadHsds(dir.Sub("cut.json")).status();
  EXPECT_FALSE(absl::StrContains(cut.message(), "\n")) << cut;
  EXPECT_TRUE(absl::EndsWith(cut.message(), ")")) << cut;
  // Found in a trial: a table given alone was "neither a JSON document nor
  // newline-delimited JSON".
  std::ofstream(dir.Sub("organizations.csv")) << "id,name\n";
  absl::Status alone = ReadHsds(dir.Sub("organizations.csv")).status();
  EXPECT_TRUE(
      absl::StrContains(alone.message(), "give the directory that holds it"))
      << alone;
}

// Found in a trial: a directory of the HSDS tables without
// datapackage.json was refused. Its tables are read by the names HSDS
// gives their files, with a problem saying so; a directory with none of
// them says what a package is.
TEST(FromHsds, ADirectoryOfTablesWithoutDatapackageJsonIsReadByTheirNames) {
  testing::TempDir dir;
  absl::Status none = ReadHsds(dir.path()).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(
      absl::StrContains(none.message(), "datapackage.json naming each table"))
      << none;
  for (const char* table :
       {"organizations.csv", "services.csv", "service_at_location.csv",
        "locations.csv", "addresses.csv"}) {
    std::filesystem::copy_file(kExamples + "/csv/" + table, dir.Sub(table));
  }
  absl::StatusOr<Package> package = ReadHsds(dir.path());
  ASSERT_TRUE(package.ok()) << package.status();
  ASSERT_FALSE(package->problems.empty());
  EXPECT_EQ(package->problems[0].where, "datapackage.json");
  EXPECT_TRUE(
      absl::StrContains(package->problems[0].reason,
                        "read the tables by the file names HSDS gives them: "
                        "organizations.csv, services.csv, "
                        "service_at_location.csv, locations.csv, "
                        "addresses.csv"))
      << package->problems[0].reason;
  Mapped m = MapPackage(*std::move(package));
  const v1::PublishRequest* r = Record(m, kOrgId);
  ASSERT_NE(r, nullptr) << Describe(m.problems);
  ASSERT_EQ(r->organization().locations_size(), 1);
  EXPECT_EQ(r->organization().locations(0).country(), "US");
  EXPECT_NE(Record(m, kServiceId), nullptr);
}

// Found in a trial: a location whose organization's row was skipped (a
// wrong column count) went without a word.
TEST(FromHsds, ALocationNoImportedRecordTakesIsAProblem) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("organizations.csv"))
      << "id,name\n"
      << "11111111-1111-4111-8111-111111111111,Kept\n"
      << "22222222-2222-4222-8222-222222222222,Short,x\n";
  std::ofstream(dir.Sub("locations.csv"))
      << "id,organization_id,name,location_type\n"
      << "31111111-1111-4111-8111-111111111111,"
         "11111111-1111-4111-8111-111111111111,Kept's,physical\n"
      << "32222222-2222-4222-8222-222222222222,"
         "22222222-2222-4222-8222-222222222222,Short's,physical\n";
  std::ofstream(dir.Sub("addresses.csv"))
      << "id,location_id,address_1,city,country,address_type\n"
      << "41111111-1111-4111-8111-111111111111,"
         "31111111-1111-4111-8111-111111111111,1 Main St,Nairobi,KE,physical\n"
      << "42222222-2222-4222-8222-222222222222,"
         "32222222-2222-4222-8222-222222222222,2 Main St,Lima,PE,physical\n";
  Mapped m = Map(dir.path());
  ASSERT_EQ(m.records.size(), 1u) << Describe(m.problems);
  EXPECT_EQ(m.records[0].organization().locations_size(), 1);
  const Problem* lost = Find(m, "location.organization_id", "not imported");
  ASSERT_NE(lost, nullptr) << Describe(m.problems);
  EXPECT_EQ(lost->where, "locations.csv:3");
  EXPECT_EQ(lost->id, "32222222-2222-4222-8222-222222222222");
  EXPECT_TRUE(lost->row_skipped);
  int lost_locations = 0;
  for (const Problem& p : m.problems) {
    lost_locations += p.field == "location.organization_id";
  }
  EXPECT_EQ(lost_locations, 1) << Describe(m.problems);
}

// Found in a trial: a service whose organization is in neither the input
// nor the hub was published without a word.
TEST(FromHsds, AServiceOfAnOrganizationNotImportedSaysSo) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("services.csv"))
      << "id,organization_id,name,status\n"
      << "51111111-1111-4111-8111-111111111111,"
         "99999999-9999-4999-8999-999999999999,Ghost Org Service,active\n";
  Mapped m = Map(dir.path());
  ASSERT_EQ(m.records.size(), 1u) << Describe(m.problems);
  EXPECT_EQ(m.records[0].service().organization().record_id(),
            "hsds-99999999-9999-4999-8999-999999999999");
  const Problem* note =
      Find(m, "service.organization_id", "names no organization");
  ASSERT_NE(note, nullptr) << Describe(m.problems);
  EXPECT_FALSE(note->row_skipped);
  EXPECT_TRUE(absl::StrContains(note->reason,
                                "until then the service has "
                                "no provider"));
}

// A package with a bad row of every kind among good ones.
class HostilePackage : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.Sub("datapackage.json")) << R"({"resources": [
      {"name": "organization", "path": "organizations.csv"},
      {"name": "service", "path": "services.csv"},
      {"name": "location", "path": "../outside.csv"}
    ]})";
    std::ofstream csv(dir_.Sub("organizations.csv"), std::ios::binary);
    csv << "id,name,description,parent_organization_id,email\n"
        // 2: good
        << "11111111-1111-4111-8111-111111111111,Good One,,,\n"
        // 3: a cell short
        << "22222222-2222-4222-8222-222222222222,Short,\n"
        // 4: not a UUID
        << "not-a-uuid,Bad Id,,,\n"
        // 5: its own parent
        << "33333333-3333-4333-8333-333333333333,Self,,"
           "33333333-3333-4333-8333-333333333333,\n"
        // 6: invalid UTF-8
        << "44444444-4444-4444-8444-444444444444,Bad \xff\xfe,,,\n"
        // 7: an email civhub refuses: dropped, the row kept
        << "55555555-5555-4555-8555-555555555555,Bad Email,,,not-an-email\n"
        // 8: a 100 MB cell
        << "66666666-6666-4666-8666-666666666666,Huge,";
    std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 100; ++i) csv.write(chunk.data(), chunk.size());
    csv << ",,\n"
        // 9: good
        << "77777777-7777-4777-8777-777777777777,Good Two,,,\n";
  }
  testing::TempDir dir_;
};

TEST_F(HostilePackage, EachBadRowIsAProblemAndTheRestIsMapped) {
  Mapped m = Map(dir_.path());
  std::vector<std::string> ids;
  for (const auto& r : m.records) ids.push_back(r.record_id());
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "hsds-11111111-1111-4111-8111-111111111111",
                     "hsds-33333333-3333-4333-8333-333333333333",
                     "hsds-55555555-5555-4555-8555-555555555555",
                     "hsds-77777777-7777-4777-8777-777777777777"}))
      << Describe(m.problems);
  ExpectAllValid(m);
  auto at = [&](absl::string_view where) -> const Problem* {
    for (const Problem& p : m.problems) {
      if (p.where == where) return &p;
    }
    return nullptr;
  };
  const Problem* p;
  ASSERT_NE(p = at("services.csv"), nullptr) << Describe(m.problems);
  EXPECT_TRUE(absl::StrContains(p->reason, "missing"));
  ASSERT_NE(p = at("datapackage.json:$.resources[2]"), nullptr);
  EXPECT_TRUE(absl::StrContains(p->reason, "within the package"));
  ASSERT_NE(p = at("organizations.csv:3"), nullptr);
  EXPECT_TRUE(absl::StrContains(p->reason, "cells, the header has"));
  // The line says what became of the row, not only the summary's count.
  EXPECT_TRUE(absl::EndsWith(p->reason, "; the row is skipped")) << p->reason;
  EXPECT_TRUE(p->row_skipped);
  ASSERT_NE(p = at("organizations.csv:4"), nullptr);
  EXPECT_EQ(p->field, "organization.id");
  EXPECT_EQ(p->value, "not-a-uuid");
  EXPECT_TRUE(p->row_skipped);
  ASSERT_NE(p = at("organizations.csv:5"), nullptr);
  EXPECT_EQ(p->field, "organization.parent_organization_id");
  EXPECT_FALSE(p->row_skipped);
  EXPECT_FALSE(Record(m, "hsds-33333333-3333-4333-8333-333333333333")
                   ->organization()
                   .has_parent());
  ASSERT_NE(p = at("organizations.csv:6"), nullptr);
  EXPECT_TRUE(absl::StrContains(p->reason, "UTF-8")) << p->reason;
  EXPECT_TRUE(p->row_skipped);
  ASSERT_NE(p = at("organizations.csv:7"), nullptr);
  EXPECT_EQ(p->field, "organization.email");
  EXPECT_EQ(p->value, "not-an-email");
  // Not the field's name again (found in a trial).
  EXPECT_TRUE(absl::StartsWith(p->reason, "\"not-an-email\" is not an email"))
      << p->reason;
  EXPECT_FALSE(p->row_skipped);
  ASSERT_NE(p = at("organizations.csv:8"), nullptr);
  EXPECT_TRUE(absl::StrContains(p->reason, "more than the limit")) << p->reason;
  EXPECT_TRUE(p->row_skipped);
  EXPECT_EQ(m.rows_skipped, 6) << Describe(m.problems);
}

// Issue 17: civhubctl sends records while the rest are mapped. What the
// sink is handed is what MapPackage returns, in the same order, with the
// same problems; a sink that says stop gets no more records.
TEST_F(HostilePackage, StreamedRecordsAreTheMappedOnes) {
  Mapped whole = Map(dir_.path());
  for (const std::string& path : {dir_.path(), kExamples + "/csv"}) {
    Mapped held = Map(path);
    absl::StatusOr<Package> package = ReadHsds(path);
    ASSERT_OK(package);
    std::vector<v1::PublishRequest> records;
    std::vector<std::string> sources;
    Mapped streamed =
        MapPackage(*std::move(package), MapOptions(),
                   [&](v1::PublishRequest record, std::string source) {
                     records.push_back(std::move(record));
                     sources.push_back(std::move(source));
                     return true;
                   });
    EXPECT_TRUE(streamed.records.empty());
    ASSERT_EQ(records.size(), held.records.size()) << path;
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          records[i], held.records[i]))
          << path << " record " << i;
    }
    EXPECT_EQ(sources, held.sources);
    EXPECT_EQ(Describe(streamed.problems), Describe(held.problems));
    EXPECT_EQ(streamed.rows_skipped, held.rows_skipped);
    EXPECT_EQ(streamed.values_not_kept, held.values_not_kept);
  }

  absl::StatusOr<Package> package = ReadHsds(dir_.path());
  ASSERT_OK(package);
  int handed = 0;
  MapPackage(*std::move(package), MapOptions(),
             [&](v1::PublishRequest, std::string) {
               ++handed;
               return false;
             });
  EXPECT_EQ(handed, 1);
  EXPECT_GT(whole.records.size(), 1u);
}

TEST(FromHsds, ServiceRules) {
  Package p;
  auto org = [&](const std::string& id) {
    Row<v3::Organization> r;
    r.where = "o";
    r.message.set_id(id);
    r.message.set_name("Org");
    p.organizations.push_back(r);
  };
  org("11111111-1111-4111-8111-111111111111");
  auto svc = [&](const std::string& id, const std::string& status) {
    Row<v3::Service> r;
    r.where = absl::StrCat("s", p.services.size());
    r.message.set_id(id);
    r.message.set_organization_id("11111111-1111-4111-8111-111111111111");
    r.message.set_name("Svc");
    r.message.set_status(status);
    p.services.push_back(r);
  };
  svc("aaaaaaaa-1111-4111-8111-111111111111", "Temporarily Closed");
  svc("bbbbbbbb-1111-4111-8111-111111111111", "open");
  Row<v3::Language> lang;
  lang.message.set_service_id("aaaaaaaa-1111-4111-8111-111111111111");
  lang.message.set_code("spa");
  p.languages.push_back(lang);
  lang.message.set_code("klingon");
  p.languages.push_back(lang);
  Row<v3::ServiceArea> area;
  area.message.set_service_id("aaaaaaaa-1111-4111-8111-111111111111");
  area.message.set_name("KE-30");
  p.service_areas.push_back(area);
  Row<v3::TaxonomyTerm> term;
  term.message.set_id("cccccccc-1111-4111-8111-111111111111");
  term.message.set_name("Disaster Response Planning");
  p.taxonomy_terms.push_back(term);
  Row<v3::Attribute> attr;
  attr.message.set_link_entity("service");
  attr.message.set_link_id("AAAAAAAA-1111-4111-8111-111111111111");
  attr.message.set_taxonomy_term_id("cccccccc-1111-4111-8111-111111111111");
  p.attributes.push_back(attr);
  // A local topic as civhub exports it, and a listed topic by its code.
  term.message.set_id("dddddddd-1111-4111-8111-111111111111");
  term.message.set_code("x-food-pantry");
  p.taxonomy_terms.push_back(term);
  term.message.set_id("eeeeeeee-1111-4111-8111-111111111111");
  term.message.set_code("health");
  term.message.set_name("Something else entirely");
  p.taxonomy_terms.push_back(term);
  attr.message.set_taxonomy_term_id("dddddddd-1111-4111-8111-111111111111");
  p.attributes.push_back(attr);
  attr.message.set_taxonomy_term_id("eeeeeeee-1111-4111-8111-111111111111");
  p.attributes.push_back(attr);
  Mapped m = MapPackage(std::move(p), MapOptions{"sw"});
  ASSERT_EQ(m.records.size(), 2u) << Describe(m.problems);
  ExpectAllValid(m);
  const v1::Service& s = m.records[1].service();
  EXPECT_EQ(s.status(), "temporarily closed");
  EXPECT_EQ(s.names(0).lang(), "sw");
  EXPECT_EQ(
      std::vector<std::string>(s.languages().begin(), s.languages().end()),
      std::vector<std::string>{"es"});
  EXPECT_EQ(s.areas_served(0), "KE-30");
  EXPECT_EQ(std::vector<std::string>(s.topics().begin(), s.topics().end()),
            (std::vector<std::string>{"x-disaster-response-planning",
                                      "x-food-pantry", "health"}));
  EXPECT_NE(Find(m, "service.status", "skipped"), nullptr);
  EXPECT_NE(Find(m, "language.code"), nullptr);
}

// What comes before the first record is worked out on three threads (the
// values not kept counted, the attributes indexed, the locations mapped);
// the problems and counts still come in the order one thread would give
// them: reading's, then the attributes', then the locations', then the
// organizations'; a value not kept is first met where reading met it.
TEST(FromHsds, ProblemsAndValuesNotKeptComeInReadingOrder) {
  Package p;
  p.problems.push_back({"organizations.csv:9", "", "organization", "",
                        "2 cells, the header has 3; the row is skipped", true});
  p.not_kept["organization.tax_id"] = {1, "organizations.csv:1"};
  Row<v3::Organization> org;
  org.where = "organizations.csv:2";
  org.message.set_id("11111111-1111-4111-8111-111111111111");
  org.message.set_name("Maji Safi");
  org.message.set_tax_id("KE-123");
  org.message.set_year_incorporated(0.5);
  p.organizations.push_back(org);
  Row<v3::Location> loc;
  loc.where = "locations.csv:2";
  loc.message.set_id("not-a-uuid");
  p.locations.push_back(loc);
  loc.where = "locations.csv:3";
  loc.message.set_id("22222222-2222-4222-8222-222222222222");
  loc.message.set_organization_id("11111111-1111-4111-8111-111111111111");
  // A problem found when the organization takes the location (they are
  // mapped as they are taken) still comes with the locations'.
  loc.message.set_latitude(1.5);
  p.locations.push_back(loc);
  Row<v3::Address> address;
  address.where = "addresses.csv:2";
  address.message.set_location_id("22222222-2222-4222-8222-222222222222");
  address.message.set_country("KE");
  p.addresses.push_back(address);
  Row<v3::Attribute> attr;
  attr.where = "attributes.csv:2";
  attr.message.set_link_entity("organization");
  attr.message.set_link_id("11111111-1111-4111-8111-111111111111");
  attr.message.set_taxonomy_term_id("33333333-3333-4333-8333-333333333333");
  p.attributes.push_back(attr);
  attr.where = "attributes.csv:3";
  attr.message.set_link_entity("location");
  p.attributes.push_back(attr);

  Mapped m = MapPackage(std::move(p), MapOptions{"en"});
  ASSERT_EQ(m.records.size(), 1u) << Describe(m.problems);
  std::vector<std::string> order;
  for (const Problem& problem : m.problems) {
    order.push_back(absl::StrCat(problem.where, " ", problem.field));
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "organizations.csv:9 organization",
                       "attributes.csv:2 attribute.taxonomy_term_id",
                       "locations.csv:2 location.id",
                       "locations.csv:3 location.latitude",
                       "organizations.csv:2 organization.year_incorporated",
                   }));
  ASSERT_EQ(m.not_kept.count("organization.tax_id"), 1u);
  EXPECT_EQ(m.not_kept.at("organization.tax_id").count, 2);
  EXPECT_EQ(m.not_kept.at("organization.tax_id").first_where,
            "organizations.csv:1");
  const std::string linked = "attribute.* (linked to \"location\")";
  ASSERT_EQ(m.not_kept.count(linked), 1u) << linked;
  EXPECT_EQ(m.not_kept.at(linked).count, 1);
  EXPECT_EQ(m.not_kept.at(linked).first_where, "attributes.csv:3");
  EXPECT_EQ(m.values_not_kept, 3);
  ASSERT_EQ(m.records[0].organization().locations_size(), 1);
  EXPECT_EQ(m.records[0].organization().locations(0).country(), "KE");
}

}  // namespace
}  // namespace civhub::hsds
