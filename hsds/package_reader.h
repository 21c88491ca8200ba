// Reads HSDS 3.0 input into flat rows, one list per HSDS table: a tabular
// data package (datapackage.json and its CSV files) or HSDS JSON (an
// organization or service object, possibly nested, a paged list, or
// newline-delimited JSON). Mapping the rows to civhub records is
// from_hsds.h's job; nothing here knows civhub's records.
//
// Reading never stops at a bad row or a missing table: each is a Problem,
// and the rest is read. Memory is bounded per row (CsvLimits) and per JSON
// document (kMaxJsonBytes). Thread-safe: pure functions.
#ifndef CIVHUB_HSDS_PACKAGE_READER_H_
#define CIVHUB_HSDS_PACKAGE_READER_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "civhub/hsds/v3/hsds.pb.h"
#include "hsds/csv_reader.h"

namespace civhub::hsds {

// Something in the input that was not imported as it stood.
struct Problem {
  // Where: "organizations.csv:12" (the CSV line the row starts on),
  // "service_full.json:$.service_at_locations[0].location" (a JSON path),
  // "list.ndjson:7:$.phones[0]" (line 7 of newline-delimited JSON).
  std::string where;
  // The HSDS id of the row, if it has one.
  std::string id;
  // The field: an HSDS table.field ("location.latitude") or, for a value
  // civhub's validation refused, the civhub field ("organization.email").
  std::string field;
  // The value (at most 80 characters of it).
  std::string value;
  std::string reason;
  // The whole row (record) was not imported.
  bool row_skipped = false;
};

// A value civhub has no place for, counted per HSDS table.field.
struct NotKept {
  int64_t count = 0;
  // Where it was first seen.
  std::string first_where;
};

template <typename Message>
struct Row {
  std::string where;
  Message message;
};

// The rows of one table, in input order. They are kept in blocks that
// never move as rows are added: a vector moved every row about twice as it
// grew, and touched twice the memory the rows end up in (a tenth of
// civhubctl's CPU reading a package of 100,000 organizations). A row's
// address stays valid while rows are added.
template <typename T>
class RowList {
 public:
  static constexpr size_t kRowsPerBlock = 1024;

  template <typename List, typename Value>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = Value*;
    using reference = Value&;

    Iterator(List* list, size_t i) : list_(list), i_(i) {}
    reference operator*() const { return (*list_)[i_]; }
    pointer operator->() const { return &(*list_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return i_ == other.i_; }
    bool operator!=(const Iterator& other) const { return i_ != other.i_; }

   private:
    List* list_;
    size_t i_;
  };
  using iterator = Iterator<RowList, T>;
  using const_iterator = Iterator<const RowList, const T>;

  RowList() = default;
  // A list moved from is empty.
  RowList(RowList&& other) noexcept
      : blocks_(std::move(other.blocks_)),
        size_(std::exchange(other.size_, 0)) {}
  RowList& operator=(RowList&& other) noexcept {
    blocks_ = std::move(other.blocks_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) {
    return (*blocks_[i / kRowsPerBlock])[i % kRowsPerBlock];
  }
  const T& operator[](size_t i) const {
    return (*blocks_[i / kRowsPerBlock])[i % kRowsPerBlock];
  }
  T& back() { return (*this)[size_ - 1]; }

  void push_back(T row) { emplace_back(std::move(row)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ % kRowsPerBlock == 0) {
      blocks_.push_back(std::make_unique<std::vector<T>>());
      blocks_.back()->reserve(kRowsPerBlock);  // Never grown past.
    }
    ++size_;
    return blocks_.back()->emplace_back(std::forward<Args>(args)...);
  }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  std::vector<std::unique_ptr<std::vector<T>>> blocks_;
  size_t size_ = 0;
};

// The rows read, in input order, nested objects flattened into their
// tables with their parent's id set (a phone of a service gets
// service_id...), so that CSV and JSON are mapped by the same code.
struct Package {
  RowList<Row<v3::Organization>> organizations;
  RowList<Row<v3::Service>> services;
  RowList<Row<v3::Location>> locations;
  RowList<Row<v3::Address>> addresses;
  RowList<Row<v3::Phone>> phones;
  RowList<Row<v3::OrganizationIdentifier>> organization_identifiers;
  RowList<Row<v3::ServiceArea>> service_areas;
  RowList<Row<v3::ServiceAtLocation>> service_at_locations;
  RowList<Row<v3::Language>> languages;
  RowList<Row<v3::Attribute>> attributes;
  RowList<Row<v3::TaxonomyTerm>> taxonomy_terms;

  // Rows that could not be read (each skipped) and tables that are missing.
  std::vector<Problem> problems;
  // Per "table.field" ("organization.tax_id", "contact.*" for a whole
  // table civhub does not keep): values present in the input that no
  // civhub record will hold.
  std::map<std::string, NotKept> not_kept;
};

// The largest JSON document read (a whole file, or one line of
// newline-delimited JSON).
inline constexpr size_t kMaxJsonBytes = size_t{64} << 20;

// Reads `path`: a directory holding datapackage.json, a datapackage.json
// (either may be a symlink: the path is resolved with
// std::filesystem::canonical), or a JSON / newline-delimited JSON file. A
// directory without datapackage.json is read by the file names the HSDS
// package gives its tables (organizations.csv, services.csv, ...; see
// PackageTables), with a problem saying so. INVALID_ARGUMENT or NOT_FOUND
// naming the path when nothing can be read (no such file, a directory
// with neither, a CSV file alone, a datapackage.json or JSON file that
// does not parse); otherwise the rows and problems.
absl::StatusOr<Package> ReadHsds(const std::string& path,
                                 const CsvLimits& limits = CsvLimits());

// Reads a tabular data package: each resource of datapackage.json (its
// "path" relative to the file's directory; absolute paths and ".." are
// refused as problems) whose "name" is an HSDS table is read with CsvTable
// into that table's messages, each column set on the field of the same
// name. A listed table that is missing or unreadable is a problem; tables
// civhub does not keep are counted in not_kept.
absl::StatusOr<Package> ReadDataPackage(const std::string& datapackage_json,
                                        const CsvLimits& limits = CsvLimits());

// Adds the HSDS JSON document `text` (an organization, a service, a
// service_at_location, or a paged list of them under "contents") to
// `package`; `where` names it in problems ("file.json" or "file:7").
// INVALID_ARGUMENT if `text` is not a JSON object.
absl::Status AddJsonDocument(absl::string_view text, absl::string_view where,
                             Package* package);

}  // namespace civhub::hsds

#endif  // CIVHUB_HSDS_PACKAGE_READER_H_
