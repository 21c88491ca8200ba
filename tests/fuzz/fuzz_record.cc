// Fuzz target: a signed record from anywhere (a peer, a backup file) —
// parsed, checked for unknown fields, verified, validated and applied by
// Hub::Ingest; and, since random bytes never carry a valid signature, the
// same bytes as a body that skips the signature: validated, indexed and
// applied to the store, then searched. Nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "crypto/record_signing.h"
#include "node/records/validate.h"
#include "tests/fuzz/hub_env.h"
#include "tests/fuzz/quiet.h"

namespace {

using namespace civhub;  // NOLINT: a fuzz target's few lines.

using Env = fuzz::HubEnv;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env();
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  v1::SignedRecord record;
  if (record.ParseFromString(bytes)) {
    (void)env->hub->Ingest(record, /*sync=*/false);
  }

  // The body path past the signature: as if a valid signer had sent it.
  v1::RecordBody body;
  if (!body.ParseFromString(bytes)) return 0;
  if (!node::FindUnknownField(body).empty()) return 0;
  if (!node::ValidateRecordBody(body, {node::SystemClock()->Now(), false})
           .ok()) {
    return 0;
  }
  absl::StatusOr<crypto::PublicKey> origin =
      crypto::PublicKey::FromBytes(body.origin());
  if (!origin.ok()) return 0;
  v1::SignedRecord as_signed;
  as_signed.set_body(bytes);
  crypto::VerifiedRecord unsigned_record{*origin, body, as_signed};
  (void)env->store->Apply(unsigned_record, /*sync=*/false);
  v1::SearchRequest search;
  if (unsigned_record.body.has_organization() &&
      unsigned_record.body.organization().names_size() > 0) {
    search.set_text(unsigned_record.body.organization().names(0).text());
  }
  (void)env->hub->directory().Search(search);
  return 0;
}
