#include "edgecart/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "edgecart/error.h"

namespace edgecart {
namespace fs = std::filesystem;
using logfmt::Damage;
using logfmt::RawBatch;
using logfmt::RawPut;

namespace {

[[noreturn]] void storageError(const std::string& what) {
  throw ApiError(500, "Storage error: " + what);
}

std::string readFile(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) storageError("cannot read " + p.string() + ": " + std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      storageError("cannot read " + p.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
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

// Writes a whole file atomically: a temporary file, fsync'd, renamed over `path`.
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

bool isState(Table t) { return t == Table::Data || t == Table::Sequence; }

std::string stateKey(const std::string& pk, const std::string& sk) {
  std::string k;
  k.reserve(pk.size() + 1 + sk.size());
  k.append(pk).push_back('\0');
  k.append(sk);
  return k;
}

Value decoded(const std::string& bytes) { return std::make_shared<const json>(logfmt::decodeValue(bytes)); }

// Visits the rows of `rows` (key pk\0sk) in [pk\0prefix..., after), like Store::scan.
template <class Map>
void scanMap(const Map& rows, const std::string& pk, const std::string& prefix,
             const std::string& after, const RowVisitor& visit) {
  const std::string base = stateKey(pk, prefix);
  const bool resume = !after.empty() && after >= prefix;
  auto it = resume ? rows.upper_bound(stateKey(pk, after)) : rows.lower_bound(base);
  for (; it != rows.end() && it->first.compare(0, base.size(), base) == 0; ++it) {
    if (!visit(it->first.substr(pk.size() + 1), decoded(it->second))) break;
  }
}

}  // namespace

FileStore::FileStore(std::string dir, FileStoreOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  if (options_.archiveDir.empty()) options_.archiveDir = (fs::path(dir_) / "archive").string();
}

FileStore::~FileStore() { closeSegment(); }

std::unique_ptr<FileStore> FileStore::open(const std::string& dir, FileStoreOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) storageError("cannot create " + dir + ": " + ec.message());
  std::unique_ptr<FileStore> store(new FileStore(dir, std::move(options)));
  store->load();
  return store;
}

void FileStore::apply(const RawBatch& batch) {
  for (const RawPut& p : batch) {
    if (!isState(p.table)) continue;  // audit rows stay in the log and the archive
    StateMap& m = state(p.table);
    if (p.erase) {
      m.erase(stateKey(p.pk, p.sk));
    } else {
      m[stateKey(p.pk, p.sk)] = p.bytes;
    }
  }
}

uint64_t FileStore::loadSnapshot(const std::string& name, const std::string& bytes) {
  logfmt::ScannedFile sf = logfmt::scanFile(bytes, logfmt::kSnapshotMagic, logfmt::kSnapshotMagicV1);
  if (sf.damage != Damage::None || sf.payloads.empty()) {
    storageError("snapshot " + name + " is damaged (" + sf.detail + "); run `edgecart verify`");
  }
  uint64_t lsn = 0;
  try {
    if (sf.version == 1) {
      if (sf.payloads.size() != 1) throw std::runtime_error("a format-001 snapshot has one record");
      for (RawPut& row : logfmt::decodeSnapshotV1(sf.payloads[0], &lsn)) {
        if (isState(row.table)) {
          state(row.table)[stateKey(row.pk, row.sk)] = std::move(row.bytes);
        } else {
          pendingArchive_.push_back(std::move(row));
        }
      }
      recovery_.migratedFromVersion = 1;
    } else {
      size_t chunks = 0;
      logfmt::decodeSnapshotHeader(sf.payloads[0], &lsn, &chunks);
      if (sf.payloads.size() != chunks + 1) throw std::runtime_error("chunks missing");
      for (size_t i = 1; i < sf.payloads.size(); ++i) {
        for (RawPut& row : logfmt::decodeRows(sf.payloads[i])) {
          if (!isState(row.table)) throw std::runtime_error("audit row in a snapshot");
          state(row.table).emplace_hint(state(row.table).end(), stateKey(row.pk, row.sk),
                                        std::move(row.bytes));
        }
      }
    }
  } catch (const std::exception& e) {
    storageError("snapshot " + name + " cannot be decoded: " + e.what());
  }
  return lsn;
}

void FileStore::load() {
  DirListing l = listDir(dir_);
  const fs::path base(dir_);
  if (!l.snapshots.empty()) {
    const auto& [lsn, name] = l.snapshots.back();
    const std::string bytes = readFile(base / name);
    if (loadSnapshot(name, bytes) != lsn) storageError("snapshot " + name + " has the wrong lsn");
    lastLsn_ = snapshotLsn_ = recovery_.snapshotLsn = lsn;
    snapshotBytes_ = bytes.size();
  }
  std::vector<std::string> covered;  // segments wholly inside the snapshot (left by a crash)
  bool activeIsOld = false;          // the last segment is format 001: never append to it
  for (size_t i = 0; i < l.segments.size(); ++i) {
    const std::string& name = l.segments[i].second;
    const bool last = i + 1 == l.segments.size();
    const std::string bytes = readFile(base / name);
    logfmt::ScannedFile sf = logfmt::scanFile(bytes, logfmt::kSegmentMagic, logfmt::kSegmentMagicV1);
    if (sf.damage == Damage::Corrupt || (sf.damage == Damage::TornTail && !last)) {
      storageError("segment " + name + " is damaged (" + sf.detail + "); run `edgecart verify`");
    }
    if (sf.version == 1) recovery_.migratedFromVersion = 1;
    bool anyNew = false;
    for (const std::string& payload : sf.payloads) {
      uint64_t lsn = 0;
      RawBatch batch;
      try {
        batch = logfmt::decodeRecord(payload, &lsn, sf.version);
      } catch (const std::exception& e) {
        storageError("segment " + name + " has an undecodable record: " + e.what());
      }
      if (lsn <= recovery_.snapshotLsn) continue;
      if (lsn != lastLsn_ + 1) {
        storageError("segment " + name + " continues at record " + std::to_string(lsn) +
                     " but the log ends at " + std::to_string(lastLsn_) + " (missing records)");
      }
      apply(batch);
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
      activeIsOld = sf.version == 1;
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
  if (recovery_.migratedFromVersion != 0 || activeIsOld) {
    compact();  // rewrite format 001 as 002 (archive + snapshot); the old files go last
  }
}

Value FileStore::get(Table t, const std::string& pk, const std::string& sk) const {
  if (isState(t)) {
    const StateMap& m = state(t);
    auto it = m.find(stateKey(pk, sk));
    return it == m.end() ? nullptr : decoded(it->second);
  }
  const auto rows = auditRows(t, pk);
  auto it = rows.find(stateKey(pk, sk));
  return it == rows.end() ? nullptr : decoded(it->second);
}

void FileStore::scan(Table t, const std::string& pk, const std::string& prefix,
                     const std::string& after, const RowVisitor& visit) const {
  if (isState(t)) {
    scanMap(state(t), pk, prefix, after, visit);
  } else {
    scanMap(auditRows(t, pk), pk, prefix, after, visit);
  }
}

std::map<std::string, std::string> FileStore::auditRows(Table t, const std::string& pk) const {
  std::map<std::string, std::string> rows;
  auto take = [&](const RawBatch& batch) {
    for (const RawPut& p : batch) {
      if (p.table == t && p.pk == pk && !p.erase) rows[stateKey(p.pk, p.sk)] = p.bytes;
    }
  };
  auto readRecords = [&](const fs::path& file, const char* magic, const char* oldMagic) {
    const logfmt::ScannedFile sf = logfmt::scanFile(readFile(file), magic, oldMagic);
    for (const std::string& payload : sf.payloads) {
      uint64_t lsn = 0;
      take(logfmt::decodeRecord(payload, &lsn, sf.version));
    }
  };
  take(pendingArchive_);
  std::error_code ec;
  if (fs::is_directory(options_.archiveDir, ec)) {
    std::vector<fs::path> archives;
    for (const auto& e : fs::directory_iterator(options_.archiveDir)) {
      uint64_t lsn = 0;
      if (logfmt::parseName(e.path().filename().string(), "arc-", ".eca", &lsn)) archives.push_back(e.path());
    }
    std::sort(archives.begin(), archives.end());
    for (const fs::path& a : archives) readRecords(a, logfmt::kArchiveMagic, nullptr);
  }
  for (const auto& [lsn, name] : listDir(dir_).segments) {
    readRecords(fs::path(dir_) / name, logfmt::kSegmentMagic, logfmt::kSegmentMagicV1);
  }
  return rows;
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
  RawBatch raw = logfmt::toRaw(batch);
  const std::string record = logfmt::frameRecord(logfmt::encodeRecord(lsn, raw));
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
  apply(raw);
  if (bytesSinceSnapshot_ >= std::max<uint64_t>(options_.compactMinBytes, snapshotBytes_)) {
    try {
      compact();
    } catch (const std::exception&) {
      // The commit is already durable in the log; compaction is retried after the next commit.
    }
  }
}

// Moves the audit rows of every current segment (and of a format-001 snapshot) into one sealed
// archive file, named after the last record it covers. Written before the snapshot that lets
// those segments go, so a crash in between only leaves rows archived twice (reads dedupe).
void FileStore::writeArchive() {
  std::string bytes(logfmt::kArchiveMagic, logfmt::kMagicSize);
  size_t records = 0;
  auto add = [&](uint64_t lsn, RawBatch rows) {
    rows.erase(std::remove_if(rows.begin(), rows.end(), [](const RawPut& p) { return isState(p.table); }),
               rows.end());
    if (rows.empty()) return;
    bytes += logfmt::frameRecord(logfmt::encodeRecord(lsn, rows));
    ++records;
  };
  for (size_t at = 0; at < pendingArchive_.size(); at += 4096) {
    const auto from = pendingArchive_.begin() + static_cast<std::ptrdiff_t>(at);
    add(snapshotLsn_,
        RawBatch(from, from + static_cast<std::ptrdiff_t>(std::min<size_t>(4096, pendingArchive_.size() - at))));
  }
  for (const auto& [first, name] : listDir(dir_).segments) {
    (void)first;
    const auto sf = logfmt::scanFile(readFile(fs::path(dir_) / name), logfmt::kSegmentMagic,
                                     logfmt::kSegmentMagicV1);
    for (const std::string& payload : sf.payloads) {
      uint64_t lsn = 0;
      RawBatch batch = logfmt::decodeRecord(payload, &lsn, sf.version);
      if (lsn > snapshotLsn_) add(lsn, std::move(batch));  // older: archived with that snapshot
    }
  }
  if (records == 0) return;
  std::error_code ec;
  fs::create_directories(options_.archiveDir, ec);
  if (ec) throw ApiError(507, "Storage write failed: cannot create " + options_.archiveDir);
  writeFileAtomically(fs::path(options_.archiveDir) / logfmt::archiveName(lastLsn_), bytes,
                      options_.fsync);
}

void FileStore::compact() {
  closeSegment();
  writeArchive();
  // The snapshot: a header, then the state rows in chunks of about kSnapshotChunkBytes.
  std::vector<std::string> chunks;
  RawBatch rows;
  size_t rowBytes = 0;
  auto flush = [&] {
    if (rows.empty()) return;
    chunks.push_back(logfmt::frameRecord(logfmt::encodeRows(rows)));
    rows.clear();
    rowBytes = 0;
  };
  for (Table t : {Table::Data, Table::Sequence}) {
    for (const auto& [key, bytes] : state(t)) {
      const size_t split = key.find('\0');
      rows.push_back(RawPut{t, key.substr(0, split), key.substr(split + 1), bytes, false});
      rowBytes += key.size() + bytes.size();
      if (rowBytes >= logfmt::kSnapshotChunkBytes) flush();
    }
  }
  flush();
  std::string file(logfmt::kSnapshotMagic, logfmt::kMagicSize);
  file += logfmt::frameRecord(logfmt::encodeSnapshotHeader(lastLsn_, chunks.size()));
  for (const std::string& c : chunks) file += c;
  const std::string name = logfmt::snapshotName(lastLsn_);
  writeFileAtomically(fs::path(dir_) / name, file, options_.fsync);
  // The snapshot is durable: every segment and older snapshot is now redundant.
  const fs::path base(dir_);
  DirListing l = listDir(dir_);
  for (const auto& s : l.segments) fs::remove(base / s.second);
  for (const auto& s : l.snapshots) {
    if (s.second != name) fs::remove(base / s.second);
  }
  pendingArchive_.clear();
  snapshotLsn_ = lastLsn_;
  segmentFiles_ = 0;
  bytesSinceSnapshot_ = 0;
  snapshotBytes_ = file.size();
  ++compactions_;
}

FileStoreStats FileStore::stats() const {
  FileStoreStats s;
  s.lastLsn = lastLsn_;
  s.segmentFiles = segmentFiles_;
  s.logBytesSinceSnapshot = bytesSinceSnapshot_;
  s.snapshotBytes = snapshotBytes_;
  s.compactions = compactions_;
  s.stateRows = state_[0].size() + state_[1].size();
  return s;
}

}  // namespace edgecart
