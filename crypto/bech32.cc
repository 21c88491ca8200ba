#include "crypto/bech32.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"

namespace civhub::crypto {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32mConst = 0x2bc830a3;

uint32_t PolyMod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
                                       0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> ExpandHrp(absl::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

int CharsetIndex(char c) {
  for (int i = 0; i < 32; ++i) {
    if (kCharset[i] == c) return i;
  }
  return -1;
}

}  // namespace

std::string Bech32mEncode(absl::string_view hrp, absl::string_view data) {
  // Regroup 8-bit bytes into 5-bit values, zero-padding the last one.
  std::vector<uint8_t> values;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char byte : data) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values.push_back((acc >> bits) & 31);
    }
  }
  if (bits > 0) values.push_back((acc << (5 - bits)) & 31);

  std::vector<uint8_t> checked = ExpandHrp(hrp);
  checked.insert(checked.end(), values.begin(), values.end());
  checked.insert(checked.end(), 6, 0);
  uint32_t mod = PolyMod(checked) ^ kBech32mConst;

  std::string out(hrp);
  out.push_back('1');
  for (uint8_t v : values) out.push_back(kCharset[v]);
  for (int i = 0; i < 6; ++i)
    out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

absl::StatusOr<std::string> Bech32mDecode(absl::string_view hrp,
                                          absl::string_view text) {
  bool has_lower = false, has_upper = false;
  std::string lower;
  lower.reserve(text.size());
  for (char c : text) {
    if (c >= 'a' && c <= 'z') has_lower = true;
    if (c >= 'A' && c <= 'Z') {
      has_upper = true;
      c = static_cast<char>(c - 'A' + 'a');
    }
    lower.push_back(c);
  }
  if (has_lower && has_upper) {
    return absl::InvalidArgumentError("mixes upper and lower case");
  }
  const std::string prefix = absl::StrCat(hrp, "1");
  if (lower.compare(0, prefix.size(), prefix) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("does not start with \"", prefix, "\""));
  }
  absl::string_view payload = absl::string_view(lower).substr(prefix.size());
  if (payload.size() < 6) return absl::InvalidArgumentError("is too short");

  std::vector<uint8_t> values;
  values.reserve(payload.size());
  for (size_t i = 0; i < payload.size(); ++i) {
    int v = CharsetIndex(payload[i]);
    if (v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("has an invalid character '", payload.substr(i, 1),
                       "' at position ", prefix.size() + i + 1));
    }
    values.push_back(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> checked = ExpandHrp(hrp);
  checked.insert(checked.end(), values.begin(), values.end());
  if (PolyMod(checked) != kBech32mConst) {
    return absl::InvalidArgumentError(
        "fails its checksum (a character is mistyped or missing)");
  }
  values.resize(values.size() - 6);

  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t v : values) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 5 || ((acc << (8 - bits)) & 0xff) != 0) {
    return absl::InvalidArgumentError("has invalid padding");
  }
  return out;
}

}  // namespace civhub::crypto
