// Invite tokens (Consul's `peering generate-token` is the model): a
// one-time secret this hub's admin hands to another hub's admin, whose link
// request then skips the pending list and its bounds, so a flood of
// requests from strangers cannot keep an invited partner out.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "federation/peer_table.h"

namespace civhub::federation {
namespace {

constexpr size_t kInviteSecretBytes = 32;
constexpr size_t kInviteIdHexDigits = 12;
constexpr size_t kMaxInviteNoteChars = 200;
// Spent and expired invites are listed this long, then deleted.
constexpr absl::Duration kInviteKeptAfterUse = absl::Hours(24 * 30);

std::string FormatUtc(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

google::protobuf::Timestamp Stamp(int64_t micros) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return ts;
}

std::string InviteKey(const std::string& secret_sha256) {
  return absl::StrCat(kInvitePrefix, absl::BytesToHexString(secret_sha256));
}

v1::Invite InviteView(const storage::InviteRecord& record) {
  v1::Invite invite;
  invite.set_id(absl::BytesToHexString(record.secret_sha256())
                    .substr(0, kInviteIdHexDigits));
  invite.set_note(record.note());
  *invite.mutable_created_at() = Stamp(record.created_micros());
  *invite.mutable_expires_at() = Stamp(record.expires_micros());
  if (record.used_micros() != 0) {
    *invite.mutable_used_at() = Stamp(record.used_micros());
    invite.set_used_by(crypto::HubIdOf(record.used_by()));
  }
  return invite;
}

// An address other hubs cannot dial: a wildcard bind without --advertise.
bool Undialable(absl::string_view address) {
  absl::string_view host = address.substr(0, address.rfind(':'));
  return host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::";
}

}  // namespace

absl::StatusOr<v1::InviteToken> ParseInviteToken(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (!absl::ConsumePrefix(&text, kInviteTokenPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invite: does not start with \"", kInviteTokenPrefix,
                     "\" (paste the whole token `civhubctl peer invite` "
                     "printed on the other hub)"));
  }
  std::string bytes;
  v1::InviteToken token;
  if (!absl::WebSafeBase64Unescape(text, &bytes) ||
      !token.ParseFromString(bytes) ||
      token.secret().size() != kInviteSecretBytes ||
      token.hub_key().size() != crypto::kPublicKeySize ||
      token.federation_address().empty()) {
    return absl::InvalidArgumentError(
        "invite: the token is damaged or cut short (paste the whole token "
        "`civhubctl peer invite` printed on the other hub)");
  }
  return token;
}

absl::StatusOr<v1::Invite> PeerTable::CreateInvite(const std::string& address,
                                                   absl::Duration valid_for,
                                                   const std::string& note) {
  if (valid_for == absl::ZeroDuration()) valid_for = kDefaultInviteValidity;
  if (valid_for < absl::ZeroDuration() || valid_for > kMaxInviteValidity) {
    return absl::InvalidArgumentError(
        absl::StrCat("valid_for: ", absl::FormatDuration(valid_for),
                     " is not between 1 second and 30 days"));
  }
  if (note.size() > kMaxInviteNoteChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("note: longer than ", kMaxInviteNoteChars, " characters"));
  }
  if (Undialable(address)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this hub's federation address is \"", address,
        "\", which other hubs cannot dial: restart civhubd with --advertise "
        "HOST:PORT (the name and port partners reach its --peer-listen at)"));
  }
  if (absl::Status s = store_->Writable(); !s.ok()) return s;
  v1::InviteToken token;
  token.set_federation_address(address);
  token.set_hub_key(self_);
  token.set_secret(crypto::RandomBytes(kInviteSecretBytes));
  const int64_t now = absl::ToUnixMicros(clock_->Now());
  storage::InviteRecord record;
  record.set_secret_sha256(crypto::Sha256(token.secret()));
  record.set_created_micros(now);
  record.set_expires_micros(now + absl::ToInt64Microseconds(valid_for));
  record.set_note(note);
  {
    absl::MutexLock lock(mu_);
    if (absl::Status s = store_->PutAux(InviteKey(record.secret_sha256()),
                                        record.SerializeAsString(), true);
        !s.ok()) {
      return s;
    }
  }
  v1::Invite invite = InviteView(record);
  invite.set_token(
      absl::StrCat(kInviteTokenPrefix,
                   absl::WebSafeBase64Escape(token.SerializeAsString())));
  return invite;
}

absl::StatusOr<std::vector<v1::Invite>> PeerTable::ListInvites() {
  absl::MutexLock lock(mu_);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> rows =
      store_->ScanAux(kInvitePrefix);
  if (!rows.ok()) return rows.status();
  const int64_t now = absl::ToUnixMicros(clock_->Now());
  const int64_t kept = absl::ToInt64Microseconds(kInviteKeptAfterUse);
  std::vector<storage::InviteRecord> live;
  for (const auto& [key, value] : *rows) {
    storage::InviteRecord record;
    const bool parsed = record.ParseFromString(value);
    const int64_t ended = record.used_micros() != 0 ? record.used_micros()
                                                    : record.expires_micros();
    if (!parsed || ended + kept < now) {
      if (absl::Status s = store_->DeleteAux(key, /*sync=*/false); !s.ok()) {
        // Not shown all the same; deleted again at the next listing.
        spdlog::warn("federation: cannot delete an ended invite: {}",
                     s.ToString());
      }
      continue;
    }
    live.push_back(std::move(record));
  }
  std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
    return a.created_micros() < b.created_micros();
  });
  std::vector<v1::Invite> out;
  for (const storage::InviteRecord& r : live) out.push_back(InviteView(r));
  return out;
}

absl::StatusOr<v1::Invite> PeerTable::RevokeInvite(const std::string& id) {
  const std::string prefix = absl::AsciiStrToLower(id);
  if (prefix.size() != kInviteIdHexDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("id: \"", id,
                     "\" is not an invite id (12 hex digits, as "
                     "`civhubctl peer invites` shows)"));
  }
  absl::MutexLock lock(mu_);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> rows =
      store_->ScanAux(absl::StrCat(kInvitePrefix, prefix));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(
        absl::StrCat("no invite ", id, " (see `civhubctl peer invites`)"));
  }
  storage::InviteRecord record;
  (void)record.ParseFromString(rows->front().second);
  if (absl::Status s = store_->DeleteAux(rows->front().first, true); !s.ok()) {
    return s;
  }
  return InviteView(record);
}

absl::Status PeerTable::RedeemInvite(const std::string& secret,
                                     const std::string& caller) {
  static constexpr char kAskAgain[] =
      "; ask that hub's admin for a new one (civhubctl peer invite)";
  const std::string key = InviteKey(crypto::Sha256(secret));
  absl::StatusOr<std::optional<std::string>> value = store_->GetAux(key);
  if (!value.ok()) return value.status();
  storage::InviteRecord record;
  if (!value->has_value() || !record.ParseFromString(**value)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "invite token unknown to this hub (revoked, or issued by another "
        "hub)",
        kAskAgain));
  }
  if (record.used_micros() != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "invite token already used (by ", crypto::HubIdOf(record.used_by()),
        " at ", FormatUtc(record.used_micros()), ")", kAskAgain));
  }
  const int64_t now = absl::ToUnixMicros(clock_->Now());
  if (now >= record.expires_micros()) {
    return absl::PermissionDeniedError(
        absl::StrCat("invite token expired at ",
                     FormatUtc(record.expires_micros()), kAskAgain));
  }
  record.set_used_micros(now);
  record.set_used_by(caller);
  return store_->PutAux(key, record.SerializeAsString(), true);
}

}  // namespace civhub::federation
