#include "hsds/package_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/keys.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "hsds/csv_reader.h"
#include "hsds/to_hsds.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::hsds {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

google::protobuf::Struct ReadJson(const std::string& path) {
  google::protobuf::Struct out;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(Slurp(path), &out).ok())
      << path;
  return out;
}

TEST(PackageWriter, TablesAreTheSpecificationsOwn) {
  const std::string spec_path =
      std::string(CIVHUB_HSDS_DIR) + "/examples/csv/datapackage.json";
  ASSERT_TRUE(std::filesystem::exists(spec_path))
      << "the HSDS 3.0 specification's data is expected at " << CIVHUB_HSDS_DIR
      << " (../shared/data/hsds-3.0; CMake cache CIVHUB_HSDS_DIR)";
  google::protobuf::Struct spec = ReadJson(spec_path);
  const auto& resources = spec.fields().at("resources").list_value();
  ASSERT_EQ(PackageTables().size(),
            static_cast<size_t>(resources.values_size()));
  for (int i = 0; i < resources.values_size(); ++i) {
    const auto& r = resources.values(i).struct_value().fields();
    const TableSpec& t = PackageTables()[i];
    EXPECT_EQ(t.name, r.at("name").string_value());
    EXPECT_EQ(t.path, r.at("path").string_value());
    const auto& fields =
        r.at("schema").struct_value().fields().at("fields").list_value();
    ASSERT_EQ(t.columns.size(), static_cast<size_t>(fields.values_size()))
        << t.name;
    for (int j = 0; j < fields.values_size(); ++j) {
      EXPECT_EQ(
          t.columns[j].name,
          fields.values(j).struct_value().fields().at("name").string_value());
    }
  }
}

TEST(PackageWriter, CsvLinesQuoteWhatNeedsIt) {
  EXPECT_EQ(CsvLine({"a", "", "b c"}), "a,,b c\r\n");
  EXPECT_EQ(CsvLine({"a,b", "say \"hi\"", "two\nlines", " pad"}),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\"\r\n");
}

class PackageWriterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::OrgSpec spec;
    spec.name = "Maji Safi, Kenya";  // a comma: quoted
    v1::PublishRequest org = testing::OrgPublish("maji", spec);
    org.mutable_organization()->mutable_locations(0)->set_id("kibera");
    org_ = RecordOf("maji", org);
    testing::ServiceSpec s;
    s.provider_origin = key_.public_key().HubId();
    s.provider_id = "maji";
    v1::PublishRequest svc = testing::ServicePublish("kiosks", s);
    svc.mutable_service()->mutable_locations(0)->set_location_id("kibera");
    *svc.mutable_service()->mutable_locations(0)->mutable_location() =
        org.organization().locations(0);
    service_ = RecordOf("kiosks", svc);
  }

  v1::Record RecordOf(const std::string& id, const v1::PublishRequest& p) {
    v1::Record r;
    r.set_origin(key_.public_key().HubId());
    r.set_record_id(id);
    r.mutable_body()->set_version(1);
    r.mutable_body()->mutable_issued_at()->set_seconds(1780315200);
    if (p.has_organization()) {
      *r.mutable_body()->mutable_organization() = p.organization();
    } else {
      *r.mutable_body()->mutable_service() = p.service();
    }
    return r;
  }

  crypto::PrivateKey key_ = testing::NewKey();
  v1::Record org_, service_;
  testing::TempDir dir_;
};

TEST_F(PackageWriterFiles, EveryTableIsWrittenWithItsHeaderAndRowsOnce) {
  PackageWriter w;
  w.AddOrganization(OrganizationToHsds(org_));
  w.AddService(ServiceToHsds(service_));
  for (const v3::Taxonomy& t : Taxonomies()) w.AddTaxonomy(t);
  const std::string out = dir_.Sub("out");
  std::filesystem::create_directories(out);
  ASSERT_TRUE(w.WriteTabular(out).ok());

  google::protobuf::Struct package = ReadJson(out + "/datapackage.json");
  EXPECT_EQ(package.fields().at("resources").list_value().values_size(),
            static_cast<int>(PackageTables().size()));
  auto rows = [&](const TableSpec& t) {
    std::ifstream in(out + "/" + t.path, std::ios::binary);
    absl::StatusOr<CsvTable> table = CsvTable::Open(&in);
    EXPECT_TRUE(table.ok()) << t.path;
    std::vector<CsvRow> all;
    if (!table.ok()) return all;
    std::vector<std::string> header;
    for (const TableColumn& c : t.columns) header.emplace_back(c.name);
    EXPECT_EQ(table->columns(), header) << t.path;
    CsvRow row;
    while (table->Next(&row)) {
      EXPECT_TRUE(row.ok()) << t.path << ":" << row.line;
      all.push_back(row);
    }
    return all;
  };
  for (const TableSpec& t : PackageTables()) {
    std::vector<CsvRow> got = rows(t);
    const std::string name = t.name;
    if (name == "organization") {
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].cells[1], "Maji Safi, Kenya");
    } else if (name == "location") {
      // The organization's and, copied, its service's: one location.
      EXPECT_EQ(got.size(), 1u);
    } else if (name == "service" || name == "service_at_location" ||
               name == "address") {
      EXPECT_EQ(got.size(), 1u) << name;
    } else if (name == "taxonomy") {
      EXPECT_EQ(got.size(), 2u);
    } else if (name == "contact" || name == "schedule" || name == "program") {
      EXPECT_TRUE(got.empty()) << name;
    }
  }
}

TEST_F(PackageWriterFiles, TheSameDirectoryGivesTheSameFilesInAnyOrder) {
  PackageWriter a, b;
  a.AddOrganization(OrganizationToHsds(org_));
  a.AddService(ServiceToHsds(service_));
  b.AddService(ServiceToHsds(service_));
  b.AddOrganization(OrganizationToHsds(org_));
  const std::string da = dir_.Sub("a"), db = dir_.Sub("b");
  std::filesystem::create_directories(da);
  std::filesystem::create_directories(db);
  ASSERT_TRUE(a.WriteTabular(da).ok());
  ASSERT_TRUE(b.WriteTabular(db).ok());
  ASSERT_TRUE(a.WriteJson(da, false).ok());
  ASSERT_TRUE(b.WriteJson(db, false).ok());
  for (const auto& entry : std::filesystem::directory_iterator(da)) {
    const std::string name = entry.path().filename();
    EXPECT_EQ(Slurp(da + "/" + name), Slurp(db + "/" + name)) << name;
  }
  // The JSON nests the service in its organization.
  google::protobuf::Struct orgs = ReadJson(da + "/organizations.json");
  const auto& contents = orgs.fields().at("contents").list_value();
  ASSERT_EQ(contents.values_size(), 1);
  EXPECT_EQ(contents.values(0)
                .struct_value()
                .fields()
                .at("services")
                .list_value()
                .values_size(),
            1);
  google::protobuf::Struct lone = ReadJson(da + "/services.json");
  EXPECT_EQ(lone.fields().at("total_items").number_value(), 0);
}

// Found in a trial: `hsds export` of 100,000 organizations peaked at
// 1.1 GB (4.6 GB as JSON), the writer holding every row and object for
// both forms. A writer for one form writes the same files as one for both
// (docs/performance.md, "HSDS export"), and refuses the other form.
TEST_F(PackageWriterFiles, AWriterForOneFormWritesWhatOneForBothDoes) {
  PackageWriter both;
  PackageWriter tabular(PackageWriter::Output::kTabular);
  PackageWriter json(PackageWriter::Output::kJson);
  for (PackageWriter* w : {&both, &tabular, &json}) {
    w->AddOrganization(OrganizationToHsds(org_));
    w->AddService(ServiceToHsds(service_));
    EXPECT_EQ(w->organizations(), 1u);
    EXPECT_EQ(w->services(), 1u);
  }
  const std::string d_both = dir_.Sub("both"), d_one = dir_.Sub("one");
  std::filesystem::create_directories(d_both);
  std::filesystem::create_directories(d_one);
  ASSERT_TRUE(both.WriteTabular(d_both).ok());
  ASSERT_TRUE(both.WriteJson(d_both, false).ok());
  ASSERT_TRUE(both.WriteJson(d_both, true).ok());
  ASSERT_TRUE(tabular.WriteTabular(d_one).ok());
  ASSERT_TRUE(json.WriteJson(d_one, false).ok());
  ASSERT_TRUE(json.WriteJson(d_one, true).ok());
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(d_both)) {
    const std::string name = entry.path().filename();
    EXPECT_EQ(Slurp(d_both + "/" + name), Slurp(d_one + "/" + name)) << name;
    ++files;
  }
  EXPECT_GT(files, 20u);
  EXPECT_EQ(tabular.WriteJson(d_one, false).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(json.WriteTabular(d_one).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PackageWriterFiles, AnIdAddedTwiceKeepsTheFirst) {
  PackageWriter w;
  v3::Organization first = OrganizationToHsds(org_);
  v3::Organization second = first;
  second.set_name("Another hub's copy");
  second.mutable_locations(0)->set_name("elsewhere");
  w.AddOrganization(first);
  w.AddOrganization(second);
  EXPECT_EQ(w.organizations(), 1u);
  const std::string out = dir_.Sub("dup");
  std::filesystem::create_directories(out);
  ASSERT_TRUE(w.WriteTabular(out).ok());
  ASSERT_TRUE(w.WriteJson(out, false).ok());
  EXPECT_EQ(Slurp(out + "/organizations.csv").find("Another"),
            std::string::npos);
  EXPECT_EQ(Slurp(out + "/locations.csv").find("elsewhere"), std::string::npos);
  EXPECT_EQ(Slurp(out + "/organizations.json").find("Another"),
            std::string::npos);
}

TEST_F(PackageWriterFiles, AnUnwritableDirectoryIsAnError) {
  PackageWriter w;
  w.AddOrganization(OrganizationToHsds(org_));
  absl::Status s = w.WriteTabular(dir_.Sub("missing"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("cannot write"), std::string::npos);
}

}  // namespace
}  // namespace civhub::hsds
