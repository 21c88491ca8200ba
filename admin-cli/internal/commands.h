// What each civhubctl command does, given its parsed arguments. Each returns
// the process exit code (ctl.h). Private to admin-cli/.
#ifndef CIVHUB_ADMIN_CLI_INTERNAL_COMMANDS_H_
#define CIVHUB_ADMIN_CLI_INTERNAL_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "admin-cli/internal/session.h"
#include "civhub/v1/admin.pb.h"

namespace civhub::ctl::internal {

int ShowStatus(Session& s);

// The id of the hub civhubctl talks to; nullopt (and `*exit_code`) if the
// node cannot say.
std::optional<std::string> ConnectedHubId(Session& s, int* exit_code);

// The id of the network's one hub whose id starts with `text` (a whole id,
// or its start as tables shorten it: "civhub1ewsz8mn…"); nullopt (the
// error reported, `*exit_code` set) if no hub's or several hubs' ids do.
std::optional<std::string> ResolveHubPrefix(Session& s, absl::string_view text,
                                            int* exit_code);

// "ORIGIN/ID", or "ID" for a record of the hub civhubctl talks to. ORIGIN
// may be a hub id's start, as tables show it ("civhub1ewsz8mn…"). nullopt
// (the error reported, `*exit_code` set) if it is none.
std::optional<v1::RecordRef> ParseRef(Session& s, const std::string& text,
                                      int* exit_code);

// `hsds import PATH`: reads HSDS input (hsds/package_reader.h), maps it
// (hsds/from_hsds.h) with texts in `lang`, and publishes the records with
// PublishBatch, the hub's id in every reference without an origin; with
// `dry_run` only validates them here. Prints every problem and a summary.
// kExitPartial if a row was skipped or a record rejected.
// If a PublishBatch call fails part way (the hub stopped, or refused a
// batch), says so with what the hub acknowledged before that and how to go
// on, and returns kExitNode.
int HsdsImport(Session& s, const std::string& path, bool dry_run,
               const std::string& lang);

// What the hub acknowledged of an import before a call failed.
struct HsdsImportCounts {
  int64_t published = 0, unchanged = 0, rejected = 0;
  int64_t acknowledged = 0;  // Records in the acknowledged batches.
  int64_t rows = 0;          // In the input.
};
// The lines `hsds import` prints when the call `failed` ends it part way:
// for a hub that stopped answering, that (naming `socket`), else the hub's
// error; then what was acknowledged before it and what to do (for a
// `dry_run`, that nothing was published).
std::string HsdsImportStoppedMessage(const std::string& socket,
                                     const grpc::Status& failed,
                                     const HsdsImportCounts& counts,
                                     bool dry_run = false);

// `event import FILE.ics`: reads the file's VEVENTs (calendar/ics_reader.h)
// and publishes them with PublishBatch, `organizer` (ORG_ID of this hub or
// HUB_ID/ORG_ID, checked on the hub first; its first location's country is
// the default country) as each one's organizer; with `dry_run` only
// validates them here (the hub still checks the organizer if reachable). Prints
// each event, what it did not import, every error with its line, and a summary.
// kExitPartial if an event was skipped or refused.
struct EventImportFlags {
  std::string file, organizer, country, tz;
  // --type: every event's event_type; --replicates: ORIGIN/ID or ID of the
  // event every event replicates.
  std::string type, replicates;
  std::string lang = "en";
  bool dry_run = false;
};
int EventImport(Session& s, const EventImportFlags& flags);
int ShowHubId(Session& s);

// `org put` / `community put`: FILE holds a PublishRequest whose payload
// must be `kind`; `id`, if set, overrides its recordId.
int PutRecord(Session& s, const std::string& file, const std::string& id,
              v1::PublishRequest::PayloadCase kind);
// REF is HUB_ID/RECORD_ID, or RECORD_ID for the connected hub's records.
int GetRecord(Session& s, const std::string& ref);
int DeleteRecord(Session& s, const std::string& id, const std::string& reason);
int ListMembers(Session& s, const std::string& community_ref);
int ListCommunities(Session& s, const std::string& organization_ref);

struct SearchFlags {
  std::string text, country, region, topic, type, lang, near, kind, member_of,
      has_member, provided_by, identifier, page_token;
  // Needs and offers by capability and organization, registrations by
  // event, events by a window [from, to) of RFC 3339 times or dates.
  std::string capability, organization, event, from, to;
  double km = 0;
  bool km_given = false;  // --km was on the command line.
  int limit = 0;
};
int Search(Session& s, const SearchFlags& flags);
// What `search --kind` takes: "org or community".
std::string SearchKindChoices();

// `match REF`: the offers ranked for a need, or the needs for an offer (the
// kind is read from the record); `limit` 0 means 20.
int Match(Session& s, const std::string& ref, int limit,
          const std::string& page_token);

// Peer links.
// `offline`: record the link without checking the address answers first.
// `invite`: a token from the other hub's `peer invite` (then `hub_id` is
// empty and `address`, if given, overrides the token's).
int AddPeer(Session& s, const std::string& address, const std::string& hub_id,
            bool offline, const std::string& invite = "");
// `valid_for`: "24h", "30m", "7d"... (empty: 24 hours).
int CreateInvite(Session& s, const std::string& valid_for,
                 const std::string& note);
int ListInvites(Session& s);
int RevokeInvite(Session& s, const std::string& id);
int ListPendingPeers(Session& s);
int ApprovePeer(Session& s, const std::string& hub_id);
int RejectPeer(Session& s, const std::string& hub_id);
int ListPeers(Session& s);
int RemovePeer(Session& s, const std::string& hub_id);
int BlockOrigin(Session& s, const std::string& hub_id);
int UnblockOrigin(Session& s, const std::string& hub_id);
// Hubs and links; Graphviz with `dot`.
int ShowNetwork(Session& s, bool dot);
int Check(Session& s);

// Every record as one signed JSON object per line, to FILE or stdout ("-").
int Export(Session& s, const std::string& file);
// Verifies and stores the records of such a file, in batches.
int Import(Session& s, const std::string& file);

}  // namespace civhub::ctl::internal

#endif  // CIVHUB_ADMIN_CLI_INTERNAL_COMMANDS_H_
