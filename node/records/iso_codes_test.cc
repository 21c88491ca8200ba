#include "node/records/iso_codes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace civhub::node {
namespace {

using Codes = std::vector<absl::string_view>;

// Found in a trial: `--country kenya` was refused without a word on what
// the code is. A country's name, as people type it, in the directory's
// languages, finds its code.
TEST(CountriesNamed, FindsACountryByItsNameInTheDirectorysLanguages) {
  for (const char* name : {"kenya", "KENYA", "Kenia", "肯尼亚", "كينيا"}) {
    EXPECT_EQ(CountriesNamed(name), Codes{"KE"}) << name;
  }
  EXPECT_EQ(CountriesNamed("Perú"), Codes{"PE"});
  EXPECT_EQ(CountriesNamed("peru"), Codes{"PE"});
  EXPECT_EQ(CountriesNamed("Pérou"), Codes{"PE"});
}

TEST(CountriesNamed, TheBeginningOfANameFindsEveryCountryItBegins) {
  EXPECT_EQ(CountriesNamed("tanz"), Codes{"TZ"});
  // Both Koreas, by "North Korea" and "South Korea".
  EXPECT_EQ(CountriesNamed("korea"), (Codes{"KP", "KR"}));
  // Too short to begin anything; a code is not a name.
  EXPECT_EQ(CountriesNamed("ke"), Codes{});
  EXPECT_EQ(CountriesNamed("Narnia"), Codes{});
  EXPECT_EQ(CountriesNamed(""), Codes{});
}

TEST(CountryWithName, OnlyAWholeNameOfOneCountry) {
  EXPECT_EQ(CountryWithName("Kenya"), "KE");
  EXPECT_EQ(CountryWithName("PÉROU"), "PE");
  EXPECT_EQ(CountryWithName("tanz"), std::nullopt);
  EXPECT_EQ(CountryWithName("Narnia"), std::nullopt);
}

TEST(CountryCodeHint, SaysTheCodeOrTheCodesMeant) {
  EXPECT_EQ(CountryCodeHint("kenya"), "; Kenya is KE");
  const std::string korea = CountryCodeHint("korea");
  EXPECT_EQ(korea, "; did you mean KP (North Korea) or KR (South Korea)?");
  EXPECT_EQ(CountryCodeHint("Narnia"), "");
  // A guess among many is no hint.
  EXPECT_EQ(CountryCodeHint("island"), "");
}

}  // namespace
}  // namespace civhub::node
