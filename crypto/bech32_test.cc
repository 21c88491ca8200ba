#include "crypto/bech32.h"

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace civhub::crypto {
namespace {

TEST(Bech32m, RoundTripsBytes) {
  std::string data;
  for (int i = 0; i < 32; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  std::string text = Bech32mEncode("civhub", data);
  EXPECT_EQ(text.rfind("civhub1", 0), 0u);
  absl::StatusOr<std::string> back = Bech32mDecode("civhub", text);
  ASSERT_OK(back);
  EXPECT_EQ(*back, data);
}

TEST(Bech32m, AcceptsBip350TestVector) {
  // From BIP-350's list of valid Bech32m strings (empty data part).
  EXPECT_OK(Bech32mDecode("a", "a1lqfn3a"));
  EXPECT_OK(Bech32mDecode("a", "A1LQFN3A"));
}

TEST(Bech32m, DetectsEverySingleCharacterTypo) {
  std::string data(32, '\x5a');
  std::string text = Bech32mEncode("civhub", data);
  const std::string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for (size_t pos = 7; pos < text.size(); ++pos) {
    for (char c : charset) {
      if (c == text[pos]) continue;
      std::string typo = text;
      typo[pos] = c;
      EXPECT_FALSE(Bech32mDecode("civhub", typo).ok()) << typo;
    }
  }
}

TEST(Bech32m, DetectsSwappedAndDroppedCharacters) {
  std::string text = Bech32mEncode("civhub", std::string(32, '\x11') + "");
  std::string swapped = text;
  for (size_t i = 7; i + 1 < text.size(); ++i) {
    if (text[i] == text[i + 1]) continue;
    swapped = text;
    std::swap(swapped[i], swapped[i + 1]);
    EXPECT_FALSE(Bech32mDecode("civhub", swapped).ok()) << swapped;
  }
  EXPECT_FALSE(Bech32mDecode("civhub", text.substr(0, text.size() - 1)).ok());
}

TEST(Bech32m, ExplainsWhatIsWrong) {
  std::string text = Bech32mEncode("civhub", "abc");
  EXPECT_STATUS(Bech32mDecode("civhub", "npub1xyz"),
                absl::StatusCode::kInvalidArgument, "does not start with");
  std::string mixed = text;
  mixed[8] = static_cast<char>(toupper(mixed[8]));
  if (mixed != text) {
    EXPECT_STATUS(Bech32mDecode("civhub", mixed),
                  absl::StatusCode::kInvalidArgument, "mixes upper and lower");
  }
  EXPECT_STATUS(Bech32mDecode("civhub", "civhub1qqqqqqqqi"),
                absl::StatusCode::kInvalidArgument, "invalid character 'i'");
}

}  // namespace
}  // namespace civhub::crypto
