#pragma once
// On-disk format of the durable store, shared by every host (native and IDBFS in the browser).
//
//   segment file  "seg-<first lsn, 16 hex>.ecl":  magic "ECLOG001", then records
//   snapshot file "snap-<lsn, 16 hex>.ecs":       magic "ECSNP001", then exactly one record
//   record:  u32 length | u32 ~length | u32 crc32(payload) | payload (MessagePack)
//
// All integers little-endian. The length is stored twice so a damaged length is detected
// instead of being mistaken for a torn tail. The "001" in the magics is the format version:
// a future format must read this one and migrate it, never drop it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgecart/store.h"

namespace edgecart::logfmt {

constexpr size_t kMagicSize = 8;
constexpr char kSegmentMagic[] = "ECLOG001";
constexpr char kSnapshotMagic[] = "ECSNP001";
constexpr size_t kRecordHeaderSize = 12;
constexpr uint32_t kMaxRecordBytes = 256u << 20;

uint32_t crc32(const void* data, size_t size);

// Frames a payload as one record.
std::string frameRecord(const std::string& payload);

enum class Damage { None, TornTail, Corrupt };

struct ScannedFile {
  std::vector<std::string> payloads;  // every whole, checksummed record, in order
  size_t goodBytes = 0;               // file offset just past the last good record
  Damage damage = Damage::None;
  std::string detail;                 // what is wrong at goodBytes, when damage != None
};

// Reads the records of a whole file image (magic included). A record cut short by the end of
// the file, or a final record whose checksum fails, is a TornTail; anything else is Corrupt.
ScannedFile scanFile(const std::string& bytes, const char* magic);

// Batch <-> payload. A batch record is {"lsn": n, "ops": [[table, pk, sk, value|null], ...]}.
std::string encodeBatch(uint64_t lsn, const Batch& batch);
Batch decodeBatch(const std::string& payload, uint64_t* lsn);

std::string segmentName(uint64_t firstLsn);
std::string snapshotName(uint64_t lsn);
// Parses a file name made by the functions above; false for anything else.
bool parseName(const std::string& name, const char* prefix, const char* suffix, uint64_t* lsn);

}  // namespace edgecart::logfmt
