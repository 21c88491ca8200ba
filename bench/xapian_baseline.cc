#include "bench/xapian_baseline.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <xapian.h>

#include <fstream>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "civhub/v1/record.pb.h"
#include "node/records/text.h"

namespace civhub::bench {
namespace {

constexpr char kCountryPrefix[] = "XC";
constexpr char kTopicPrefix[] = "XT";

// Adds each folded word of `text` with `wdf`, and its stem ("women" of
// "women's"), as civhub's index holds both.
void AddWords(const std::string& text, Xapian::termcount wdf,
              Xapian::Document* doc) {
  for (const node::Word& w : node::SplitWords(text)) {
    for (const std::string* form : {&w.folded, &w.stem}) {
      if (!form->empty() && form->size() <= 200) doc->add_term(*form, wdf);
    }
  }
}

// Indexes every organization of the dataset's fts.sqlite into `dir`.
absl::Status Build(const std::string& dataset, const std::string& dir) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((dataset + "/fts.sqlite").c_str(), &db,
                      SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return absl::InternalError(
        absl::StrCat("sqlite open: ", sqlite3_errmsg(db)));
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> close_db(db, sqlite3_close);
  sqlite3_stmt* rows = nullptr;
  sqlite3_prepare_v2(db, "SELECT id, record FROM meta ORDER BY id", -1, &rows,
                     nullptr);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> finalize(
      rows, sqlite3_finalize);
  std::cerr << "xapian: indexing " << dataset << " (once)...\n";
  try {
    Xapian::WritableDatabase out(dir, Xapian::DB_CREATE_OR_OVERWRITE);
    uint64_t n = 0;
    while (sqlite3_step(rows) == SQLITE_ROW) {
      const std::string blob(
          static_cast<const char*>(sqlite3_column_blob(rows, 1)),
          static_cast<size_t>(sqlite3_column_bytes(rows, 1)));
      v1::SignedRecord signed_record;
      v1::RecordBody body;
      if (!signed_record.ParseFromString(blob) ||
          !body.ParseFromString(signed_record.body())) {
        return absl::DataLossError("xapian: a record in meta does not parse");
      }
      const v1::Organization& org = body.organization();
      Xapian::Document doc;
      AddWords(org.names(0).text(), 3, &doc);
      for (const auto& d : org.descriptions()) AddWords(d.text(), 1, &doc);
      doc.add_boolean_term(
          absl::StrCat(kCountryPrefix, org.locations(0).country()));
      for (const std::string& t : org.topics()) {
        doc.add_boolean_term(absl::StrCat(kTopicPrefix, t));
      }
      doc.set_data(blob);
      out.replace_document(
          static_cast<Xapian::docid>(sqlite3_column_int64(rows, 0)), doc);
      if (++n % 20000 == 0) std::cerr << "\r  " << n << std::flush;
    }
    out.commit();
    std::cerr << "\r  " << n << " organizations\n";
  } catch (const Xapian::Error& e) {
    return absl::InternalError(absl::StrCat("xapian: ", e.get_description()));
  }
  std::ofstream(dir + "/ready") << "ready\n";
  return absl::OkStatus();
}

class XapianIndex : public XapianBaseline {
 public:
  explicit XapianIndex(const std::string& dir) : db_(dir), enquire_(db_) {}

  int64_t Run(const v1::SearchRequest& request, bool exact) override {
    std::vector<node::Word> words = node::SplitWords(request.text());
    std::vector<Xapian::Query> terms;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i + 1 == words.size()) {
        terms.emplace_back(Xapian::Query::OP_WILDCARD, words[i].folded);
      } else {
        terms.emplace_back(words[i].folded);
      }
    }
    Xapian::Query query(Xapian::Query::OP_AND, terms.begin(), terms.end());
    std::vector<Xapian::Query> filters;
    if (!request.country().empty()) {
      filters.emplace_back(absl::StrCat(kCountryPrefix, request.country()));
    }
    if (!request.topic().empty()) {
      filters.emplace_back(absl::StrCat(kTopicPrefix, request.topic()));
    }
    if (!filters.empty()) {
      query = Xapian::Query(
          Xapian::Query::OP_FILTER, query,
          Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
    }
    enquire_.set_query(query);
    Xapian::MSet page =
        enquire_.get_mset(0, 20, exact ? db_.get_doccount() : 0);
    std::string sink;
    for (Xapian::MSetIterator it = page.begin(); it != page.end(); ++it) {
      sink = it.get_document().get_data();
    }
    return static_cast<int64_t>(page.get_matches_estimated());
  }

 private:
  Xapian::Database db_;
  Xapian::Enquire enquire_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<XapianBaseline>> XapianBaseline::Open(
    const std::string& dataset) {
  const std::string dir = dataset + "/xapian";
  struct stat st;
  if (stat((dir + "/ready").c_str(), &st) != 0) {
    if (absl::Status s = Build(dataset, dir); !s.ok()) return s;
  }
  try {
    return std::unique_ptr<XapianBaseline>(new XapianIndex(dir));
  } catch (const Xapian::Error& e) {
    return absl::InternalError(absl::StrCat("xapian: ", e.get_description()));
  }
}

}  // namespace civhub::bench
