#include "hsds/csv_reader.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace civhub::hsds {
namespace {

// The offset of the first byte of `s` that does not start a well-formed
// UTF-8 sequence, or -1 if `s` is well-formed.
int64_t FirstInvalidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  // ICU's offsets are int32_t; a cell is far below 2 GiB (CsvLimits).
  const int32_t n = static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX));
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    // Negative for overlongs, surrogates, values past U+10FFFF and
    // truncated sequences.
    U8_NEXT(p, i, n, c);
    if (c < 0) return start;
  }
  return -1;
}

}  // namespace

CsvReader::CsvReader(std::istream* in, CsvLimits limits)
    : in_(in->rdbuf()), limits_(limits) {}

int CsvReader::Get() {
  if (pending_pos_ < pending_.size()) {
    const int c = static_cast<unsigned char>(pending_[pending_pos_++]);
    if (pending_pos_ == pending_.size()) {
      pending_.clear();
      pending_pos_ = 0;
    }
    return c;
  }
  if (in_ == nullptr) return -1;
  const auto c = in_->sbumpc();
  return std::streambuf::traits_type::eq_int_type(
             c, std::streambuf::traits_type::eof())
             ? -1
             : static_cast<unsigned char>(c);
}

int CsvReader::Peek() {
  if (pending_pos_ < pending_.size()) {
    return static_cast<unsigned char>(pending_[pending_pos_]);
  }
  if (in_ == nullptr) return -1;
  const auto c = in_->sgetc();
  return std::streambuf::traits_type::eq_int_type(
             c, std::streambuf::traits_type::eof())
             ? -1
             : static_cast<unsigned char>(c);
}

void CsvReader::SkipByteOrderMark() {
  static constexpr absl::string_view kBom = "\xEF\xBB\xBF";
  if (in_ == nullptr) return;
  // Bytes are only consumed while they match; the start of a mark that is
  // not one goes back to the input through pending_.
  std::string seen;
  for (char want : kBom) {
    const auto c = in_->sgetc();
    if (std::streambuf::traits_type::eq_int_type(
            c, std::streambuf::traits_type::eof()) ||
        c != static_cast<unsigned char>(want)) {
      break;
    }
    seen.push_back(static_cast<char>(in_->sbumpc()));
  }
  if (seen.size() < kBom.size()) pending_ = std::move(seen);
}

void CsvReader::AddProblem(CsvRow* row, CsvProblemKind kind,
                           std::string message) {
  row->problems.push_back(
      {kind, row->line, absl::StrCat("line ", row->line, ": ", message)});
}

void CsvReader::Append(int c) {
  ++cell_bytes_;
  if (cell_dropped_) return;
  if (cell_count_ >= limits_.max_cells ||
      cell_.size() >= limits_.max_cell_bytes ||
      row_bytes_ + cell_.size() >= limits_.max_row_bytes) {
    // From here the cell is only counted: a 100 MB cell costs no more
    // memory than max_cell_bytes.
    cell_dropped_ = true;
    cell_.clear();
    return;
  }
  cell_.push_back(static_cast<char>(c));
  peak_held_bytes_ = std::max(peak_held_bytes_, row_bytes_ + cell_.size());
}

void CsvReader::EndCell(CsvRow* row) {
  const size_t number = ++cell_count_;  // 1-based, for messages
  if (number > limits_.max_cells) {
    too_many_cells_ = true;
  } else if (cell_bytes_ > limits_.max_cell_bytes) {
    AddProblem(row, CsvProblemKind::kCellTooLarge,
               absl::StrFormat("cell %d: %d bytes, more than the limit of %d",
                               number, cell_bytes_, limits_.max_cell_bytes));
  } else if (cell_dropped_) {
    row_too_large_ = true;
  } else if (int64_t bad = FirstInvalidUtf8(cell_); bad >= 0) {
    AddProblem(row, CsvProblemKind::kInvalidUtf8,
               absl::StrFormat("cell %d: not valid UTF-8 (at byte %d)", number,
                               bad + 1));
  }
  if (number <= limits_.max_cells) {
    if (cell_dropped_) {
      row->cells.emplace_back();
    } else {
      row_bytes_ += cell_.size();
      row->cells.push_back(std::move(cell_));
    }
  }
  cell_.clear();
  cell_bytes_ = 0;
  cell_dropped_ = false;
}

void CsvReader::EndRow(CsvRow* row) {
  EndCell(row);
  if (too_many_cells_) {
    AddProblem(row, CsvProblemKind::kTooManyCells,
               absl::StrFormat("%d cells, more than the limit of %d",
                               cell_count_, limits_.max_cells));
  }
  if (row_too_large_) {
    AddProblem(row, CsvProblemKind::kRowTooLarge,
               absl::StrFormat("more than %d bytes of cells in the row",
                               limits_.max_row_bytes));
  }
}

bool CsvReader::Next(CsvRow* row) {
  if (!started_) {
    started_ = true;
    SkipByteOrderMark();
  }
  row->cells.clear();
  row->problems.clear();
  // Empty lines (LF or CRLF alone) are no rows.
  for (;;) {
    const int c = Peek();
    if (c == -1) return false;
    if (c == '\n') {
      Get();
      ++line_;
      continue;
    }
    if (c != '\r') break;
    Get();
    if (Peek() != '\n') {
      // A lone CR is data: give it back to the row.
      pending_.insert(pending_.begin() + pending_pos_, '\r');
      break;
    }
  }

  row->line = line_;
  cell_.clear();
  cell_bytes_ = 0;
  cell_count_ = 0;
  row_bytes_ = 0;
  cell_dropped_ = false;
  too_many_cells_ = false;
  row_too_large_ = false;

  enum class State { kCellStart, kUnquoted, kQuoted, kAfterQuote };
  State state = State::kCellStart;
  int64_t quote_line = 0;
  for (;;) {
    const int c = Get();
    if (state == State::kQuoted) {
      if (c == -1) {
        AddProblem(row, CsvProblemKind::kUnterminatedQuote,
                   absl::StrFormat("cell %d: the quote opened on line %d is "
                                   "not closed at the end of the file",
                                   cell_count_ + 1, quote_line));
        EndRow(row);
        return true;
      }
      if (c == '"') {
        if (Peek() == '"') {
          Get();
          Append('"');
        } else {
          state = State::kAfterQuote;
        }
        continue;
      }
      if (c == '\n') ++line_;
      Append(c);
      continue;
    }
    // Outside quotes.
    if (c == -1) {
      EndRow(row);
      return true;
    }
    if (c == ',') {
      EndCell(row);
      state = State::kCellStart;
      continue;
    }
    if (c == '\n' || (c == '\r' && Peek() == '\n')) {
      if (c == '\r') Get();
      ++line_;
      EndRow(row);
      return true;
    }
    if (state == State::kCellStart && c == '"') {
      state = State::kQuoted;
      quote_line = line_;
      continue;
    }
    if (state == State::kAfterQuote) {
      AddProblem(row, CsvProblemKind::kTextAfterQuote,
                 absl::StrFormat("cell %d: text after the closing quote",
                                 cell_count_ + 1));
    }
    state = State::kUnquoted;
    Append(c);
  }
}

CsvTable::CsvTable(std::istream* in, CsvLimits limits)
    : reader_(std::make_unique<CsvReader>(in, limits)) {}

absl::StatusOr<CsvTable> CsvTable::Open(std::istream* in, CsvLimits limits) {
  CsvTable table(in, limits);
  CsvRow header;
  if (!table.reader_->Next(&header)) {
    return absl::InvalidArgumentError("header: the file is empty");
  }
  if (!header.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("header: ", header.problems[0].message));
  }
  for (size_t i = 0; i < header.cells.size(); ++i) {
    const std::string& name = header.cells[i];
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "header: line %d: column %d has no name", header.line, i + 1));
    }
    if (!table.index_.emplace(name, static_cast<int>(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("header: line %d: column %d: \"%s\" is repeated",
                          header.line, i + 1, name));
    }
  }
  table.columns_ = std::move(header.cells);
  return table;
}

int CsvTable::ColumnIndex(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

bool CsvTable::Next(CsvRow* row) {
  if (!reader_->Next(row)) return false;
  if (row->cells.size() != columns_.size() &&
      !std::any_of(row->problems.begin(), row->problems.end(),
                   [](const CsvProblem& p) {
                     return p.kind == CsvProblemKind::kTooManyCells;
                   })) {
    row->problems.push_back(
        {CsvProblemKind::kCellCount, row->line,
         absl::StrFormat("line %d: %d cell%s, the header has %d", row->line,
                         row->cells.size(), row->cells.size() == 1 ? "" : "s",
                         columns_.size())});
  }
  return true;
}

absl::string_view CsvTable::Cell(const CsvRow& row,
                                 absl::string_view name) const {
  const int i = ColumnIndex(name);
  if (i < 0 || static_cast<size_t>(i) >= row.cells.size()) return "";
  return row.cells[i];
}

}  // namespace civhub::hsds
