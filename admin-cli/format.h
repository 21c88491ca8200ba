// Human-readable and JSON output for civhubctl.
#ifndef CIVHUB_ADMIN_CLI_FORMAT_H_
#define CIVHUB_ADMIN_CLI_FORMAT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/directory.pb.h"
#include "google/protobuf/message.h"

namespace civhub::ctl {

// Protobuf JSON mapping, indented, with a trailing newline.
std::string ToJson(const google::protobuf::Message& message);

// A plain-text table: a header row, then rows; columns padded to the widest
// cell (counting characters, not bytes).
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows,
                std::ostream& out);

// "origin/record_id".
std::string RefOf(const v1::Record& record);

// Tables show hub ids by their first kShortHubIdLength characters and "…"
// ("civhub1ewsz8mn…"); civhubctl takes such a prefix wherever it takes a
// hub id (the whole id is in --json).
inline constexpr size_t kShortHubIdLength = 14;
std::string ShortHubId(absl::string_view hub_id);
// "civhub1ewsz8mn…/record_id".
std::string ShortRefOf(const v1::Record& record);

// "expired on 2026-07-01; publish it again with a later expiresAt".
std::string ExpiredText(absl::Time expired_at);
// ExpiredText of a need or an offer whose expires_at has passed by `now`;
// nullopt for one still open and for other kinds.
std::optional<std::string> ExpiredNote(const v1::RecordBody& body,
                                       absl::Time now);

// The record's first name, with its acronym: "Maji Safi Kenya (MSK)".
std::string TitleOf(const v1::RecordBody& body);

// Hub id -> the hub's name, for the hubs this hub knows of (its network).
using HubNames = std::map<std::string, std::string>;

// The name of the hub `origin`, or "" if unknown.
std::string HubName(const HubNames& names, const std::string& origin);

void PrintRecord(const v1::Record& record, const HubNames& names,
                 std::ostream& out);
void PrintHits(const v1::SearchResponse& response, const HubNames& names,
               std::ostream& out);
// `civhubctl match`: the subject, then the ranked records with the score
// and each feature, and why (capabilities shared and partly met, place,
// languages).
void PrintMatches(const v1::MatchResponse& response, const HubNames& names,
                  std::ostream& out);
// "origin/record_id" -> the record's title: the organizations offering or
// needing the hits, for the OFFERED BY / NEEDED BY column.
using RecordNames = std::map<std::string, std::string>;
// The same, naming who offers or needs each hit from `who`.
void PrintMatches(const v1::MatchResponse& response, const HubNames& names,
                  const RecordNames& who, std::ostream& out);
// An event's registrations, counted as its page on the web counts them:
// organizations and hubs (cancelled ones left out), and people going apart
// from people interested.
struct RegistrationTally {
  int organizations = 0;
  std::map<std::string, int> hubs;  // hub id -> registrations from it
  int64_t going = 0;                // attendees of "going" registrations
  int64_t interested = 0;           // attendees of "interested" ones
  void Add(const v1::Record& registration);
};
// "registered: 3 organizations from 2 hubs (Lima Hub 1, Manila Hub 2):
// 5 people going, 2 interested", or "registered: none yet".
void PrintRegistrationTally(const RegistrationTally& tally,
                            const HubNames& names, std::ostream& out);
void PrintStatus(const v1::HubStatus& status, std::ostream& out);
// The hub id alone, a line: what `$(civhubctl hub id)` captures.
void PrintHubId(const v1::HubStatus& status, std::ostream& out);
void PrintPublished(const v1::PublishResponse& response, std::ostream& out);
void PrintDeleted(const v1::PublishResponse& response, std::ostream& out);
// `self`: the hub civhubctl talks to (its id goes to the other admin).
void PrintPeerAdded(const v1::Peer& peer, const v1::HubStatus& self,
                    std::ostream& out);
void PrintPeerState(const v1::Peer& peer, std::ostream& out);
// A new invite: the token and what the other admin runs with it.
void PrintInviteCreated(const v1::Invite& invite, std::ostream& out);
void PrintInvites(const v1::ListInvitesResponse& response, std::ostream& out);
void PrintInviteRevoked(const v1::Invite& invite, std::ostream& out);
void PrintPeers(const v1::ListPeersResponse& response, std::ostream& out);
void PrintPending(const v1::ListPendingPeersResponse& response,
                  std::ostream& out);
void PrintNetwork(const v1::Network& network, std::ostream& out);
// Graphviz: `civhubctl network --dot | dot -Tsvg > network.svg`.
void PrintNetworkDot(const v1::Network& network, std::ostream& out);
void PrintMembers(const v1::ListMembersResponse& response,
                  const HubNames& names, std::ostream& out);
void PrintCommunities(const v1::ListCommunitiesResponse& response,
                      const HubNames& names, std::ostream& out);

}  // namespace civhub::ctl

#endif  // CIVHUB_ADMIN_CLI_FORMAT_H_
