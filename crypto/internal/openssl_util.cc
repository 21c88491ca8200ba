#include "crypto/internal/openssl_util.h"

#include <openssl/err.h>

#include "absl/strings/str_cat.h"

namespace civhub::crypto::internal {

absl::Status OpenSslError(absl::StatusCode code, absl::string_view what) {
  unsigned long err = ERR_get_error();
  std::string reason;
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    reason = buf;
  }
  ERR_clear_error();
  if (reason.empty()) return absl::Status(code, what);
  return absl::Status(code, absl::StrCat(what, ": ", reason));
}

}  // namespace civhub::crypto::internal
