// FileStore: opening (recovery), commits to the log, reads of the in-memory state.
// Snapshots, compaction and the archive are in snapshot.cpp.

#include "edgecart/storage/file_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "edgecart/engine/error.h"
#include "file_util.h"
#include "row_cache.h"
#include "state_key.h"
#include "state_rows.h"

namespace edgecart {
namespace fs = std::filesystem;
using fileutil::readFile;
using fileutil::storageError;
using fileutil::writeAll;
using logfmt::Damage;
using logfmt::RawBatch;
using logfmt::RawPut;

namespace {

Value decoded(std::string_view bytes) { return std::make_shared<const json>(logfmt::decodeValue(bytes)); }

// True for a row of table t, partition pk, whose sk starts with `prefix`.
bool inRange(const StateKey& k, Table t, const std::string& pk, const std::string& prefix) {
  return k.table == t && k.pk == pk && k.sk.substr(0, prefix.size()) == prefix;
}

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
    : dir_(std::move(dir)), options_(std::move(options)), state_(std::make_unique<StateRows>(
          [this](const ChunkSlot& slot, const std::string& end) { return readChunk(slot, end); })),
      cache_(std::make_unique<RowCache>()) {
  if (options_.archiveDir.empty()) options_.archiveDir = (fs::path(dir_) / "archive").string();
}

FileStore::~FileStore() {
  closeSegment();
  if (lockFd_ >= 0) ::close(lockFd_);  // releases the flock
}

std::unique_ptr<FileStore> FileStore::open(const std::string& dir, FileStoreOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) storageError("cannot create " + dir + ": " + ec.message());
  std::unique_ptr<FileStore> store(new FileStore(dir, std::move(options)));
  if (!store->options_.readOnly) store->lock();
  store->load();
  return store;
}

// One writer per directory: two processes appending to one log would both number their records
// from the same LSN (and hand out the same order codes). The lock is released when the process
// ends however it ends. (In the browser, flock is a no-op: a Web Lock elects the one writer.)
void FileStore::lock() {
  const std::string path = (fs::path(dir_) / "LOCK").string();
  lockFd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lockFd_ < 0) storageError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lockFd_);
    lockFd_ = -1;
    if (err == EWOULDBLOCK) {
      throw ApiError(503, "Storage busy: " + dir_ + " is open in another process (one writer per data directory)");
    }
    storageError("cannot lock " + path + ": " + std::strerror(err));
  }
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
      state_->erase(key);
    } else {
      state_->put(std::move(key), p.bytes);
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
  // The replay applies the log since the snapshot reading no chunk (StateRows::put): with chunks
  // on demand, it needs none loaded.
  for (size_t i = 0; i < l.segments.size(); ++i) {
    const std::string& name = l.segments[i].second;
    const bool last = i + 1 == l.segments.size();
    const std::string bytes = readFile(base / name);
    logfmt::ScannedFile sf = logfmt::scanFile(bytes, logfmt::kSegmentMagics);
    if (sf.damage == Damage::Corrupt || (sf.damage == Damage::TornTail && !last)) {
      storageError("segment " + name + " is damaged (" + sf.detail + "); run `edgecart verify`");
    }
    noteOldFormat(sf.version);
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
      leftovers_.push_back(name);  // wholly inside the snapshot: left by a crash in a compaction
      continue;
    }
    ++segmentFiles_;
    if (last) {
      activeName_ = name;
      activeGoodBytes_ = sf.goodBytes;
      activeFileBytes_ = bytes.size();
      activeIsOld_ = sf.version != 0 && sf.version < logfmt::kFormatVersion;  // 0: a torn header, repaired
      recovery_.tornBytesDropped = bytes.size() - sf.goodBytes;
    }
  }
  for (const std::string& name : l.temporaries) leftovers_.push_back(name);
}

void FileStore::prepareWrite() {
  if (writable_) return;
  if (options_.readOnly) throw ApiError(500, "Storage error: the store in " + dir_ + " is open read-only");
  const fs::path base(dir_);
  if (!activeName_.empty()) {
    const std::string path = (base / activeName_).string();
    if (activeFileBytes_ > activeGoodBytes_) {
      // Keep the bytes of the unfinished write before cutting them off: what they were is for a
      // person to judge, not for the store to destroy.
      const std::string bytes = readFile(path);
      const fs::path kept = base / "recovered" /
                            (activeName_ + "." + std::to_string(activeGoodBytes_) + ".torn");
      std::error_code ec;
      fs::create_directories(kept.parent_path(), ec);
      if (ec) throw ApiError(507, "Storage write failed: cannot create " + kept.parent_path().string());
      fileutil::writeFileAtomically(kept, bytes.substr(activeGoodBytes_), options_.fsync);
      recovery_.tornBytesKeptIn = kept.string();
    }
    if (!activeIsOld_) {
      fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      if (fd_ < 0) storageError("cannot open " + path + ": " + std::strerror(errno));
      if (activeGoodBytes_ < logfmt::kMagicSize) {
        if (::ftruncate(fd_, 0) != 0 || writeAll(fd_, logfmt::kSegmentMagic) != 0) {
          storageError("cannot repair " + path);
        }
        segmentSize_ = logfmt::kMagicSize;
      } else {
        if (activeFileBytes_ > activeGoodBytes_ &&
            ::ftruncate(fd_, static_cast<off_t>(activeGoodBytes_)) != 0) {
          storageError("cannot truncate torn tail of " + path);
        }
        segmentSize_ = activeGoodBytes_;
      }
      if (options_.fsync) ::fsync(fd_);
    }
  }
  // What a crash left behind: segments the snapshot covers, temporaries, unused chunks.
  for (const std::string& name : leftovers_) fs::remove(base / name);
  leftovers_.clear();
  removeUnreferencedFiles();
  writable_ = true;
  if (recovery_.migratedFromVersion != 0 || activeIsOld_) {
    compact();  // rewrite format 001 as 002 (archive + snapshot); the old files go last
  }
}

Value FileStore::get(Table t, const std::string& pk, const std::string& sk) const {
  if (isState(t)) {
    if (Value kept = cache_->find(t, pk, sk)) return kept;
    const auto bytes = state_->find(stateKey(t, pk, sk));
    if (!bytes) return nullptr;
    Value value = decoded(*bytes);
    cache_->keep(t, pk, sk, value);
    return value;
  }
  const auto rows = auditRows(t, pk);
  auto it = rows.find(stateKey(t, pk, sk));
  return it == rows.end() ? nullptr : decoded(it->second);
}

void FileStore::scan(Table t, const std::string& pk, const std::string& prefix,
                     const std::string& after, const RowVisitor& visit) const {
  if (isState(t)) {
    const bool resume = !after.empty() && after >= prefix;
    state_->forward(stateKey(t, pk, resume ? after : prefix), resume, [&](const StateKey& k, std::string_view bytes) {
      return inRange(k, t, pk, prefix) && visit(std::string(k.sk), decoded(bytes));
    });
  } else {
    scanState(auditRows(t, pk), t, pk, prefix, after, visit);
  }
}

void FileStore::scanBackward(Table t, const std::string& pk, const std::string& prefix,
                             const std::string& before, const RowVisitor& visit) const {
  if (!isState(t)) return Store::scanBackward(t, pk, prefix, before, visit);  // the archive: rare
  if (!before.empty() && before <= prefix) return;
  // No UTF-8 key contains byte 0xFF: prefix + 0xFF sorts after every key with the prefix.
  const std::string end = prefix + "\xFF";
  state_->backward(stateKey(t, pk, before.empty() ? end : std::min(end, before)), [&](const StateKey& k, std::string_view bytes) {
    return inRange(k, t, pk, prefix) && visit(std::string(k.sk), decoded(bytes));
  });
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
  RawBatch raw = logfmt::toRaw(batch);
  // (Applying the batch reads no chunk: a commit needs none loaded, and none can fail it once its
  // record is in the log.)
  // A read of this call met a chunk not loaded: what the call decided may rest on what it could
  // not read (a refusal it caught), so it writes nothing until the host has taken the list.
  if (!wanted_.empty()) throw ChunkNotLoaded(wanted_);
  prepareWrite();
  const uint64_t lsn = lastLsn_ + 1;
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
  wroteSinceTake_ = true;
  apply(raw);
  for (const Put& p : batch) {
    if (isState(p.table)) cache_->written(p.table, p.pk, p.sk, p.value);
  }
  if (bytesSinceSnapshot_ >= options_.compactMinBytes) {
    try {
      compact();
    } catch (const std::exception&) {
      // The commit is already durable in the log; compaction is retried after the next commit.
    }
  }
}

size_t FileStore::readAll() const {
  size_t rows = 0;
  state_->forward("", false, [&](const StateKey&, std::string_view) { return ++rows, true; });
  return rows;
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
  // Chunks the host has not loaded (empty files) are not read to count rows.
  s.stateRows = state_->size([&](const ChunkSlot& slot) {
    std::error_code ec;
    return !options_.chunksOnDemand || (fs::file_size(fs::path(dir_) / logfmt::chunkName(slot.id), ec) > 0 && !ec);
  });
  return s;
}

}  // namespace edgecart
