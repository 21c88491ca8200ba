// Writes the fuzzers' seed corpora from examples/: the example records
// signed (record, federation), requests about them (directory), and the
// JSON files themselves (ctl_json). Usage: make_seeds EXAMPLES_DIR OUT_DIR
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "admin-cli/json_input.h"
#include "civhub/v1/directory.pb.h"
#include "civhub/v1/federation.pb.h"
#include "crypto/record_signing.h"
#include "node/records/record_kinds.h"

namespace fs = std::filesystem;
using namespace civhub;  // NOLINT: a tool's few lines.

namespace {

void Write(const fs::path& dir, const std::string& name,
           const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

// One byte choosing the message, then the message.
std::string Tagged(char tag, const google::protobuf::Message& m) {
  return std::string(1, tag) + m.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds EXAMPLES_DIR OUT_DIR\n";
    return 1;
  }
  const fs::path examples = argv[1], out = argv[2];
  const crypto::PrivateKey key = *crypto::PrivateKey::Generate();
  std::vector<v1::SignedRecord> signed_records;
  uint64_t sequence = 0;
  for (const char* kind : {"organizations", "communities", "needs", "offers",
                           "events", "registrations"}) {
    for (const auto& entry : fs::directory_iterator(examples / kind)) {
      std::ifstream in(entry.path());
      const std::string json((std::istreambuf_iterator<char>(in)), {});
      Write(out / "ctl_json", entry.path().filename(), json);
      v1::PublishRequest publish;
      if (!ctl::ParseJson(json, &publish).ok()) continue;
      v1::RecordBody body;
      body.set_origin(key.public_key().bytes());
      body.set_record_id(publish.record_id());
      body.set_version(1);
      body.set_sequence(++sequence);
      body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
      if (!node::CopyPublishedPayload(publish, &body).ok()) continue;
      // What civhubctl fills in: this hub's origin in references, and an
      // expiry (examples/ leave them out).
      const std::string self = key.public_key().HubId();
      auto own = [&](v1::RecordRef* ref) {
        if (ref->origin().empty()) ref->set_origin(self);
      };
      const int64_t expires =
          absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 180));
      if (body.has_need()) {
        own(body.mutable_need()->mutable_organization());
        body.mutable_need()->mutable_expires_at()->set_seconds(expires);
      } else if (body.has_offer()) {
        if (body.offer().has_organization()) {
          own(body.mutable_offer()->mutable_organization());
        }
        body.mutable_offer()->mutable_expires_at()->set_seconds(expires);
      } else if (body.has_event()) {
        for (auto& org : *body.mutable_event()->mutable_organizers()) own(&org);
        if (body.event().has_replicates()) {
          own(body.mutable_event()->mutable_replicates());
        }
      } else if (body.has_registration()) {
        own(body.mutable_registration()->mutable_event());
        own(body.mutable_registration()->mutable_organization());
      }
      absl::StatusOr<v1::SignedRecord> signed_record =
          crypto::SignRecord(key, body.SerializeAsString());
      if (!signed_record.ok()) continue;
      const std::string name = publish.record_id();
      Write(out / "record", name, signed_record->SerializeAsString());
      Write(out / "record", name + ".body", body.SerializeAsString());
      signed_records.push_back(*signed_record);

      v1::SearchRequest search;
      if (publish.has_organization() &&
          publish.organization().names_size() > 0) {
        search.set_text(publish.organization().names(0).text());
        Write(out / "directory", name + ".text",
              std::string(1, 1) + search.text());
        if (publish.organization().locations_size() > 0) {
          search.set_country(publish.organization().locations(0).country());
        }
      }
      Write(out / "directory", name + ".search", Tagged(0, search));
      v1::GetRecordRequest get;
      get.set_origin(key.public_key().HubId());
      get.set_record_id(name);
      Write(out / "directory", name + ".get", Tagged(2, get));
    }
  }
  v1::SyncRequest sync;
  sync.set_full(true);
  sync.set_max_records(10);
  Write(out / "federation", "sync", Tagged(2, sync));
  v1::PushRequest push;
  v1::AnnounceRequest announce;
  v1::FetchRequest fetch;
  for (const v1::SignedRecord& r : signed_records) {
    *push.add_records() = r;
    v1::SequenceRef* ref = announce.add_records();
    ref->set_origin(key.public_key().bytes());
    ref->set_sequence(static_cast<uint64_t>(push.records_size()));
    *fetch.add_records() = *ref;
  }
  Write(out / "federation", "push", Tagged(3, push));
  Write(out / "federation", "announce", Tagged(4, announce));
  Write(out / "federation", "fetch", Tagged(5, fetch));
  v1::LinkRequest link;
  Write(out / "federation", "link", Tagged(0, link));
  std::cout << "seeds for " << sequence << " example records in " << out
            << "\n";
  return 0;
}
