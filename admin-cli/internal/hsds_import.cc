// `civhubctl hsds import`: HSDS input mapped by hsds/from_hsds.h, published
// with Admin.PublishBatch.
#include <grpcpp/client_context.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "admin-cli/internal/commands.h"
#include "hsds/from_hsds.h"
#include "hsds/package_reader.h"
#include "node/records/iso_codes.h"

namespace civhub::ctl::internal {
namespace {

constexpr size_t kPublishBatch = 500;
// Batches mapped ahead of the sending: bounds what is held in memory.
constexpr size_t kBatchesAhead = 4;
// Admin.PublishBatch calls in flight: the hub stores and syncs one batch
// while it checks and signs the next, and a third travels and is parsed.
constexpr size_t kCallsInFlight = 3;

// Records to publish, in input order, with where each came from.
struct Batch {
  std::vector<v1::PublishRequest> records;
  std::vector<std::string> sources;
};

// Batches from the thread that maps to the one that sends. Thread-safe.
class BatchQueue {
 public:
  // Adds `batch`, waiting while kBatchesAhead are waiting already. False
  // (and `batch` dropped) once the sender has given up.
  bool Push(Batch batch) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
          return q->cancelled_ || q->batches_.size() < kBatchesAhead;
        },
        this));
    if (cancelled_) return false;
    batches_.push_back(std::move(batch));
    return true;
  }
  // No more batches will come.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  // The next batch; nullopt once closed and empty.
  std::optional<Batch> Pop() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
          return q->closed_ || !q->batches_.empty();
        },
        this));
    if (batches_.empty()) return std::nullopt;
    Batch batch = std::move(batches_.front());
    batches_.pop_front();
    return batch;
  }
  // The sender gives up: Push refuses from now on.
  void Cancel() {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    batches_.clear();
  }

 private:
  absl::Mutex mu_;
  std::deque<Batch> batches_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// One Admin.PublishBatch call, running on its own thread.
struct Call {
  std::vector<std::string> sources;  // Of request's records, in order.
  v1::PublishBatchRequest request;
  v1::PublishBatchResponse response;
  std::unique_ptr<grpc::ClientContext> ctx;
  std::future<grpc::Status> status;
};

// 100000 -> "100,000".
std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

// TABLE.csv:LINE id=... field: value — reason
std::string Line(const hsds::Problem& p) {
  std::string out = p.where;
  if (!p.id.empty()) absl::StrAppend(&out, " id=", p.id);
  if (!p.field.empty()) absl::StrAppend(&out, " ", p.field);
  if (!p.value.empty()) absl::StrAppend(&out, ": ", p.value);
  absl::StrAppend(&out, " — ", p.reason);
  return out;
}

// `problems` by file and, in each file, by row: a table's own problems
// (no row) first, a JSON document's in the order found. A package's
// problems are found table by table and step by step (reading, locations,
// services, organizations, the hub's check), which read out of order
// (found in a trial).
void SortForReading(std::vector<hsds::Problem>* problems) {
  struct Key {
    absl::string_view file;
    uint64_t row = 0;
  };
  auto key = [](const hsds::Problem& p) {
    Key k;
    absl::string_view where = p.where;
    const size_t colon = where.find(':');
    k.file = where.substr(0, colon);
    if (colon != absl::string_view::npos) {
      absl::string_view rest = where.substr(colon + 1);
      rest = rest.substr(0, rest.find(':'));
      if (!absl::SimpleAtoi(rest, &k.row)) k.row = 0;
    }
    return k;
  };
  std::stable_sort(problems->begin(), problems->end(),
                   [&](const hsds::Problem& a, const hsds::Problem& b) {
                     const Key ka = key(a), kb = key(b);
                     return ka.file != kb.file ? ka.file < kb.file
                                               : ka.row < kb.row;
                   });
}

// The record's title for --dry-run: its first name.
std::string Title(const v1::PublishRequest& r) {
  if (r.has_organization() && r.organization().names_size() > 0) {
    return r.organization().names(0).text();
  }
  if (r.has_service() && r.service().names_size() > 0) {
    return r.service().names(0).text();
  }
  return "";
}

}  // namespace

std::string HsdsImportStoppedMessage(const std::string& socket,
                                     const grpc::Status& failed,
                                     const HsdsImportCounts& counts,
                                     bool dry_run) {
  const bool stopped =
      failed.error_code() == grpc::StatusCode::UNAVAILABLE ||
      failed.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
      failed.error_code() == grpc::StatusCode::CANCELLED;
  std::string out =
      absl::StrCat("civhubctl: hsds import: ",
                   stopped ? absl::StrCat("civhubd at unix:", socket,
                                          " stopped answering part way (",
                                          failed.error_message(), ")")
                           : absl::StrCat("the hub refused a batch part way: ",
                                          failed.error_message()),
                   "\n");
  if (dry_run) {
    absl::StrAppend(&out,
                    "civhubctl: it was a dry run: nothing was published; ",
                    stopped ? "start the hub" : "fix what the hub said",
                    " and run it again\n");
    return out;
  }
  absl::StrAppend(&out, "civhubctl: before that the hub acknowledged ",
                  Grouped(counts.acknowledged), " of ", Grouped(counts.rows),
                  " records: published ", Grouped(counts.published),
                  ", unchanged ", Grouped(counts.unchanged), ", rejected ",
                  Grouped(counts.rejected), "\n");
  absl::StrAppend(
      &out, "civhubctl: ", stopped ? "start the hub" : "fix what the hub said",
      " and run the same import again: records already published come back "
      "unchanged\n");
  return out;
}

int HsdsImport(Session& s, const std::string& path, bool dry_run,
               const std::string& lang) {
  if (!node::IsLanguageCode(lang)) {
    return s.UsageError(absl::StrCat(
        "--lang: \"", lang, "\" is not an ISO 639-1 code such as en, es, sw"));
  }
  absl::StatusOr<hsds::Package> package = hsds::ReadHsds(path);
  if (!package.ok()) return s.UsageError(package.status().message());

  int64_t published = 0, unchanged = 0, rejected = 0, mapped_records = 0;
  std::vector<hsds::Problem> refused;  // By the hub.
  hsds::Mapped mapped;
  // A dry run asks the hub when one answers (Admin.PublishBatch with
  // dry_run: what is unchanged, what the hub would refuse), and checks the
  // input alone when none does.
  bool input_only = false;
  if (dry_run) {
    v1::HubStatus status;
    auto ctx = s.Context(std::chrono::seconds(5));
    grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE) {
      input_only = true;
      s.err() << "hsds import: no hub answers at unix:" << s.SocketPath()
              << ", so this dry run checks the input only; with the hub "
                 "running it also says which records are unchanged\n";
    } else if (!st.ok()) {
      return s.NodeError(st);
    }
  }
  if (input_only) {
    mapped = hsds::MapPackage(*std::move(package), hsds::MapOptions{lang});
    mapped_records = static_cast<int64_t>(mapped.records.size());
    for (size_t i = 0; i < mapped.records.size(); ++i) {
      const v1::PublishRequest& r = mapped.records[i];
      if (absl::Status st = hsds::ValidateMapped(r); !st.ok()) {
        ++rejected;
        refused.push_back({mapped.sources[i], r.record_id(), "", "",
                           std::string(st.message()), true});
        continue;
      }
      s.out() << "would publish " << r.record_id() << " "
              << (r.has_service() ? "service" : "organization") << " \""
              << Title(r) << "\" (" << mapped.sources[i] << ")\n";
    }
  } else {
    // Records are mapped on a thread of their own and sent in batches as
    // they come, kCallsInFlight calls at a time: the hub publishes while
    // the rest is mapped. Results are taken in order, so rows are reported
    // in input order as before.
    const int64_t rows = static_cast<int64_t>(package->organizations.size() +
                                              package->services.size());
    BatchQueue queue;
    std::thread mapper([&queue, &mapped, &lang, &package] {
      Batch batch;
      auto sink = [&](v1::PublishRequest record, std::string source) {
        if (batch.records.empty()) {
          batch.records.reserve(kPublishBatch);
          batch.sources.reserve(kPublishBatch);
        }
        batch.records.push_back(std::move(record));
        batch.sources.push_back(std::move(source));
        if (batch.records.size() < kPublishBatch) return true;
        return queue.Push(std::exchange(batch, Batch()));
      };
      mapped =
          hsds::MapPackage(*std::move(package), hsds::MapOptions{lang}, sink);
      if (!batch.records.empty()) queue.Push(std::move(batch));
      queue.Close();
    });

    int code = kExitOk;
    std::optional<std::string> self;
    std::deque<std::unique_ptr<Call>> calls;
    v1::Admin::StubInterface* admin = nullptr;  // Once connected.
    absl::Time start = absl::Now();
    absl::Time last_progress = start;
    int64_t done = 0;
    std::optional<grpc::Status> failed;  // The first failed call's.
    // Waits for the oldest call and counts its results; false (and `failed`
    // set) if the call failed.
    auto finish_oldest = [&]() -> bool {
      std::unique_ptr<Call> call = std::move(calls.front());
      calls.pop_front();
      grpc::Status st = call->status.get();
      if (!st.ok()) {
        if (!failed) failed = st;
        return false;
      }
      for (int k = 0; k < call->response.results_size(); ++k) {
        const v1::PublishBatchResult& r = call->response.results(k);
        const std::string source = static_cast<size_t>(k) < call->sources.size()
                                       ? call->sources[static_cast<size_t>(k)]
                                       : "";
        if (r.outcome() == "published") {
          ++published;
          if (r.emptied_size() > 0 && k < call->request.records_size()) {
            // A re-import that leaves rows out (an HSDS list's items do)
            // publishes the record without them (found in a trial): say so.
            const v1::PublishRequest& record = call->request.records(k);
            const std::string kind =
                record.has_service() ? "service" : "organization";
            std::vector<std::string> fields;
            for (const std::string& f : r.emptied()) {
              fields.push_back(absl::StrCat(kind, ".", f));
            }
            refused.push_back(
                {source, r.record_id(), absl::StrJoin(fields, ", "), "",
                 absl::StrCat(dry_run ? "the hub's current version has "
                                        "them and this import gives none: "
                                        "the new version would have none"
                                      : "the hub's previous version had them "
                                        "and this import gives none: the new "
                                        "version has none",
                              " (import the ", kind,
                              " with them, from a data package or a full "
                              "object, to keep them)"),
                 false});
          }
          if (dry_run && k < call->request.records_size()) {
            const v1::PublishRequest& record = call->request.records(k);
            s.out() << "would publish " << r.record_id() << " "
                    << (record.has_service() ? "service" : "organization")
                    << " \"" << Title(record) << "\" (" << source << ")";
            if (r.version() > 1) s.out() << " as version " << r.version();
            s.out() << "\n";
          }
        } else if (r.outcome() == "unchanged") {
          ++unchanged;
        } else {
          ++rejected;
          refused.push_back({source, r.record_id(), "", "",
                             absl::StrCat(dry_run ? "the hub would refuse it: "
                                                  : "refused by the hub: ",
                                          r.error()),
                             true});
        }
      }
      done += static_cast<int64_t>(call->sources.size());
      const absl::Time now = absl::Now();
      if (done < rows && now - last_progress >= absl::Seconds(1)) {
        last_progress = now;
        const double seconds = absl::ToDoubleSeconds(now - start);
        s.err() << (dry_run ? "hsds import (dry run): " : "hsds import: ")
                << Grouped(done) << "/" << Grouped(rows) << " records ("
                << Grouped(static_cast<int64_t>(static_cast<double>(done) /
                                                seconds))
                << "/s)\n";
        s.err().flush();
      }
      return true;
    };
    while (std::optional<Batch> batch = queue.Pop()) {
      if (!self) {
        // Connect once there is something to send, as before streaming.
        self = ConnectedHubId(s, &code);
        if (!self) break;
        admin = s.Node().admin();
        start = last_progress = absl::Now();
      }
      auto call = std::make_unique<Call>();
      mapped_records += static_cast<int64_t>(batch->records.size());
      for (v1::PublishRequest& r : batch->records) {
        hsds::FillOrigins(*self, &r);
        *call->request.add_records() = std::move(r);
      }
      call->request.set_dry_run(dry_run);
      call->sources = std::move(batch->sources);
      call->ctx = s.Context(std::chrono::seconds(300));
      Call* c = call.get();
      c->status = std::async(std::launch::async, [admin, c] {
        return admin->PublishBatch(c->ctx.get(), c->request, &c->response);
      });
      calls.push_back(std::move(call));
      if (calls.size() >= kCallsInFlight && !finish_oldest()) break;
    }
    while (!failed && code == kExitOk && !calls.empty()) {
      if (!finish_oldest()) break;
    }
    if (failed) {
      // The calls still in flight may have been answered: they count too,
      // so the summary says all the hub acknowledged.
      while (!calls.empty()) finish_oldest();
      for (const hsds::Problem& p : refused) s.out() << Line(p) << "\n";
      s.err() << HsdsImportStoppedMessage(
          s.SocketPath(), *failed, {published, unchanged, rejected, done, rows},
          dry_run);
      code = kExitNode;
    }
    if (code != kExitOk) {
      queue.Cancel();  // The mapper stops at its next batch.
      calls.clear();   // Waits for the calls still in flight.
      mapper.join();
      return code;
    }
    mapper.join();
  }

  std::vector<hsds::Problem> problems = std::move(mapped.problems);
  problems.insert(problems.end(), std::make_move_iterator(refused.begin()),
                  std::make_move_iterator(refused.end()));
  SortForReading(&problems);
  for (const hsds::Problem& p : problems) s.out() << Line(p) << "\n";
  for (const auto& [field, n] : mapped.not_kept) {
    s.out() << "not kept: " << field << " (" << Grouped(n.count)
            << (n.count == 1 ? " value" : " values") << ", first at "
            << n.first_where << ")\n";
  }
  s.out() << (dry_run ? "dry run: would publish " : "published ")
          << Grouped(input_only ? mapped_records - rejected : published)
          << ", unchanged " << Grouped(unchanged) << ", rejected "
          << Grouped(rejected) << ", skipped " << Grouped(mapped.rows_skipped)
          << " rows; " << Grouped(mapped.values_not_kept)
          << (mapped.values_not_kept == 1 ? " value" : " values")
          << " not kept\n";
  return rejected > 0 || mapped.rows_skipped > 0 ? kExitPartial : kExitOk;
}

}  // namespace civhub::ctl::internal
