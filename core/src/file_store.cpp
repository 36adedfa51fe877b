// FileStore: opening (recovery), commits to the log, reads of the in-memory state.
// Snapshots, compaction and the archive are in snapshot.cpp.

#include "edgecart/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "edgecart/error.h"
#include "file_util.h"
#include "state_key.h"

namespace edgecart {
namespace fs = std::filesystem;
using fileutil::readFile;
using fileutil::storageError;
using fileutil::writeAll;
using logfmt::Damage;
using logfmt::RawBatch;
using logfmt::RawPut;

namespace {

Value decoded(const std::string& bytes) { return std::make_shared<const json>(logfmt::decodeValue(bytes)); }

}  // namespace

// Visits the rows of `rows` under table t / pk / prefix, after `after`, like Store::scan.
void scanState(const std::map<std::string, std::string>& rows, Table t, const std::string& pk,
               const std::string& prefix, const std::string& after, const RowVisitor& visit) {
  const std::string base = stateKey(t, pk, prefix);
  const size_t skAt = base.size() - prefix.size();
  const bool resume = !after.empty() && after >= prefix;
  auto it = resume ? rows.upper_bound(stateKey(t, pk, after)) : rows.lower_bound(base);
  for (; it != rows.end() && it->first.compare(0, base.size(), base) == 0; ++it) {
    if (!visit(it->first.substr(skAt), decoded(it->second))) break;
  }
}

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

void FileStore::markDirty(const std::string& key) {
  if (chunks_.empty()) return;
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), key,
                             [](const std::string& k, const Chunk& c) { return k < c.firstKey; });
  (it == chunks_.begin() ? *it : *(it - 1)).dirty = true;  // chunk 0 starts at "": never begin()
}

void FileStore::apply(const RawBatch& batch) {
  for (const RawPut& p : batch) {
    if (!isState(p.table)) continue;  // audit rows stay in the log and the archive
    std::string key = stateKey(p.table, p.pk, p.sk);
    markDirty(key);
    if (p.erase) {
      state_.erase(key);
    } else {
      state_[std::move(key)] = p.bytes;
    }
  }
}

void FileStore::load() {
  fileutil::DirListing l = fileutil::listDir(dir_);
  const fs::path base(dir_);
  if (!l.snapshots.empty()) {
    const auto& [lsn, name] = l.snapshots.back();
    const std::string bytes = readFile(base / name);
    if (loadSnapshot(name, bytes) != lsn) storageError("snapshot " + name + " has the wrong lsn");
    lastLsn_ = snapshotLsn_ = recovery_.snapshotLsn = lsn;
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
  // Everything read fine: clear what a crash left behind.
  for (const std::string& name : covered) fs::remove(base / name);
  for (const std::string& name : l.temporaries) fs::remove(base / name);
  removeUnreferencedFiles();
  if (recovery_.migratedFromVersion != 0 || activeIsOld) {
    compact();  // rewrite format 001 as 002 (archive + snapshot); the old files go last
  }
}

Value FileStore::get(Table t, const std::string& pk, const std::string& sk) const {
  if (isState(t)) {
    auto it = state_.find(stateKey(t, pk, sk));
    return it == state_.end() ? nullptr : decoded(it->second);
  }
  const auto rows = auditRows(t, pk);
  auto it = rows.find(stateKey(t, pk, sk));
  return it == rows.end() ? nullptr : decoded(it->second);
}

void FileStore::scan(Table t, const std::string& pk, const std::string& prefix,
                     const std::string& after, const RowVisitor& visit) const {
  if (isState(t)) {
    scanState(state_, t, pk, prefix, after, visit);
  } else {
    scanState(auditRows(t, pk), t, pk, prefix, after, visit);
  }
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
  if (options_.fsync) fileutil::syncDir(dir_);
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
  if (bytesSinceSnapshot_ >= options_.compactMinBytes) {
    try {
      compact();
    } catch (const std::exception&) {
      // The commit is already durable in the log; compaction is retried after the next commit.
    }
  }
}

FileStoreStats FileStore::stats() const {
  FileStoreStats s;
  s.lastLsn = lastLsn_;
  s.segmentFiles = segmentFiles_;
  s.logBytesSinceSnapshot = bytesSinceSnapshot_;
  s.snapshotBytes = snapshotBytes_;
  s.snapshotChunks = chunks_.size();
  s.compactions = compactions_;
  s.lastCompactionBytes = lastCompactionBytes_;
  s.stateRows = state_.size();
  return s;
}

}  // namespace edgecart
