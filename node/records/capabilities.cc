#include "node/records/capabilities.h"

#include <algorithm>

#include "node/records/taxonomy.h"

namespace civhub::node {
namespace {

// From the Civil Society 2.0 / TechCamp documents (../shared/seeds/): what
// civil society organizations asked technologists for, and what was
// offered. Sorted by code; docs/matchmaking.md lists the same.
constexpr Capability kCapabilities[] = {
    {"accounting", "Accounting and bookkeeping", "organizational"},
    {"blogging", "Blogging", "communication"},
    {"communication", "Communication and media", nullptr},
    {"connectivity", "Internet connectivity", "infrastructure"},
    {"content-management", "Content management systems", "web"},
    {"crisis-mapping", "Crisis mapping", "mapping"},
    {"crowdfunding", "Crowdfunding", "fundraising"},
    {"data", "Data and research", nullptr},
    {"data-analysis", "Data analysis and visualization", "data"},
    {"data-entry", "Data entry", "data"},
    {"database-design", "Database design", "software"},
    {"digital-literacy", "Digital literacy training", "training"},
    {"digital-security", "Digital security", "security"},
    {"disaster-preparedness", "Disaster preparedness", "emergency"},
    {"early-warning", "Early warning systems", "emergency"},
    {"emergency", "Emergency preparedness and response", nullptr},
    {"emergency-communications", "Emergency communications", "emergency"},
    {"event-organizing", "Organizing events and TechCamps", "organizational"},
    {"facilitation", "Facilitation", "training"},
    {"fact-checking", "Fact checking", "data"},
    {"fundraising", "Fundraising", nullptr},
    {"gis", "Geographic information systems", "mapping"},
    {"grant-writing", "Grant writing", "fundraising"},
    {"graphic-design", "Graphic design", "communication"},
    {"hardware", "Computers and hardware", "infrastructure"},
    {"hosting", "Web or server hosting", "infrastructure"},
    {"infrastructure", "Hosting, hardware and connectivity", nullptr},
    {"legal-advice", "Legal advice", "organizational"},
    {"mapping", "Mapping and geodata", nullptr},
    {"mentoring", "Mentoring", "training"},
    {"mobile-apps", "Mobile apps", "software"},
    {"online-fundraising", "Online fundraising", "fundraising"},
    {"organizational", "Organizational support", nullptr},
    {"privacy", "Privacy and data protection", "security"},
    {"project-management", "Project management", "organizational"},
    {"research", "Research", "data"},
    {"secure-communications", "Secure communications", "security"},
    {"security", "Digital security and privacy", nullptr},
    {"server-space", "Server space", "infrastructure"},
    {"sms-systems", "SMS and messaging systems", "software"},
    {"social-media", "Social media", "communication"},
    {"software", "Software", nullptr},
    {"software-development", "Software development", "software"},
    {"software-licences", "Software licences", "infrastructure"},
    {"strategy", "Strategy and planning", "organizational"},
    {"surveys", "Surveys and data collection", "data"},
    {"training", "Training and mentoring", nullptr},
    {"translation", "Translation", "communication"},
    {"video", "Video and multimedia", "communication"},
    {"volunteer-coordination", "Volunteer coordination", "organizational"},
    {"web", "Websites", nullptr},
    {"web-design", "Web design", "web"},
    {"web-development", "Web development", "web"},
    {"website", "A website", "web"},
    {"writing", "Writing and editing", "communication"},
};

}  // namespace

absl::Span<const Capability> Capabilities() { return kCapabilities; }

const Capability* FindCapability(absl::string_view code) {
  auto it = std::lower_bound(
      std::begin(kCapabilities), std::end(kCapabilities), code,
      [](const Capability& c, absl::string_view v) { return c.code < v; });
  if (it == std::end(kCapabilities) || it->code != code) return nullptr;
  return &*it;
}

bool IsPublishableCapability(absl::string_view code) {
  if (!IsWellFormedCode(code)) return false;
  return FindCapability(code) != nullptr ||
         (code.size() > 2 && code.substr(0, 2) == "x-");
}

absl::string_view CapabilityGroup(absl::string_view code) {
  const Capability* c = FindCapability(code);
  if (c == nullptr) return {};
  return c->group == nullptr ? absl::string_view(c->code)
                             : absl::string_view(c->group);
}

std::vector<std::string> CapabilityAndMembers(absl::string_view code) {
  std::vector<std::string> codes;
  const Capability* c = FindCapability(code);
  for (const Capability& m : kCapabilities) {
    if (m.code == code || (c != nullptr && c->group == nullptr &&
                           m.group != nullptr && m.group == code)) {
      codes.emplace_back(m.code);
    }
  }
  if (codes.empty()) codes.emplace_back(code);
  return codes;
}

std::vector<std::string> SimilarCapabilities(absl::string_view given) {
  static const std::vector<TaxonomyTerm>* const terms = [] {
    auto* t = new std::vector<TaxonomyTerm>;
    for (const Capability& c : kCapabilities) t->push_back({c.code, c.name});
    return t;
  }();
  return SimilarCodes(*terms, given);
}

}  // namespace civhub::node
