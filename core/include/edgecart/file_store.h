#pragma once
// The durable store: an append-only log of checksummed records in small segment files, plus an
// occasional snapshot that lets old segments be deleted (compaction). One commit = one record.
// The whole state is also kept in memory, so reads never touch the files.
//
// Why small segments: in the browser the directory is an IDBFS mount, and IDBFS rewrites every
// changed file whole on each sync. A commit appends to the active segment only, so the bytes a
// commit makes IDBFS write are bounded by the segment size, whatever the size of the store.

#include <cstdint>
#include <memory>
#include <string>

#include "edgecart/store.h"

namespace edgecart {

struct FileStoreOptions {
  size_t segmentBytes = 64 * 1024;        // a segment is sealed once it holds this much
  size_t compactMinBytes = 4 * 1024 * 1024;  // log bytes since the snapshot before compacting
  bool fsync = true;                       // fsync each commit (native durability)
};

// What opening the store found and did.
struct RecoveryInfo {
  uint64_t snapshotLsn = 0;    // 0 = no snapshot
  uint64_t recordsReplayed = 0;
  uint64_t tornBytesDropped = 0;  // bytes of an unfinished last record cut off the last segment
};

struct FileStoreStats {
  uint64_t lastLsn = 0;
  size_t segmentFiles = 0;
  uint64_t logBytesSinceSnapshot = 0;
  uint64_t snapshotBytes = 0;
  uint64_t compactions = 0;
};

class FileStore : public Store {
 public:
  // Opens (creating if needed) the store in `dir`. A torn tail is dropped; any other damage
  // throws ApiError(500) naming the file, and nothing is changed on disk.
  static std::unique_ptr<FileStore> open(const std::string& dir, FileStoreOptions options = {});
  ~FileStore() override;
  FileStore(const FileStore&) = delete;
  FileStore& operator=(const FileStore&) = delete;

  Value get(Table t, const std::string& pk, const std::string& sk) const override;
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override;
  void commit(const Batch& batch) override;

  // Writes a snapshot of everything and deletes the segments it covers.
  void compact();

  const RecoveryInfo& recovery() const { return recovery_; }
  FileStoreStats stats() const;
  const std::string& dir() const { return dir_; }

 private:
  FileStore(std::string dir, FileStoreOptions options);
  void load();
  void openSegment(uint64_t firstLsn);
  void closeSegment();

  std::string dir_;
  FileStoreOptions options_;
  TableImage image_;
  RecoveryInfo recovery_;
  uint64_t lastLsn_ = 0;
  int fd_ = -1;                 // active segment, or -1 (the next commit starts one)
  uint64_t segmentSize_ = 0;
  size_t segmentFiles_ = 0;
  uint64_t bytesSinceSnapshot_ = 0;
  uint64_t snapshotBytes_ = 0;
  uint64_t compactions_ = 0;
};

// Checks every file of a store directory without changing anything. The report is JSON:
// {"ok", "segments", "snapshots", "records", "lastLsn", "files": [...], "damage": [...]}.
json verifyStore(const std::string& dir);

}  // namespace edgecart
