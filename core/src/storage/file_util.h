#pragma once
// File helpers of the FileStore (internal to core/src).

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace edgecart::fileutil {

// Throws ApiError(500) "Storage error: <what>".
[[noreturn]] void storageError(const std::string& what);
// The whole file; throws ApiError(500) if it cannot be read.
std::string readFile(const std::filesystem::path& p);
// Appends all of `data` to fd; 0 or the errno of the failure.
int writeAll(int fd, const std::string& data);
void syncDir(const std::string& dir);
// Writes a whole file atomically (temporary file, fsync, rename); throws ApiError(507).
void writeFileAtomically(const std::filesystem::path& path, const std::string& bytes, bool fsync);

// The store's files by kind, each sorted by the number in its name.
struct DirListing {
  std::vector<std::pair<uint64_t, std::string>> segments, snapshots, chunks;
  std::vector<std::string> temporaries;
};
DirListing listDir(const std::string& dir);

}  // namespace edgecart::fileutil
