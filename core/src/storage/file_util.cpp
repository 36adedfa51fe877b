#include "file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "edgecart/engine/error.h"
#include "edgecart/storage/log_format.h"

namespace edgecart::fileutil {
namespace fs = std::filesystem;

void storageError(const std::string& what) { throw ApiError(500, "Storage error: " + what); }

std::string readFile(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) storageError("cannot read " + p.string() + ": " + std::strerror(errno));
  // Read straight into a string of the file's size (it grows if the file did meanwhile).
  struct stat st {};
  std::string out(::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0, '\0');
  size_t at = 0;
  char more[4096];  // past the size: what the file grew by, if anything
  for (;;) {
    const bool inside = at < out.size();
    const ssize_t n = ::read(fd, inside ? &out[at] : more, inside ? out.size() - at : sizeof more);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      storageError("cannot read " + p.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    if (!inside) out.append(more, static_cast<size_t>(n));
    at += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(at);  // the file may have shrunk meanwhile
  return out;
}

int writeAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

void syncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY);
  if (fd < 0) return;  // some hosts cannot open directories; their durability is their own
  ::fsync(fd);
  ::close(fd);
}

void writeFileAtomically(const fs::path& path, const std::string& bytes, bool fsync) {
  const std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = fd < 0 ? errno : writeAll(fd, bytes);
  if (err == 0 && fsync && ::fsync(fd) != 0) err = errno;
  if (fd >= 0) ::close(fd);
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw ApiError(507, "Storage write failed (" + path.filename().string() + "): " + std::strerror(err));
  }
  if (fsync) syncDir(path.parent_path().string());
}

DirListing listDir(const std::string& dir) {
  DirListing l;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    uint64_t n = 0;
    if (logfmt::parseName(name, "seg-", ".ecl", &n)) {
      l.segments.emplace_back(n, name);
    } else if (logfmt::parseName(name, "snap-", ".ecs", &n)) {
      l.snapshots.emplace_back(n, name);
    } else if (logfmt::parseName(name, "chk-", ".ecc", &n)) {
      l.chunks.emplace_back(n, name);
    } else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      l.temporaries.push_back(name);
    }
  }
  std::sort(l.segments.begin(), l.segments.end());
  std::sort(l.snapshots.begin(), l.snapshots.end());
  std::sort(l.chunks.begin(), l.chunks.end());
  return l;
}

}  // namespace edgecart::fileutil
