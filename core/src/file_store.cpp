#include "edgecart/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgecart/error.h"
#include "edgecart/log_format.h"

namespace edgecart {
namespace fs = std::filesystem;
using logfmt::Damage;

namespace {

[[noreturn]] void storageError(const std::string& what) {
  throw ApiError(500, "Storage error: " + what);
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) storageError("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes all of `data` at the end of fd; on failure returns errno (the caller rolls back).
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
  if (fd < 0) return;  // some hosts (IDBFS) cannot open directories; their durability is syncfs
  ::fsync(fd);
  ::close(fd);
}

struct DirListing {
  std::vector<std::pair<uint64_t, std::string>> segments, snapshots;  // sorted by lsn
  std::vector<std::string> temporaries;
};

DirListing listDir(const std::string& dir) {
  DirListing l;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    uint64_t lsn = 0;
    if (logfmt::parseName(name, "seg-", ".ecl", &lsn)) {
      l.segments.emplace_back(lsn, name);
    } else if (logfmt::parseName(name, "snap-", ".ecs", &lsn)) {
      l.snapshots.emplace_back(lsn, name);
    } else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      l.temporaries.push_back(name);
    }
  }
  std::sort(l.segments.begin(), l.segments.end());
  std::sort(l.snapshots.begin(), l.snapshots.end());
  return l;
}

std::string encodeSnapshot(uint64_t lsn, const TableImage& image) {
  json tables = json::array();
  for (int t = 0; t < kTableCount; ++t) {
    json rows = json::array();
    for (const auto& [key, value] : image.table(static_cast<Table>(t))) {
      rows.push_back(json::array({key.first, key.second, *value}));
    }
    tables.push_back(std::move(rows));
  }
  std::vector<uint8_t> bytes = json::to_msgpack(json{{"lsn", lsn}, {"tables", std::move(tables)}});
  return std::string(logfmt::kSnapshotMagic, logfmt::kMagicSize) +
         logfmt::frameRecord(std::string(bytes.begin(), bytes.end()));
}

uint64_t decodeSnapshot(const std::string& payload, TableImage& image) {
  json j = json::from_msgpack(payload);
  const json& tables = j.at("tables");
  if (!tables.is_array() || tables.size() != kTableCount) throw std::runtime_error("bad tables");
  for (int t = 0; t < kTableCount; ++t) {
    auto& m = image.table(static_cast<Table>(t));
    for (const json& row : tables[t]) {
      m.emplace(TableImage::Key(row.at(0).get<std::string>(), row.at(1).get<std::string>()),
                std::make_shared<const json>(row.at(2)));
    }
  }
  return j.at("lsn").get<uint64_t>();
}

}  // namespace

FileStore::FileStore(std::string dir, FileStoreOptions options)
    : dir_(std::move(dir)), options_(options) {}

FileStore::~FileStore() { closeSegment(); }

std::unique_ptr<FileStore> FileStore::open(const std::string& dir, FileStoreOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) storageError("cannot create " + dir + ": " + ec.message());
  std::unique_ptr<FileStore> store(new FileStore(dir, options));
  store->load();
  return store;
}

void FileStore::load() {
  DirListing l = listDir(dir_);
  const fs::path base(dir_);
  if (!l.snapshots.empty()) {
    const auto& [lsn, name] = l.snapshots.back();
    const std::string bytes = readFile(base / name);
    logfmt::ScannedFile sf = logfmt::scanFile(bytes, logfmt::kSnapshotMagic);
    if (sf.damage != Damage::None || sf.payloads.size() != 1) {
      storageError("snapshot " + name + " is damaged (" + sf.detail + "); run `edgecart verify`");
    }
    try {
      if (decodeSnapshot(sf.payloads[0], image_) != lsn) throw std::runtime_error("lsn mismatch");
    } catch (const std::exception& e) {
      storageError("snapshot " + name + " cannot be decoded: " + e.what());
    }
    lastLsn_ = recovery_.snapshotLsn = lsn;
    snapshotBytes_ = bytes.size();
  }
  std::vector<std::string> covered;  // segments wholly inside the snapshot (left by a crash)
  for (size_t i = 0; i < l.segments.size(); ++i) {
    const std::string& name = l.segments[i].second;
    const bool last = i + 1 == l.segments.size();
    const std::string bytes = readFile(base / name);
    logfmt::ScannedFile sf = logfmt::scanFile(bytes, logfmt::kSegmentMagic);
    if (sf.damage == Damage::Corrupt || (sf.damage == Damage::TornTail && !last)) {
      storageError("segment " + name + " is damaged (" + sf.detail + "); run `edgecart verify`");
    }
    bool anyNew = false;
    for (const std::string& payload : sf.payloads) {
      uint64_t lsn = 0;
      Batch batch;
      try {
        batch = logfmt::decodeBatch(payload, &lsn);
      } catch (const std::exception& e) {
        storageError("segment " + name + " has an undecodable record: " + e.what());
      }
      if (lsn <= recovery_.snapshotLsn) continue;
      if (lsn != lastLsn_ + 1) {
        storageError("segment " + name + " continues at record " + std::to_string(lsn) +
                     " but the log ends at " + std::to_string(lastLsn_) + " (missing records)");
      }
      image_.apply(batch);
      lastLsn_ = lsn;
      anyNew = true;
      ++recovery_.recordsReplayed;
      bytesSinceSnapshot_ += logfmt::kRecordHeaderSize + payload.size();
    }
    if (!anyNew && !sf.payloads.empty() && !last) {
      covered.push_back(name);
      continue;
    }
    ++segmentFiles_;
    if (last) {
      // Drop a torn tail so the next append starts on a record boundary.
      recovery_.tornBytesDropped = bytes.size() - sf.goodBytes;
      const std::string path = (base / name).string();
      fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND);
      if (fd_ < 0) storageError("cannot open " + path + ": " + std::strerror(errno));
      if (sf.goodBytes < logfmt::kMagicSize) {
        if (::ftruncate(fd_, 0) != 0 || writeAll(fd_, logfmt::kSegmentMagic) != 0) {
          storageError("cannot repair " + path);
        }
        segmentSize_ = logfmt::kMagicSize;
      } else {
        if (recovery_.tornBytesDropped > 0 &&
            ::ftruncate(fd_, static_cast<off_t>(sf.goodBytes)) != 0) {
          storageError("cannot truncate torn tail of " + path);
        }
        segmentSize_ = sf.goodBytes;
      }
    }
  }
  for (const std::string& name : covered) fs::remove(base / name);
  for (const std::string& name : l.temporaries) fs::remove(base / name);
  for (size_t i = 0; i + 1 < l.snapshots.size(); ++i) fs::remove(base / l.snapshots[i].second);
}

Value FileStore::get(Table t, const std::string& pk, const std::string& sk) const {
  return image_.get(t, pk, sk);
}

void FileStore::scan(Table t, const std::string& pk, const std::string& prefix,
                     const std::string& after, const RowVisitor& visit) const {
  image_.scan(t, pk, prefix, after, visit);
}

void FileStore::openSegment(uint64_t firstLsn) {
  const std::string path = (fs::path(dir_) / logfmt::segmentName(firstLsn)).string();
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd_ < 0) throw ApiError(507, "Storage write failed: " + std::string(std::strerror(errno)));
  if (int err = writeAll(fd_, std::string(logfmt::kSegmentMagic, logfmt::kMagicSize))) {
    ::close(fd_);
    fd_ = -1;
    fs::remove(path);
    throw ApiError(507, "Storage write failed: " + std::string(std::strerror(err)));
  }
  segmentSize_ = logfmt::kMagicSize;
  ++segmentFiles_;
  if (options_.fsync) syncDir(dir_);
}

void FileStore::closeSegment() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  segmentSize_ = 0;
}

void FileStore::commit(const Batch& batch) {
  if (batch.empty()) return;
  const uint64_t lsn = lastLsn_ + 1;
  const std::string record = logfmt::frameRecord(logfmt::encodeBatch(lsn, batch));
  if (fd_ >= 0 && segmentSize_ > logfmt::kMagicSize &&
      segmentSize_ + record.size() > options_.segmentBytes) {
    closeSegment();
  }
  if (fd_ < 0) openSegment(lsn);
  int err = writeAll(fd_, record);
  if (err == 0 && options_.fsync && ::fsync(fd_) != 0) err = errno;
  if (err != 0) {
    // Never leave half a record behind: cut the segment back to its last whole record.
    if (::ftruncate(fd_, static_cast<off_t>(segmentSize_)) != 0) closeSegment();
    throw ApiError(507, "Storage write failed: " + std::string(std::strerror(err)));
  }
  segmentSize_ += record.size();
  bytesSinceSnapshot_ += record.size();
  lastLsn_ = lsn;
  image_.apply(batch);
  if (bytesSinceSnapshot_ >= std::max<uint64_t>(options_.compactMinBytes, snapshotBytes_)) {
    try {
      compact();
    } catch (const std::exception&) {
      // The commit is already durable in the log; compaction is retried after the next commit.
    }
  }
}

void FileStore::compact() {
  closeSegment();
  const fs::path base(dir_);
  const std::string name = logfmt::snapshotName(lastLsn_);
  const std::string tmp = (base / (name + ".tmp")).string();
  const std::string bytes = encodeSnapshot(lastLsn_, image_);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = fd < 0 ? errno : writeAll(fd, bytes);
  if (err == 0 && options_.fsync && ::fsync(fd) != 0) err = errno;
  if (fd >= 0) ::close(fd);
  if (err == 0 && std::rename(tmp.c_str(), (base / name).c_str()) != 0) err = errno;
  if (err != 0) {
    fs::remove(tmp);
    throw ApiError(507, "Snapshot write failed: " + std::string(std::strerror(err)));
  }
  if (options_.fsync) syncDir(dir_);
  // The snapshot is durable: every segment and older snapshot is now redundant.
  DirListing l = listDir(dir_);
  for (const auto& s : l.segments) fs::remove(base / s.second);
  for (const auto& s : l.snapshots) {
    if (s.second != name) fs::remove(base / s.second);
  }
  segmentFiles_ = 0;
  bytesSinceSnapshot_ = 0;
  snapshotBytes_ = bytes.size();
  ++compactions_;
}

FileStoreStats FileStore::stats() const {
  FileStoreStats s;
  s.lastLsn = lastLsn_;
  s.segmentFiles = segmentFiles_;
  s.logBytesSinceSnapshot = bytesSinceSnapshot_;
  s.snapshotBytes = snapshotBytes_;
  s.compactions = compactions_;
  return s;
}

}  // namespace edgecart
