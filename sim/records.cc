#include "sim/records.h"

#include <cstdio>
#include <cstdlib>

#include "crypto/record_signing.h"

namespace civhub::testing {
namespace {

// The builders fail only when OpenSSL does: nothing can be tested then.
[[noreturn]] void Die(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

}  // namespace

absl::Time TestNow() { return absl::FromUnixSeconds(1780315200); }

v1::Organization MakeOrganization(const OrgSpec& spec) {
  v1::Organization org;
  auto* name = org.add_names();
  name->set_lang(spec.lang);
  name->set_text(spec.name);
  if (!spec.description.empty()) {
    auto* d = org.add_descriptions();
    d->set_lang(spec.lang);
    d->set_text(spec.description);
  }
  auto* loc = org.add_locations();
  loc->set_country(spec.country);
  loc->set_region(spec.region);
  if (spec.lat_lon) {
    loc->set_latitude(spec.lat_lon->first);
    loc->set_longitude(spec.lat_lon->second);
  }
  for (const auto& t : spec.topics) org.add_topics(t);
  for (const auto& t : spec.types) org.add_types(t);
  return org;
}

v1::PublishRequest OrgPublish(const std::string& record_id,
                              const OrgSpec& spec) {
  v1::PublishRequest req;
  req.set_record_id(record_id);
  *req.mutable_organization() = MakeOrganization(spec);
  return req;
}

v1::Service MakeService(const ServiceSpec& spec) {
  v1::Service svc;
  svc.mutable_organization()->set_origin(spec.provider_origin);
  svc.mutable_organization()->set_record_id(spec.provider_id);
  auto* name = svc.add_names();
  name->set_lang(spec.lang);
  name->set_text(spec.name);
  svc.set_status(spec.status);
  auto* at = svc.add_locations();
  at->set_id("loc-1");
  at->set_location_id("loc-1");
  v1::Location* loc = at->mutable_location();
  loc->set_id("loc-1");
  loc->set_country(spec.country);
  loc->set_region(spec.region);
  if (spec.lat_lon) {
    loc->set_latitude(spec.lat_lon->first);
    loc->set_longitude(spec.lat_lon->second);
  }
  for (const auto& t : spec.topics) svc.add_topics(t);
  return svc;
}

namespace {

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  ts->set_seconds(absl::ToUnixSeconds(t));
}

template <typename NeedOrOffer>
void FillNeedOrOffer(const NeedSpec& spec, NeedOrOffer* m) {
  auto* title = m->add_titles();
  title->set_lang(spec.lang);
  title->set_text(spec.title);
  for (const auto& c : spec.capabilities) m->add_capabilities(c);
  for (const auto& l : spec.languages) m->add_languages(l);
  v1::WorkPlace* wp = m->mutable_work_place();
  if (spec.remote) {
    wp->set_mode("remote");
  } else {
    wp->set_mode("on-site");
    v1::Location* loc = wp->mutable_location();
    loc->set_country(spec.country);
    loc->set_region(spec.region);
    loc->set_latitude(spec.lat_lon.first);
    loc->set_longitude(spec.lat_lon.second);
    wp->set_radius_km(spec.radius_km);
  }
  SetTime(spec.expires_at, m->mutable_expires_at());
}

}  // namespace

v1::Need MakeNeed(const NeedSpec& spec) {
  v1::Need n;
  n.mutable_organization()->set_origin(spec.org_origin);
  n.mutable_organization()->set_record_id(spec.org_id);
  FillNeedOrOffer(spec, &n);
  n.set_status(spec.status);
  return n;
}

v1::Offer MakeOffer(const NeedSpec& spec, const std::string& volunteer) {
  v1::Offer o;
  if (volunteer.empty()) {
    o.mutable_organization()->set_origin(spec.org_origin);
    o.mutable_organization()->set_record_id(spec.org_id);
  } else {
    o.mutable_volunteer()->set_display_name(volunteer);
  }
  FillNeedOrOffer(spec, &o);
  o.set_status(spec.status == "withdrawn" ? "withdrawn" : "open");
  return o;
}

v1::Event MakeEvent(const EventSpec& spec) {
  v1::Event e;
  auto* name = e.add_names();
  name->set_lang("es");
  name->set_text(spec.name);
  e.set_event_type("techcamp");
  auto* org = e.add_organizers();
  org->set_origin(spec.organizer_origin);
  org->set_record_id(spec.organizer_id);
  absl::TimeZone tz = absl::UTCTimeZone();
  absl::LoadTimeZone(spec.time_zone, &tz);
  const absl::Time start = absl::FromCivil(spec.starts_local, tz);
  SetTime(start, e.mutable_starts_at());
  SetTime(start + spec.length, e.mutable_ends_at());
  e.set_time_zone(spec.time_zone);
  e.set_recurrence(spec.recurrence);
  e.mutable_place()->set_country(spec.country);
  e.mutable_place()->set_city("Lima");
  e.add_languages("es");
  e.set_status("scheduled");
  return e;
}

v1::PublishRequest ServicePublish(const std::string& record_id,
                                  const ServiceSpec& spec) {
  v1::PublishRequest req;
  req.set_record_id(record_id);
  *req.mutable_service() = MakeService(spec);
  return req;
}

v1::SignedRecord SignBody(const crypto::PrivateKey& signer,
                          const v1::RecordBody& body) {
  absl::StatusOr<v1::SignedRecord> rec =
      crypto::SignRecord(signer, body.SerializeAsString());
  if (!rec.ok()) Die("SignBody", rec.status());
  return *std::move(rec);
}

v1::SignedRecord SignedOrg(const crypto::PrivateKey& key,
                           const std::string& record_id, uint64_t version,
                           uint64_t sequence, const OrgSpec& spec) {
  v1::RecordBody body;
  body.set_origin(key.public_key().bytes());
  body.set_record_id(record_id);
  body.set_version(version);
  body.set_sequence(sequence);
  body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(TestNow()) - 3600 +
                                        static_cast<int64_t>(sequence));
  *body.mutable_organization() = MakeOrganization(spec);
  return SignBody(key, body);
}

crypto::PrivateKey NewKey() {
  absl::StatusOr<crypto::PrivateKey> key = crypto::PrivateKey::Generate();
  if (!key.ok()) Die("NewKey", key.status());
  return *std::move(key);
}

}  // namespace civhub::testing
