#include "node/records/hsds_ids.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crypto/hash.h"

namespace civhub::node {
namespace {

// Positions of the dashes in 8-4-4-4-12.
bool IsDashAt(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLowerUuid(absl::string_view s) {
  if (!IsUuid(s)) return false;
  for (char c : s) {
    if (c >= 'A' && c <= 'F') return false;
  }
  return true;
}

}  // namespace

bool IsUuid(absl::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsDashAt(i) ? s[i] != '-' : HexValue(s[i]) < 0) return false;
  }
  return true;
}

std::string NormalizeUuid(absl::string_view s) {
  return absl::AsciiStrToLower(s);
}

std::string Uuid5(absl::string_view namespace_uuid_text,
                  absl::string_view name) {
  if (!IsUuid(namespace_uuid_text)) return "";
  std::string input;
  input.reserve(16 + name.size());
  for (size_t i = 0; i < namespace_uuid_text.size(); ++i) {
    if (IsDashAt(i)) continue;
    int high = HexValue(namespace_uuid_text[i++]);
    int low = HexValue(namespace_uuid_text[i]);
    input.push_back(static_cast<char>(high << 4 | low));
  }
  input.append(name.data(), name.size());
  std::string digest = crypto::Sha1(input);
  uint8_t b[16];
  for (int i = 0; i < 16; ++i) b[i] = static_cast<uint8_t>(digest[i]);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

std::string HsdsId(absl::string_view hub_id, absl::string_view record_id) {
  if (absl::StartsWith(record_id, kHsdsRecordIdPrefix)) {
    absl::string_view uuid = record_id.substr(kHsdsRecordIdPrefix.size());
    // Only the lower-case form passes through: "hsds-ABC..." and
    // "hsds-abc..." are two different record ids and must not share an id.
    if (IsLowerUuid(uuid)) return std::string(uuid);
  }
  return Uuid5(kHsdsNamespace, absl::StrCat(hub_id, "/", record_id));
}

std::string HsdsSubId(absl::string_view parent_hsds_id, absl::string_view table,
                      absl::string_view key) {
  if (IsUuid(key)) return NormalizeUuid(key);
  return Uuid5(kHsdsNamespace,
               absl::StrCat(parent_hsds_id, "/", table, "/", key));
}

std::string HsdsTaxonomyId(absl::string_view name) {
  return Uuid5(kHsdsNamespace, absl::StrCat("taxonomy/", name));
}

std::string HsdsTermId(absl::string_view taxonomy, absl::string_view code) {
  return Uuid5(kHsdsNamespace, absl::StrCat(taxonomy, "/", code));
}

}  // namespace civhub::node
