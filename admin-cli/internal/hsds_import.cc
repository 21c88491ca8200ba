// `civhubctl hsds import`: HSDS input mapped by hsds/from_hsds.h, published
// with Admin.PublishBatch.
#include <grpcpp/client_context.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "admin-cli/internal/commands.h"
#include "hsds/from_hsds.h"
#include "hsds/package_reader.h"
#include "node/records/iso_codes.h"

namespace civhub::ctl::internal {
namespace {

constexpr int kPublishBatch = 500;

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

int HsdsImport(Session& s, const std::string& path, bool dry_run,
               const std::string& lang) {
  if (!node::IsLanguageCode(lang)) {
    return s.UsageError(absl::StrCat(
        "--lang: \"", lang, "\" is not an ISO 639-1 code such as en, es, sw"));
  }
  absl::StatusOr<hsds::Package> package = hsds::ReadHsds(path);
  if (!package.ok()) return s.UsageError(package.status().message());
  hsds::Mapped mapped =
      hsds::MapPackage(*std::move(package), hsds::MapOptions{lang});

  int64_t published = 0, unchanged = 0, rejected = 0;
  std::vector<hsds::Problem> refused;  // By the hub.
  const size_t total = mapped.records.size();
  if (dry_run) {
    for (size_t i = 0; i < total; ++i) {
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
  } else if (total > 0) {
    int code = kExitOk;
    std::optional<std::string> self = ConnectedHubId(s, &code);
    if (!self) return code;
    for (v1::PublishRequest& r : mapped.records) {
      if (r.has_organization() && r.organization().has_parent() &&
          r.organization().parent().origin().empty()) {
        r.mutable_organization()->mutable_parent()->set_origin(*self);
      }
      if (r.has_service() && r.service().organization().origin().empty()) {
        r.mutable_service()->mutable_organization()->set_origin(*self);
      }
    }
    const absl::Time start = absl::Now();
    absl::Time last_progress = start;
    for (size_t begin = 0; begin < total; begin += kPublishBatch) {
      const size_t end = std::min(total, begin + kPublishBatch);
      v1::PublishBatchRequest request;
      for (size_t i = begin; i < end; ++i) {
        *request.add_records() = std::move(mapped.records[i]);
      }
      v1::PublishBatchResponse response;
      auto ctx = s.Context(std::chrono::seconds(300));
      grpc::Status st =
          s.Node().admin()->PublishBatch(ctx.get(), request, &response);
      if (!st.ok()) return s.NodeError(st);
      for (int k = 0; k < response.results_size(); ++k) {
        const v1::PublishBatchResult& r = response.results(k);
        if (r.outcome() == "published") {
          ++published;
        } else if (r.outcome() == "unchanged") {
          ++unchanged;
        } else {
          ++rejected;
          refused.push_back({mapped.sources[begin + k], r.record_id(), "", "",
                             absl::StrCat("refused by the hub: ", r.error()),
                             true});
        }
      }
      const absl::Time now = absl::Now();
      if (end < total && now - last_progress >= absl::Seconds(1)) {
        last_progress = now;
        const double seconds = absl::ToDoubleSeconds(now - start);
        s.err() << "hsds import: " << Grouped(static_cast<int64_t>(end)) << "/"
                << Grouped(static_cast<int64_t>(total)) << " records ("
                << Grouped(static_cast<int64_t>(end / seconds)) << "/s)\n";
        s.err().flush();
      }
    }
  }

  for (const hsds::Problem& p : mapped.problems) s.out() << Line(p) << "\n";
  for (const hsds::Problem& p : refused) s.out() << Line(p) << "\n";
  for (const auto& [field, n] : mapped.not_kept) {
    s.out() << "not kept: " << field << " (" << Grouped(n.count)
            << (n.count == 1 ? " value" : " values") << ", first at "
            << n.first_where << ")\n";
  }
  s.out() << (dry_run ? "dry run: would publish " : "published ")
          << Grouped(dry_run ? static_cast<int64_t>(total) - rejected
                             : published)
          << ", unchanged " << Grouped(unchanged) << ", rejected "
          << Grouped(rejected) << ", skipped " << Grouped(mapped.rows_skipped)
          << " rows; " << Grouped(mapped.values_not_kept)
          << " values not kept\n";
  return rejected > 0 || mapped.rows_skipped > 0 ? kExitPartial : kExitOk;
}

}  // namespace civhub::ctl::internal
