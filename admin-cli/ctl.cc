#include "admin-cli/ctl.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "admin-cli/format.h"
#include "admin-cli/json_input.h"
#include "google/protobuf/util/json_util.h"

namespace civhub::ctl {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(30);
constexpr size_t kImportBatch = 500;

class GrpcConnection : public NodeConnection {
 public:
  explicit GrpcConnection(std::shared_ptr<grpc::Channel> channel)
      : admin_(v1::Admin::NewStub(channel)),
        directory_(v1::Directory::NewStub(channel)) {}
  v1::Admin::StubInterface* admin() override { return admin_.get(); }
  v1::Directory::StubInterface* directory() override {
    return directory_.get();
  }

 private:
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::unique_ptr<v1::Directory::Stub> directory_;
};

// Everything one invocation needs.
struct Session {
  std::string data_dir = "./var/hub";
  std::string socket;
  bool json = false;
  std::ostream* out;
  std::ostream* err;
  const ConnectionFactory* connect;
  std::unique_ptr<NodeConnection> conn;

  std::string SocketPath() const {
    return socket.empty() ? data_dir + "/admin.sock" : socket;
  }
  NodeConnection& Node() {
    if (!conn) conn = (*connect)(SocketPath());
    return *conn;
  }
  std::unique_ptr<grpc::ClientContext> Context(
      std::chrono::seconds timeout = kCallTimeout) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + timeout);
    return ctx;
  }

  // Prints what went wrong with a call and returns kExitNode.
  int NodeError(const grpc::Status& s) const {
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
        s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      std::string path = SocketPath();
      struct stat st;
      *err << "civhubctl: cannot reach civhubd at unix:" << path;
      if (::stat(path.c_str(), &st) != 0) {
        *err << " (no socket there) — is it running? start it with "
                "./scripts/run, or pass --data-dir DIR / --socket PATH\n";
      } else if (::access(path.c_str(), R_OK | W_OK) != 0) {
        *err << " (permission denied: the socket is mode 0600; run "
                "civhubctl as the user that runs civhubd)\n";
      } else {
        *err << " — is it running? start it with ./scripts/run ("
             << s.error_message() << ")\n";
      }
      return kExitNode;
    }
    std::string code = absl::AsciiStrToLower(absl::StatusCodeToString(
        static_cast<absl::StatusCode>(s.error_code())));
    std::replace(code.begin(), code.end(), '_', ' ');
    *err << "civhubctl: " << code << ": " << s.error_message() << "\n";
    return kExitNode;
  }
  int UsageError(absl::string_view message) const {
    *err << "civhubctl: " << message << "\n";
    return kExitUsage;
  }
};

// "ORIGIN/ID", or "ID" for a record of the hub civhubctl talks to.
std::optional<v1::RecordRef> ParseRef(Session& s, const std::string& text,
                                      int* exit_code) {
  v1::RecordRef ref;
  size_t slash = text.find('/');
  if (slash == std::string::npos) {
    v1::HubStatus status;
    auto ctx = s.Context();
    grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
    if (!st.ok()) {
      *exit_code = s.NodeError(st);
      return std::nullopt;
    }
    ref.set_origin(status.hub_id());
    ref.set_record_id(text);
  } else {
    ref.set_origin(text.substr(0, slash));
    ref.set_record_id(text.substr(slash + 1));
  }
  if (ref.record_id().empty() || ref.origin().empty()) {
    *exit_code = s.UsageError(absl::StrCat(
        "\"", text, "\" is not a record reference: use HUB_ID/RECORD_ID"));
    return std::nullopt;
  }
  return ref;
}

int Publish(Session& s, const std::string& file, const std::string& id_flag,
            v1::PublishRequest::PayloadCase want) {
  absl::StatusOr<v1::PublishRequest> request = ReadPublishFile(file);
  if (!request.ok()) return s.UsageError(request.status().message());
  if (!id_flag.empty()) request->set_record_id(id_flag);
  if (request->record_id().empty()) {
    return s.UsageError(absl::StrCat(
        file,
        ": no record id: add \"recordId\": \"...\" to the file or pass --id"));
  }
  const char* other =
      want == v1::PublishRequest::kOrganization ? "community" : "org";
  if (request->payload_case() != want) {
    return s.UsageError(absl::StrCat(
        file, request->payload_case() == v1::PublishRequest::PAYLOAD_NOT_SET
                  ? ": holds no \"organization\" or \"community\" object"
                  : absl::StrCat(": holds a different kind of record; use "
                                 "`civhubctl ",
                                 other, " put`")));
  }
  // A membership without an origin names a record of this hub.
  bool needs_origin = false;
  for (const auto& m : request->community().memberships()) {
    needs_origin |= m.organization().origin().empty();
  }
  if (needs_origin) {
    v1::HubStatus status;
    auto ctx = s.Context();
    grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
    if (!st.ok()) return s.NodeError(st);
    for (auto& m : *request->mutable_community()->mutable_memberships()) {
      if (m.organization().origin().empty()) {
        m.mutable_organization()->set_origin(status.hub_id());
      }
    }
  }
  v1::PublishResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().admin()->Publish(ctx.get(), *request, &response);
  if (!st.ok()) return s.NodeError(st);
  if (s.json) {
    *s.out << ToJson(response);
  } else {
    const v1::RecordBody& b = response.record().body();
    *s.out << (response.unchanged() ? "unchanged " : "published ")
           << RefOf(response.record()) << " version " << b.version()
           << (response.unchanged()
                   ? " (same content as the current version)"
                   : absl::StrCat(" (sequence ", b.sequence(), ")"))
           << "\n";
  }
  return kExitOk;
}

int Export(Session& s, const std::string& file) {
  std::ofstream file_out;
  std::ostream* out = s.out;
  if (!file.empty() && file != "-") {
    file_out.open(file, std::ios::binary | std::ios::trunc);
    if (!file_out) return s.UsageError(absl::StrCat(file, ": cannot write"));
    out = &file_out;
  }
  auto ctx = std::make_unique<grpc::ClientContext>();
  v1::WatchRequest request;
  auto reader = s.Node().directory()->Watch(ctx.get(), request);
  v1::WatchResponse response;
  size_t count = 0;
  google::protobuf::util::JsonPrintOptions compact;
  while (reader->Read(&response)) {
    for (const v1::Change& change : response.changes()) {
      std::string line;
      (void)google::protobuf::util::MessageToJsonString(
          change.record().signed_(), &line, compact);
      *out << line << "\n";
      ++count;
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
  out->flush();
  *s.err << "exported " << count << " records\n";
  return kExitOk;
}

int Import(Session& s, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return s.UsageError(absl::StrCat(file, ": cannot open file"));
  std::vector<v1::SignedRecord> records;
  std::vector<int> line_numbers;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    v1::SignedRecord rec;
    if (absl::Status st = ParseJson(line, &rec); !st.ok()) {
      return s.UsageError(absl::StrCat(file, ":", n, ": ", st.message()));
    }
    records.push_back(std::move(rec));
    line_numbers.push_back(n);
  }
  std::map<std::string, int> outcomes;
  int rejected = 0;
  for (size_t start = 0; start < records.size(); start += kImportBatch) {
    v1::ImportRecordsRequest request;
    size_t end = std::min(records.size(), start + kImportBatch);
    for (size_t i = start; i < end; ++i) *request.add_records() = records[i];
    v1::ImportRecordsResponse response;
    auto ctx = s.Context(std::chrono::seconds(300));
    grpc::Status st =
        s.Node().admin()->ImportRecords(ctx.get(), request, &response);
    if (!st.ok()) return s.NodeError(st);
    for (int i = 0; i < response.results_size(); ++i) {
      const v1::ImportResult& r = response.results(i);
      ++outcomes[r.outcome()];
      if (r.outcome() == "rejected") {
        ++rejected;
        *s.err << file << ":" << line_numbers[start + i] << ": " << r.error()
               << "\n";
      }
    }
  }
  *s.out << "imported " << records.size() << " records:";
  for (const auto& [outcome, n] : outcomes)
    *s.out << " " << n << " " << outcome;
  *s.out << "\n";
  return rejected > 0 ? kExitNode : kExitOk;
}

struct SearchFlags {
  std::string text, country, region, topic, type, lang, near, kind, member_of,
      has_member, identifier, page_token;
  double km = 0;
  int limit = 0;
};

int Search(Session& s, const SearchFlags& f) {
  v1::SearchRequest req;
  req.set_text(f.text);
  req.set_country(f.country);
  req.set_region(f.region);
  req.set_topic(f.topic);
  req.set_organization_type(f.type);
  req.set_language(f.lang);
  req.set_page_size(f.limit);
  req.set_page_token(f.page_token);
  if (f.kind == "org" || f.kind == "organization") {
    req.set_kind(v1::RECORD_KIND_ORGANIZATION);
  } else if (f.kind == "community") {
    req.set_kind(v1::RECORD_KIND_COMMUNITY);
  } else if (!f.kind.empty()) {
    return s.UsageError("--kind must be org or community");
  }
  if (!f.near.empty()) {
    std::vector<std::string> parts = absl::StrSplit(f.near, ',');
    double lat, lon;
    if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lat) ||
        !absl::SimpleAtod(parts[1], &lon)) {
      return s.UsageError(absl::StrCat(
          "--near \"", f.near, "\": expected LAT,LON such as -1.29,36.82"));
    }
    req.mutable_near()->set_latitude(lat);
    req.mutable_near()->set_longitude(lon);
    req.mutable_near()->set_radius_km(f.km > 0 ? f.km : 50);
  } else if (f.km > 0) {
    return s.UsageError("--km needs --near LAT,LON");
  }
  if (!f.identifier.empty()) {
    size_t colon = f.identifier.find(':');
    if (colon == std::string::npos) {
      return s.UsageError(
          "--identifier expects SCHEME:ID, such as GB-CHC:1234567");
    }
    req.mutable_identifier()->set_scheme(f.identifier.substr(0, colon));
    req.mutable_identifier()->set_identifier(f.identifier.substr(colon + 1));
  }
  int code = kExitOk;
  for (auto [flag, field] :
       {std::make_pair(&f.member_of, req.mutable_member_of()),
        std::make_pair(&f.has_member, req.mutable_has_member())}) {
    if (flag->empty()) continue;
    std::optional<v1::RecordRef> ref = ParseRef(s, *flag, &code);
    if (!ref) return code;
    *field = *ref;
  }
  if (f.member_of.empty()) req.clear_member_of();
  if (f.has_member.empty()) req.clear_has_member();

  v1::SearchResponse response;
  auto ctx = s.Context();
  grpc::Status st = s.Node().directory()->Search(ctx.get(), req, &response);
  if (!st.ok()) return s.NodeError(st);
  if (s.json) {
    *s.out << ToJson(response);
    return kExitOk;
  }
  PrintHits(response, *s.out);
  if (!response.next_page_token().empty()) {
    *s.out << "more: repeat with --page-token " << response.next_page_token()
           << "\n";
  }
  return kExitOk;
}

}  // namespace

std::unique_ptr<NodeConnection> ConnectUnixSocket(
    const std::string& socket_path) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return std::make_unique<GrpcConnection>(grpc::CreateCustomChannel(
      "unix:" + socket_path, grpc::InsecureChannelCredentials(), args));
}

int RunCtl(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err, const ConnectionFactory& connect) {
  Session s;
  s.out = &out;
  s.err = &err;
  s.connect = &connect;

  CLI::App app{"civhubctl: administer a civhub hub (through its admin socket)"};
  app.require_subcommand(1);
  // Global flags also work after the command: `civhubctl search x --json`.
  app.fallthrough();
  app.add_option("--data-dir", s.data_dir,
                 "The hub's data dir; its admin.sock is used")
      ->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--socket", s.socket,
                 "Path of the admin socket (overrides --data-dir)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--json", s.json,
               "Print JSON (protobuf JSON mapping) for scripts");

  std::function<int()> run;

  app.add_subcommand("status", "Show the hub's id, counts, size and uptime")
      ->callback([&] {
        run = [&] {
          v1::HubStatus status;
          auto ctx = s.Context();
          grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
          if (!st.ok()) return s.NodeError(st);
          if (s.json) {
            out << ToJson(status);
          } else {
            PrintStatus(status, out);
          }
          return kExitOk;
        };
      });

  CLI::App* hub = app.add_subcommand("hub", "The hub's identity");
  hub->require_subcommand(1);
  hub->add_subcommand("id", "Print the hub id and its fingerprint")
      ->callback([&] {
        run = [&] {
          v1::HubStatus status;
          auto ctx = s.Context();
          grpc::Status st = s.Node().admin()->GetStatus(ctx.get(), {}, &status);
          if (!st.ok()) return s.NodeError(st);
          if (s.json) {
            out << "{\"hubId\": \"" << status.hub_id()
                << "\", \"fingerprint\": \"" << status.fingerprint() << "\"}\n";
          } else {
            out << status.hub_id() << "\nfingerprint " << status.fingerprint()
                << "\n";
          }
          return kExitOk;
        };
      });

  std::string put_file, put_id;
  for (auto [name, kind] :
       {std::make_pair("org", v1::PublishRequest::kOrganization),
        std::make_pair("community", v1::PublishRequest::kCommunity)}) {
    CLI::App* group =
        app.add_subcommand(name, kind == v1::PublishRequest::kOrganization
                                     ? "Organization records"
                                     : "Community-of-practice records");
    group->require_subcommand(1);
    CLI::App* put = group->add_subcommand(
        "put", "Create or update a record from a JSON file (see examples/)");
    put->add_option("FILE", put_file,
                    "JSON file: {\"recordId\": ..., \"" +
                        std::string(kind == v1::PublishRequest::kOrganization
                                        ? "organization"
                                        : "community") +
                        "\": {...}}")
        ->required();
    put->add_option("--id", put_id,
                    "Record id (overrides recordId in the file)");
    put->callback([&, kind = kind] {
      run = [&, kind] { return Publish(s, put_file, put_id, kind); };
    });
  }

  CLI::App* record = app.add_subcommand("record", "Any record");
  record->require_subcommand(1);
  std::string ref_text, reason;
  CLI::App* get = record->add_subcommand("get", "Show a record");
  get->add_option("REF", ref_text,
                  "HUB_ID/RECORD_ID, or RECORD_ID for this hub's records")
      ->required();
  get->callback([&] {
    run = [&] {
      int code = kExitOk;
      std::optional<v1::RecordRef> ref = ParseRef(s, ref_text, &code);
      if (!ref) return code;
      v1::GetRecordRequest req;
      req.set_origin(ref->origin());
      req.set_record_id(ref->record_id());
      v1::Record rec;
      auto ctx = s.Context();
      grpc::Status st = s.Node().directory()->GetRecord(ctx.get(), req, &rec);
      if (!st.ok()) return s.NodeError(st);
      if (s.json) {
        out << ToJson(rec);
      } else {
        PrintRecord(rec, out);
      }
      return kExitOk;
    };
  });
  CLI::App* rm =
      record->add_subcommand("rm", "Delete one of this hub's records");
  rm->add_option("ID", ref_text, "Record id")->required();
  rm->add_option("--reason", reason, "Why (kept in the tombstone)");
  rm->callback([&] {
    run = [&] {
      v1::DeleteRequest req;
      req.set_record_id(ref_text);
      req.set_reason(reason);
      v1::PublishResponse resp;
      auto ctx = s.Context();
      grpc::Status st = s.Node().admin()->Delete(ctx.get(), req, &resp);
      if (!st.ok()) return s.NodeError(st);
      if (s.json) {
        out << ToJson(resp);
      } else {
        out << "deleted " << RefOf(resp.record()) << " (version "
            << resp.record().body().version() << ")\n";
      }
      return kExitOk;
    };
  });

  SearchFlags sf;
  CLI::App* search = app.add_subcommand("search", "Search the directory");
  search->add_option("TEXT", sf.text,
                     "Words to find in names and descriptions");
  search->add_option("--country", sf.country, "ISO 3166-1 alpha-2, e.g. KE");
  search->add_option("--region", sf.region, "ISO 3166-2, e.g. KE-30");
  search->add_option("--topic", sf.topic, "Topic code, e.g. disaster-response");
  search->add_option("--type", sf.type, "Organization type code, e.g. ngo");
  search->add_option("--lang", sf.lang, "ISO 639-1 language, e.g. sw");
  search->add_option("--kind", sf.kind, "org or community");
  search->add_option("--near", sf.near, "LAT,LON: nearest first");
  search->add_option("--km", sf.km, "Radius for --near (default 50)");
  search->add_option("--member-of", sf.member_of,
                     "Organizations in community HUB_ID/ID");
  search->add_option("--has-member", sf.has_member,
                     "Communities with organization HUB_ID/ID");
  search->add_option("--identifier", sf.identifier,
                     "SCHEME:ID, e.g. GB-CHC:1234567");
  search->add_option("--limit", sf.limit,
                     "Results per page (default 20, max 100)");
  search->add_option("--page-token", sf.page_token,
                     "Continue a previous search");
  search->callback([&] { run = [&] { return Search(s, sf); }; });

  std::string list_ref;
  CLI::App* members =
      app.add_subcommand("members", "List a community's members");
  members->add_option("REF", list_ref, "HUB_ID/ID of the community")
      ->required();
  members->callback([&] {
    run = [&] {
      int code = kExitOk;
      std::optional<v1::RecordRef> ref = ParseRef(s, list_ref, &code);
      if (!ref) return code;
      v1::ListMembersRequest req;
      *req.mutable_community() = *ref;
      req.set_page_size(100);
      v1::ListMembersResponse resp;
      auto ctx = s.Context();
      grpc::Status st =
          s.Node().directory()->ListMembers(ctx.get(), req, &resp);
      if (!st.ok()) return s.NodeError(st);
      if (s.json) {
        out << ToJson(resp);
      } else {
        PrintMembers(resp, out);
      }
      return kExitOk;
    };
  });
  CLI::App* communities = app.add_subcommand(
      "communities", "List the communities of an organization");
  communities->add_option("REF", list_ref, "HUB_ID/ID of the organization")
      ->required();
  communities->callback([&] {
    run = [&] {
      int code = kExitOk;
      std::optional<v1::RecordRef> ref = ParseRef(s, list_ref, &code);
      if (!ref) return code;
      v1::ListCommunitiesRequest req;
      *req.mutable_organization() = *ref;
      req.set_page_size(100);
      v1::ListCommunitiesResponse resp;
      auto ctx = s.Context();
      grpc::Status st =
          s.Node().directory()->ListCommunities(ctx.get(), req, &resp);
      if (!st.ok()) return s.NodeError(st);
      if (s.json) {
        out << ToJson(resp);
      } else {
        PrintCommunities(resp, out);
      }
      return kExitOk;
    };
  });

  std::string io_file;
  CLI::App* exp = app.add_subcommand(
      "export",
      "Write every record the hub holds as signed JSON lines (a backup)");
  exp->add_option("FILE", io_file, "Output file (default: standard output)");
  exp->callback([&] { run = [&] { return Export(s, io_file); }; });
  CLI::App* imp = app.add_subcommand(
      "import", "Verify and import signed records written by `export`");
  imp->add_option("FILE", io_file, "File of signed JSON lines")->required();
  imp->callback([&] { run = [&] { return Import(s, io_file); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!run) return kExitUsage;
  return run();
}

}  // namespace civhub::ctl
