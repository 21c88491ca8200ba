#include "node/records/iso_codes.h"

#include <algorithm>
#include <iterator>

namespace civhub::node {
namespace {

struct CodeName {
  const char* code;
  const char* name;
};

#include "node/records/internal/iso_tables.inc"

template <size_t N>
const CodeName* FindCode(const CodeName (&table)[N], absl::string_view code) {
  const CodeName* it = std::lower_bound(
      std::begin(table), std::end(table), code,
      [](const CodeName& e, absl::string_view c) { return e.code < c; });
  if (it != std::end(table) && it->code == code) return it;
  return nullptr;
}

}  // namespace

bool IsCountryCode(absl::string_view code) {
  return FindCode(kCountries, code) != nullptr;
}

bool IsRegionCode(absl::string_view code) {
  return std::binary_search(
      std::begin(kRegions), std::end(kRegions), code,
      [](absl::string_view a, absl::string_view b) { return a < b; });
}

bool IsLanguageCode(absl::string_view code) {
  return FindCode(kLanguages, code) != nullptr;
}

std::optional<absl::string_view> CountryName(absl::string_view code) {
  const CodeName* e = FindCode(kCountries, code);
  if (e == nullptr) return std::nullopt;
  return absl::string_view(e->name);
}

std::optional<absl::string_view> LanguageName(absl::string_view code) {
  const CodeName* e = FindCode(kLanguages, code);
  if (e == nullptr) return std::nullopt;
  return absl::string_view(e->name);
}

std::vector<absl::string_view> CountryCodes() {
  std::vector<absl::string_view> out;
  for (const CodeName& e : kCountries) out.push_back(e.code);
  return out;
}

std::vector<absl::string_view> RegionCodes() {
  return std::vector<absl::string_view>(std::begin(kRegions),
                                        std::end(kRegions));
}

std::vector<absl::string_view> LanguageCodes() {
  std::vector<absl::string_view> out;
  for (const CodeName& e : kLanguages) out.push_back(e.code);
  return out;
}

}  // namespace civhub::node
