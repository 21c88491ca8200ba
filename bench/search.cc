#include "bench/search.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "bench/results.h"
#include "bench/xapian_baseline.h"
#include "crypto/key_file.h"
#include "hubnode/hub_node.h"
#include "node/hub.h"
#include "node/records/geo.h"
#include "node/search/directory.h"
#include "server/directory_service.h"

namespace civhub::bench {
namespace {

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", sqlite3_errmsg(db)));
}

absl::Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat(sql, ": ", err));
    sqlite3_free(err);
    return s;
  }
  return absl::OkStatus();
}

// A prepared statement, finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      std::cerr << "sqlite: " << sql << ": " << sqlite3_errmsg(db) << "\n";
      std::abort();
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() { return stmt_; }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

void BindText(sqlite3_stmt* s, int i, const std::string& text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
}

absl::Status CreateSqlite(sqlite3* db) {
  for (const char* sql : {
           "PRAGMA journal_mode=OFF",
           "PRAGMA synchronous=OFF",
           "CREATE VIRTUAL TABLE fts USING fts5(name, description, "
           "tokenize='unicode61 remove_diacritics 2')",
           "CREATE TABLE meta(id INTEGER PRIMARY KEY, country TEXT, lat REAL, "
           "lon REAL, record BLOB)",
           "CREATE TABLE topics(topic TEXT, id INTEGER)",
           "CREATE VIRTUAL TABLE geo USING rtree(id, minlat, maxlat, minlon, "
           "maxlon)",
           "BEGIN",
       }) {
    if (absl::Status s = Exec(db, sql); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// The same query for both engines.
struct Query {
  v1::SearchRequest request;
  std::string fts;  // FTS5 MATCH expression (text queries)
};

Query TextQuery(const char* text) {
  Query q;
  q.request.set_text(text);
  // civhub: every word must match, the last also as a prefix.
  std::vector<std::string> words = absl::StrSplit(text, ' ');
  for (size_t i = 0; i < words.size(); ++i) {
    absl::StrAppend(&q.fts, i ? " " : "", "\"", words[i], "\"",
                    i + 1 == words.size() ? "*" : "");
  }
  return q;
}

std::vector<Query> TextQueries() {
  std::vector<Query> out;
  for (const char* text :
       {"water", "clean water", "agua", "maji safi", "digital freedom",
        "educacion", "women rights", "wat", "fondation eau", "nairobi"}) {
    out.push_back(TextQuery(text));
  }
  return out;
}

std::vector<Query> FilterQueries() {
  std::vector<Query> out;
  for (auto [country, topic] : std::vector<std::pair<const char*, const char*>>{
           {"KE", "water-sanitation"},
           {"BR", ""},
           {"", "education"},
           {"PE", "womens-issues"},
           {"PH", "disaster-response"}}) {
    Query q;
    q.request.set_country(country);
    q.request.set_topic(topic);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<Query> RadiusQueries() {
  std::vector<Query> out;
  for (auto [lat, lon, km] :
       std::vector<std::tuple<double, double, double>>{{-1.2864, 36.8172, 10},
                                                       {-12.0464, -77.0428, 25},
                                                       {51.5074, -0.1278, 5},
                                                       {14.5995, 120.9842, 50},
                                                       {50.4501, 30.5234, 2}}) {
    Query q;
    q.request.mutable_near()->set_latitude(lat);
    q.request.mutable_near()->set_longitude(lon);
    q.request.mutable_near()->set_radius_km(km);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<Query> TextFilterQueries() {
  std::vector<Query> out;
  for (auto [text, country, topic] :
       std::vector<std::tuple<const char*, const char*, const char*>>{
           {"water", "KE", ""},
           {"agua", "PE", ""},
           {"digital freedom", "", "digital-freedom"},
           {"educacion", "MX", "education"},
           {"women rights", "", "womens-issues"}}) {
    Query q = TextQuery(text);
    q.request.set_country(country);
    q.request.set_topic(topic);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<Query> FilterRadiusQueries() {
  std::vector<Query> out;
  for (auto [lat, lon, km, country, topic] : std::vector<
           std::tuple<double, double, double, const char*, const char*>>{
           {-1.2864, 36.8172, 25, "", "water-sanitation"},
           {-12.0464, -77.0428, 25, "PE", "education"},
           {14.5995, 120.9842, 50, "", "disaster-response"},
           {51.5074, -0.1278, 10, "GB", ""},
           {50.4501, 30.5234, 20, "", "civic-tech"}}) {
    Query q;
    q.request.mutable_near()->set_latitude(lat);
    q.request.mutable_near()->set_longitude(lon);
    q.request.mutable_near()->set_radius_km(km);
    q.request.set_country(country);
    q.request.set_topic(topic);
    out.push_back(std::move(q));
  }
  return out;
}

// Counts of SQLite's filter queries stop past civhub's cap, as civhub's
// do (SearchOptions::exact_count_up_to), so both give the same answer.
const size_t kCountCap = node::SearchOptions().exact_count_up_to;

// `SELECT count(*)` of `from_where`, stopping past kCountCap.
std::string CappedCount(absl::string_view from_where) {
  return absl::StrCat("SELECT count(*) FROM (SELECT 1 ", from_where, " LIMIT ",
                      kCountCap + 1, ")");
}

// A count of the capped statement as civhub reports it.
int64_t AsCapped(int64_t n) {
  return std::min<int64_t>(n, static_cast<int64_t>(kCountCap));
}

// A page of 20 hits (records) and the total count: what civhub returns.
struct SqliteEngine {
  explicit SqliteEngine(sqlite3* db)
      : text(db,
             "SELECT m.record FROM fts JOIN meta m ON m.id = fts.rowid "
             "WHERE fts MATCH ?1 ORDER BY rank LIMIT 20"),
        text_count(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1"),
        text_filter(db,
                    "SELECT m.record FROM fts JOIN meta m ON m.id = fts.rowid "
                    "WHERE fts MATCH ?1 AND (?2 = '' OR m.country = ?2) AND "
                    "(?3 = '' OR EXISTS (SELECT 1 FROM topics t WHERE "
                    "t.topic = ?3 AND t.id = m.id)) ORDER BY rank LIMIT 20"),
        text_filter_count(db,
                          "SELECT count(*) FROM fts JOIN meta m ON m.id = "
                          "fts.rowid WHERE fts MATCH ?1 AND (?2 = '' OR "
                          "m.country = ?2) AND (?3 = '' OR EXISTS (SELECT 1 "
                          "FROM topics t WHERE t.topic = ?3 AND t.id = m.id))"),
        country_topic(db,
                      "SELECT m.record FROM topics t JOIN meta m ON m.id = "
                      "t.id WHERE t.topic = ?2 AND m.country = ?1 LIMIT 20"),
        country_topic_count(
            db, CappedCount("FROM topics t JOIN meta m ON m.id = t.id WHERE "
                            "t.topic = ?2 AND m.country = ?1")
                    .c_str()),
        country(db, "SELECT record FROM meta WHERE country = ?1 LIMIT 20"),
        country_count(db, CappedCount("FROM meta WHERE country = ?1").c_str()),
        topic(db,
              "SELECT m.record FROM topics t JOIN meta m ON m.id = t.id "
              "WHERE t.topic = ?1 LIMIT 20"),
        topic_count(db, CappedCount("FROM topics WHERE topic = ?1").c_str()),
        box(db,
            "SELECT g.id, m.lat, m.lon FROM geo g JOIN meta m ON m.id = g.id "
            "WHERE g.minlat >= ?1 AND g.maxlat <= ?2 AND g.minlon >= ?3 AND "
            "g.maxlon <= ?4"),
        box_filter(db,
                   "SELECT g.id, m.lat, m.lon FROM geo g JOIN meta m ON m.id "
                   "= g.id WHERE g.minlat >= ?1 AND g.maxlat <= ?2 AND "
                   "g.minlon >= ?3 AND g.maxlon <= ?4 AND (?5 = '' OR "
                   "m.country = ?5) AND (?6 = '' OR EXISTS (SELECT 1 FROM "
                   "topics t WHERE t.topic = ?6 AND t.id = g.id))"),
        record(db, "SELECT record FROM meta WHERE id = ?1") {}

  // Returns the total count as civhub reports it (filter queries' capped);
  // reads the page's records.
  int64_t Run(const Query& q) {
    const v1::SearchRequest& r = q.request;
    const bool filtered = !r.country().empty() || !r.topic().empty();
    if (!r.text().empty()) {
      if (!filtered) {
        return Page(text, text_count,
                    [&](sqlite3_stmt* s) { BindText(s, 1, q.fts); });
      }
      return Page(text_filter, text_filter_count, [&](sqlite3_stmt* s) {
        BindText(s, 1, q.fts);
        BindText(s, 2, r.country());
        BindText(s, 3, r.topic());
      });
    }
    if (r.has_near()) return Near(r);
    if (!r.country().empty() && !r.topic().empty()) {
      return AsCapped(
          Page(country_topic, country_topic_count, [&](sqlite3_stmt* s) {
            BindText(s, 1, r.country());
            BindText(s, 2, r.topic());
          }));
    }
    if (!r.country().empty()) {
      return AsCapped(Page(country, country_count, [&](sqlite3_stmt* s) {
        BindText(s, 1, r.country());
      }));
    }
    return AsCapped(Page(topic, topic_count,
                         [&](sqlite3_stmt* s) { BindText(s, 1, r.topic()); }));
  }

  int64_t Page(Statement& page, Statement& count,
               const std::function<void(sqlite3_stmt*)>& bind) {
    bind(page.get());
    std::string sink;
    while (sqlite3_step(page.get()) == SQLITE_ROW) {
      sink.assign(static_cast<const char*>(sqlite3_column_blob(page.get(), 0)),
                  sqlite3_column_bytes(page.get(), 0));
    }
    page.Reset();
    bind(count.get());
    int64_t n = 0;
    if (sqlite3_step(count.get()) == SQLITE_ROW)
      n = sqlite3_column_int64(count.get(), 0);
    count.Reset();
    return n;
  }

  // Nearest first within the circle: the R*Tree's box (and the filters),
  // then distances by civhub's haversine, so both engines draw the circle's
  // edge alike.
  int64_t Near(const v1::SearchRequest& r) {
    const v1::GeoCircle& c = r.near();
    const bool filtered = !r.country().empty() || !r.topic().empty();
    Statement& in_box = filtered ? box_filter : box;
    const double dlat = c.radius_km() / 111.0;
    const double dlon =
        c.radius_km() / (111.0 * std::cos(c.latitude() * M_PI / 180));
    sqlite3_bind_double(in_box.get(), 1, c.latitude() - dlat);
    sqlite3_bind_double(in_box.get(), 2, c.latitude() + dlat);
    sqlite3_bind_double(in_box.get(), 3, c.longitude() - dlon);
    sqlite3_bind_double(in_box.get(), 4, c.longitude() + dlon);
    if (filtered) {
      BindText(in_box.get(), 5, r.country());
      BindText(in_box.get(), 6, r.topic());
    }
    std::vector<std::pair<double, int64_t>> within;
    while (sqlite3_step(in_box.get()) == SQLITE_ROW) {
      const double km = node::DistanceKm(
          c.latitude(), c.longitude(), sqlite3_column_double(in_box.get(), 1),
          sqlite3_column_double(in_box.get(), 2));
      if (km <= c.radius_km())
        within.emplace_back(km, sqlite3_column_int64(in_box.get(), 0));
    }
    in_box.Reset();
    const size_t n = std::min<size_t>(20, within.size());
    std::partial_sort(within.begin(), within.begin() + n, within.end());
    std::string sink;
    for (size_t i = 0; i < n; ++i) {
      sqlite3_bind_int64(record.get(), 1, within[i].second);
      if (sqlite3_step(record.get()) == SQLITE_ROW) {
        sink.assign(
            static_cast<const char*>(sqlite3_column_blob(record.get(), 0)),
            sqlite3_column_bytes(record.get(), 0));
      }
      record.Reset();
    }
    return static_cast<int64_t>(within.size());
  }

  Statement text, text_count, text_filter, text_filter_count, country_topic,
      country_topic_count, country, country_count, topic, topic_count, box,
      box_filter, record;
};

Latency Measure(const std::string& engine, const std::string& kind,
                const std::vector<Query>& queries, int rounds,
                const std::function<int64_t(const Query&)>& run) {
  for (const Query& q : queries) run(q);  // Warm caches.
  std::vector<double> us;
  double hits = 0;
  const absl::Time start = absl::Now();
  for (int r = 0; r < rounds; ++r) {
    for (const Query& q : queries) {
      const absl::Time t = absl::Now();
      hits += static_cast<double>(run(q));
      us.push_back(absl::ToDoubleMicroseconds(absl::Now() - t));
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::sort(us.begin(), us.end());
  Latency l;
  l.engine = engine;
  l.kind = kind;
  l.p50_us = us[us.size() / 2];
  l.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  l.qps = static_cast<double>(us.size()) / seconds;
  l.mean_hits = hits / static_cast<double>(us.size());
  return l;
}

}  // namespace

absl::StatusOr<FreshDataset> StartDataset(const std::string& dir,
                                          absl::string_view what) {
  std::cerr << what << ": building " << dir << " (once)...\n";
  if (std::system(
          absl::StrCat("rm -rf '", dir, "' && mkdir -p '", dir, "'").c_str()) !=
      0) {
    return absl::InternalError(absl::StrCat("cannot create ", dir));
  }
  chmod(dir.c_str(), 0700);
  absl::StatusOr<crypto::LoadedKey> key =
      crypto::LoadOrCreateKeyFile(dir + "/hub.key");
  if (!key.ok()) return key.status();
  node::StoreOptions options;
  options.path = dir + "/store";
  absl::StatusOr<std::unique_ptr<node::Store>> store =
      node::Store::Open(options);
  if (!store.ok()) return store.status();
  return FreshDataset{*std::move(key), *std::move(store)};
}

absl::StatusOr<std::string> EnsureDataset(const std::string& root,
                                          uint64_t records) {
  const std::string dir = absl::StrCat(root, "/hub-", records);
  struct stat st;
  if (stat((dir + "/ready").c_str(), &st) == 0) return dir;
  absl::StatusOr<FreshDataset> fresh = StartDataset(dir, "dataset");
  if (!fresh.ok()) return fresh.status();
  const crypto::LoadedKey* key = &fresh->key;
  node::Store* store = fresh->store.get();
  sqlite3* db = nullptr;
  if (sqlite3_open((dir + "/fts.sqlite").c_str(), &db) != SQLITE_OK)
    return SqliteError(db, "sqlite open");
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> close_db(db, sqlite3_close);
  if (absl::Status s = CreateSqlite(db); !s.ok()) return s;
  Statement fts(db, "INSERT INTO fts(rowid, name, description) VALUES(?,?,?)");
  Statement meta(db, "INSERT INTO meta VALUES(?,?,?,?,?)");
  Statement topics(db, "INSERT INTO topics VALUES(?,?)");
  Statement geo(db, "INSERT INTO geo VALUES(?,?,?,?,?)");

  Generator gen(/*seed=*/7);
  const crypto::PrivateKey& hub_key = key->key;
  const uint64_t kBatch = 20000;
  for (uint64_t first = 0; first < records; first += kBatch) {
    const uint64_t n = std::min(kBatch, records - first);
    std::vector<std::pair<const crypto::PrivateKey*, std::string>> bodies;
    for (uint64_t i = first; i < first + n; ++i) {
      bodies.emplace_back(
          &hub_key,
          gen.OrganizationBody(hub_key.public_key(), i).SerializeAsString());
    }
    for (const crypto::VerifiedRecord& r : SignAll(bodies)) {
      absl::StatusOr<node::ApplyOutcome> applied =
          store->Apply(r, /*sync=*/false);
      if (!applied.ok()) return applied.status();
      const v1::Organization& org = r.body.organization();
      const int64_t id = static_cast<int64_t>(r.body.sequence());
      std::string description;
      for (const auto& d : org.descriptions())
        absl::StrAppend(&description, d.text(), " ");
      sqlite3_bind_int64(fts.get(), 1, id);
      BindText(fts.get(), 2, org.names(0).text());
      BindText(fts.get(), 3, description);
      sqlite3_step(fts.get());
      fts.Reset();
      const v1::Location& loc = org.locations(0);
      sqlite3_bind_int64(meta.get(), 1, id);
      BindText(meta.get(), 2, loc.country());
      sqlite3_bind_double(meta.get(), 3, loc.latitude());
      sqlite3_bind_double(meta.get(), 4, loc.longitude());
      const std::string blob = r.signed_record.SerializeAsString();
      sqlite3_bind_blob(meta.get(), 5, blob.data(),
                        static_cast<int>(blob.size()), SQLITE_TRANSIENT);
      sqlite3_step(meta.get());
      meta.Reset();
      for (const std::string& t : org.topics()) {
        BindText(topics.get(), 1, t);
        sqlite3_bind_int64(topics.get(), 2, id);
        sqlite3_step(topics.get());
        topics.Reset();
      }
      sqlite3_bind_int64(geo.get(), 1, id);
      for (int c = 0; c < 2; ++c) {
        sqlite3_bind_double(geo.get(), 2 + c, loc.latitude());
        sqlite3_bind_double(geo.get(), 4 + c, loc.longitude());
      }
      sqlite3_step(geo.get());
      geo.Reset();
    }
    std::cerr << "\r  " << first + n << " / " << records << std::flush;
  }
  std::cerr << "\n";
  for (const char* sql :
       {"COMMIT", "CREATE INDEX topics_topic ON topics(topic, id)",
        "CREATE INDEX meta_country ON meta(country)", "ANALYZE"}) {
    if (absl::Status s = Exec(db, sql); !s.ok()) return s;
  }
  if (absl::Status s = store->Sync(); !s.ok()) return s;
  std::ofstream(dir + "/ready") << records << "\n";
  return dir;
}

absl::StatusOr<uint64_t> DatasetRecordBytes(const std::string& dataset) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((dataset + "/fts.sqlite").c_str(), &db,
                      SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return SqliteError(db, "sqlite open");
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> close_db(db, sqlite3_close);
  Statement sum(db, "SELECT sum(length(record)) FROM meta");
  if (sqlite3_step(sum.get()) != SQLITE_ROW) return SqliteError(db, "sum");
  return static_cast<uint64_t>(sqlite3_column_int64(sum.get(), 0));
}

absl::StatusOr<SearchRun> RunSearch(const std::string& dataset, int rounds,
                                    bool baselines,
                                    const std::set<std::string>& classes,
                                    bool compact) {
  hubnode::HubNodeOptions options;
  options.store.path = dataset + "/store";
  options.key_file = dataset + "/hub.key";
  absl::StatusOr<std::unique_ptr<hubnode::HubNode>> node =
      hubnode::HubNode::Open(options);
  if (!node.ok()) return node.status();
  node::Hub& hub = *(*node)->hub();
  SearchRun run;
  // Query the store as a hub serves it once its background merge has run
  // (a dataset applied a record or a run at a time holds small blocks).
  const absl::Time merge_start = absl::Now();
  for (bool done = false; !done;) {
    absl::StatusOr<node::Store::PostingMergeStep> step =
        (*node)->store()->MergePostingBlocks(/*max_blocks=*/100000);
    if (!step.ok()) return step.status();
    run.merged_blocks += step->blocks_removed;
    done = step->pass_done;
  }
  run.merge_seconds = absl::ToDoubleSeconds(absl::Now() - merge_start);
  // And as civhubd compacts the lists after a pass that merged many blocks
  // (server/hub_server.cc); `compact` does it for a dataset merged by an
  // earlier run.
  if (run.merged_blocks >= 100000 || compact) {
    const absl::Time compact_start = absl::Now();
    if (absl::Status s = (*node)->store()->CompactPostings(); !s.ok()) {
      return s;
    }
    run.compact_seconds = absl::ToDoubleSeconds(absl::Now() - compact_start);
  }

  sqlite3* db = nullptr;
  if (baselines &&
      sqlite3_open_v2((dataset + "/fts.sqlite").c_str(), &db,
                      SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return SqliteError(db, "sqlite open");
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> close_db(db, sqlite3_close);
  std::optional<SqliteEngine> sqlite;
  if (baselines) sqlite.emplace(db);

  server::DirectoryService service(&hub, /*abuse=*/nullptr);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = v1::Directory::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

#ifdef CIVHUB_HAVE_XAPIAN
  std::unique_ptr<XapianBaseline> xapian;
  if (baselines) {
    absl::StatusOr<std::unique_ptr<XapianBaseline>> opened =
        XapianBaseline::Open(dataset);
    if (!opened.ok()) return opened.status();
    xapian = *std::move(opened);
  }
#endif

  for (auto [kind, queries] :
       std::vector<std::pair<std::string, std::vector<Query>>>{
           {"text", TextQueries()},
           {"filter", FilterQueries()},
           {"radius", RadiusQueries()},
           {"text + filter", TextFilterQueries()},
           {"filter + radius", FilterRadiusQueries()}}) {
    if (!classes.empty() && classes.count(kind) == 0) continue;
    std::cerr << "search: " << kind << " queries...\n";
    Agreement agreement{kind, static_cast<int>(queries.size()), 0, 0, 0};
    for (const Query& q : baselines ? queries : std::vector<Query>()) {
      absl::StatusOr<v1::SearchResponse> r = hub.directory().Search(q.request);
      const int64_t civhub = r.ok() ? r->total_count() : -1;
      const int64_t other = sqlite->Run(q);
      agreement.with_sqlite += civhub == other;
      agreement.lower_bounds += r.ok() && r->total_count_is_lower_bound();
      if (civhub != other) {
        std::cerr << "search: " << kind << " \"" << q.request.ShortDebugString()
                  << "\": civhub counts " << civhub << ", SQLite " << other
                  << "\n";
      }
#ifdef CIVHUB_HAVE_XAPIAN
      if (!q.request.text().empty()) {
        const int64_t x = xapian->Run(q.request, /*exact=*/true);
        agreement.with_xapian += civhub == x;
        if (civhub != x) {
          std::cerr << "search: " << kind << " \""
                    << q.request.ShortDebugString() << "\": civhub counts "
                    << civhub << ", Xapian " << x << "\n";
        }
      }
#endif
    }
    if (baselines) run.agreements.push_back(agreement);
    std::vector<Latency>& out = run.latencies;
    out.push_back(Measure("civhub", kind, queries, rounds, [&](const Query& q) {
      absl::StatusOr<v1::SearchResponse> r = hub.directory().Search(q.request);
      return r.ok() ? r->total_count() : -1;
    }));
    out.push_back(Measure("civhub over gRPC", kind, queries, rounds,
                          [&](const Query& q) -> int64_t {
                            grpc::ClientContext ctx;
                            v1::SearchResponse r;
                            return stub->Search(&ctx, q.request, &r).ok()
                                       ? r.total_count()
                                       : -1;
                          }));
    if (!baselines) continue;
    out.push_back(Measure("SQLite", kind, queries, rounds,
                          [&](const Query& q) { return sqlite->Run(q); }));
#ifdef CIVHUB_HAVE_XAPIAN
    if (!queries[0].request.text().empty()) {
      for (bool exact : {false, true}) {
        out.push_back(Measure(
            exact ? "Xapian, exact count" : "Xapian", kind, queries, rounds,
            [&](const Query& q) { return xapian->Run(q.request, exact); }));
      }
    }
#endif
  }
  server->Shutdown();
  return run;
}

void SearchWorkload(const std::string& root, uint64_t records, int rounds,
                    const std::set<std::string>& classes, bool compact,
                    std::vector<Result>* results) {
  absl::StatusOr<std::string> dataset = EnsureDataset(root, records);
  if (!dataset.ok()) {
    ReportFailure("search", dataset.status());
    return;
  }
  absl::StatusOr<SearchRun> run =
      RunSearch(*dataset, rounds, /*baselines=*/true, classes, compact);
  if (!run.ok()) {
    ReportFailure("search", run.status());
    return;
  }
  const double n = static_cast<double>(records);
  std::map<std::string, Latency> sqlite, xapian;
  for (const Latency& l : run->latencies) {
    if (l.engine == "SQLite") sqlite[l.kind] = l;
    if (l.engine == "Xapian") xapian[l.kind] = l;
  }
  for (const Latency& l : run->latencies) {
    auto row = [&](std::string metric, double value, std::string baseline,
                   double baseline_value) {
      results->push_back(
          {"search", absl::StrCat(l.kind, ", ", l.engine, ": ", metric), value,
           std::move(baseline), baseline_value, "records", n});
    };
    const Latency& base = sqlite[l.kind];
    const bool self = l.engine == "SQLite";
    row("p50 us", l.p50_us, self ? "" : "SQLite p50 us",
        self ? 0 : base.p50_us);
    row("p99 us", l.p99_us, self ? "" : "SQLite p99 us",
        self ? 0 : base.p99_us);
    row("queries/s", l.qps, self ? "" : "SQLite queries/s",
        self ? 0 : base.qps);
    row("mean matches", l.mean_hits, "", 0);
    // civhub against Xapian's estimate (its default: the faster of the two).
    if (l.engine == "civhub" && xapian.count(l.kind) > 0) {
      row("p50 us", l.p50_us, "Xapian p50 us", xapian[l.kind].p50_us);
      row("p99 us", l.p99_us, "Xapian p99 us", xapian[l.kind].p99_us);
    }
  }
  for (const Agreement& a : run->agreements) {
    auto row = [&](std::string metric, double value) {
      results->push_back({"search", absl::StrCat(a.kind, ": ", metric), value,
                          "queries", static_cast<double>(a.queries), "records",
                          n});
    };
    row("queries counted alike, civhub and SQLite", a.with_sqlite);
    if (a.with_xapian > 0) {
      row("queries counted alike, civhub and Xapian", a.with_xapian);
    }
    row("civhub counts stopped at the cap", a.lower_bounds);
  }
  results->push_back(
      {"search", "small posting blocks merged before the queries",
       static_cast<double>(run->merged_blocks), "", 0, "records", n});
  results->push_back({"search", "seconds to merge them", run->merge_seconds, "",
                      0, "records", n});
  results->push_back({"search", "seconds to compact the posting lists",
                      run->compact_seconds, "", 0, "records", n});
}

}  // namespace civhub::bench
