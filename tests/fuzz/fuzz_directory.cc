// Fuzz target: the public Directory's requests as DirectoryService runs
// them (node::Directory, then the gRPC status it answers) — search text,
// filters, geo circles, page sizes and page tokens, record lookups,
// members and communities — against a hub holding the examples. The first
// byte picks the request.
#include <cstddef>
#include <cstdint>
#include <string>

#include "federation/grpc/grpc_status.h"
#include "tests/fuzz/hub_env.h"
#include "tests/fuzz/quiet.h"

namespace {

using namespace civhub;  // NOLINT: a fuzz target's few lines.

struct Env : fuzz::HubEnv {
  Env() {
    // A few organizations so that searches walk postings and pages.
    const char* names[] = {"Maji Safi Kenya", "Agua Limpia Perú",
                           "Digital Freedom Lab", "مياه نظيفة", "清水协会"};
    for (int i = 0; i < 40; ++i) {
      v1::PublishRequest p;
      p.set_record_id("org-" + std::to_string(i));
      v1::Organization* org = p.mutable_organization();
      v1::LocalizedText* name = org->add_names();
      name->set_lang("en");
      name->set_text(names[i % 5]);
      v1::Location* loc = org->add_locations();
      loc->set_country(i % 2 ? "KE" : "PE");
      loc->set_latitude(-1.28 + i * 0.01);
      loc->set_longitude(36.8 - i * 0.01);
      org->add_topics(i % 3 ? "water-sanitation" : "digital-rights");
      (void)hub->Publish(p);
    }
  }
};

// What a handler answers: the result's status as gRPC's.
template <typename T>
void Answer(const absl::StatusOr<T>& result) {
  (void)federation::ToGrpcStatus(result.status());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = new Env();
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const node::Directory& d = env->hub->directory();
  switch (data[0] % 5) {
    case 0: {
      v1::SearchRequest r;
      if (r.ParseFromString(bytes)) Answer(d.Search(r));
      break;
    }
    case 1: {  // Raw text, the commonest way in.
      v1::SearchRequest r;
      r.set_text(bytes);
      Answer(d.Search(r));
      r.clear_text();
      r.set_page_token(bytes);
      Answer(d.Search(r));
      break;
    }
    case 2: {
      v1::GetRecordRequest r;
      if (r.ParseFromString(bytes)) Answer(d.GetRecord(r));
      break;
    }
    case 3: {
      v1::ListMembersRequest r;
      if (r.ParseFromString(bytes)) Answer(d.ListMembers(r));
      break;
    }
    case 4: {
      v1::ListCommunitiesRequest r;
      if (r.ParseFromString(bytes)) Answer(d.ListCommunities(r));
      break;
    }
  }
  return 0;
}
