#include "admin-cli/ctl.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "admin-cli/internal/commands.h"
#include "admin-cli/internal/hsds_export.h"
#include "admin-cli/internal/session.h"
#include "node/records/iso_codes.h"
#include "node/records/record_kinds.h"

namespace civhub::ctl {
namespace {

using internal::Session;

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

// Positional arguments and flags of the chosen command; CLI11 writes them,
// the command's callback reads them.
struct Args {
  std::string file, id, ref, reason, invite, valid_for, note;
  bool dot = false;
  bool dry_run = false;
  std::string lang = "en";
  bool offline = false;
  internal::SearchFlags search;
  std::vector<std::string> search_words;  // Joined into search.text.
  int match_limit = 0;
  std::string match_page_token;
  internal::HsdsExportFlags hsds_export;
  internal::EventImportFlags event_import;
};

// The command to run once parsing succeeded.
using Command = std::function<int()>;

// --country and --region take an ISO code in either case ("ke" is KE,
// "ke-30" KE-30, as a person types them); the hub's API takes the code as
// records hold it, upper case, so it is upper-cased here, at the edge. A
// non-code is refused before anything reaches the hub, saying what `what`
// looks like.
CLI::Validator UpperCaseCode(bool (*is_code)(absl::string_view),
                             const char* what, const char* name) {
  return CLI::Validator(
      [is_code, what](std::string& value) -> std::string {
        const std::string upper = absl::AsciiStrToUpper(value);
        if (!is_code(upper)) {
          return absl::StrCat("\"", value, "\" is not ", what);
        }
        value = upper;
        return "";
      },
      name);
}

// --country also takes a country's name where it names one country
// ("kenya", "Perú", "USA"; node::CountryCodeFor); another value is refused
// with the codes it may have meant ("congo": CD or CG).
CLI::Validator CountryCode() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (std::optional<absl::string_view> code =
                node::CountryCodeFor(value)) {
          value = std::string(*code);
          return "";
        }
        return absl::StrCat("\"", value,
                            "\" is not an ISO 3166-1 alpha-2 country code, "
                            "such as KE or PE, nor the name of one country",
                            node::CountryCodeHint(value));
      },
      "CC");
}

CLI::Validator RegionCode() {
  return UpperCaseCode(node::IsRegionCode,
                       "an ISO 3166-2 region code, such as KE-30 or PE-LMA",
                       "CC-XX");
}

void AddIdentityCommands(CLI::App& app, Session& s, Command& run) {
  app.add_subcommand("status", "Show the hub's id, counts, size and uptime")
      ->callback([&] { run = [&] { return internal::ShowStatus(s); }; });
  CLI::App* hub = app.add_subcommand("hub", "The hub's identity");
  hub->require_subcommand(1);
  hub->add_subcommand("id", "Print the hub id and its fingerprint")
      ->callback([&] { run = [&] { return internal::ShowHubId(s); }; });
}

void AddPutCommands(CLI::App& app, Session& s, Args& a, Command& run) {
  for (const node::RecordKindInfo& kind : node::RecordKinds()) {
    if (kind.command.empty()) continue;  // Not published by admins.
    CLI::App* group = app.add_subcommand(std::string(kind.command),
                                         std::string(kind.command_help));
    group->require_subcommand(1);
    CLI::App* put = group->add_subcommand(
        "put", "Create or update a record from a JSON file (see examples/)");
    put->add_option("FILE", a.file,
                    absl::StrCat("JSON file: {\"recordId\": ..., \"", kind.name,
                                 "\": {...}}"))
        ->required();
    put->add_option("--id", a.id, "Record id (overrides recordId in the file)");
    put->callback([&, payload_case = kind.publish_case] {
      run = [&, payload_case] {
        return internal::PutRecord(s, a.file, a.id, payload_case);
      };
    });
  }
}

void AddRecordCommands(CLI::App& app, Session& s, Args& a, Command& run) {
  CLI::App* record = app.add_subcommand("record", "Any record");
  record->require_subcommand(1);
  CLI::App* get = record->add_subcommand("get", "Show a record");
  get->add_option("REF", a.ref,
                  "HUB_ID/RECORD_ID, or RECORD_ID for this hub's records")
      ->required();
  get->callback([&] { run = [&] { return internal::GetRecord(s, a.ref); }; });
  CLI::App* rm =
      record->add_subcommand("rm", "Delete one of this hub's records");
  rm->add_option("ID", a.ref, "Record id")->required();
  rm->add_option("--reason", a.reason, "Why (kept in the tombstone)");
  rm->callback([&] {
    run = [&] { return internal::DeleteRecord(s, a.ref, a.reason); };
  });

  CLI::App* members =
      app.add_subcommand("members", "List a community's members");
  members->add_option("REF", a.ref, "HUB_ID/ID (or ID) of the community")
      ->required();
  members->callback(
      [&] { run = [&] { return internal::ListMembers(s, a.ref); }; });
  CLI::App* communities = app.add_subcommand(
      "communities", "List the communities of an organization");
  communities->add_option("REF", a.ref, "HUB_ID/ID (or ID) of the organization")
      ->required();
  communities->callback(
      [&] { run = [&] { return internal::ListCommunities(s, a.ref); }; });
}

void AddSearchCommand(CLI::App& app, Session& s, Args& a, Command& run) {
  internal::SearchFlags& f = a.search;
  CLI::App* search = app.add_subcommand("search", "Search the directory");
  // TEXT takes every word left on the line, as a person types them:
  // `search drought relief` is `search "drought relief"`. Flags still work
  // anywhere (CLI11 takes a word starting with - as a flag).
  search->add_option("TEXT", a.search_words,
                     "Words to find in names and descriptions (no quotes "
                     "needed)");
  search->add_option("--country", f.country, "ISO 3166-1 alpha-2, e.g. KE")
      ->transform(CountryCode());
  search->add_option("--region", f.region, "ISO 3166-2, e.g. KE-30")
      ->transform(RegionCode());
  search->add_option("--topic", f.topic, "Topic code, e.g. disaster-response");
  search->add_option("--type", f.type, "Organization type code, e.g. ngo");
  search->add_option("--lang", f.lang, "ISO 639-1 language, e.g. sw");
  search->add_option("--kind", f.kind, internal::SearchKindChoices());
  search->add_option("--near", f.near, "LAT,LON: nearest first");
  search->add_option("--km", f.km, "Radius for --near (default 50)");
  search->add_option("--member-of", f.member_of,
                     "Organizations in community HUB_ID/ID");
  search->add_option("--has-member", f.has_member,
                     "Communities with organization HUB_ID/ID");
  search->add_option("--provided-by", f.provided_by,
                     "Services of organization HUB_ID/ID (or ID)");
  search->add_option("--capability", f.capability,
                     "Needs and offers by capability code (a group finds "
                     "its members), e.g. web");
  search->add_option("--organization", f.organization,
                     "Needs, offers, events and registrations of "
                     "organization HUB_ID/ID (or ID)");
  search->add_option("--event", f.event,
                     "Registrations for event HUB_ID/ID (or ID)");
  search->add_option("--from", f.from,
                     "Events occurring from this time (RFC 3339 or "
                     "YYYY-MM-DD, UTC)");
  search->add_option("--to", f.to,
                     "... until this time (default: a year after --from)");
  search->add_option("--identifier", f.identifier,
                     "SCHEME:ID, e.g. GB-CHC:1234567");
  search->add_option("--limit", f.limit,
                     "Results per page (default 20, max 100)");
  search->add_option("--page-token", f.page_token,
                     "Continue a previous search");
  search->callback([&, search] {
    f.text = absl::StrJoin(a.search_words, " ");
    f.km_given = search->get_option("--km")->count() > 0;
    run = [&] { return internal::Search(s, f); };
  });
}

void AddMatchCommand(CLI::App& app, Session& s, Args& a, Command& run) {
  CLI::App* match = app.add_subcommand(
      "match",
      "Rank the offers for a need, or the needs for an offer, across the "
      "network, with the score and each feature");
  match
      ->add_option("REF", a.ref,
                   "HUB_ID/RECORD_ID of a need or an offer, or "
                   "RECORD_ID for this hub's records")
      ->required();
  match->add_option("--limit", a.match_limit,
                    "Records to show, 1-100 (default 20)");
  match->add_option("--page-token", a.match_page_token,
                    "Continue a previous match");
  match->callback([&] {
    run = [&] {
      return internal::Match(s, a.ref, a.match_limit, a.match_page_token);
    };
  });
}

void AddFederationCommands(CLI::App& app, Session& s, Args& a, Command& run) {
  CLI::App* peer = app.add_subcommand("peer", "Links with other hubs");
  peer->require_subcommand(1);
  CLI::App* add = peer->add_subcommand(
      "add",
      "Link to the hub at ADDRESS, which must hold HUB_ID (its admin then "
      "approves), or to the hub whose admin gave you --invite TOKEN (linked "
      "at once)");
  add->add_option("ADDRESS", a.file,
                  "HOST:PORT of its federation port (with --invite: "
                  "overrides the token's)");
  add->add_option("HUB_ID", a.ref,
                  "The id its admin gave you (civhubctl hub id); not with "
                  "--invite");
  add->add_option("--invite", a.invite,
                  "A token from the other hub's `civhubctl peer invite`: "
                  "it names the hub, and the link needs no approval there");
  add->add_flag("--offline", a.offline,
                "Record the link without first checking that ADDRESS answers "
                "as HUB_ID's federation port (a hub that is down now); "
                "civhubd keeps trying it");
  add->callback([&] {
    run = [&] {
      if (a.invite.empty() && (a.file.empty() || a.ref.empty())) {
        return s.UsageError(
            "peer add: give ADDRESS and HUB_ID, or --invite TOKEN");
      }
      if (!a.invite.empty() && !a.ref.empty()) {
        return s.UsageError(
            "peer add: HUB_ID comes from the invite token; give --invite "
            "TOKEN (and ADDRESS only to override the token's)");
      }
      return internal::AddPeer(s, a.file, a.ref, a.offline, a.invite);
    };
  });
  CLI::App* invite = peer->add_subcommand(
      "invite",
      "Print a one-time token for another hub's admin: their `peer add "
      "--invite TOKEN` links without your approval, past any queue");
  invite->add_option("--valid-for", a.valid_for,
                     "How long the token works: 30m, 24h, 7d (default 24h, "
                     "at most 30d)");
  invite->add_option("--note", a.note, "For you: whom the invite is for");
  invite->callback([&] {
    run = [&] { return internal::CreateInvite(s, a.valid_for, a.note); };
  });
  peer->add_subcommand("invites", "Invites issued: open, used, expired")
      ->callback([&] { run = [&] { return internal::ListInvites(s); }; });
  CLI::App* revoke = peer->add_subcommand(
      "revoke-invite", "Withdraw an unused invite (see peer invites)");
  revoke->add_option("ID", a.id, "The invite's id")->required();
  revoke->callback(
      [&] { run = [&] { return internal::RevokeInvite(s, a.id); }; });
  peer->add_subcommand("pending", "Link requests waiting for your approval")
      ->callback([&] { run = [&] { return internal::ListPendingPeers(s); }; });
  peer->add_subcommand(
          "list", "Peers: state, address, last sync, how far behind, errors")
      ->callback([&] { run = [&] { return internal::ListPeers(s); }; });
  struct Action {
    const char* name;
    const char* help;
    int (*fn)(Session&, const std::string&);
  };
  static constexpr Action kActions[] = {
      {"approve", "Approve a pending link request", internal::ApprovePeer},
      {"reject", "Reject a pending link request", internal::RejectPeer},
      {"remove", "End a link (the other hub is told and stops too)",
       internal::RemovePeer},
  };
  for (const Action& action : kActions) {
    CLI::App* cmd = peer->add_subcommand(action.name, action.help);
    cmd->add_option("HUB_ID", a.ref, "The peer's hub id")->required();
    cmd->callback(
        [&, fn = action.fn] { run = [&, fn] { return fn(s, a.ref); }; });
  }

  CLI::App* hub = app.get_subcommand("hub");
  CLI::App* block = hub->add_subcommand(
      "block", "Purge a hub's records, refuse and stop forwarding them");
  block->add_option("HUB_ID", a.ref, "The hub to block")->required();
  block->callback(
      [&] { run = [&] { return internal::BlockOrigin(s, a.ref); }; });
  CLI::App* unblock =
      hub->add_subcommand("unblock", "Accept a blocked hub's records again");
  unblock->add_option("HUB_ID", a.ref, "The hub to unblock")->required();
  unblock->callback(
      [&] { run = [&] { return internal::UnblockOrigin(s, a.ref); }; });

  CLI::App* network =
      app.add_subcommand("network", "Every hub and link this hub knows of");
  network->add_flag("--dot", a.dot,
                    "Print Graphviz (pipe into: dot -Tsvg > network.svg)");
  network->callback(
      [&] { run = [&] { return internal::ShowNetwork(s, a.dot); }; });

  app.add_subcommand("check",
                     "Verify every stored signature again and cross-check "
                     "every index against the records (exit status 3 if "
                     "anything is wrong)")
      ->callback([&] { run = [&] { return internal::Check(s); }; });
}

void AddBackupCommands(CLI::App& app, Session& s, Args& a, Command& run) {
  CLI::App* exp = app.add_subcommand(
      "export",
      "Write every record the hub holds as signed JSON lines (a backup)");
  exp->add_option("FILE", a.file, "Output file (default: standard output)");
  exp->callback([&] { run = [&] { return internal::Export(s, a.file); }; });
  CLI::App* imp = app.add_subcommand(
      "import", "Verify and import signed records written by `export`");
  imp->add_option("FILE", a.file, "File of signed JSON lines")->required();
  imp->callback([&] { run = [&] { return internal::Import(s, a.file); }; });
}

// Open Referral HSDS 3.0 data in and out (docs/hsds.md).
void AddHsdsCommands(CLI::App& app, Session& s, Args& a, Command& run) {
  CLI::App* hsds = app.add_subcommand(
      "hsds", "Open Referral HSDS 3.0 data packages and JSON (docs/hsds.md)");
  hsds->require_subcommand(1);
  internal::HsdsExportFlags& f = a.hsds_export;
  CLI::App* exp = hsds->add_subcommand(
      "export",
      "Write the directory as an HSDS tabular data package (or JSON) in DIR");
  exp->add_option("DIR", f.dir, "Directory to write (created if missing)")
      ->required();
  exp->add_option("--format", f.format,
                  "csv (datapackage.json and a CSV per table), json or ndjson")
      ->capture_default_str();
  exp->add_option("--origin", f.origin, "Only records of this hub id");
  exp->add_option("--country", f.country,
                  "Only records in this country (ISO 3166-1, e.g. KE)")
      ->transform(CountryCode());
  exp->add_option("--topic", f.topic, "Only records with this topic code");
  exp->add_option("--lang", f.lang,
                  "Language of the text (ISO 639-1); default: each record's "
                  "first");
  exp->callback([&] { run = [&] { return internal::HsdsExport(s, f); }; });
  CLI::App* imp = hsds->add_subcommand(
      "import",
      "Publish the organizations and services of HSDS data: a tabular data "
      "package (a directory or its datapackage.json) or HSDS JSON (exit "
      "status 4 if some rows were skipped)");
  imp->add_option("PATH", a.file,
                  "A data package directory, a datapackage.json, or a JSON / "
                  "newline-delimited JSON file")
      ->required();
  imp->add_flag("--dry-run", a.dry_run,
                "Map and validate here, print what would be published and "
                "every problem; publish nothing");
  imp->add_option("--lang", a.lang,
                  "ISO 639-1 language of the data's texts (default en)");
  imp->callback([&] {
    run = [&] { return internal::HsdsImport(s, a.file, a.dry_run, a.lang); };
  });
}

// iCalendar files in (docs/calendars.md), beside `event put` when the
// registry has it.
void AddEventCommands(CLI::App& app, Session& s, Args& a, Command& run) {
  CLI::App* event = nullptr;
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == "event") event = sub;
  }
  if (event == nullptr) {
    event = app.add_subcommand("event", "Events: TechCamps, trainings...");
    event->require_subcommand(1);
  }
  internal::EventImportFlags& f = a.event_import;
  CLI::App* imp = event->add_subcommand(
      "import",
      "Publish the events (VEVENTs) of an iCalendar .ics file; a re-import "
      "updates them (exit status 4 if some were skipped or refused)");
  imp->add_option("FILE", f.file, "The .ics file")->required();
  imp->add_option("--organizer", f.organizer,
                  "The organizing organization of every event: ORG_ID of "
                  "this hub, or HUB_ID/ORG_ID (checked on the hub first; "
                  "its first location's country stands in for --country, "
                  "see there)")
      ->required();
  imp->add_option("--lang", f.lang,
                  "ISO 639-1 language of texts without LANGUAGE= (default "
                  "en)");
  imp->add_option("--country", f.country,
                  "ISO 3166-1 country of the places, and the one whose zone "
                  "a Windows zone name (Outlook's TZID) means (default: the "
                  "organizer's for Windows names; for places, the time "
                  "zone's, else the organizer's)")
      ->transform(CountryCode());
  imp->add_option("--type", f.type,
                  "The event type of every event of the file: techcamp, "
                  "training, hackathon, meetup, conference or other "
                  "(default: from CATEGORIES, else other)");
  imp->add_option("--replicates", f.replicates,
                  "The event every event of the file was modeled on: "
                  "EVENT_ID of this hub, or HUB_ID/EVENT_ID");
  imp->add_option("--tz", f.tz,
                  "IANA time zone of floating times (DTSTART without TZID "
                  "and without Z), e.g. America/Lima (default: they are "
                  "errors)");
  imp->add_flag("--dry-run", f.dry_run,
                "Read and validate here, print what would be published and "
                "every problem; publish nothing");
  imp->callback([&] { run = [&] { return internal::EventImport(s, f); }; });
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
  Session s(&out, &err, &connect);
  Args args;
  Command run;

  CLI::App app{"civhubctl: administer a civhub hub (through its admin socket)"};
  app.set_version_flag("--version", "civhubctl " CIVHUB_VERSION);
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
  AddIdentityCommands(app, s, run);
  AddPutCommands(app, s, args, run);
  AddRecordCommands(app, s, args, run);
  AddSearchCommand(app, s, args, run);
  AddMatchCommand(app, s, args, run);
  AddBackupCommands(app, s, args, run);
  AddHsdsCommands(app, s, args, run);
  AddEventCommands(app, s, args, run);
  AddFederationCommands(app, s, args, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
  }
  return run ? run() : kExitUsage;
}

}  // namespace civhub::ctl
