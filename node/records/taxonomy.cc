#include "node/records/taxonomy.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace civhub::node {
namespace {

// Topics from the Civil Society 2.0 / TechCamp themes, extended with common
// HSDS taxonomy terms. Keep sorted by code; docs/api.md lists the same.
constexpr TaxonomyTerm kTopics[] = {
    {"agriculture", "Agriculture and rural livelihoods"},
    {"anti-corruption", "Anti-corruption"},
    {"children", "Children"},
    {"civic-tech", "Civic technology"},
    {"climate", "Climate change"},
    {"culture-arts", "Culture and the arts"},
    {"democracy-governance", "Democracy and governance"},
    {"digital-freedom", "Digital freedom and internet rights"},
    {"digital-literacy", "Digital literacy"},
    {"disability", "Disability rights"},
    {"disaster-response", "Disaster response and preparedness"},
    {"economic-opportunity", "Social and economic opportunity"},
    {"education", "Education"},
    {"elderly", "Older people"},
    {"environment", "Environment"},
    {"food-security", "Food security"},
    {"health", "Health"},
    {"housing", "Housing and shelter"},
    {"human-rights", "Human rights"},
    {"indigenous-peoples", "Indigenous peoples"},
    {"labor-rights", "Labour rights"},
    {"lgbtqi", "LGBTQI+ rights"},
    {"media-journalism", "Media and journalism"},
    {"peacebuilding", "Peacebuilding and conflict resolution"},
    {"refugees-migration", "Refugees and migration"},
    {"tech-volunteering", "Technology volunteering"},
    {"transparency", "Transparency and accountability"},
    {"water-sanitation", "Water and sanitation"},
    {"womens-issues", "Women's issues"},
    {"youth", "Youth"},
};

// The kinds of organization Civil Society 2.0 set out to help.
constexpr TaxonomyTerm kOrganizationTypes[] = {
    {"academic", "Academic or research institution"},
    {"advocacy-group", "Advocacy group"},
    {"charity", "Charity"},
    {"coalition", "Coalition"},
    {"community-group", "Community group"},
    {"cooperative", "Cooperative"},
    {"cso", "Civil society organization"},
    {"faith-based", "Faith-based organization"},
    {"foundation", "Foundation"},
    {"network", "Network"},
    {"ngo", "Non-governmental organization"},
    {"professional-association", "Professional association"},
    {"social-enterprise", "Social enterprise"},
    {"social-movement", "Social movement"},
    {"trade-union", "Trade union"},
    {"volunteer-group", "Volunteer group"},
    {"womens-organization", "Women's organization"},
    {"youth-group", "Youth group"},
};

bool Listed(absl::Span<const TaxonomyTerm> terms, absl::string_view code) {
  for (const TaxonomyTerm& t : terms) {
    if (code == t.code) return true;
  }
  return false;
}

}  // namespace

absl::Span<const TaxonomyTerm> Topics() { return kTopics; }
absl::Span<const TaxonomyTerm> OrganizationTypes() {
  return kOrganizationTypes;
}
absl::Span<const TaxonomyTerm> EventTypes() {
  // Event.event_type (record.proto); a closed list, unlike the others.
  static constexpr TaxonomyTerm kEventTypes[] = {
      {"techcamp", "TechCamp"},     {"training", "Training"},
      {"hackathon", "Hackathon"},   {"meetup", "Meetup"},
      {"conference", "Conference"}, {"other", "Other"},
  };
  return kEventTypes;
}

bool IsWellFormedCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  if (code.front() == '-' || code.back() == '-') return false;
  char prev = 0;
  for (char c : code) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && prev == '-')) return false;
    prev = c;
  }
  return true;
}

bool IsPublishableTopic(absl::string_view code) {
  return IsWellFormedCode(code) &&
         (Listed(kTopics, code) || absl::StartsWith(code, "x-"));
}

bool IsPublishableOrganizationType(absl::string_view code) {
  return IsWellFormedCode(code) &&
         (Listed(kOrganizationTypes, code) || absl::StartsWith(code, "x-"));
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> SimilarCodes(absl::Span<const TaxonomyTerm> terms,
                                      absl::string_view given) {
  std::string want = absl::AsciiStrToLower(given);
  std::replace(want.begin(), want.end(), ' ', '-');
  std::replace(want.begin(), want.end(), '_', '-');
  std::vector<std::string> similar;
  if (want.empty()) return similar;
  for (const TaxonomyTerm& t : terms) {
    if (want == t.code) return {t.code};
    if (absl::StrContains(t.code, want) ||
        absl::StrContains(absl::AsciiStrToLower(t.name), want) ||
        (want.size() >= 4 && EditDistance(want, t.code) <= 2)) {
      similar.push_back(t.code);
    }
  }
  return similar;
}

}  // namespace civhub::node
