// Search quality over many scripts: node/testdata/search_quality.tsv holds
// organizations and the searches people type for them, each with the
// records it must and must not find. Run over a real Store and
// Directory::Search, as civhubd serves them.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "node/hub.h"
#include "node/storage/store_for_tests.h"
#include "sim/records.h"
#include "tests/testutil.h"

namespace civhub::node {
namespace {

struct QualityRecord {
  std::string id, lang, name, description;
};
struct QualityQuery {
  int line;
  std::string text;
  std::set<std::string> must, must_not;
};

std::set<std::string> IdList(absl::string_view field) {
  std::set<std::string> ids;
  if (field == "-") return ids;
  for (absl::string_view id : absl::StrSplit(field, ' ', absl::SkipEmpty())) {
    ids.emplace(id);
  }
  return ids;
}

void Load(std::vector<QualityRecord>* records,
          std::vector<QualityQuery>* queries) {
  const std::string path =
      std::string(CIVHUB_NODE_TESTDATA) + "/search_quality.tsv";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f[0] == "record" && f.size() == 5) {
      records->push_back({f[1], f[2], f[3], f[4]});
    } else if (f[0] == "query" && f.size() == 4) {
      queries->push_back({n, f[1], IdList(f[2]), IdList(f[3])});
    } else {
      FAIL() << path << ":" << n << ": not a record or query line: " << line;
    }
  }
}

TEST(SearchQuality, EveryQueryFindsWhatItMustAndNothingItMustNot) {
  std::vector<QualityRecord> records;
  std::vector<QualityQuery> queries;
  ASSERT_NO_FATAL_FAILURE(Load(&records, &queries));

  testing::TempDir dir;
  ManualClock clock{testing::TestNow()};
  std::unique_ptr<Store> store = testing::OpenStore(dir.Sub("store"), &clock);
  ASSERT_NE(store, nullptr);
  Hub hub(testing::NewKey(), store.get(), &clock);
  std::map<std::string, std::string> lang_of;
  std::set<std::string> langs;
  for (const QualityRecord& r : records) {
    testing::OrgSpec spec;
    spec.name = r.name;
    spec.lang = r.lang;
    spec.description = r.description;
    auto published = hub.Publish(testing::OrgPublish(r.id, spec));
    ASSERT_TRUE(published.ok()) << r.id << ": " << published.status();
    lang_of[r.id] = r.lang;
  }

  for (const QualityQuery& q : queries) {
    for (const std::string& id : q.must) {
      ASSERT_TRUE(lang_of.count(id))
          << "search_quality.tsv:" << q.line << ": no record " << id;
      langs.insert(lang_of[id]);
    }
    v1::SearchRequest req;
    req.set_text(q.text);
    req.set_page_size(100);
    absl::StatusOr<v1::SearchResponse> resp = hub.directory().Search(req);
    ASSERT_TRUE(resp.ok()) << q.text << ": " << resp.status();
    std::set<std::string> found;
    for (const auto& hit : resp->hits()) found.insert(hit.record().record_id());
    std::vector<std::string> missing, unexpected;
    for (const std::string& id : q.must) {
      if (!found.count(id)) missing.push_back(id);
    }
    for (const std::string& id : q.must_not) {
      if (found.count(id)) unexpected.push_back(id);
    }
    EXPECT_TRUE(missing.empty() && unexpected.empty())
        << "search_quality.tsv:" << q.line << ": \"" << q.text << "\" missed ["
        << absl::StrJoin(missing, " ") << "], found ["
        << absl::StrJoin(unexpected, " ") << "] it must not; it found ["
        << absl::StrJoin(found, " ") << "]";
  }
  // The set is meant to stay broad: many queries over many scripts.
  EXPECT_GE(queries.size(), 80u);
  EXPECT_GE(langs.size(), 12u);
}

}  // namespace
}  // namespace civhub::node
