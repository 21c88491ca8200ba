// Fuzz target: every message another hub can send — link request,
// confirmation and removal, sync (vectors, digests, limits), push,
// announce, fetch — handled by a hub with one active peer, as that peer
// (and link requests as a stranger). The first byte picks the message; the
// simulated network then runs a simulated second so that what a message
// sets off (fetches, relays, rounds) runs too.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "sim/sim_network.h"

namespace {

using namespace civhub;  // NOLINT: a fuzz target's few lines.

struct Env {
  Env()
      : net(Options()), stranger(crypto::PrivateKey::Generate()->public_key()) {
    a = net.AddHub("a");
    b = net.AddHub("b");
    net.Link("a", "b");
  }
  static sim::SimOptions Options() {
    sim::SimOptions options;
    options.dir = "/fuzz";
    options.seed = 1;
    options.in_memory = true;
    return options;
  }
  sim::SimNetwork net;
  sim::SimHub* a;
  sim::SimHub* b;
  crypto::PublicKey stranger;
};

template <typename Message, typename Handler>
void Handle(const std::string& bytes, Handler handler) {
  Message message;
  if (message.ParseFromString(bytes)) (void)handler(message);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Malformed input on purpose: the hub's warnings about it would drown
  // libFuzzer's output.
  google::protobuf::SetLogHandler(nullptr);
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env();
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  federation::Federation& f = *env->b->federation;
  const crypto::PublicKey& peer = env->a->key.public_key();
  switch (data[0] % 8) {
    case 0:
      Handle<v1::LinkRequest>(bytes, [&](const auto& m) {
        return f.HandleRequestLink(env->stranger, m);
      });
      break;
    case 1:
      Handle<v1::LinkConfirmation>(
          bytes, [&](const auto& m) { return f.HandleConfirmLink(peer, m); });
      break;
    case 2:
      Handle<v1::SyncRequest>(
          bytes, [&](const auto& m) { return f.HandleSync(peer, m); });
      break;
    case 3:
      Handle<v1::PushRequest>(
          bytes, [&](const auto& m) { return f.HandlePush(peer, m); });
      break;
    case 4:
      Handle<v1::AnnounceRequest>(
          bytes, [&](const auto& m) { return f.HandleAnnounce(peer, m); });
      break;
    case 5:
      Handle<v1::FetchRequest>(
          bytes, [&](const auto& m) { return f.HandleFetch(peer, m); });
      break;
    case 6:
      Handle<v1::SyncRequest>(bytes, [&](const auto& m) {
        return f.HandleSync(env->stranger, m);  // No link: refused.
      });
      break;
    case 7:  // Removal last: it ends the link the other cases use.
      if (size > 1 && data[1] == 0xff) {
        Handle<v1::LinkRemoval>(
            bytes, [&](const auto& m) { return f.HandleRemoveLink(peer, m); });
      }
      break;
  }
  env->net.scheduler().RunUntil(env->net.clock().Now() + absl::Seconds(1));
  return 0;
}
