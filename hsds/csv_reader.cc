#include "hsds/csv_reader.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <climits>
#include <cstring>
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
  int32_t i = 0;
  while (i < n && p[i] < 0x80) ++i;  // ASCII, most cells: no decoding.
  while (i < n) {
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

// Bytes read from the input at once.
constexpr size_t kBlockBytes = size_t{64} << 10;

CsvReader::CsvReader(std::istream* in, CsvLimits limits)
    : in_(in->rdbuf()),
      limits_(limits),
      buf_(std::make_unique<char[]>(kBlockBytes)) {}

size_t CsvReader::Fill(size_t n) {
  if (end_ - pos_ >= n) return end_ - pos_;
  // What is left goes to the front (never more than a few bytes: Fill
  // asks for at most three), and the rest of the block is read.
  std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
  while (in_ != nullptr && end_ < n) {
    const std::streamsize got = in_->sgetn(
        buf_.get() + end_, static_cast<std::streamsize>(kBlockBytes - end_));
    if (got <= 0) break;  // The end, or a read error: taken for the end.
    end_ += static_cast<size_t>(got);
  }
  return end_ - pos_;
}

void CsvReader::AddProblem(CsvRow* row, CsvProblemKind kind,
                           std::string message) {
  row->problems.push_back(
      {kind, row->line, absl::StrCat("line ", row->line, ": ", message)});
}

void CsvReader::Append(const char* bytes, size_t n) {
  cell_bytes_ += n;
  if (cell_dropped_) return;
  // A byte is kept while the cell and the row are under their limits.
  size_t room = 0;
  if (cell_count_ < limits_.max_cells &&
      cell_.size() < limits_.max_cell_bytes &&
      row_bytes_ + cell_.size() < limits_.max_row_bytes) {
    room = std::min(limits_.max_cell_bytes - cell_.size(),
                    limits_.max_row_bytes - row_bytes_ - cell_.size());
  }
  if (n > room) {
    // From here the cell is only counted: a 100 MB cell costs no more
    // memory than max_cell_bytes.
    peak_held_bytes_ =
        std::max(peak_held_bytes_, row_bytes_ + cell_.size() + room);
    cell_dropped_ = true;
    cell_.clear();
    return;
  }
  cell_.append(bytes, n);
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
    // A byte order mark is skipped only whole; the start of one that is
    // not one is data.
    static constexpr absl::string_view kBom = "\xEF\xBB\xBF";
    if (Fill(kBom.size()) >= kBom.size() &&
        absl::string_view(buf_.get() + pos_, kBom.size()) == kBom) {
      pos_ += kBom.size();
    }
  }
  row->cells.clear();
  row->problems.clear();
  // Empty lines (LF or CRLF alone) are no rows; a lone CR is data.
  for (;;) {
    const int c = Peek();
    if (c == -1) return false;
    if (c == '\n') {
      ++pos_;
      ++line_;
    } else if (c == '\r' && Peek(1) == '\n') {
      pos_ += 2;
      ++line_;
    } else {
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
    if (state == State::kQuoted) {
      if (pos_ == end_ && Fill(1) == 0) {
        AddProblem(row, CsvProblemKind::kUnterminatedQuote,
                   absl::StrFormat("cell %d: the quote opened on line %d is "
                                   "not closed at the end of the file",
                                   cell_count_ + 1, quote_line));
        EndRow(row);
        return true;
      }
      // Everything up to the next quote is the cell's, line breaks too.
      const char* from = buf_.get() + pos_;
      const auto* quote =
          static_cast<const char*>(std::memchr(from, '"', end_ - pos_));
      const size_t n = quote != nullptr ? quote - from : end_ - pos_;
      if (n > 0) {
        line_ += std::count(from, from + n, '\n');
        Append(from, n);
        pos_ += n;
        continue;
      }
      ++pos_;  // The quote.
      if (Peek() == '"') {
        ++pos_;
        Append('"');
      } else {
        state = State::kAfterQuote;
      }
      continue;
    }
    if (state == State::kUnquoted) {
      // Everything up to a comma or a line end is the cell's.
      const char* from = buf_.get() + pos_;
      size_t n = 0;
      while (n < end_ - pos_ && from[n] != ',' && from[n] != '\n' &&
             from[n] != '\r') {
        ++n;
      }
      if (n > 0) {
        Append(from, n);
        pos_ += n;
        continue;
      }
    }
    const int c = Get();
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
      if (c == '\r') ++pos_;
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
