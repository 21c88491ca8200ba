#include "hsds/package_reader.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "hsds/internal/reading.h"
#include "hsds/package_writer.h"

namespace civhub::hsds {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using internal::CountNotKept;
using internal::ParseJson;
using internal::ReadFile;
using internal::ReadJsonFile;
using internal::Shorten;
using internal::TableOf;

// Sets `field` of `message` from CSV text. Strings as they are (taken from
// `*text`), numbers parsed; false (nothing set) if the text is not of the
// field's type.
bool SetFromText(Message* message, const FieldDescriptor* field,
                 std::string* text_in) {
  const std::string& text = *text_in;
  const Reflection* r = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(message, field, std::move(*text_in));
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double d;
      if (!absl::SimpleAtod(text, &d)) return false;
      r->SetDouble(message, field, d);
      return true;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t i;
      if (!absl::SimpleAtoi(text, &i)) return false;
      r->SetInt32(message, field, i);
      return true;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b;
      if (!absl::SimpleAtob(text, &b)) return false;
      r->SetBool(message, field, b);
      return true;
    }
    default:
      return false;
  }
}

// Reads the CSV file `file` (named `name` in problems) as rows of `table`.
template <typename M>
void ReadTable(const fs::path& file, const std::string& name,
               const std::string& table, const CsvLimits& limits,
               RowList<Row<M>>* rows, Package* package) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    package->problems.push_back(
        {name, "", table, "", "the table is listed but cannot be read", true});
    return;
  }
  absl::StatusOr<CsvTable> csv = CsvTable::Open(&in, limits);
  if (!csv.ok()) {
    package->problems.push_back(
        {name, "", table, "", std::string(csv.status().message()), true});
    return;
  }
  const Descriptor* d = M::descriptor();
  // Per column: the field it sets, or nullptr (not kept).
  std::vector<const FieldDescriptor*> fields;
  for (const std::string& column : csv->columns()) {
    const FieldDescriptor* f = d->FindFieldByName(column);
    if (f != nullptr && (f->is_repeated() ||
                         f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)) {
      f = nullptr;
    }
    fields.push_back(f);
  }
  CsvRow row;
  while (csv->Next(&row)) {
    std::string where = absl::StrCat(name, ":", row.line);
    std::string id(csv->Cell(row, "id"));
    if (!row.ok()) {
      std::vector<std::string> reasons;
      for (const CsvProblem& p : row.problems) reasons.push_back(p.message);
      // Says what became of the row, as the mapper's problems do (found in
      // a trial: "2 cells, the header has 5" left that to the summary).
      package->problems.push_back(
          {where, Shorten(id), table, "",
           absl::StrCat(absl::StrJoin(reasons, "; "), "; the row is skipped"),
           true});
      continue;
    }
    Row<M>& out = rows->emplace_back();
    for (size_t c = 0; c < fields.size(); ++c) {
      std::string& cell = row.cells[c];
      if (cell.empty()) continue;
      const std::string& column = csv->columns()[c];
      if (fields[c] == nullptr) {
        CountNotKept(package, absl::StrCat(table, ".", column), where);
      } else if (!SetFromText(&out.message, fields[c], &cell)) {
        package->problems.push_back(
            {where, Shorten(id), absl::StrCat(table, ".", column),
             Shorten(cell), "is not a number; the value is dropped", false});
      }
    }
    out.where = std::move(where);
  }
}

// Counts the rows of a table civhub does not keep.
void CountTable(const fs::path& file, const std::string& name,
                const std::string& table, const CsvLimits& limits,
                Package* package) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    package->problems.push_back(
        {name, "", table, "", "the table is listed but cannot be read", true});
    return;
  }
  absl::StatusOr<CsvTable> csv = CsvTable::Open(&in, limits);
  if (!csv.ok()) return;  // Not kept anyway; nothing more to say.
  CsvRow row;
  int64_t rows = 0;
  while (csv->Next(&row)) ++rows;
  if (rows > 0) {
    CountNotKept(package, absl::StrCat(table, ".*"), name, rows);
  }
}

// One table of a data package, read on its own into `part`.
struct TableRead {
  std::string table;
  std::string name;  // The file's name, as problems give it.
  fs::path file;
  size_t problem_slot;  // Where its problems go among the package's.
  Package part;
};

void ReadOneTable(const CsvLimits& limits, TableRead* read) {
  const std::string& t = read->table;
  Package* p = &read->part;
  auto table = [&](auto* rows) {
    ReadTable(read->file, read->name, t, limits, rows, p);
  };
  if (t == "organization") {
    table(&p->organizations);
  } else if (t == "service") {
    table(&p->services);
  } else if (t == "location") {
    table(&p->locations);
  } else if (t == "address") {
    table(&p->addresses);
  } else if (t == "phone") {
    table(&p->phones);
  } else if (t == "organization_identifier") {
    table(&p->organization_identifiers);
  } else if (t == "service_area") {
    table(&p->service_areas);
  } else if (t == "service_at_location") {
    table(&p->service_at_locations);
  } else if (t == "language") {
    table(&p->languages);
  } else if (t == "attribute") {
    table(&p->attributes);
  } else if (t == "taxonomy_term") {
    table(&p->taxonomy_terms);
  } else {
    CountTable(read->file, read->name, t, limits, p);
  }
}

// Reads every table, several at once: a package's tables are independent
// until mapping joins them, and reading them is most of the time before an
// import can send its first batch.
void ReadTables(const CsvLimits& limits, std::vector<TableRead>* tables) {
  // Largest first, so that no thread is left reading a large table alone
  // at the end (attributes.csv, often the largest, comes last in HSDS's
  // list).
  std::vector<std::pair<uintmax_t, TableRead*>> order;
  for (TableRead& t : *tables) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(t.file, ec);
    order.emplace_back(ec ? 0 : size, &t);
  }
  std::stable_sort(
      order.begin(), order.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < order.size(); i = next++) {
      ReadOneTable(limits, order[i].second);
    }
  };
  const size_t threads = std::min<size_t>(
      tables->size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
}

template <typename List>
void Append(List&& from, List* to) {
  if (to->empty()) {
    *to = std::move(from);
  } else {
    for (auto& item : from) to->push_back(std::move(item));
  }
}

// Adds a table's rows and what it did not keep to `package`, and its
// problems to `problems`.
void MergeInto(Package part, Package* package, std::vector<Problem>* problems) {
  Append(std::move(part.organizations), &package->organizations);
  Append(std::move(part.services), &package->services);
  Append(std::move(part.locations), &package->locations);
  Append(std::move(part.addresses), &package->addresses);
  Append(std::move(part.phones), &package->phones);
  Append(std::move(part.organization_identifiers),
         &package->organization_identifiers);
  Append(std::move(part.service_areas), &package->service_areas);
  Append(std::move(part.service_at_locations), &package->service_at_locations);
  Append(std::move(part.languages), &package->languages);
  Append(std::move(part.attributes), &package->attributes);
  Append(std::move(part.taxonomy_terms), &package->taxonomy_terms);
  Append(std::move(part.problems), problems);
  for (auto& [key, n] : part.not_kept) {
    NotKept& to = package->not_kept[key];
    if (to.count == 0) to.first_where = std::move(n.first_where);
    to.count += n.count;
  }
}

}  // namespace

namespace {

// A table a package lists: its HSDS name, its file relative to the
// package's directory, and where it is listed (for problems).
struct Listed {
  std::string table;
  std::string path;
  std::string where;
};

// Reads the tables `listed` in `dir` into `package`, several at once, their
// problems in the order listed: a path outside `dir` or a missing file is a
// problem, the table not read.
void ReadListed(const fs::path& dir, const std::vector<Listed>& listed,
                const CsvLimits& limits, Package* package) {
  std::error_code ec;
  std::vector<TableRead> tables;
  for (const Listed& l : listed) {
    fs::path file(l.path);
    bool escapes = file.is_absolute();
    for (const fs::path& part : file) escapes = escapes || part == "..";
    if (escapes) {
      package->problems.push_back(
          {l.where, "", l.table, Shorten(l.path),
           "a resource path must lie within the package's directory; the "
           "table is not read",
           true});
      continue;
    }
    const std::string name = file.filename().string();
    file = dir / file;
    if (!fs::exists(file, ec)) {
      package->problems.push_back({name, "", l.table, "",
                                   "the table is listed in datapackage.json "
                                   "but its file is missing",
                                   true});
      continue;
    }
    // Read below, in parallel; its problems follow those found so far.
    package->problems.push_back({});
    tables.push_back({l.table, name, file, package->problems.size() - 1, {}});
  }
  ReadTables(limits, &tables);
  // In the listed order, so the output does not depend on which thread
  // finished first.
  std::vector<Problem> problems;
  size_t next = 0;
  for (TableRead& read : tables) {
    for (; next < read.problem_slot; ++next) {
      problems.push_back(std::move(package->problems[next]));
    }
    ++next;  // The slot itself.
    MergeInto(std::move(read.part), package, &problems);
  }
  for (; next < package->problems.size(); ++next) {
    problems.push_back(std::move(package->problems[next]));
  }
  package->problems = std::move(problems);
}

}  // namespace

absl::StatusOr<Package> ReadDataPackage(const std::string& datapackage_json,
                                        const CsvLimits& limits) {
  // The package is the directory the manifest is in, as given: a
  // datapackage.json that is a symlink is read through it, and its
  // resources are found beside the link, not beside its target.
  std::error_code ec;
  const fs::path given(datapackage_json);
  fs::path dir = fs::canonical(
      given.has_parent_path() ? given.parent_path() : fs::path("."), ec);
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat(datapackage_json, ": ", ec.message()));
  }
  const fs::path path = dir / given.filename();
  absl::StatusOr<std::string> text = ReadFile(path, kMaxJsonBytes);
  if (!text.ok()) return text.status();
  google::protobuf::Struct manifest;
  if (absl::Status s = ParseJson(*text, &manifest); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(datapackage_json, ": not JSON: ", s.message()));
  }
  auto resources = manifest.fields().find("resources");
  if (resources == manifest.fields().end() ||
      !resources->second.has_list_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        datapackage_json, ": no \"resources\" list (not a data package)"));
  }
  Package package;
  std::vector<Listed> listed;
  const auto& list = resources->second.list_value();
  for (int i = 0; i < list.values_size(); ++i) {
    const auto& fields = list.values(i).struct_value().fields();
    auto name_it = fields.find("name");
    auto path_it = fields.find("path");
    std::string where = absl::StrCat("datapackage.json:$.resources[", i, "]");
    if (name_it == fields.end() || path_it == fields.end() ||
        !path_it->second.has_string_value()) {
      package.problems.push_back({where, "", "resources", "",
                                  "a resource without a name and a path",
                                  false});
      continue;
    }
    listed.push_back({name_it->second.string_value(),
                      path_it->second.string_value(), std::move(where)});
  }
  ReadListed(dir, listed, limits, &package);
  return package;
}

namespace {

// A directory of CSV tables without datapackage.json, read by the file
// names the HSDS specification's package gives its tables
// (organizations.csv, services.csv, ...); NOT_FOUND if it holds none.
absl::StatusOr<Package> ReadTablesByName(const fs::path& dir,
                                         const std::string& given,
                                         const CsvLimits& limits) {
  std::vector<Listed> listed;
  std::vector<std::string> found;
  std::error_code ec;
  for (const TableSpec& t : PackageTables()) {
    if (fs::is_regular_file(dir / t.path, ec)) {
      listed.push_back({t.name, t.path, t.path});
      found.push_back(t.path);
    }
  }
  if (listed.empty()) {
    return absl::NotFoundError(absl::StrCat(
        given,
        ": no datapackage.json, and no table named as HSDS names them "
        "(organizations.csv, services.csv, locations.csv, ...): an HSDS "
        "tabular data package is a directory of CSV tables with a "
        "datapackage.json naming each table's file (the HSDS "
        "specification's examples/csv has one to start from; docs/hsds.md, "
        "\"Import\")"));
  }
  Package package;
  package.problems.push_back(
      {"datapackage.json", "", "", "",
       absl::StrCat("not in the directory: read the tables by the file names "
                    "HSDS gives them: ",
                    absl::StrJoin(found, ", ")),
       false});
  ReadListed(dir, listed, limits, &package);
  return package;
}

}  // namespace

absl::StatusOr<Package> ReadHsds(const std::string& path,
                                 const CsvLimits& limits) {
  std::error_code ec;
  fs::path p = fs::canonical(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(path, ": ", ec.message()));
  if (fs::is_directory(p, ec)) {
    fs::path manifest = p / "datapackage.json";
    if (!fs::exists(manifest, ec)) return ReadTablesByName(p, path, limits);
    return ReadDataPackage(manifest.string(), limits);
  }
  if (fs::path(path).filename() == "datapackage.json") {
    return ReadDataPackage(path, limits);
  }
  if (absl::EndsWithIgnoreCase(path, ".csv")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": a CSV table alone is not an HSDS package: give the directory "
        "that holds it with the other tables and their datapackage.json"));
  }
  return ReadJsonFile(p);
}

}  // namespace civhub::hsds
