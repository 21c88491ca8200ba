// Builders for records in tests: realistic payloads and signed records with
// chosen headers.
#ifndef CIVHUB_SIM_RECORDS_H_
#define CIVHUB_SIM_RECORDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "civhub/v1/admin.pb.h"
#include "civhub/v1/record.pb.h"
#include "crypto/keys.h"

namespace civhub::testing {

// A fixed, plausible "now" for tests: 2026-06-01T12:00:00Z.
absl::Time TestNow();

struct OrgSpec {
  std::string name = "Maji Safi Kenya";
  std::string lang = "en";
  std::string description;
  std::string country = "KE";
  std::string region;
  std::optional<std::pair<double, double>> lat_lon;
  std::vector<std::string> topics = {"water-sanitation"};
  std::vector<std::string> types = {"ngo"};
};

v1::Organization MakeOrganization(const OrgSpec& spec);

v1::PublishRequest OrgPublish(const std::string& record_id,
                              const OrgSpec& spec);

struct ServiceSpec {
  // The provider: hub id and record id.
  std::string provider_origin;
  std::string provider_id = "org-1";
  std::string name = "Clean water point";
  std::string lang = "en";
  std::string status = "active";
  std::string country = "KE";
  std::string region;
  std::optional<std::pair<double, double>> lat_lon;
  std::vector<std::string> topics = {"water-sanitation"};
};

// A service offered at one location ("loc-1", also the provider's
// Location.id).
v1::Service MakeService(const ServiceSpec& spec);

v1::PublishRequest ServicePublish(const std::string& record_id,
                                  const ServiceSpec& spec);

// A body with the given header and payload, signed by `signer` (normally the
// key of `origin`).
v1::SignedRecord SignBody(const crypto::PrivateKey& signer,
                          const v1::RecordBody& body);

// An organization record of `key`, ready to ingest.
v1::SignedRecord SignedOrg(const crypto::PrivateKey& key,
                           const std::string& record_id, uint64_t version,
                           uint64_t sequence, const OrgSpec& spec = {});

crypto::PrivateKey NewKey();

}  // namespace civhub::testing

#endif  // CIVHUB_SIM_RECORDS_H_
