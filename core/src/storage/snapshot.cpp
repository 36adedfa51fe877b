// FileStore: the chunked snapshot, compaction, the archive of audit rows, and reading them back.

#include <algorithm>
#include <filesystem>
#include <set>

#include "edgecart/engine/error.h"
#include "edgecart/storage/file_store.h"
#include "file_util.h"
#include "state_key.h"
#include "state_rows.h"

namespace edgecart {
namespace fs = std::filesystem;
using fileutil::readFile;
using fileutil::storageError;
using logfmt::RawBatch;
using logfmt::RawPut;

uint64_t FileStore::loadSnapshot(const std::string& name, const std::string& bytes) {
  logfmt::ScannedFile sf = logfmt::scanFile(bytes, logfmt::kSnapshotMagics);
  if (sf.damage != logfmt::Damage::None || sf.payloads.size() != 1) {
    storageError("snapshot " + name + " is damaged (" +
                 (sf.detail.empty() ? "one record expected" : sf.detail) + "); run `edgecart verify`");
  }
  uint64_t lsn = 0;
  if (sf.version == 1) {
    try {
      for (RawPut& row : logfmt::decodeSnapshotV1(sf.payloads[0], &lsn)) {
        if (isState(row.table)) {
          state_->put(stateKey(row.table, row.pk, row.sk), std::move(row.bytes));
        } else {
          pendingArchive_.push_back(std::move(row));
        }
      }
    } catch (const std::exception& e) {
      storageError("snapshot " + name + " cannot be decoded: " + e.what());
    }
    noteOldFormat(1);
    return lsn;
  }
  noteOldFormat(sf.version);
  std::vector<logfmt::ChunkRef> refs;
  try {
    refs = logfmt::decodeManifest(sf.payloads[0], &lsn, &nextChunkId_);
  } catch (const std::exception& e) {
    storageError("snapshot " + name + " cannot be decoded: " + e.what());
  }
  snapshotBytes_ = bytes.size();
  // The chunks are read when a read needs them (readChunk): here only that each is there whole.
  std::vector<ChunkSlot> slots;
  for (const logfmt::ChunkRef& ref : refs) {
    const std::string file = logfmt::chunkName(ref.id);
    std::error_code ec;
    const uint64_t size = fs::file_size(fs::path(dir_) / file, ec);
    if (ec) storageError("chunk " + file + " of snapshot " + name + " is missing; run `edgecart verify`");
    // Empty: not loaded by the host yet (chunksOnDemand), which checks its size when it does.
    if (size != ref.bytes && !(size == 0 && options_.chunksOnDemand)) {
      storageError("chunk " + file + " is damaged (" + std::to_string(size) + " bytes, the manifest says " +
                   std::to_string(ref.bytes) + "); run `edgecart verify`");
    }
    chunks_.push_back(Chunk{ref.id, ref.firstKey, ref.rows, ref.bytes, false, nullptr});
    slots.push_back(ChunkSlot{ref.id, ref.firstKey, ref.rows, ref.bytes, nullptr});
    snapshotBytes_ += ref.bytes;  // what the file holds once loaded
  }
  state_->load(std::move(slots));
  return lsn;
}

std::shared_ptr<const ChunkRows> FileStore::readChunk(const ChunkSlot& slot, const std::string& end) const {
  const std::string file = logfmt::chunkName(slot.id);
  try {
    // The rows stay in the file's bytes: the state keeps views of them, not copies.
    const auto bytes = std::make_shared<const std::string>(readFile(fs::path(dir_) / file));
    if (bytes->empty() && options_.chunksOnDemand) {
      wanted_.push_back(file);
      for (uint64_t next : state_->unreadAfter(slot.id, kReadAhead)) {
        const std::string name = logfmt::chunkName(next);
        std::error_code ec;
        if (fs::file_size(fs::path(dir_) / name, ec) == 0 && !ec) ahead_.push_back(name);
      }
      throw ChunkNotLoaded({file});
    }
    if (bytes->size() != slot.bytes) throw std::runtime_error("size differs from the manifest");
    const logfmt::ScannedFile cf = logfmt::scanFile(*bytes, logfmt::kChunkMagics, false);
    if (cf.damage != logfmt::Damage::None || cf.spans.size() != 1) throw std::runtime_error(cf.detail);
    auto image = ChunkRows::read(bytes, cf.spans[0], slot.firstKey, end);
    if (image->size() != slot.rows) throw std::runtime_error("row count differs from the manifest");
    return image;
  } catch (const ChunkNotLoaded&) {
    throw;
  } catch (const std::exception& e) {
    storageError("chunk " + file + " is damaged (" + std::string(e.what()) + "); run `edgecart verify`");
  }
}

ChunkNotLoaded::ChunkNotLoaded(std::vector<std::string> files)
    : ApiError(503, "Storage: chunk" + std::string(files.size() > 1 ? "s " : " ") + [&] {
        std::string list;
        for (const std::string& f : files) list += (list.empty() ? "" : ", ") + f;
        return list;
      }() + (files.size() > 1 ? " are" : " is") + " not loaded yet; the host loads them and runs the call again"),
      files_(std::move(files)) {}

std::vector<std::string> FileStore::chunksWrittenSinceSnapshot() const {
  std::vector<std::string> names;
  for (const Chunk& c : chunks_) {
    if (c.dirty) names.push_back(logfmt::chunkName(c.id));
  }
  return names;
}

FileStore::WantedChunks FileStore::takeWantedChunks() {
  WantedChunks w;
  w.files.swap(wanted_);
  w.ahead.swap(ahead_);
  w.wrote = wroteSinceTake_;
  wroteSinceTake_ = false;
  return w;
}

namespace {

// What a row counts for in a chunk's size.
uint64_t rowBytes(const StateKey& k, std::string_view value) { return 2 + k.pk.size() + k.sk.size() + value.size(); }

}  // namespace

uint64_t FileStore::rangeBytes(const std::string& firstKey, const std::string& end) const {
  uint64_t total = 0;
  const StateKey last = keyParts(end);
  state_->forward(firstKey, false, [&](const StateKey& k, std::string_view value) {
    if (!end.empty() && compareKeys(k, last) >= 0) return false;
    total += rowBytes(k, value);
    return true;
  });
  return total;
}

void FileStore::writeChunks(const std::string& firstKey, const std::string& end, uint64_t total,
                            std::vector<Chunk>& out) {
  // Pieces of chunkBytes, but for the last two when what is left is under 1.5 x chunkBytes:
  // those split it in halves. A range of 1.1 x chunkBytes makes two of 0.55, not one full and
  // one of a tenth, so that chunks do not fragment as ranges grow.
  const uint64_t size = options_.chunkBytes;
  uint64_t written = 0;      // bytes of the rows written so far, the piece being filled included
  uint64_t pieceStart = 0;   // `written` when the piece being filled began
  auto target = [&] {
    const uint64_t left = total - std::min(total, pieceStart);
    return left > size && left < size + size / 2 ? left / 2 : size;
  };
  std::string start = firstKey;  // where the range of the piece being filled begins
  RawBatch rows;
  auto write = [&] {
    Chunk c;
    c.id = nextChunkId_++;
    c.firstKey = start;
    c.rows = static_cast<uint32_t>(rows.size());
    const std::string payload = logfmt::encodeRows(rows);
    const auto file = std::make_shared<const std::string>(std::string(logfmt::kChunkMagic, logfmt::kMagicSize) +
                                                          logfmt::frameRecord(payload));
    fileutil::writeFileAtomically(fs::path(dir_) / logfmt::chunkName(c.id), *file, options_.fsync);
    c.bytes = file->size();
    c.image = ChunkRows::read(file, std::string_view(*file).substr(file->size() - payload.size()), start);
    lastCompactionBytes_ += file->size();
    out.push_back(std::move(c));
    rows.clear();
  };
  const StateKey last = keyParts(end);
  state_->forward(firstKey, false, [&](const StateKey& k, std::string_view value) {
    if (!end.empty() && compareKeys(k, last) >= 0) return false;
    if (!rows.empty() && written - pieceStart >= target()) {
      write();
      pieceStart = written;
      start = stateKey(k.table, k.pk, k.sk);
    }
    rows.push_back(RawPut{k.table, std::string(k.pk), std::string(k.sk), std::string(value)});
    written += rowBytes(k, value);
    return true;
  });
  if (!rows.empty()) write();
}

// Chunks whose range saw no write are kept as they are. The others are rewritten from the
// state, each run of them as one range, in pieces of chunkBytes (writeChunks), together with the
// chunks beside the run that are under half of chunkBytes; a run whose rows come to less than
// half takes in its next chunk (else the one before) until it does not. So chunks merge as well
// as split, and stay between half and one chunkBytes, but for a store smaller than that. A range
// left empty merges into the one before it.
std::vector<FileStore::Run> FileStore::planRuns() const {
  std::vector<Run> runs;
  const size_t n = chunks_.size();
  const uint64_t half = options_.chunkBytes / 2;
  auto from = [&](size_t a) -> const std::string& { return chunks_[a].firstKey; };
  auto to = [&](size_t b) { return b + 1 < n ? chunks_[b + 1].firstKey : std::string(); };
  for (size_t i = 0; i < n;) {
    if (!chunks_[i].dirty) {
      ++i;
      continue;
    }
    const size_t floor = runs.empty() ? 0 : runs.back().b + 1;  // the first chunk no run holds
    size_t a = i, b = i;
    while (a > floor && chunks_[a - 1].bytes < half) --a;
    while (b + 1 < n && (chunks_[b + 1].dirty || chunks_[b + 1].bytes < half)) ++b;
    uint64_t total = rangeBytes(from(a), to(b));
    while (total < half) {  // each step adds what it takes in: no range is counted twice
      if (b + 1 < n) {
        ++b;
        total += rangeBytes(from(b), to(b));
      } else if (a > floor) {
        --a;
        total += rangeBytes(from(a), to(a));
      } else if (!runs.empty()) {  // the run before ends just before this one: one run
        a = runs.back().a;
        total += runs.back().total;
        runs.pop_back();
      } else {
        break;  // the whole state is under half of chunkBytes
      }
    }
    runs.push_back(Run{a, b, total});
    i = b + 1;
  }
  return runs;
}

void FileStore::compact() {
  prepareWrite();
  // Planned before anything is written: it reads the chunks the runs rewrite (with chunks on
  // demand, one not loaded stops the compaction here, and it runs after a later commit).
  const std::vector<Run> runs = chunks_.empty() ? std::vector<Run>{} : planRuns();
  closeSegment();
  lastCompactionBytes_ = 0;
  writeArchive();
  std::vector<Chunk> next;
  if (chunks_.empty()) {
    writeChunks("", "", rangeBytes("", ""), next);
  } else {
    const size_t n = chunks_.size();
    auto from = [&](size_t a) -> const std::string& { return chunks_[a].firstKey; };
    auto to = [&](size_t b) { return b + 1 < n ? chunks_[b + 1].firstKey : std::string(); };
    size_t i = 0;
    for (const Run& r : runs) {
      for (; i < r.a; ++i) next.push_back(chunks_[i]);
      writeChunks(from(r.a), to(r.b), r.total, next);
      i = r.b + 1;
    }
    for (; i < n; ++i) next.push_back(chunks_[i]);
  }
  if (!next.empty()) next.front().firstKey.clear();  // the first range starts at the beginning
  std::vector<logfmt::ChunkRef> refs;
  uint64_t total = 0;
  for (Chunk& c : next) {
    c.dirty = false;
    refs.push_back(logfmt::ChunkRef{c.id, c.rows, c.bytes, c.firstKey});
    total += c.bytes;
  }
  const std::string manifest = std::string(logfmt::kSnapshotMagic, logfmt::kMagicSize) +
                               logfmt::frameRecord(logfmt::encodeManifest(lastLsn_, nextChunkId_, refs));
  fileutil::writeFileAtomically(fs::path(dir_) / logfmt::snapshotName(lastLsn_), manifest, options_.fsync);
  lastCompactionBytes_ += manifest.size();
  // The manifest is durable: the segments, older manifests and chunks it does not use can go.
  // The state becomes the new chunks, with nothing over them (those kept keep their arrays).
  std::vector<ChunkSlot> slots;
  for (Chunk& c : next) slots.push_back(ChunkSlot{c.id, c.firstKey, c.rows, c.bytes, std::move(c.image)});
  state_->load(std::move(slots));
  chunks_ = std::move(next);
  pendingArchive_.clear();
  snapshotLsn_ = lastLsn_;
  for (const auto& s : fileutil::listDir(dir_).segments) fs::remove(fs::path(dir_) / s.second);
  removeUnreferencedFiles();
  segmentFiles_ = 0;
  bytesSinceSnapshot_ = 0;
  snapshotBytes_ = manifest.size() + total;
  ++compactions_;
}

// Older manifests and chunk files the newest manifest does not list (left by a compaction or
// a crash during one).
void FileStore::removeUnreferencedFiles() {
  const fileutil::DirListing l = fileutil::listDir(dir_);
  for (size_t i = 0; i + 1 < l.snapshots.size(); ++i) fs::remove(fs::path(dir_) / l.snapshots[i].second);
  std::set<uint64_t> used;
  for (const Chunk& c : chunks_) used.insert(c.id);
  for (const auto& [id, name] : l.chunks) {
    if (!used.count(id)) fs::remove(fs::path(dir_) / name);
  }
}

// Moves the audit rows of every current segment (and of a format-001 snapshot) into one sealed
// archive file, named after the last record it covers. Written before the snapshot that lets
// those segments go, so a crash in between only leaves rows archived twice (reads dedupe).
void FileStore::writeArchive() {
  if (lastLsn_ == snapshotLsn_ && pendingArchive_.empty()) return;  // nothing since the last one
  // Written even when no record since the last snapshot has audit rows: the range chain is what
  // lets verify see a missing archive file.
  std::string bytes(logfmt::kArchiveMagic, logfmt::kMagicSize);
  bytes += logfmt::frameRecord(logfmt::encodeArchiveRange(pendingArchive_.empty() ? snapshotLsn_ : 0, lastLsn_));
  // The audit rows of a record. A row that named another's value (format 003) names its new place,
  // or, when that row is a state row left out, holds the value itself.
  auto add = [&](uint64_t lsn, RawBatch rows) {
    RawBatch audit;
    std::vector<uint32_t> moved(rows.size(), logfmt::kNoOp);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (isState(rows[i].table)) continue;
      RawPut p = std::move(rows[i]);
      if (p.sameAs != logfmt::kNoOp) p.sameAs = p.sameAs < i ? moved[p.sameAs] : logfmt::kNoOp;
      moved[i] = static_cast<uint32_t>(audit.size());
      audit.push_back(std::move(p));
    }
    if (audit.empty()) return;
    bytes += logfmt::frameRecord(logfmt::encodeRecord(lsn, audit));
  };
  for (size_t at = 0; at < pendingArchive_.size(); at += 4096) {
    const auto from = pendingArchive_.begin() + static_cast<std::ptrdiff_t>(at);
    const auto n = static_cast<std::ptrdiff_t>(std::min<size_t>(4096, pendingArchive_.size() - at));
    add(snapshotLsn_, RawBatch(from, from + n));
  }
  for (const auto& segment : fileutil::listDir(dir_).segments) {
    const auto sf = logfmt::scanFile(readFile(fs::path(dir_) / segment.second), logfmt::kSegmentMagics);
    for (const std::string& payload : sf.payloads) {
      uint64_t lsn = 0;
      RawBatch batch = logfmt::decodeRecord(payload, &lsn, sf.version);
      if (lsn > snapshotLsn_) add(lsn, std::move(batch));  // older: archived with that snapshot
    }
  }
  std::error_code ec;
  fs::create_directories(options_.archiveDir, ec);
  if (ec) throw ApiError(507, "Storage write failed: cannot create " + options_.archiveDir);
  fileutil::writeFileAtomically(fs::path(options_.archiveDir) / logfmt::archiveName(lastLsn_), bytes,
                                options_.fsync);
  lastCompactionBytes_ += bytes.size();
}

std::map<std::string, std::string> FileStore::auditRows(Table t, const std::string& pk) const {
  std::map<std::string, std::string> rows;
  auto take = [&](const RawBatch& batch) {
    for (const RawPut& p : batch) {
      if (p.table == t && p.pk == pk && !p.erase) rows[stateKey(p.table, p.pk, p.sk)] = p.bytes;
    }
  };
  auto readRecords = [&](const fs::path& file, const std::vector<const char*>& magics) {
    const logfmt::ScannedFile sf = logfmt::scanFile(readFile(file), magics);
    for (const std::string& payload : sf.payloads) {
      uint64_t lsn = 0, from = 0;
      if (&magics == &logfmt::kArchiveMagics && logfmt::decodeArchiveRange(payload, &from, &lsn)) continue;
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
    for (const fs::path& a : archives) readRecords(a, logfmt::kArchiveMagics);
  }
  for (const auto& segment : fileutil::listDir(dir_).segments) {
    readRecords(fs::path(dir_) / segment.second, logfmt::kSegmentMagics);
  }
  return rows;
}

}  // namespace edgecart
