#include "node/search/internal/page_token.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace civhub::node::internal {
namespace {

constexpr char kTokenVersion = 1;
constexpr size_t kTokenBytes = 1 + 8 + 8 + 8;

}  // namespace

void PutBE64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t GetBE64(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

uint64_t QueryFingerprint(google::protobuf::Message* request_copy) {
  const auto* desc = request_copy->GetDescriptor();
  const auto* refl = request_copy->GetReflection();
  for (const char* name : {"page_token", "page_size"}) {
    if (const auto* f = desc->FindFieldByName(name)) {
      refl->ClearField(request_copy, f);
    }
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    request_copy->SerializeToCodedStream(&coded);
  }
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string EncodePageToken(uint64_t query, const PagePosition& position) {
  std::string raw(1, kTokenVersion);
  PutBE64(&raw, query);
  uint64_t key_bits;
  std::memcpy(&key_bits, &position.key, 8);
  PutBE64(&raw, key_bits);
  PutBE64(&raw, position.id);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<PagePosition> DecodePageToken(absl::string_view token,
                                             uint64_t query) {
  std::string raw;
  if (token.size() > 64 || !absl::WebSafeBase64Unescape(token, &raw) ||
      raw.size() != kTokenBytes || raw[0] != kTokenVersion) {
    return absl::InvalidArgumentError(
        "page_token: is not a page token issued by this hub");
  }
  absl::string_view view(raw);
  if (GetBE64(view.substr(1)) != query) {
    return absl::InvalidArgumentError(
        "page_token: was issued for a different query; repeat the query that "
        "returned it");
  }
  PagePosition pos;
  uint64_t key_bits = GetBE64(view.substr(9));
  std::memcpy(&pos.key, &key_bits, 8);
  pos.id = GetBE64(view.substr(17));
  return pos;
}

absl::StatusOr<int> EffectivePageSize(int32_t requested) {
  if (requested < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

}  // namespace civhub::node::internal
