// A bounded reader of CSV (RFC 4180), for HSDS tabular data packages: a
// file per table, a header row naming the columns.
//
// Accepted: cells separated by ',' and rows by LF or CRLF; quoted cells
// ("...") holding commas, line breaks (kept as they are, CRLF included) and
// doubled quotes ("" is one "); a UTF-8 byte order mark at the very start
// (skipped). Lines with nothing on them are skipped wherever they are (so a
// trailing empty line is no row). A lone CR outside quotes is data. A quote
// inside an unquoted cell is data (a"b is the three bytes a"b).
//
// Reading never stops at a malformed row: the row is returned with its
// problems (CsvRow::ok() false) and the next row is read from where it
// ends. Memory is bounded by the limits whatever the input: a cell longer
// than max_cell_bytes is scanned to its end without being kept.
#ifndef CIVHUB_HSDS_CSV_READER_H_
#define CIVHUB_HSDS_CSV_READER_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace civhub::hsds {

struct CsvLimits {
  // The most bytes one cell may hold (after unquoting). A longer cell is
  // skipped over unkept and its row reported (kCellTooLarge).
  size_t max_cell_bytes = size_t{1} << 20;
  // The most bytes of cells one row may hold in all. Cells after the row
  // passes it are not kept (kRowTooLarge).
  size_t max_row_bytes = size_t{16} << 20;
  // The most cells a row may have; further cells are not kept
  // (kTooManyCells).
  size_t max_cells = 4096;
};

enum class CsvProblemKind {
  kCellTooLarge,       // a cell over max_cell_bytes
  kRowTooLarge,        // the cells of a row over max_row_bytes
  kTooManyCells,       // more than max_cells cells
  kInvalidUtf8,        // a cell that is not well-formed UTF-8
  kTextAfterQuote,     // "abc"def: text between a closing quote and ','
  kUnterminatedQuote,  // a quoted cell still open at the end of the input
  kCellCount,          // (CsvTable) not as many cells as the header
};

// Something wrong with one row. Reading goes on with the next row.
struct CsvProblem {
  CsvProblemKind kind;
  // The 1-based line the row starts on.
  int64_t line = 0;
  // For people, names the line and the cell: "line 12: cell 3: 104857600
  // bytes, more than the limit of 1048576".
  std::string message;
};

struct CsvRow {
  // The 1-based line the row starts on (a quoted cell may span lines).
  int64_t line = 0;
  // The cells, unquoted. A cell that was not kept (too large) is "".
  std::vector<std::string> cells;
  // Empty for a good row. A row with problems should be skipped: its cells
  // may be incomplete.
  std::vector<CsvProblem> problems;

  bool ok() const { return problems.empty(); }
};

// Reads rows from a stream. Not thread-safe; one reader per stream.
class CsvReader {
 public:
  // `in` must outlive the reader; it is read through its streambuf, from
  // its current position, to its end. A read error is taken for the end.
  explicit CsvReader(std::istream* in, CsvLimits limits = CsvLimits());

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next row into `*row` (replacing what it held) and returns
  // true, or returns false at the end of the input. A returned row may have
  // problems (row->ok() false); the row after it is still read.
  bool Next(CsvRow* row);

  // The most bytes of cells the reader has held at once for a row (kept
  // cells and the cell being read), whatever the input: at most
  // max_row_bytes + max_cell_bytes. For tests of the bounds.
  size_t peak_held_bytes() const { return peak_held_bytes_; }

 private:
  // Makes `n` bytes available at pos_ unless the input ends first, reading
  // from in_; returns the bytes available (less than `n` only at the end).
  size_t Fill(size_t n);
  // The next byte (as an unsigned char) or -1 at the end.
  int Get() {
    if (pos_ == end_ && Fill(1) == 0) return -1;
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  // The byte `ahead` bytes on, without consuming anything, or -1.
  int Peek(size_t ahead = 0) {
    if (end_ - pos_ <= ahead && Fill(ahead + 1) <= ahead) return -1;
    return static_cast<unsigned char>(buf_[pos_ + ahead]);
  }
  void AddProblem(CsvRow* row, CsvProblemKind kind, std::string message);
  // Adds byte `c` to the cell, or only counts it once the cell or the row
  // is over its limit.
  void Append(int c) {
    const char byte = static_cast<char>(c);
    Append(&byte, 1);
  }
  // Adds `n` bytes to the cell as Append(c) does each.
  void Append(const char* bytes, size_t n);
  void EndCell(CsvRow* row);
  // Ends the last cell and adds the row's problems of limits.
  void EndRow(CsvRow* row);

  std::streambuf* const in_;
  const CsvLimits limits_;
  // Read from in_ in blocks: buf_[pos_, end_) is read and not yet taken.
  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool started_ = false;
  int64_t line_ = 1;  // the line of the next byte

  // The cell being read.
  std::string cell_;
  size_t cell_bytes_ = 0;      // its length, including bytes not kept
  size_t cell_count_ = 0;      // cells of the row so far, kept or not
  size_t row_bytes_ = 0;       // bytes of cells kept in the row
  bool cell_dropped_ = false;  // the cell is over a limit: not kept
  bool too_many_cells_ = false;
  bool row_too_large_ = false;
  size_t peak_held_bytes_ = 0;
};

// A table: the header row names the columns, every other row must have as
// many cells. Not thread-safe.
class CsvTable {
 public:
  // Reads the header from `in` (which must outlive the table). Fails with
  // InvalidArgument if there is no header, if the header row has a problem,
  // or if a column name is empty or repeated.
  static absl::StatusOr<CsvTable> Open(std::istream* in,
                                       CsvLimits limits = CsvLimits());

  const std::vector<std::string>& columns() const { return columns_; }
  // The index of the column `name` in columns(), or -1 if there is none.
  int ColumnIndex(absl::string_view name) const;

  // Reads the next row, as CsvReader::Next, adding a kCellCount problem
  // ("line 9: 5 cells, the header has 7") when the row has not as many
  // cells as the header. Skip the rows that are not ok(): a good row has
  // exactly columns().size() cells.
  bool Next(CsvRow* row);

  // The cell of `row` in column `name`, or "" if there is no such column
  // (or the row is short).
  absl::string_view Cell(const CsvRow& row, absl::string_view name) const;

 private:
  CsvTable(std::istream* in, CsvLimits limits);

  std::unique_ptr<CsvReader> reader_;
  std::vector<std::string> columns_;
  absl::flat_hash_map<std::string, int> index_;
};

}  // namespace civhub::hsds

#endif  // CIVHUB_HSDS_CSV_READER_H_
