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

// A need or an offer: on-site near Nairobi unless `remote`; expires 180
// days after TestNow().
struct NeedSpec {
  std::string org_origin;  // the organization's hub id
  std::string org_id = "org-1";
  std::string title = "A website for our water points";
  std::string lang = "en";
  std::vector<std::string> capabilities = {"website"};
  std::vector<std::string> languages = {"en", "sw"};
  bool remote = false;
  std::pair<double, double> lat_lon = {-1.2921, 36.8219};
  std::string country = "KE";
  std::string region = "KE-30";
  double radius_km = 25;
  std::string status = "open";
  absl::Time expires_at = TestNow() + absl::Hours(24 * 180);
};
v1::Need MakeNeed(const NeedSpec& spec);
// An organization's offer (or, with `volunteer` set, a volunteer's) of the
// spec's capabilities; status "open" unless spec.status is "withdrawn".
v1::Offer MakeOffer(const NeedSpec& spec, const std::string& volunteer = "");

// A one-off, 3-hour TechCamp in Lima (America/Lima, 09:00-12:00 local) on
// `starts_local`'s day.
struct EventSpec {
  std::string organizer_origin;
  std::string organizer_id = "org-1";
  std::string name = "TechCamp Lima";
  std::string time_zone = "America/Lima";
  absl::CivilSecond starts_local = absl::CivilSecond(2026, 7, 15, 9, 0, 0);
  absl::Duration length = absl::Hours(3);
  std::string recurrence;
  std::string country = "PE";
};
v1::Event MakeEvent(const EventSpec& spec);

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
