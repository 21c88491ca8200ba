// The anti-entropy vector: per origin, the sequence up to which a hub holds
// everything. Thread-safe: pure functions on values.
#ifndef CIVHUB_FEDERATION_VECTOR_H_
#define CIVHUB_FEDERATION_VECTOR_H_

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "civhub/v1/federation.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace civhub::federation {

// origin (32-byte key) -> sequence. Zero entries are never stored.
using Vector = std::map<std::string, uint64_t>;

// Marks an origin the hub has blocked: the peer must never send it.
inline constexpr uint64_t kBlocked = std::numeric_limits<uint64_t>::max();

// First 16 bytes of SHA-256 over the entries in origin order, each
// origin || sequence (8 bytes big-endian). Equal vectors, equal digests.
std::string Digest(const Vector& vector);

// Entries of `now` that differ from `told`, with 0 for origins `told` has
// and `now` lacks.
google::protobuf::RepeatedPtrField<v1::OriginWatermark> Changes(
    const Vector& told, const Vector& now);

// `base` with `changes` applied (0 removes an entry).
Vector Apply(
    Vector base,
    const google::protobuf::RepeatedPtrField<v1::OriginWatermark>& changes);

}  // namespace civhub::federation

#endif  // CIVHUB_FEDERATION_VECTOR_H_
