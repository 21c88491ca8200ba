#include "admin-cli/format.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "federation/network_dot.h"
#include "google/protobuf/util/json_util.h"
#include "node/records/capabilities.h"
#include "node/records/record_kinds.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace civhub::ctl {
namespace {

// Columns `s` takes on a terminal: two for East Asian wide and fullwidth
// characters (Han, kana, Hangul), none for combining marks (Arabic harakat,
// Devanagari and Thai vowel signs) and format characters, one otherwise.
// ICU knows each code point's properties.
size_t Width(absl::string_view s) {
  size_t n = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int32_t length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(p, i, length, c);
    if (c < 0) {
      ++n;  // Malformed: printed as one replacement character.
      continue;
    }
    const int8_t category = u_charType(c);
    if (category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK ||
        category == U_FORMAT_CHAR) {
      continue;
    }
    const int32_t east_asian = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    n += (east_asian == U_EA_WIDE || east_asian == U_EA_FULLWIDTH) ? 2 : 1;
  }
  return n;
}

std::string KindName(v1::RecordKind kind) {
  const node::RecordKindInfo* k = node::FindRecordKind(kind);
  return k == nullptr ? "?" : std::string(k->display_name);
}

// The kind as a table column: its command ("org") where it has one.
std::string ShortKindName(v1::RecordKind kind) {
  const node::RecordKindInfo* k = node::FindRecordKind(kind);
  if (k == nullptr) return "?";
  return std::string(k->command.empty() ? k->display_name : k->command);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

// A need's or an offer's expires_at, when it has passed by `now`; else
// nullopt. The record stays in the log, but search and matching leave it out.
std::optional<absl::Time> ExpiredAt(const v1::RecordBody& body,
                                    absl::Time now) {
  const google::protobuf::Timestamp* ts = nullptr;
  if (body.has_need() && body.need().has_expires_at()) {
    ts = &body.need().expires_at();
  } else if (body.has_offer() && body.offer().has_expires_at()) {
    ts = &body.offer().expires_at();
  }
  if (ts == nullptr) return std::nullopt;
  const absl::Time at = absl::FromUnixSeconds(ts->seconds());
  if (at > now) return std::nullopt;
  return at;
}

// A capability by its English name ("A website"); an "x-" code or one this
// build does not list by its code.
std::string CapabilityWords(absl::string_view code) {
  const node::Capability* c = node::FindCapability(code);
  return c == nullptr ? std::string(code) : std::string(c->name);
}

std::string CapabilityList(
    const google::protobuf::RepeatedPtrField<std::string>& codes) {
  return absl::StrJoin(codes, ", ", [](std::string* out, const std::string& c) {
    out->append(CapabilityWords(c));
  });
}

void Line(std::ostream& out, absl::string_view label, absl::string_view value) {
  if (value.empty()) return;
  out << "  " << std::left << std::setw(13) << absl::StrCat(label, ":") << value
      << "\n";
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  // Every field, so scripts need not know the defaults: {"hits": [],
  // "totalCount": "0"}. 64-bit integers are strings, as the protobuf JSON
  // mapping has them.
  options.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (out.empty() || out.back() != '\n') out += "\n";
  return out;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows,
                std::ostream& out) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = Width(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], Width(row[c]));
    }
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(widths[c] - Width(row[c]) + 2, ' ');
    }
    out << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::string RefOf(const v1::Record& record) {
  return absl::StrCat(record.origin(), "/", record.record_id());
}

std::string ShortHubId(absl::string_view hub_id) {
  if (hub_id.size() <= kShortHubIdLength + 1) return std::string(hub_id);
  return absl::StrCat(hub_id.substr(0, kShortHubIdLength), "…");
}

std::string ShortRefOf(const v1::Record& record) {
  return absl::StrCat(ShortHubId(record.origin()), "/", record.record_id());
}

std::string ExpiredText(absl::Time expired_at) {
  return absl::StrCat(
      "expired on ",
      absl::FormatTime("%Y-%m-%d", expired_at, absl::UTCTimeZone()),
      "; publish it again with a later expiresAt");
}

std::optional<std::string> ExpiredNote(const v1::RecordBody& body,
                                       absl::Time now) {
  std::optional<absl::Time> at = ExpiredAt(body, now);
  if (!at) return std::nullopt;
  return ExpiredText(*at);
}

std::string TitleOf(const v1::RecordBody& body) {
  const node::RecordKindInfo* kind = node::KindOf(body);
  return kind == nullptr ? "(deleted)" : kind->title(body);
}

std::string HubName(const HubNames& names, const std::string& origin) {
  auto it = names.find(origin);
  return it == names.end() ? "" : it->second;
}

void PrintRecord(const v1::Record& record, const HubNames& names,
                 std::ostream& out) {
  const v1::RecordBody& b = record.body();
  out << TitleOf(b) << "  [" << KindName(record.kind()) << "]\n";
  Line(out, "record", RefOf(record));
  Line(out, "hub", HubName(names, record.origin()));
  Line(out, "version",
       absl::StrCat(b.version(), " (sequence ", b.sequence(), ", issued ",
                    FormatTimestamp(b.issued_at()), ")"));
  const node::RecordKindInfo* kind = node::KindOf(b);
  if (kind == nullptr) return;
  // An expired need or offer says so where its status would be: "open"
  // would tell the reader it can still be matched.
  const std::optional<std::string> expired = ExpiredNote(b, absl::Now());
  for (const node::RecordDetail& d : kind->details(b)) {
    if (expired && d.label == "status") {
      Line(out, d.label, *expired);
      continue;
    }
    std::string value = absl::StrJoin(d.lines, "\n               ");
    if (d.hub_id) {
      std::string name = HubName(names, value);
      if (!name.empty()) value = absl::StrCat(name, " (", value, ")");
    }
    Line(out, d.label, value);
  }
}

void PrintHits(const v1::SearchResponse& response, const HubNames& names,
               std::ostream& out) {
  if (response.hits().empty()) {
    out << "no records match\n";
    return;
  }
  bool with_distance = false;
  // Needs and offers list capabilities where other kinds list topics.
  bool only_work = true;
  for (const auto& hit : response.hits()) {
    with_distance |= hit.has_distance_km();
    only_work &=
        hit.record().body().has_need() || hit.record().body().has_offer();
  }
  std::vector<std::string> header = {"NAME", "KIND", "WHERE",
                                     only_work ? "CAPABILITIES" : "TOPICS"};
  if (with_distance) header.push_back("KM");
  header.push_back("HUB");
  header.push_back("RECORD");
  std::vector<std::vector<std::string>> rows;
  for (const auto& hit : response.hits()) {
    const v1::Record& r = hit.record();
    const node::RecordKindInfo* kind = node::KindOf(r.body());
    const node::RecordSummary summary =
        kind == nullptr ? node::RecordSummary() : kind->summary(r.body());
    std::vector<std::string> row = {TitleOf(r.body()), ShortKindName(r.kind()),
                                    summary.place,
                                    absl::StrJoin(summary.topics, ",")};
    if (with_distance) {
      row.push_back(hit.has_distance_km()
                        ? absl::StrFormat("%.1f", hit.distance_km())
                        : "");
    }
    row.push_back(HubName(names, r.origin()));
    row.push_back(ShortRefOf(r));
    rows.push_back(std::move(row));
  }
  PrintTable(header, rows, out);
  // Past the hub's cap a filter search stops counting (docs/api.md).
  out << response.hits_size() << " of "
      << (response.total_count_is_lower_bound() ? "more than " : "")
      << response.total_count() << " matching records\n";
}

namespace {

// The capabilities of `needed` that `f` shows neither shared nor partly
// matched ("web-development~website": the offer's code, then the need's).
std::vector<std::string> Uncovered(
    const google::protobuf::RepeatedPtrField<std::string>& needed,
    const v1::MatchFeatures& f) {
  std::vector<std::string> out;
  for (const std::string& c : needed) {
    bool covered = absl::c_linear_search(f.shared_capabilities(), c);
    for (const std::string& pair : f.partial_capabilities()) {
      covered |= absl::EndsWith(pair, absl::StrCat("~", c));
    }
    if (!covered) out.push_back(CapabilityWords(c));
  }
  return out;
}

// Why a hit ranks where it does, in words: "skills: A website; partly: Web
// development for A website; languages: en".
std::string WhyWords(const v1::MatchFeatures& f) {
  std::vector<std::string> why;
  if (!f.shared_capabilities().empty()) {
    why.push_back(
        absl::StrCat("skills: ", CapabilityList(f.shared_capabilities())));
  }
  if (!f.partial_capabilities().empty()) {
    why.push_back(absl::StrCat(
        "partly: ",
        absl::StrJoin(f.partial_capabilities(), ", ",
                      [](std::string* out, const std::string& pair) {
                        const size_t tilde = pair.find('~');
                        if (tilde == std::string::npos) {
                          out->append(CapabilityWords(pair));
                          return;
                        }
                        absl::StrAppend(
                            out, CapabilityWords(pair.substr(0, tilde)),
                            " for ", CapabilityWords(pair.substr(tilde + 1)));
                      })));
  }
  if (!f.shared_languages().empty()) {
    why.push_back(
        absl::StrCat("languages: ", absl::StrJoin(f.shared_languages(), ", ")));
  }
  return absl::StrJoin(why, "; ");
}

// Who offers or needs a hit: the volunteer's display name, or the
// organization's name from `who` (else its short reference).
std::string WhoOf(const v1::RecordBody& body, const RecordNames& who) {
  const v1::RecordRef* org = nullptr;
  if (body.has_offer()) {
    if (body.offer().has_volunteer()) {
      return absl::StrCat(body.offer().volunteer().display_name(),
                          " (volunteer)");
    }
    if (body.offer().has_organization()) org = &body.offer().organization();
  } else if (body.has_need() && body.need().has_organization()) {
    org = &body.need().organization();
  }
  if (org == nullptr) return "";
  auto it = who.find(absl::StrCat(org->origin(), "/", org->record_id()));
  if (it != who.end()) return it->second;
  return absl::StrCat(ShortHubId(org->origin()), "/", org->record_id());
}

}  // namespace

void PrintMatches(const v1::MatchResponse& response, const HubNames& names,
                  std::ostream& out) {
  PrintMatches(response, names, {}, out);
}

void PrintMatches(const v1::MatchResponse& response, const HubNames& names,
                  const RecordNames& who, std::ostream& out) {
  const bool for_need = response.subject().body().has_need();
  if (response.has_subject()) {
    out << "matches for " << (for_need ? "need " : "offer ")
        << RefOf(response.subject()) << ": "
        << TitleOf(response.subject().body()) << "\n";
  }
  if (response.hits().empty()) {
    out << "nothing matches\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  int rank = 0;
  for (const v1::MatchHit& hit : response.hits()) {
    const v1::MatchFeatures& f = hit.features();
    std::string distance = absl::StrFormat("%.2f", f.distance());
    if (f.has_distance_km()) {
      absl::StrAppend(&distance, absl::StrFormat(" %.0f km", f.distance_km()));
    }
    const v1::Record& r = hit.record();
    // The needed capabilities: the subject's when it is a need, else the
    // hit's (a need matched to an offer).
    std::vector<std::string> missing;
    if (for_need) {
      missing = Uncovered(response.subject().body().need().capabilities(), f);
    } else if (r.body().has_need()) {
      missing = Uncovered(r.body().need().capabilities(), f);
    }
    rows.push_back({absl::StrCat(++rank), absl::StrFormat("%.3f", hit.score()),
                    absl::StrFormat("%.2f", f.capability()), distance,
                    absl::StrFormat("%.2f", f.window_overlap()),
                    absl::StrFormat("%.2f", f.capacity_fit()),
                    TitleOf(r.body()), WhoOf(r.body(), who),
                    HubName(names, r.origin()), ShortRefOf(r), WhyWords(f),
                    absl::StrJoin(missing, ", ")});
  }
  PrintTable({"#", "SCORE", "CAPABILITY", "DISTANCE", "WINDOW", "CAPACITY",
              response.has_subject() && !for_need ? "NEED" : "OFFER",
              response.has_subject() && !for_need ? "NEEDED BY" : "OFFERED BY",
              "HUB", "RECORD", "WHY", "NOT COVERED"},
             rows, out);
  out << response.hits_size() << " of " << response.total_count()
      << " matching records (score: 0.5 capability + 0.2 distance + 0.15 "
         "window + 0.15 capacity)\n";
}

void RegistrationTally::Add(const v1::Record& record) {
  if (!record.body().has_registration()) return;
  const v1::Registration& r = record.body().registration();
  if (r.status() == "cancelled") return;
  ++organizations;
  ++hubs[record.origin()];
  if (r.status() == "going") going += r.attendees();
  if (r.status() == "interested") interested += r.attendees();
}

void PrintRegistrationTally(const RegistrationTally& tally,
                            const HubNames& names, std::ostream& out) {
  if (tally.organizations == 0) {
    Line(out, "registered", "none yet");
    return;
  }
  std::vector<std::string> hubs;
  for (const auto& [origin, n] : tally.hubs) {
    std::string name = HubName(names, origin);
    hubs.push_back(
        absl::StrCat(name.empty() ? ShortHubId(origin) : name, " ", n));
  }
  Line(out, "registered",
       absl::StrCat(
           tally.organizations,
           tally.organizations == 1 ? " organization" : " organizations",
           " from ", tally.hubs.size(),
           tally.hubs.size() == 1 ? " hub (" : " hubs (",
           absl::StrJoin(hubs, ", "), "): ", tally.going, " people going, ",
           tally.interested, " interested"));
}

void PrintPublished(const v1::PublishResponse& response, std::ostream& out) {
  const v1::RecordBody& b = response.record().body();
  out << (response.unchanged() ? "unchanged " : "published ")
      << RefOf(response.record()) << " version " << b.version()
      << (response.unchanged() ? " (same content as the current version)"
                               : absl::StrCat(" (sequence ", b.sequence(), ")"))
      << "\n";
}

void PrintDeleted(const v1::PublishResponse& response, std::ostream& out) {
  out << "deleted " << RefOf(response.record()) << " (version "
      << response.record().body().version() << ")\n";
}

namespace {

std::string StateName(v1::PeerState state) {
  switch (state) {
    case v1::PEER_STATE_REQUESTED:
      return "requested";
    case v1::PEER_STATE_PENDING:
      return "pending";
    case v1::PEER_STATE_ACTIVE:
      return "active";
    case v1::PEER_STATE_REJECTED:
      return "rejected";
    case v1::PEER_STATE_REMOVED:
      return "removed";
    default:
      return "?";
  }
}

std::string Ago(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0) return "never";
  absl::Duration d = absl::Now() - absl::FromUnixSeconds(ts.seconds());
  if (d < absl::Seconds(1)) return "just now";
  return absl::StrCat(absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))),
                      " ago");
}

std::string NameOr(const v1::HubProfile& profile, const std::string& fallback) {
  return profile.name().empty() ? fallback : profile.name();
}

}  // namespace

void PrintPeerAdded(const v1::Peer& peer, const v1::HubStatus& self,
                    std::ostream& out) {
  PrintPeerState(peer, out);
  if (peer.state() != v1::PEER_STATE_REQUESTED) return;
  if (!peer.last_error().empty()) {
    out << "not reached yet (" << peer.last_error()
        << "); civhubd keeps trying\n";
  }
  out << "this hub's id: " << self.hub_id() << "\n"
      << "fingerprint:   " << self.fingerprint() << "\n"
      << "send both to the other hub's admin, who compares the fingerprint "
         "and runs:\n"
      << "  civhubctl peer approve " << self.hub_id() << "\n";
}

void PrintPeerState(const v1::Peer& peer, std::ostream& out) {
  out << NameOr(peer.profile(), peer.hub_id()) << " (" << peer.fingerprint()
      << "): " << StateName(peer.state());
  if (!peer.progress().empty()) out << " (" << peer.progress() << ")";
  out << "\n";
}

void PrintInviteCreated(const v1::Invite& invite, std::ostream& out) {
  out << invite.token() << "\n"
      << "invite " << invite.id() << ", for one hub, valid until "
      << FormatTimestamp(invite.expires_at()) << "\n"
      << "give the token to the other hub's admin (by a channel you trust: "
         "it links one hub without your approval), who runs:\n"
      << "  civhubctl peer add --invite TOKEN\n";
}

void PrintInvites(const v1::ListInvitesResponse& response, std::ostream& out) {
  if (response.invites().empty()) {
    out << "no invites: make one with civhubctl peer invite\n";
    return;
  }
  const absl::Time now = absl::Now();
  std::vector<std::vector<std::string>> rows;
  for (const v1::Invite& i : response.invites()) {
    std::string state =
        !i.used_by().empty()
            ? absl::StrCat("used ", Ago(i.used_at()), " by ", i.used_by())
        : absl::FromUnixSeconds(i.expires_at().seconds()) <= now ? "expired"
                                                                 : "open";
    rows.push_back({i.id(), state, FormatTimestamp(i.created_at()),
                    FormatTimestamp(i.expires_at()), i.note()});
  }
  PrintTable({"ID", "STATE", "CREATED", "EXPIRES", "NOTE"}, rows, out);
}

void PrintInviteRevoked(const v1::Invite& invite, std::ostream& out) {
  out << "invite " << invite.id()
      << " revoked: a hub presenting it is refused\n";
}

void PrintPeers(const v1::ListPeersResponse& response, std::ostream& out) {
  if (response.peers().empty()) {
    out << "no peers: link to another hub with civhubctl peer add HOST:PORT "
           "HUB_ID\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::Peer& p : response.peers()) {
    std::string forks;
    if (p.forked_origins_size() > 0) {
      forks = absl::StrCat(p.forked_origins_size(), " forked origin(s)");
    }
    std::string state = StateName(p.state());
    if (!p.progress().empty()) absl::StrAppend(&state, " (", p.progress(), ")");
    std::string error = p.last_error();
    if (p.last_error_count() > 1) {
      absl::StrAppend(&error, " (", p.last_error_count(), " times, last ",
                      Ago(p.last_error_at()), ")");
    }
    rows.push_back({NameOr(p.profile(), "?"), p.fingerprint(), state,
                    p.address(), Ago(p.last_sync()), absl::StrCat(p.behind()),
                    error.empty() ? forks : error, p.hub_id()});
  }
  PrintTable({"PEER", "FINGERPRINT", "STATE", "ADDRESS", "LAST SYNC", "BEHIND",
              "LAST ERROR", "HUB ID"},
             rows, out);
  for (const v1::Peer& p : response.peers()) {
    for (const std::string& origin : p.forked_origins()) {
      out << "fork evidence: " << origin
          << " signed two different records for one "
          << "sequence (received from " << NameOr(p.profile(), p.hub_id())
          << ")\n";
    }
  }
}

void PrintPending(const v1::ListPendingPeersResponse& response,
                  std::ostream& out) {
  if (response.pending().empty()) {
    out << "no pending link requests\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::PendingPeer& p : response.pending()) {
    rows.push_back({NameOr(p.profile(), "?"), p.fingerprint(),
                    p.profile().region(), p.profile().contact(), p.address(),
                    p.sent_from(), Ago(p.requested_at()), p.hub_id()});
  }
  PrintTable({"NAME", "FINGERPRINT", "REGION", "CONTACT", "ADDRESS",
              "SENT FROM", "ASKED", "HUB ID"},
             rows, out);
  out << "compare the fingerprint with the other hub's admin, then: civhubctl "
         "peer approve "
         "HUB_ID (or peer reject HUB_ID); for a partner you expect, "
         "civhubctl peer invite makes a token that skips this list\n";
}

void PrintNetwork(const v1::Network& network, std::ostream& out) {
  std::map<std::string, std::string> names;
  std::vector<std::vector<std::string>> rows;
  for (const v1::NetworkHub& h : network.hubs()) {
    std::string name = NameOr(h.profile(), "(no profile yet)");
    names[h.hub_id()] = name;
    std::vector<std::string> flags;
    if (h.is_self()) flags.push_back("this hub");
    if (h.blocked()) flags.push_back("BLOCKED");
    if (h.forked()) flags.push_back("FORKED");
    if (!h.trusted() && !h.blocked()) flags.push_back("not linked");
    rows.push_back({name, h.fingerprint(), h.profile().region(),
                    absl::StrCat(h.records()), absl::StrJoin(flags, ", "),
                    h.hub_id()});
  }
  PrintTable({"HUB", "FINGERPRINT", "REGION", "RECORDS", "NOTE", "HUB ID"},
             rows, out);
  out << network.hubs_size()
      << (network.hubs_size() == 1 ? " hub, " : " hubs, ")
      << network.links_size()
      << (network.links_size() == 1 ? " link\n" : " links\n");
  for (const v1::NetworkLink& l : network.links()) {
    out << "  " << names[l.a()] << " — " << names[l.b()] << "\n";
  }
}

void PrintNetworkDot(const v1::Network& network, std::ostream& out) {
  out << federation::NetworkDot(network);
}

void PrintHubId(const v1::HubStatus& status, std::ostream& out) {
  out << status.hub_id() << "\n";
}

namespace {

// "52.1 MiB resident; heap 30.5 of 41.0 MiB in use, store caches 17.9 MiB"
std::string FormatMemory(const v1::MemoryUsage& m) {
  auto mib = [](uint64_t bytes) {
    return absl::StrFormat("%.1f", static_cast<double>(bytes) / 1048576.0);
  };
  std::string text = absl::StrCat(mib(m.resident_bytes()), " MiB resident");
  if (m.heap_held_bytes() > 0) {
    absl::StrAppend(&text, "; heap ", mib(m.heap_in_use_bytes()), " of ",
                    mib(m.heap_held_bytes()), " MiB in use, store caches ",
                    mib(m.store_cache_bytes()), " MiB");
  }
  return text;
}

// "directory 3 open from 2 clients (limits 32 per client, 7500 in all);
// since start 1100 refused, 0 idle closed"
std::string FormatConnections(const char* port, const v1::ConnectionUsage& c) {
  std::string text = absl::StrCat(
      port, " ", c.open(), " open from ", c.clients(),
      c.clients() == 1 ? " client" : " clients", " (limits ",
      c.limit_per_client(), " per client, ", c.limit_total(), " in all)");
  if (c.refused() + c.evicted() + c.fd_exhausted() + c.abuse_reports() > 0) {
    absl::StrAppend(&text, "; since start ", c.refused(), " refused, ",
                    c.evicted(), " idle closed");
    if (c.abuse_reports() > 0) {
      absl::StrAppend(&text, ", ", c.abuse_reports(), " abuse reports");
    }
    if (c.fd_exhausted() > 0) {
      absl::StrAppend(&text, ", out of file descriptors ", c.fd_exhausted(),
                      " times");
    }
  }
  return text;
}

}  // namespace

void PrintStatus(const v1::HubStatus& s, std::ostream& out) {
  std::vector<std::vector<std::string>> rows = {
      {"hub id", s.hub_id()},
      {"fingerprint", s.fingerprint()},
      {"version", s.software_version()},
      {"uptime", absl::FormatDuration(absl::Seconds(s.uptime_seconds()))},
      {"organizations", absl::StrCat(s.organizations())},
      {"communities", absl::StrCat(s.communities())},
      {"services", absl::StrCat(s.services())},
      {"needs", absl::StrCat(s.needs())},
      {"offers", absl::StrCat(s.offers())},
      {"events", absl::StrCat(s.events())},
      {"registrations", absl::StrCat(s.registrations())},
      {"deleted", absl::StrCat(s.tombstones())},
      {"origins", absl::StrCat(s.origins())},
      {"own sequence", absl::StrCat(s.own_sequence())},
      {"store size", absl::StrFormat("%.1f MiB", s.store_bytes() / 1048576.0)},
      {"data dir", s.data_dir()},
      {"directory", absl::StrCat(s.public_address(), " (public gRPC)")},
      {"federation", absl::StrCat(s.federation_address(), " (mutual TLS)")},
      {"http", s.http_address().empty()
                   ? std::string("off")
                   : absl::StrCat("http://", s.http_address(),
                                  "/ (web directory, JSON API, metrics)")},
      {"name", s.profile().name()},
      {"region", s.profile().region()},
      {"contact", s.profile().contact()},
      {"peers", absl::StrCat(s.active_peers(), " active, ", s.pending_peers(),
                             " pending approval")},
      {"memory", FormatMemory(s.memory())},
      {"connections",
       FormatConnections("directory", s.directory_connections())},
      {"", FormatConnections("federation", s.federation_connections())},
      {"store",
       s.store_read_only()
           ? absl::StrCat("READ-ONLY after a write failed at ",
                          absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                           absl::FromUnixSeconds(
                                               s.store_failed_at().seconds()),
                                           absl::UTCTimeZone()),
                          ": ", s.store_failure(), " — ",
                          absl::StrContains(s.store_failure(), "No space left")
                              ? "free space and restart civhubd"
                              : "check the disk and restart civhubd")
           : "ok"},
  };
  for (const auto& row : rows) {
    out << std::left << std::setw(15) << row[0] << row[1] << "\n";
  }
}

void PrintMembers(const v1::ListMembersResponse& response,
                  const HubNames& names, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : response.members()) {
    const v1::RecordRef& ref = m.membership().organization();
    rows.push_back(
        {m.has_organization() ? TitleOf(m.organization().body())
                              : "(not on this hub)",
         m.membership().role(), m.membership().since(),
         HubName(names, ref.origin()),
         absl::StrCat(ShortHubId(ref.origin()), "/", ref.record_id())});
  }
  PrintTable({"ORGANIZATION", "ROLE", "SINCE", "HUB", "RECORD"}, rows, out);
  out << response.members_size() << " of " << response.total_count()
      << " members\n";
}

void PrintCommunities(const v1::ListCommunitiesResponse& response,
                      const HubNames& names, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : response.communities()) {
    rows.push_back({TitleOf(c.community().body()), c.membership().role(),
                    c.membership().since(),
                    HubName(names, c.community().origin()),
                    ShortRefOf(c.community())});
  }
  PrintTable({"COMMUNITY", "ROLE", "SINCE", "HUB", "RECORD"}, rows, out);
  out << response.communities_size() << " of " << response.total_count()
      << " communities\n";
}

}  // namespace civhub::ctl
