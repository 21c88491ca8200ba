// Helpers shared by civhub's tests.
#ifndef CIVHUB_TESTS_TESTUTIL_H_
#define CIVHUB_TESTS_TESTUTIL_H_

#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace civhub::testing {

inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads a whole file; fails the test if it cannot.
std::string ReadFileOrDie(const std::string& path);

// Directory holding the project's sources (for examples/).
std::string SourceDir();

}  // namespace civhub::testing

#define ASSERT_OK(expr)                                              \
  do {                                                               \
    const ::absl::Status _st = ::civhub::testing::StatusOf((expr));  \
    ASSERT_TRUE(_st.ok()) << #expr << " failed: " << _st.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                              \
  do {                                                               \
    const ::absl::Status _st = ::civhub::testing::StatusOf((expr));  \
    EXPECT_TRUE(_st.ok()) << #expr << " failed: " << _st.ToString(); \
  } while (0)

// Expects a non-OK status with `code` whose message contains `substr`.
#define EXPECT_STATUS(expr, want_code, substr)                                 \
  do {                                                                         \
    const ::absl::Status _st = ::civhub::testing::StatusOf((expr));            \
    EXPECT_EQ(_st.code(), (want_code)) << _st.ToString();                      \
    EXPECT_NE(std::string(_st.message()).find(substr), std::string::npos)      \
        << "message \"" << _st.message() << "\" lacks \"" << (substr) << "\""; \
  } while (0)

#endif  // CIVHUB_TESTS_TESTUTIL_H_
