#include "bench/text.h"

#include <algorithm>
#include <iostream>
#include <string>

#include "absl/time/clock.h"
#include "bench/generator.h"
#include "node/records/text.h"

namespace civhub::bench {
namespace {

// Words per second of `split` over `texts`.
template <typename Split>
double WordsPerSecond(const std::vector<std::string>& texts, Split split,
                      size_t* words) {
  *words = 0;
  const absl::Time start = absl::Now();
  for (const std::string& t : texts) *words += split(t).size();
  return static_cast<double>(*words) /
         absl::ToDoubleSeconds(absl::Now() - start);
}

// Whether `text` is all ASCII or Latin-1 (two bytes, C2 or C3 first): the
// texts the Latin path may take (node/records/text.cc says which of their
// characters it leaves to ICU).
bool IsLatin1(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) continue;
    if (c != 0xC2 && c != 0xC3) return false;
    ++i;
  }
  return true;
}

}  // namespace

void TextWorkload(size_t records, std::vector<Result>* results) {
  std::cerr << "text: generating " << records << " organizations...\n";
  Generator gen(/*seed=*/1);
  std::vector<std::string> texts;
  for (size_t i = 0; i < records; ++i) {
    const v1::Organization org = gen.Organization(i);
    for (const auto& t : org.names()) texts.push_back(t.text());
    for (const auto& t : org.descriptions()) texts.push_back(t.text());
  }
  const size_t latin =
      static_cast<size_t>(std::count_if(texts.begin(), texts.end(), IsLatin1));
  double with_path = 0, icu_only = 0;
  size_t words = 0, icu_words = 0;
  for (int round = 0; round < 3; ++round) {
    with_path =
        std::max(with_path, WordsPerSecond(texts, node::SplitWords, &words));
    icu_only = std::max(
        icu_only, WordsPerSecond(texts, node::internal::SplitWordsThroughIcu,
                                 &icu_words));
  }
  if (words != icu_words) {
    std::cerr << "text: " << words << " words with the Latin path, "
              << icu_words << " through ICU\n";
  }
  WorkloadRows rows(results, "text", "records", static_cast<double>(records));
  rows("words/s, SplitWords (Latin path where it applies), 1 core", with_path,
       "every text through ICU", icu_only);
  rows("texts all ASCII or Latin-1", static_cast<double>(latin),
       "texts (names and descriptions)", static_cast<double>(texts.size()));
}

}  // namespace civhub::bench
