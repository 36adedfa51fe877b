#pragma once
// The durable store: an append-only log of checksummed records in small segment files, plus a
// snapshot that lets old segments be deleted (compaction). One commit = one record.
//
// The snapshot is a manifest over immutable chunk files, each holding the state rows of one key
// range (about kChunkBytes). A compaction rewrites only the chunks whose range saw a write since
// the last one, so its cost follows what changed, not the size of the store.
//
// The latest state (data and sequence tables) is kept in memory as each row's value bytes,
// decoded on read; the trees of the last rows read (up to a thousand) are kept, so a hot row is
// not decoded again. The snapshot's rows stay in their chunk files' bytes, read whole, with a
// sorted array of views into them; rows written since lie over those (state_rows.h). So opening
// a store reads the files and builds one array, not a string or a map node per row. The command and
// history tables only grow and are read for audit, never by the API: they are not kept in memory
// and not in the snapshot. Compaction moves their rows from the segments it drops into sealed
// archive files (`archiveDir`), which an open never reads; reading those tables reads the files.
//
// Why append-only: in the browser the directory is kept in IndexedDB by the package, which saves
// the bytes appended to a file since its last save (docs/storage-format.md). A commit appends to
// the active segment only, so a save costs the commit record, whatever the size of the store.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgecart/engine/error.h"
#include "edgecart/engine/store.h"
#include "edgecart/storage/log_format.h"

namespace edgecart {

class StateRows;
class RowCache;
struct ChunkRows;
struct ChunkSlot;

struct FileStoreOptions {
  size_t segmentBytes = 64 * 1024;        // a segment is sealed once it holds this much
  size_t compactMinBytes = 4 * 1024 * 1024;  // log bytes since the snapshot before compacting
  size_t chunkBytes = 512 * 1024;          // target size of a snapshot chunk file
  bool fsync = true;                       // fsync each commit (native durability)
  std::string archiveDir;                  // where compaction archives command/history rows;
                                           // "" = <dir>/archive
  // Read only: take no lock, refuse every write (verify opens a store so). Otherwise the store
  // holds an exclusive lock on <dir>/LOCK for its lifetime: a second writer is refused (503).
  bool readOnly = false;
  // Chunks on demand (the browser): the host keeps the snapshot's chunk files elsewhere (in
  // IndexedDB) and puts each in the directory only when the store asks for it. A chunk file of
  // 0 bytes is one the host has not loaded: the open accepts it; a read that needs its rows
  // throws ChunkNotLoaded and adds it to the list takeWantedChunks() returns. Until the host
  // takes that list every commit throws ChunkNotLoaded too, so a call that met one changes
  // nothing, whatever it caught: the host loads the chunks and runs the call again
  // (docs/storage-format.md).
  bool chunksOnDemand = false;
};

// A read needed chunks the host has not loaded yet (FileStoreOptions::chunksOnDemand): `files`,
// their names in the store's directory.
class ChunkNotLoaded : public ApiError {
 public:
  explicit ChunkNotLoaded(std::vector<std::string> files);
  const std::vector<std::string>& files() const { return files_; }

 private:
  std::vector<std::string> files_;
};

// What opening the store found, and what the first write repaired. An open only reads: repairs
// (cutting a torn tail, removing what a crash left, migrating format 001) wait for the first
// write, and the bytes a repair cuts are kept in <dir>/recovered/, never destroyed.
struct RecoveryInfo {
  uint64_t snapshotLsn = 0;    // 0 = no snapshot
  uint64_t recordsReplayed = 0;
  uint64_t tornBytesDropped = 0;  // bytes of an unfinished last record past the last whole one
  std::string tornBytesKeptIn;    // where the first write moved them ("" until then)
  int migratedFromVersion = 0;    // the oldest format (1, 2) of a file it read; 0 if all were current.
                                  // Such a store is rewritten at its first write.
};

struct FileStoreStats {
  uint64_t lastLsn = 0;
  size_t segmentFiles = 0;
  uint64_t logBytesSinceSnapshot = 0;
  uint64_t snapshotBytes = 0;   // manifest + chunk files
  size_t snapshotChunks = 0;
  uint64_t compactions = 0;
  uint64_t lastCompactionBytes = 0;  // what the last compaction wrote (chunks + manifest)
  size_t stateRows = 0;  // rows of the data and sequence tables held in memory
};

class FileStore : public Store {
 public:
  // Opens (creating if needed) the store in `dir`, reading only. A torn tail (a last record cut
  // short) is left out of the state and cut at the first write, its bytes kept; any other damage
  // to the log or the manifest, or a chunk file missing or of another size than the manifest
  // says, throws ApiError(500) naming the file. 503 if another process has the store open.
  // The snapshot's chunks are read when a read first needs a row of theirs: damage inside one
  // makes that read (and every later one that needs it) throw ApiError(500) naming the file,
  // and changes nothing. `verifyStore` reads them all.
  static std::unique_ptr<FileStore> open(const std::string& dir, FileStoreOptions options = {});
  ~FileStore() override;
  FileStore* fileStore() override { return this; }
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  Value get(Table t, const std::string& pk, const std::string& sk) const override;
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override;
  void scanBackward(Table t, const std::string& pk, const std::string& prefix, const std::string& before,
                    const RowVisitor& visit) const override;
  void commit(const Batch& batch) override;

  // Archives the command/history rows of the current segments, writes a snapshot of the state
  // and deletes the segments (and older snapshots) it covers.
  void compact();

  // Reads every row of the state, each chunk of the snapshot with them; returns how many. Throws
  // as any read does for a damaged chunk.
  size_t readAll() const;

  // What the calls since the last take needed and found not loaded (chunksOnDemand): the chunk
  // files (names in the directory), and whether a commit landed meanwhile (then the call that
  // met them wrote, and must not run again: a compaction after its commit asked for them).
  // Clears both, which lets commits through again.
  struct WantedChunks {
    std::vector<std::string> files;
    bool wrote = false;
    // Not asked for, likely next: the chunks after each one asked for, in key order, that are not
    // loaded either (kReadAhead of them). A scan meets one range at a time; loading these with it
    // saves the host a round trip a range.
    std::vector<std::string> ahead;
  };
  static constexpr size_t kReadAhead = 3;
  WantedChunks takeWantedChunks();
  // The chunks (names) whose range saw a write since the snapshot, where the first reads after an
  // open are likely to be: a host that loads chunks on demand loads them with the log
  // (web/src/local.ts). The open itself reads no chunk.
  std::vector<std::string> chunksWrittenSinceSnapshot() const;

  const RecoveryInfo& recovery() const { return recovery_; }
  FileStoreStats stats() const;
  const std::string& dir() const { return dir_; }
  const std::string& archiveDir() const { return options_.archiveDir; }

 private:
  // A chunk of the snapshot: it holds the keys from firstKey up to the next chunk's firstKey.
  struct Chunk {
    uint64_t id = 0;
    std::string firstKey;  // "" for the first chunk
    uint32_t rows = 0;
    uint64_t bytes = 0;    // file size
    bool dirty = false;    // a key in its range was written since the snapshot
    std::shared_ptr<const ChunkRows> image;  // a chunk just written: its rows, for the state
  };

  FileStore(std::string dir, FileStoreOptions options);
  void lock();
  void load();
  // Before the first write: the repairs an open leaves to it (see RecoveryInfo).
  void prepareWrite();
  uint64_t loadSnapshot(const std::string& name, const std::string& bytes);
  // The rows of a chunk, read when the state first needs them (its range ends at `end`). Throws
  // ApiError(500) naming the file if it is missing or damaged.
  std::shared_ptr<const ChunkRows> readChunk(const ChunkSlot& slot, const std::string& end) const;
  // A file of format `version` was read: an older one than the current makes the first write
  // migrate the store (recovery_.migratedFromVersion keeps the oldest).
  void noteOldFormat(int version) {
    if (version > 0 && version < logfmt::kFormatVersion &&
        (recovery_.migratedFromVersion == 0 || version < recovery_.migratedFromVersion)) {
      recovery_.migratedFromVersion = version;
    }
  }
  void apply(const logfmt::RawBatch& batch);
  void openSegment(uint64_t firstLsn);
  void closeSegment();
  void writeArchive();
  void markDirty(const std::string& key);
  // The bytes of the rows from firstKey up to `end` ("": to the last), as writeChunks counts them.
  uint64_t rangeBytes(const std::string& firstKey, const std::string& end) const;
  // Writes those rows (`total` bytes of them) as new chunk files of chunkBytes, the last two
  // halving what is left when that is under 1.5 x chunkBytes; appends them to `out`.
  void writeChunks(const std::string& firstKey, const std::string& end, uint64_t total, std::vector<Chunk>& out);
  void removeUnreferencedFiles();
  // Chunks (first to last) that compaction rewrites as one range, and the bytes of their rows.
  struct Run {
    size_t a, b;
    uint64_t total;
  };
  // What compaction rewrites: it reads every chunk the runs hold, so a chunk not loaded throws
  // here, before the compaction writes anything.
  std::vector<Run> planRuns() const;
  // The command or history table, read from the archive and the segments.
  std::map<std::string, std::string> auditRows(Table t, const std::string& pk) const;

  std::string dir_;
  FileStoreOptions options_;
  // Data and sequence rows by stateKey (table digit + pk + '\0' + sk, so the order is (table, pk,
  // sk)): each the item's stored value bytes.
  std::unique_ptr<StateRows> state_;
  // The decoded values of the state rows read last (row_cache.h): what a read of a hot row
  // returns without decoding its bytes again.
  std::unique_ptr<RowCache> cache_;
  std::vector<Chunk> chunks_;   // the newest snapshot's chunks, in key order
  uint64_t nextChunkId_ = 1;
  uint64_t lastCompactionBytes_ = 0;
  logfmt::RawBatch pendingArchive_;  // audit rows of a format-001 snapshot, until migrated
  RecoveryInfo recovery_;
  uint64_t lastLsn_ = 0;
  uint64_t snapshotLsn_ = 0;    // the record the newest snapshot includes (0 = none)
  int fd_ = -1;                 // active segment, or -1 (the next commit starts one)
  int lockFd_ = -1;             // <dir>/LOCK, flock()ed while the store is open for writing
  bool writable_ = false;       // prepareWrite() has run
  // What load() found for prepareWrite() to repair.
  std::string activeName_;      // the last segment, "" if none
  uint64_t activeGoodBytes_ = 0, activeFileBytes_ = 0;
  bool activeIsOld_ = false;    // the last segment is an older format: never append to it
  std::vector<std::string> leftovers_;  // covered segments and temporaries a crash left
  uint64_t segmentSize_ = 0;
  size_t segmentFiles_ = 0;
  uint64_t bytesSinceSnapshot_ = 0;
  uint64_t snapshotBytes_ = 0;
  uint64_t compactions_ = 0;
  mutable std::vector<std::string> wanted_;  // chunks reads needed, not loaded (chunksOnDemand)
  mutable std::vector<std::string> ahead_;   // the chunks after them, not loaded either
  bool wroteSinceTake_ = false;              // a commit landed since takeWantedChunks()
};

// Checks every file of a store directory (and its archive directory, default <dir>/archive)
// without changing anything. The report is JSON: {"ok", "segments", "snapshots", "records",
// "archives", "archivedRecords", "lastLsn", "formatVersion", "files": [...], "damage": [...]}.
// "ok" is false for any damage but a torn tail of the active segment (which an open drops).
json verifyStore(const std::string& dir, const std::string& archiveDir = "");

}  // namespace edgecart
