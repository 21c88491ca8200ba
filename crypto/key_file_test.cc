#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/testutil.h"

namespace civhub::crypto {
namespace {

TEST(KeyFile, CreatesWithMode0600ThenLoadsSameKey) {
  testing::TempDir dir;
  std::string path = dir.Sub("hub.key");
  absl::StatusOr<LoadedKey> first = LoadOrCreateKeyFile(path);
  ASSERT_OK(first);
  EXPECT_TRUE(first->created);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  absl::StatusOr<LoadedKey> second = LoadOrCreateKeyFile(path);
  ASSERT_OK(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->key.public_key(), first->key.public_key());
}

TEST(KeyFile, RefusesKeyReadableByOthers) {
  testing::TempDir dir;
  std::string path = dir.Sub("hub.key");
  ASSERT_OK(LoadOrCreateKeyFile(path));
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_STATUS(LoadOrCreateKeyFile(path),
                absl::StatusCode::kFailedPrecondition, "chmod 600");
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  EXPECT_STATUS(LoadOrCreateKeyFile(path),
                absl::StatusCode::kFailedPrecondition, "mode 0640");
}

TEST(KeyFile, RefusesGarbage) {
  testing::TempDir dir;
  std::string path = dir.Sub("hub.key");
  { std::ofstream(path) << "garbage"; }
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  EXPECT_STATUS(LoadOrCreateKeyFile(path),
                absl::StatusCode::kFailedPrecondition, "not an Ed25519 PEM");
}

}  // namespace
}  // namespace civhub::crypto
