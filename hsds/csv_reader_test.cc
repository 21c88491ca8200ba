#include "hsds/csv_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/match.h"

namespace civhub::hsds {
namespace {

using Cells = std::vector<std::string>;

// Every row of `text`, read with `limits`.
std::vector<CsvRow> ReadAll(const std::string& text,
                            CsvLimits limits = CsvLimits()) {
  std::istringstream in(text);
  CsvReader reader(&in, limits);
  std::vector<CsvRow> rows;
  CsvRow row;
  while (reader.Next(&row)) rows.push_back(row);
  return rows;
}

std::vector<Cells> CellsOf(const std::vector<CsvRow>& rows) {
  std::vector<Cells> out;
  for (const CsvRow& row : rows) {
    EXPECT_TRUE(row.ok()) << "line " << row.line << ": "
                          << row.problems[0].message;
    out.push_back(row.cells);
  }
  return out;
}

TEST(CsvReader, ReadsQuotedCellsWithCommasAndDoubledQuotes) {
  EXPECT_EQ(CellsOf(ReadAll("a,\"b,c\",\"say \"\"hi\"\"\",\"\",\n")),
            (std::vector<Cells>{{"a", "b,c", "say \"hi\"", "", ""}}));
  // A quote inside an unquoted cell is data.
  EXPECT_EQ(CellsOf(ReadAll("5\" pipe,x\n")),
            (std::vector<Cells>{{"5\" pipe", "x"}}));
}

TEST(CsvReader, ReadsCrlfAndLfLineEnds) {
  EXPECT_EQ(CellsOf(ReadAll("a,b\r\n1,2\n3,4\r\n")),
            (std::vector<Cells>{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
  // A lone CR is no line end.
  EXPECT_EQ(CellsOf(ReadAll("a\rb,c\n")), (std::vector<Cells>{{"a\rb", "c"}}));
}

TEST(CsvReader, KeepsLineBreaksInsideQuotesAndCountsTheirLines) {
  std::vector<CsvRow> rows =
      ReadAll("id,notes\r\n1,\"two\r\nlines\nthree\"\r\n2,x\r\n");
  EXPECT_EQ(CellsOf(rows),
            (std::vector<Cells>{
                {"id", "notes"}, {"1", "two\r\nlines\nthree"}, {"2", "x"}}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].line, 5);
}

TEST(CsvReader, SkipsAByteOrderMarkAtTheStartOnly) {
  EXPECT_EQ(CellsOf(ReadAll("\xEF\xBB\xBFid,name\n")),
            (std::vector<Cells>{{"id", "name"}}));
  EXPECT_EQ(CellsOf(ReadAll("a\n\xEF\xBB\xBF"
                            "b\n")),
            (std::vector<Cells>{{"a"},
                                {"\xEF\xBB\xBF"
                                 "b"}}));
  // The start of a mark that is not one is data (and here not UTF-8).
  std::vector<CsvRow> rows = ReadAll("\xEF\xBBx,y\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (Cells{"\xEF\xBBx", "y"}));
  ASSERT_EQ(rows[0].problems.size(), 1u);
  EXPECT_EQ(rows[0].problems[0].kind, CsvProblemKind::kInvalidUtf8);
}

TEST(CsvReader, EmptyLinesAreNoRows) {
  EXPECT_EQ(CellsOf(ReadAll("a,b\n1,2\n\n")),
            (std::vector<Cells>{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(CellsOf(ReadAll("a,b\r\n\r\n1,2\r\n\r\n")),
            (std::vector<Cells>{{"a", "b"}, {"1", "2"}}));
  // No line end after the last row.
  EXPECT_EQ(CellsOf(ReadAll("a,b\n1,2")),
            (std::vector<Cells>{{"a", "b"}, {"1", "2"}}));
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\xEF\xBB\xBF\n").empty());
  // An empty quoted cell is a row.
  EXPECT_EQ(CellsOf(ReadAll("\"\"\n")), (std::vector<Cells>{{""}}));
  // Line numbers count the empty lines.
  std::vector<CsvRow> rows = ReadAll("\n\na\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].line, 3);
}

TEST(CsvReader, ReportsInvalidUtf8AndReadsOn) {
  // A stray continuation byte, an overlong '/', a surrogate, a truncated
  // sequence at the end of a cell, a code point past U+10FFFF.
  for (const char* bad :
       {"\x80", "\xC0\xAF", "\xED\xA0\x80", "ab\xE2\x82", "\xF4\x90\x80\x80"}) {
    std::vector<CsvRow> rows =
        ReadAll(std::string("id,name\n1,") + bad + "\n2,caf\xC3\xA9\n");
    ASSERT_EQ(rows.size(), 3u) << bad;
    ASSERT_EQ(rows[1].problems.size(), 1u) << bad;
    EXPECT_EQ(rows[1].problems[0].kind, CsvProblemKind::kInvalidUtf8);
    EXPECT_TRUE(absl::StartsWith(rows[1].problems[0].message,
                                 "line 2: cell 2: not valid UTF-8"))
        << rows[1].problems[0].message;
    EXPECT_TRUE(rows[2].ok()) << bad;
    EXPECT_EQ(rows[2].cells, (Cells{"2", "caf\xC3\xA9"}));
  }
}

TEST(CsvReader, ReportsAQuoteLeftOpenAtTheEndOfTheFile) {
  std::vector<CsvRow> rows = ReadAll("id,notes\n1,ok\n2,\"never\nclosed\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[1].ok());
  ASSERT_EQ(rows[2].problems.size(), 1u);
  EXPECT_EQ(rows[2].problems[0].kind, CsvProblemKind::kUnterminatedQuote);
  EXPECT_EQ(rows[2].problems[0].line, 3);
  EXPECT_EQ(rows[2].problems[0].message,
            "line 3: cell 2: the quote opened on line 3 is not closed at the "
            "end of the file");
}

TEST(CsvReader, ReportsTextAfterAClosingQuote) {
  std::vector<CsvRow> rows = ReadAll("\"a\"b,c\nd,e\n");
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(rows[0].problems.size(), 1u);
  EXPECT_EQ(rows[0].problems[0].kind, CsvProblemKind::kTextAfterQuote);
  EXPECT_EQ(rows[0].cells, (Cells{"ab", "c"}));
  EXPECT_TRUE(rows[1].ok());
}

TEST(CsvReader, BoundsCellsPerRowAndBytesPerRow) {
  CsvLimits limits;
  limits.max_cells = 3;
  limits.max_row_bytes = 10;
  std::vector<CsvRow> rows =
      ReadAll("1,2,3,4,5\nabcdef,ghijkl,m\nx,y,z\n", limits);
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_EQ(rows[0].problems.size(), 1u);
  EXPECT_EQ(rows[0].problems[0].kind, CsvProblemKind::kTooManyCells);
  EXPECT_EQ(rows[0].problems[0].message,
            "line 1: 5 cells, more than the limit of 3");
  EXPECT_EQ(rows[0].cells.size(), 3u);
  ASSERT_EQ(rows[1].problems.size(), 1u);
  EXPECT_EQ(rows[1].problems[0].kind, CsvProblemKind::kRowTooLarge);
  EXPECT_EQ(rows[1].problems[0].message,
            "line 2: more than 10 bytes of cells in the row");
  EXPECT_TRUE(rows[2].ok());
  EXPECT_EQ(rows[2].cells, (Cells{"x", "y", "z"}));
}

// A stream of `head`, then `count` copies of `fill`, then `tail`, made
// 64 KiB at a time: a huge input that is never in memory.
class GeneratedStreamBuf : public std::streambuf {
 public:
  GeneratedStreamBuf(std::string head, char fill, size_t count,
                     std::string tail)
      : head_(std::move(head)),
        chunk_(size_t{64} << 10, fill),
        fill_left_(count),
        tail_(std::move(tail)) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (stage_ == 0) {
      stage_ = 1;
      if (!head_.empty()) return Serve(head_.data(), head_.size());
    }
    if (stage_ == 1) {
      if (fill_left_ > 0) {
        size_t n = std::min(fill_left_, chunk_.size());
        fill_left_ -= n;
        return Serve(chunk_.data(), n);
      }
      stage_ = 2;
      if (!tail_.empty()) return Serve(tail_.data(), tail_.size());
    }
    return traits_type::eof();
  }

 private:
  int_type Serve(char* data, size_t n) {
    setg(data, data, data + n);
    return traits_type::to_int_type(*data);
  }

  std::string head_;
  std::string chunk_;
  size_t fill_left_;
  std::string tail_;
  int stage_ = 0;
};

TEST(CsvReader, SkipsA100MegabyteCellWithoutHoldingIt) {
  constexpr size_t kHuge = size_t{100} << 20;
  for (bool quoted : {true, false}) {
    SCOPED_TRACE(quoted ? "quoted" : "unquoted");
    const std::string quote = quoted ? "\"" : "";
    GeneratedStreamBuf buf("id,notes\n1,a\n2," + quote, 'x', kHuge,
                           quote + "\n3,b\n");
    std::istream in(&buf);
    CsvLimits limits;  // 1 MiB cells
    CsvReader reader(&in, limits);
    CsvRow row;
    ASSERT_TRUE(reader.Next(&row));
    ASSERT_TRUE(reader.Next(&row));
    ASSERT_TRUE(row.ok());
    ASSERT_TRUE(reader.Next(&row));
    EXPECT_EQ(row.line, 3);
    ASSERT_EQ(row.problems.size(), 1u);
    EXPECT_EQ(row.problems[0].kind, CsvProblemKind::kCellTooLarge);
    EXPECT_EQ(row.problems[0].message,
              "line 3: cell 2: 104857600 bytes, more than the limit of "
              "1048576");
    EXPECT_EQ(row.cells, (Cells{"2", ""}));
    // Read to the end of the cell: the next row is whole.
    ASSERT_TRUE(reader.Next(&row));
    EXPECT_TRUE(row.ok());
    EXPECT_EQ(row.line, 4);
    EXPECT_EQ(row.cells, (Cells{"3", "b"}));
    EXPECT_FALSE(reader.Next(&row));
    // The reader kept the cell up to the limit, then nothing more.
    EXPECT_GE(reader.peak_held_bytes(), limits.max_cell_bytes);
    EXPECT_LE(reader.peak_held_bytes(), limits.max_cell_bytes + 1);
  }
}

// A stream that gives one byte per read: every cell, quote and line end
// of its text is split across the reader's reads.
class OneByteAtATime : public std::streambuf {
 public:
  explicit OneByteAtATime(std::string text) : text_(std::move(text)) {}

 protected:
  std::streamsize xsgetn(char* s, std::streamsize n) override {
    if (n <= 0 || pos_ >= text_.size()) return 0;
    *s = text_[pos_++];
    return 1;
  }
  int_type underflow() override {
    return pos_ < text_.size() ? traits_type::to_int_type(text_[pos_])
                               : traits_type::eof();
  }
  int_type uflow() override {
    return pos_ < text_.size() ? traits_type::to_int_type(text_[pos_++])
                               : traits_type::eof();
  }

 private:
  const std::string text_;
  size_t pos_ = 0;
};

// The reader takes cells and quoted runs whole from what it has read, and
// byte by byte where a read ends: rows, problems and the memory held are
// the same however the input arrives, for random text of the bytes that
// matter to CSV (and UTF-8) with tight limits and loose ones.
TEST(CsvReader, ReadsTheSameWhateverTheReadsItTakes) {
  const std::vector<std::string> pieces = {
      "a",    "bc",           ",",        "\"",   "\"\"", "\n", "\r",
      "\r\n", "\xEF\xBB\xBF", "\xC3\xA9", "\xC3", "\xFF", " ",  "0123456789"};
  CsvLimits tight;
  tight.max_cell_bytes = 8;
  tight.max_row_bytes = 20;
  tight.max_cells = 5;
  std::mt19937 random(2026);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const int length = static_cast<int>(random() % 60);
    for (int i = 0; i < length; ++i) text += pieces[random() % pieces.size()];
    for (const CsvLimits& limits : {tight, CsvLimits()}) {
      std::istringstream whole(text);
      OneByteAtATime bytes(text);
      std::istream split(&bytes);
      CsvReader a(&whole, limits), b(&split, limits);
      CsvRow x, y;
      for (;;) {
        const bool more = a.Next(&x);
        ASSERT_EQ(more, b.Next(&y)) << testing::PrintToString(text);
        if (!more) break;
        EXPECT_EQ(x.line, y.line);
        EXPECT_EQ(x.cells, y.cells) << testing::PrintToString(text);
        ASSERT_EQ(x.problems.size(), y.problems.size());
        for (size_t i = 0; i < x.problems.size(); ++i) {
          EXPECT_EQ(x.problems[i].message, y.problems[i].message);
        }
      }
      EXPECT_EQ(a.peak_held_bytes(), b.peak_held_bytes())
          << testing::PrintToString(text);
    }
  }
}

TEST(CsvTable, MapsColumnsAndReportsRowsOfTheWrongLength) {
  std::istringstream in("id,name,email\n1,A,a@x\n2,B\n3,C,c@x,extra\n4,D,\n");
  absl::StatusOr<CsvTable> table = CsvTable::Open(&in);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->columns(), (Cells{"id", "name", "email"}));
  EXPECT_EQ(table->ColumnIndex("email"), 2);
  EXPECT_EQ(table->ColumnIndex("phone"), -1);

  std::vector<std::string> good;
  std::vector<std::string> problems;
  CsvRow row;
  while (table->Next(&row)) {
    if (!row.ok()) {
      for (const CsvProblem& p : row.problems) problems.push_back(p.message);
      continue;
    }
    ASSERT_EQ(row.cells.size(), 3u);
    good.push_back(std::string(table->Cell(row, "name")));
  }
  EXPECT_EQ(good, (Cells{"A", "D"}));
  EXPECT_EQ(problems, (Cells{"line 3: 2 cells, the header has 3",
                             "line 4: 4 cells, the header has 3"}));
}

TEST(CsvTable, RefusesABadHeader) {
  for (const auto& [text, message] :
       std::vector<std::pair<std::string, std::string>>{
           {"", "header: the file is empty"},
           {"\n\n", "header: the file is empty"},
           {"id,name,id\n", "header: line 1: column 3: \"id\" is repeated"},
           {"id,,name\n", "header: line 1: column 2 has no name"},
           {"id,\"name\n",
            "header: line 1: cell 2: the quote opened on line 1 "
            "is not closed at the end of the file"},
       }) {
    std::istringstream in(text);
    absl::StatusOr<CsvTable> table = CsvTable::Open(&in);
    ASSERT_FALSE(table.ok()) << text;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(table.status().message(), message);
  }
}

// The HSDS 3.0 specification's example data package reads cleanly.
TEST(CsvTable, ReadsEveryHsdsExampleTable) {
  const std::filesystem::path dir =
      std::filesystem::path(CIVHUB_HSDS_DIR) / "examples" / "csv";
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << dir << " is missing: the HSDS 3.0 examples are expected there "
      << "(configure with -DCIVHUB_HSDS_DIR=<dir holding examples/csv/>)";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    SCOPED_TRACE(entry.path().filename().string());
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    ASSERT_TRUE(in) << entry.path();
    absl::StatusOr<CsvTable> table = CsvTable::Open(&in);
    ASSERT_TRUE(table.ok()) << table.status();
    EXPECT_EQ(table->ColumnIndex("id"), 0);
    int rows = 0;
    CsvRow row;
    while (table->Next(&row)) {
      ++rows;
      EXPECT_TRUE(row.ok()) << row.problems[0].message;
      EXPECT_EQ(row.cells.size(), table->columns().size());
    }
    EXPECT_GE(rows, 1);
    if (entry.path().filename() == "organizations.csv") {
      std::ifstream again(entry.path(), std::ios::binary);
      absl::StatusOr<CsvTable> organizations = CsvTable::Open(&again);
      ASSERT_TRUE(organizations.ok());
      ASSERT_TRUE(organizations->Next(&row));
      EXPECT_EQ(organizations->Cell(row, "name"), "Example Organization Inc.");
      EXPECT_EQ(organizations->Cell(row, "id"),
                "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610");
    }
  }
  EXPECT_GE(files, 20) << dir;
}

}  // namespace
}  // namespace civhub::hsds
