#include "node/records/references.h"

#include "absl/strings/str_cat.h"

namespace civhub::node {

std::vector<KindedReference> CheckedReferences(const v1::RecordBody& body) {
  using Case = v1::RecordBody::PayloadCase;
  std::vector<KindedReference> refs;
  switch (body.payload_case()) {
    case Case::kNeed:
      if (body.need().has_organization()) {
        refs.push_back({"need.organization", &body.need().organization(),
                        Case::kOrganization, /*own_only=*/true});
      }
      break;
    case Case::kOffer:
      if (body.offer().has_organization()) {
        refs.push_back({"offer.organization", &body.offer().organization(),
                        Case::kOrganization, /*own_only=*/true});
      }
      break;
    case Case::kEvent: {
      const v1::Event& e = body.event();
      for (int i = 0; i < e.organizers_size(); ++i) {
        refs.push_back({absl::StrCat("event.organizers[", i, "]"),
                        &e.organizers(i), Case::kOrganization});
      }
      if (e.has_community()) {
        refs.push_back({"event.community", &e.community(), Case::kCommunity});
      }
      if (e.has_replicates()) {
        refs.push_back({"event.replicates", &e.replicates(), Case::kEvent});
      }
      break;
    }
    case Case::kRegistration:
      if (body.registration().has_event()) {
        refs.push_back(
            {"registration.event", &body.registration().event(), Case::kEvent});
      }
      if (body.registration().has_organization()) {
        refs.push_back({"registration.organization",
                        &body.registration().organization(),
                        Case::kOrganization, /*own_only=*/true});
      }
      break;
    default:
      break;
  }
  return refs;
}

}  // namespace civhub::node
