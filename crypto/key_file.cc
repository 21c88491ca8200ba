#include "crypto/key_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace civhub::crypto {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedKey> CreateKeyFile(const std::string& path) {
  absl::StatusOr<PrivateKey> key = PrivateKey::Generate();
  if (!key.ok()) return key.status();
  // O_EXCL: if another process created the file meanwhile, fail rather than
  // replace a key that may already have signed records.
  int fd = ::open(path.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create hub key", path);
  std::string pem = key->ToPem();
  absl::Status s = WriteAll(fd, pem);
  if (s.ok() && ::fsync(fd) != 0) s = ErrnoError("cannot sync hub key", path);
  ::close(fd);
  if (!s.ok()) {
    ::unlink(path.c_str());
    return s;
  }
  // Make the new directory entry durable too.
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return LoadedKey{*std::move(key), true};
}

}  // namespace

absl::StatusOr<LoadedKey> LoadOrCreateKeyFile(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return CreateKeyFile(path);
    return ErrnoError("cannot stat hub key", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("hub key ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "hub key %s has mode %04o: it must not be accessible to group or "
        "others; fix it with: chmod 600 %s",
        path, st.st_mode & 07777, path));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open hub key", path);
  std::string pem;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    pem.append(buf, static_cast<size_t>(n));
    if (pem.size() > 64 * 1024) break;
  }
  ::close(fd);
  absl::StatusOr<PrivateKey> key = PrivateKey::FromPem(pem);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("hub key ", path, " is not an Ed25519 PEM private key (",
                     key.status().message(), ")"));
  }
  return LoadedKey{*std::move(key), false};
}

}  // namespace civhub::crypto
