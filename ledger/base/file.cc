#include "ledger/base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace kpledger::base {

absl::Status ErrnoStatus(int err, absl::string_view what,
                         const std::string& path) {
  std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EEXIST) return absl::AlreadyExistsError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::UnavailableError(msg);
}

absl::Status WriteNewFile(const std::string& path, absl::string_view text,
                          mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", path);
  // The umask may have narrowed `mode`; a key file's mode is part of its
  // contract, so set it exactly.
  absl::Status status;
  if (::fchmod(fd, mode) != 0) {
    status = ErrnoStatus(errno, "cannot set the mode of", path);
  }
  size_t off = 0;
  while (status.ok() && off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoStatus(errno, "cannot write", path);
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0) {
    status = ErrnoStatus(errno, "cannot sync", path);
  }
  ::close(fd);
  if (status.ok()) {
    // The new name is durable once its directory is synced too.
    const std::string dir = std::filesystem::path(path).parent_path().string();
    const std::string dir_path = dir.empty() ? "." : dir;
    const int dir_fd =
        ::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
      status = ErrnoStatus(errno, "cannot open the directory of", path);
    } else {
      if (::fsync(dir_fd) != 0) {
        status = ErrnoStatus(errno, "cannot sync the directory of", path);
      }
      ::close(dir_fd);
    }
  }
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("no file ", path));
  }
  if (std::filesystem::is_directory(path)) {
    return absl::UnavailableError(
        absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || (!in.good() && !in.eof())) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path));
  }
  return text.str();
}

absl::StatusOr<std::string> ReadPemFile(const std::string& flag,
                                        const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat(flag, ": ", pem.status().message()));
  }
  if (pem->find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " is not a PEM file"));
  }
  return pem;
}

}  // namespace kpledger::base
