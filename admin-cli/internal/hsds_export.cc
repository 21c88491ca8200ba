#include "admin-cli/internal/hsds_export.h"

#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "admin-cli/internal/commands.h"
#include "hsds/package_writer.h"
#include "hsds/to_hsds.h"
#include "node/records/index_terms.h"
#include "node/records/taxonomy.h"

namespace civhub::ctl::internal {
namespace {

// Whether a record passes the --origin, --country and --topic filters.
bool Selected(const v1::Record& record, const HsdsExportFlags& f) {
  if (!f.origin.empty() && record.origin() != f.origin) return false;
  if (f.country.empty() && f.topic.empty()) return true;
  const node::IndexTerms terms = node::DeriveIndexTerms(record.body());
  if (!f.country.empty() &&
      !terms.filters.count({node::kFieldCountry, f.country})) {
    return false;
  }
  return f.topic.empty() || terms.filters.count({node::kFieldTopic, f.topic});
}

}  // namespace

int HsdsExport(Session& s, const HsdsExportFlags& f) {
  const bool csv = f.format == "csv";
  if (!csv && f.format != "json" && f.format != "ndjson") {
    return s.UsageError(absl::StrCat(
        "--format: expected csv, json or ndjson, got \"", f.format, "\""));
  }
  HsdsExportFlags flags = f;
  flags.country = absl::AsciiStrToUpper(f.country);
  // Filters that could match nothing are refused before anything is read
  // or written (found in a trial: --origin garbage wrote an empty package
  // over a good one).
  if (!f.topic.empty() && !node::IsPublishableTopic(f.topic)) {
    std::vector<std::string> similar =
        node::SimilarCodes(node::Topics(), f.topic);
    return s.UsageError(absl::StrCat(
        "--topic: \"", f.topic,
        "\" is not a topic code (civhubctl taxonomy lists them)",
        similar.empty() ? ""
                        : absl::StrCat("; did you mean ",
                                       absl::StrJoin(similar, ", "), "?")));
  }
  if (!f.origin.empty()) {
    // A hub id's start, as tables show it, or the whole id.
    int code = kExitOk;
    std::optional<std::string> origin = ResolveHubPrefix(s, f.origin, &code);
    if (!origin) return code;
    flags.origin = *origin;
  }
  std::error_code ec;
  std::filesystem::create_directories(f.dir, ec);
  if (ec || !std::filesystem::is_directory(f.dir)) {
    return s.UsageError(
        absl::StrCat(f.dir, ": cannot create the directory: ",
                     ec ? ec.message() : "a file of that name is in the way"));
  }

  // The latest version of every record, tombstones removing theirs.
  std::map<std::pair<std::string, std::string>, v1::Record> records;
  auto ctx = std::make_unique<grpc::ClientContext>();
  auto reader = s.Node().directory()->Watch(ctx.get(), v1::WatchRequest());
  v1::WatchResponse response;
  while (reader->Read(&response)) {
    for (v1::Change& change : *response.mutable_changes()) {
      v1::Record& r = *change.mutable_record();
      auto key = std::make_pair(r.origin(), r.record_id());
      if (r.body().has_organization() || r.body().has_service()) {
        r.clear_signed_();  // Not exported: half of what a record holds.
        records[key] = std::move(r);
      } else {
        records.erase(key);
      }
    }
    if (response.caught_up()) {
      ctx->TryCancel();
      break;
    }
  }
  grpc::Status st = reader->Finish();
  if (!st.ok() && st.error_code() != grpc::StatusCode::CANCELLED) {
    return s.NodeError(st);
  }

  // Two hubs that imported one HSDS package hold records with the same
  // HSDS ids; a package holds each id once: this hub's own record, else the
  // first by origin.
  int code = kExitOk;
  std::optional<std::string> self = ConnectedHubId(s, &code);
  if (!self) return code;
  hsds::HsdsOptions options;
  options.lang = f.lang;
  // The writer keeps only what it will write.
  hsds::PackageWriter writer(csv ? hsds::PackageWriter::Output::kTabular
                                 : hsds::PackageWriter::Output::kJson);
  size_t shadowed = 0;
  for (bool own : {true, false}) {
    for (const auto& [key, record] : records) {
      if ((record.origin() == *self) != own || !Selected(record, flags)) {
        continue;
      }
      const size_t before = writer.organizations() + writer.services();
      if (record.body().has_organization()) {
        writer.AddOrganization(hsds::OrganizationToHsds(record, options));
      } else {
        writer.AddService(hsds::ServiceToHsds(record, options));
      }
      shadowed += writer.organizations() + writer.services() == before;
    }
  }
  records.clear();
  if (writer.organizations() + writer.services() == 0 &&
      !(f.origin.empty() && f.country.empty() && f.topic.empty())) {
    // An empty package would replace what DIR held for nothing.
    s.err() << "hsds export: no organization or service matches"
            << (f.origin.empty() ? ""
                                 : absl::StrCat(" --origin ", flags.origin))
            << (f.country.empty() ? ""
                                  : absl::StrCat(" --country ", flags.country))
            << (f.topic.empty() ? "" : absl::StrCat(" --topic ", f.topic))
            << "; nothing written to " << f.dir << "\n";
    return kExitUsage;
  }
  for (const hsds::v3::Taxonomy& t : hsds::Taxonomies()) writer.AddTaxonomy(t);
  // Every listed term, as /hsds/taxonomy_terms lists them; the local x-
  // codes come with the records that carry them.
  for (const hsds::v3::TaxonomyTerm& t : hsds::TaxonomyTerms({}, {})) {
    writer.AddTerm(t);
  }
  absl::Status written = csv ? writer.WriteTabular(f.dir)
                             : writer.WriteJson(f.dir, f.format == "ndjson");
  if (!written.ok()) {
    s.err() << "civhubctl: " << written.message() << "\n";
    return kExitUsage;
  }
  auto count = [](size_t n, const char* one, const char* many) {
    return absl::StrCat(n, " ", n == 1 ? one : many);
  };
  s.err() << "hsds export: "
          << count(writer.organizations(), "organization", "organizations")
          << ", " << count(writer.services(), "service", "services") << " → "
          << f.dir << " (" << (csv ? "HSDS tabular data package" : f.format)
          << ")\n";
  if (shadowed > 0) {
    s.err() << "hsds export: " << count(shadowed, "record was", "records were")
            << " left out: another hub's record has the same HSDS id (both "
               "hubs imported one HSDS package; this hub's own is kept, "
               "docs/hsds.md \"Ids\")\n";
  }
  return kExitOk;
}

}  // namespace civhub::ctl::internal
