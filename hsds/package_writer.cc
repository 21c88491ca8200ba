#include "hsds/package_writer.h"

#include <google/protobuf/util/json_util.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace civhub::hsds {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A number as HSDS CSV holds it: whole numbers without a decimal point.
std::string NumberText(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 &&
      v > -1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrFormat("%.15g", v);
}

// The cell of `field` in `m`: "" when unset.
std::string Cell(const Message& m, const FieldDescriptor* field) {
  const auto* refl = m.GetReflection();
  if (field->has_presence() && !refl->HasField(m, field)) return "";
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return refl->GetString(m, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return NumberText(refl->GetDouble(m, field));
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(refl->GetInt32(m, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return refl->GetBool(m, field) ? "true" : "false";
    default:
      return "";
  }
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      return absl::UnavailableError(
          absl::StrCat(tmp, ": cannot write: ", std::strerror(errno)));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string Json(const Message& m, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = pretty;
  std::string out;
  // Printing a message we built cannot fail.
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

// A whole list as one page of HSDS's paged envelope, or its items one per
// line.
template <typename Page>
std::string PageText(Page page, bool ndjson) {
  if (ndjson) {
    std::string text;
    for (const auto& item : page.contents()) {
      absl::StrAppend(&text, Json(item, /*pretty=*/false), "\n");
    }
    return text;
  }
  const int n = page.contents_size();
  page.set_total_items(n);
  page.set_total_pages(1);
  page.set_page_number(1);
  page.set_size(n);
  page.set_first_page(true);
  page.set_last_page(true);
  page.set_empty(n == 0);
  return Json(page, /*pretty=*/true) + "\n";
}

}  // namespace

absl::Span<const TableSpec> PackageTables() {
  static const std::vector<TableSpec>* const kTables =
      new std::vector<TableSpec>{
#include "hsds/internal/tables.inc"
      };
  return *kTables;
}

const TableSpec* FindTable(absl::string_view name) {
  for (const TableSpec& t : PackageTables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& c = cells[i];
    if (c.find_first_of(",\"\r\n") == std::string::npos &&
        (c.empty() || (c.front() != ' ' && c.back() != ' '))) {
      out += c;
      continue;
    }
    out += '"';
    for (char ch : c) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  }
  out += "\r\n";
  return out;
}

std::map<std::string, std::vector<std::string>>& PackageWriter::Table(
    absl::string_view name) {
  return tables_[std::string(name)];
}

void PackageWriter::AddRow(absl::string_view table, const Message& row) {
  const TableSpec* spec = FindTable(table);
  if (spec == nullptr) return;
  std::vector<std::string> cells;
  cells.reserve(spec->columns.size());
  for (const TableColumn& column : spec->columns) {
    const FieldDescriptor* field =
        row.GetDescriptor()->FindFieldByName(column.name);
    cells.push_back(field == nullptr || field->is_repeated() ||
                            field->cpp_type() ==
                                FieldDescriptor::CPPTYPE_MESSAGE
                        ? std::string()
                        : Cell(row, field));
  }
  // Every table's first column is its id.
  std::string id = cells.empty() ? std::string() : cells.front();
  Table(table).emplace(std::move(id), std::move(cells));
}

void PackageWriter::AddLocation(const v3::Location& location) {
  AddRow("location", location);
  for (const v3::Address& a : location.addresses()) AddRow("address", a);
  for (const v3::Phone& p : location.phones()) AddRow("phone", p);
  AddAttributes(location.attributes());
}

void PackageWriter::AddAttributes(
    const google::protobuf::RepeatedPtrField<v3::Attribute>& attributes) {
  for (const v3::Attribute& a : attributes) {
    AddRow("attribute", a);
    if (a.has_taxonomy_term()) AddTerm(a.taxonomy_term());
  }
}

void PackageWriter::AddOrganization(const v3::Organization& organization) {
  if (organizations_.count(organization.id()) > 0) return;
  AddRow("organization", organization);
  for (const v3::Location& l : organization.locations()) AddLocation(l);
  for (const v3::Phone& p : organization.phones()) AddRow("phone", p);
  for (const v3::OrganizationIdentifier& i :
       organization.organization_identifiers()) {
    AddRow("organization_identifier", i);
  }
  AddAttributes(organization.attributes());
  for (const v3::Service& s : organization.services()) AddService(s);
  v3::Organization kept = organization;
  kept.clear_services();
  organizations_[organization.id()] = std::move(kept);
}

void PackageWriter::AddService(const v3::Service& service) {
  if (services_.count(service.id()) > 0) return;
  AddRow("service", service);
  for (const v3::Phone& p : service.phones()) AddRow("phone", p);
  for (const v3::ServiceArea& a : service.service_areas()) {
    AddRow("service_area", a);
  }
  for (const v3::Language& l : service.languages()) AddRow("language", l);
  for (const v3::ServiceAtLocation& at : service.service_at_locations()) {
    AddRow("service_at_location", at);
    if (at.has_location()) AddLocation(at.location());
  }
  AddAttributes(service.attributes());
  v3::Service kept = service;
  kept.clear_organization();
  services_[service.id()] = std::move(kept);
}

void PackageWriter::AddTaxonomy(const v3::Taxonomy& taxonomy) {
  AddRow("taxonomy", taxonomy);
}

void PackageWriter::AddTerm(const v3::TaxonomyTerm& term) {
  AddRow("taxonomy_term", term);
}

absl::Status PackageWriter::WriteTabular(const std::string& dir) const {
  // datapackage.json, written in a fixed order (a protobuf Struct's keys
  // would come out in any order).
  std::string package = absl::StrCat(
      "{\n  \"name\": \"civhub-directory\",\n",
      "  \"title\": \"A civhub directory, as Open Referral HSDS 3.0\",\n",
      "  \"profile\": \"tabular-data-package\",\n", "  \"version\": \"3.0\",\n",
      "  \"homepage\": \"https://docs.openreferral.org/en/3.0/\",\n",
      "  \"resources\": [");
  bool first_table = true;
  for (const TableSpec& t : PackageTables()) {
    absl::StrAppend(&package, first_table ? "\n" : ",\n", "    {\"name\": \"",
                    t.name, "\", \"path\": \"", t.path,
                    "\", \"format\": \"csv\", \"mediatype\": \"text/csv\", "
                    "\"profile\": \"tabular-data-resource\",\n"
                    "     \"schema\": {\"primaryKey\": \"id\", \"fields\": [");
    first_table = false;
    std::vector<std::string> header;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const TableColumn& c = t.columns[i];
      absl::StrAppend(&package, i == 0 ? "\n" : ",\n", "       {\"name\": \"",
                      c.name, "\", \"type\": \"", c.type, "\"");
      if (*c.format != '\0') {
        absl::StrAppend(&package, ", \"format\": \"", c.format, "\"");
      }
      package += "}";
      header.emplace_back(c.name);
    }
    package += "]}}";
    std::string csv = CsvLine(header);
    if (auto rows = tables_.find(t.name); rows != tables_.end()) {
      for (const auto& [id, cells] : rows->second) csv += CsvLine(cells);
    }
    if (absl::Status s = WriteFile(absl::StrCat(dir, "/", t.path), csv);
        !s.ok()) {
      return s;
    }
  }
  package += "\n  ]\n}\n";
  return WriteFile(absl::StrCat(dir, "/datapackage.json"), package);
}

absl::Status PackageWriter::WriteJson(const std::string& dir,
                                      bool ndjson) const {
  v3::OrganizationPage orgs;
  v3::ServicePage lone;
  std::map<std::string, v3::Organization> full = organizations_;
  for (const auto& [id, service] : services_) {
    auto org = full.find(service.organization_id());
    if (org != full.end()) {
      *org->second.add_services() = service;
    } else {
      *lone.add_contents() = service;
    }
  }
  for (auto& [id, org] : full) *orgs.add_contents() = std::move(org);
  const char* ext = ndjson ? ".ndjson" : ".json";
  if (absl::Status s = WriteFile(absl::StrCat(dir, "/organizations", ext),
                                 PageText(std::move(orgs), ndjson));
      !s.ok()) {
    return s;
  }
  return WriteFile(absl::StrCat(dir, "/services", ext),
                   PageText(std::move(lone), ndjson));
}

}  // namespace civhub::hsds
