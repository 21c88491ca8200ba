#include "federation/vector.h"

#include "crypto/hash.h"

namespace civhub::federation {

std::string Digest(const Vector& vector) {
  std::string bytes;
  bytes.reserve(vector.size() * 40);
  for (const auto& [origin, seq] : vector) {
    if (seq == 0) continue;
    bytes += origin;
    for (int shift = 56; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<char>((seq >> shift) & 0xff));
    }
  }
  return crypto::Sha256(bytes).substr(0, 16);
}

google::protobuf::RepeatedPtrField<v1::OriginWatermark> Changes(
    const Vector& told, const Vector& now) {
  google::protobuf::RepeatedPtrField<v1::OriginWatermark> out;
  for (const auto& [origin, seq] : now) {
    auto it = told.find(origin);
    if (it == told.end() || it->second != seq) {
      v1::OriginWatermark* w = out.Add();
      w->set_origin(origin);
      w->set_sequence(seq);
    }
  }
  for (const auto& [origin, seq] : told) {
    if (now.count(origin) == 0) {
      v1::OriginWatermark* w = out.Add();
      w->set_origin(origin);
      w->set_sequence(0);
    }
  }
  return out;
}

Vector Apply(
    Vector base,
    const google::protobuf::RepeatedPtrField<v1::OriginWatermark>& changes) {
  for (const v1::OriginWatermark& w : changes) {
    if (w.sequence() == 0) {
      base.erase(w.origin());
    } else {
      base[w.origin()] = w.sequence();
    }
  }
  return base;
}

}  // namespace civhub::federation
