#pragma once
// On-disk format of the durable store, shared by every host (native, and in the browser the same
// files kept in IndexedDB).
//
//   segment  "seg-<first lsn, 16 hex>.ecl":  magic "ECLOG004", then one record per commit
//   snapshot "snap-<lsn, 16 hex>.ecs":       magic "ECSNP004", then one manifest record
//   chunk    "chk-<id, 16 hex>.ecc":          magic "ECCHK004", then one record of state rows
//   archive  "archive/arc-<last lsn>.eca":   magic "ECARC004", a range record, then records of
//                                             command/history rows
//   record:  u32 length | u32 ~length | u32 crc32(payload) | payload (MessagePack)
//
// All integers little-endian. The length is stored twice so a damaged length is detected
// instead of being mistaken for a torn tail. The "004" in the magics is the format version.
// Versions 001 to 003 are still read, and a store in any is migrated at its first write; a
// future format must do the same, never drop data.
//
// Payloads (v4), little-endian binary; a value is its item's bytes, kept as they are so the
// store never builds a JSON tree to load or copy it. A value is MessagePack (001-003), or keyed
// (004): 0xC1 (never a MessagePack type), a flags byte, then MessagePack whose known object keys
// are one byte 0x80 + their index in the key table (values.cpp), and which leaves out the
// item fields the flags name (sk, id, tenantCode: the other fields give them). Every version
// reads both kinds.
//   commit / archive record  u8 1 | u64 lsn | ops
//   manifest                 u8 2 | u64 lsn | u64 next chunk id | u32 n |
//                            n x (u64 chunk id | u32 rows | u64 file bytes | str first key)
//   chunk rows               u8 3 | ops   (sorted by key; first key: table digit + pk + NUL + sk)
//   archive range            u8 4 | u64 from | u64 to: the archive holds the audit rows of records
//                            (from, to]; consecutive archives chain, so a missing file is a gap.
//                            (Archives written before this record existed have none.)
//   ops                      u32 n | n x (u8 table | u8 flags | str pk | str sk | value)
//                            flags 0: value is `str value`; 1 (delete): `str` (empty);
//                            2 (same, records only): value is `u32 k`, the value of op k < this
//                            one (a commit writes an item's command row and data row: once)
//   str                      u32 length | bytes
// Format 003 was 004 with plain MessagePack values only.
// Format 002 was 003 without flag 2 (each value written out in full, so a commit held each item
// it changed twice); its chunks and manifests are 003's, under the 002 magics.
// Format 001 payloads were MessagePack: {"lsn", "ops": [[table, pk, sk, value|null]]} and one
// snapshot record {"lsn", "tables": [[[pk, sk, value]...] x 4]}.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgecart/engine/store.h"

namespace edgecart::logfmt {

constexpr size_t kMagicSize = 8;
constexpr int kFormatVersion = 4;
constexpr char kSegmentMagic[] = "ECLOG004";
constexpr char kSnapshotMagic[] = "ECSNP004";
constexpr char kArchiveMagic[] = "ECARC004";
constexpr char kChunkMagic[] = "ECCHK004";
constexpr char kSegmentMagicV3[] = "ECLOG003";
constexpr char kSnapshotMagicV3[] = "ECSNP003";
constexpr char kArchiveMagicV3[] = "ECARC003";
constexpr char kChunkMagicV3[] = "ECCHK003";
constexpr char kSegmentMagicV2[] = "ECLOG002";
constexpr char kSnapshotMagicV2[] = "ECSNP002";
constexpr char kArchiveMagicV2[] = "ECARC002";
constexpr char kChunkMagicV2[] = "ECCHK002";
constexpr char kSegmentMagicV1[] = "ECLOG001";
constexpr char kSnapshotMagicV1[] = "ECSNP001";
// What a reader of each kind of file accepts, newest first.
inline const std::vector<const char*> kSegmentMagics = {kSegmentMagic, kSegmentMagicV3, kSegmentMagicV2,
                                                       kSegmentMagicV1};
inline const std::vector<const char*> kSnapshotMagics = {kSnapshotMagic, kSnapshotMagicV3, kSnapshotMagicV2,
                                                        kSnapshotMagicV1};
inline const std::vector<const char*> kArchiveMagics = {kArchiveMagic, kArchiveMagicV3, kArchiveMagicV2};
inline const std::vector<const char*> kChunkMagics = {kChunkMagic, kChunkMagicV3, kChunkMagicV2};
constexpr size_t kRecordHeaderSize = 12;
constexpr uint32_t kMaxRecordBytes = 256u << 20;

uint32_t crc32(const void* data, size_t size);

// Frames a payload as one record.
std::string frameRecord(const std::string& payload);

enum class Damage { None, TornTail, Corrupt };

struct ScannedFile {
  int version = 0;                    // the format of the magic it begins with; 0 if none given
  std::vector<std::string> payloads;  // every whole, checksummed record, in order
  std::vector<std::string_view> spans;  // the same, in the bytes scanned (valid while they are)
  size_t goodBytes = 0;               // file offset just past the last good record
  Damage damage = Damage::None;
  std::string detail;                 // what is wrong at goodBytes, when damage != None
};

// Reads the records of a whole file image (magic included). A record cut short by the end of
// the file is a TornTail; anything else is Corrupt, a whole last record whose checksum fails
// included (all its bytes are there: that is damage, not an unfinished write).
// `magics` are those accepted (check `version`), e.g. kSegmentMagics. Without `copyPayloads`,
// only the spans are given.
ScannedFile scanFile(const std::string& bytes, const std::vector<const char*>& magics, bool copyPayloads = true);
ScannedFile scanFile(const std::string& bytes, const char* magic, const char* oldMagic = nullptr);

constexpr uint32_t kNoOp = UINT32_MAX;

// A row as stored: its value's MessagePack bytes; `erase` for a delete. `sameAs`: the index of
// an earlier row of the same record with this very value (toRaw finds them; a record stores the
// value once, decodeRecord copies it back), else kNoOp.
struct RawPut {
  Table table;
  std::string pk;
  std::string sk;
  std::string bytes;
  bool erase = false;
  uint32_t sameAs = kNoOp;
};
using RawBatch = std::vector<RawPut>;

// A JSON value <-> its stored bytes.
std::string encodeValue(const json& value);
json decodeValue(std::string_view bytes);
// Plain MessagePack (what formats 001-003 wrote), as json::from_msgpack reads it.
json decodeMessagePack(std::string_view bytes);

// Commit and archive records. decodeRecord reads every format version.
std::string encodeRecord(uint64_t lsn, const RawBatch& batch);
RawBatch decodeRecord(const std::string& payload, uint64_t* lsn, int version = kFormatVersion);
// For each row of `batch`, the first row holding the same value (one Value, not an equal one, as
// a commit's command and data rows of an item do, and every look-up row its one mark): such a
// value is encoded and kept once. A delete, and a row that is first with its value, give their
// own index. Found by sorting, not hashing: no allocation per row.
std::vector<uint32_t> firstRowOfValue(const Batch& batch);
// A batch's rows as stored; rows holding the same value are encoded once and marked sameAs
// (firstRowOfValue).
RawBatch toRaw(const Batch& batch);
Batch fromRaw(const RawBatch& batch);
// Batch <-> payload, through the functions above (for tools and tests).
std::string encodeBatch(uint64_t lsn, const Batch& batch);
Batch decodeBatch(const std::string& payload, uint64_t* lsn);

// The first record of an archive file: the records it covers, (from, to].
std::string encodeArchiveRange(uint64_t from, uint64_t to);
// False if `payload` is not a range record (an archive written before ranges existed).
bool decodeArchiveRange(const std::string& payload, uint64_t* from, uint64_t* to);

// Snapshot manifests (v2): which chunk files make up the state at `lsn`.
struct ChunkRef {
  uint64_t id = 0;
  uint32_t rows = 0;
  uint64_t bytes = 0;
  std::string firstKey;
};
std::string encodeManifest(uint64_t lsn, uint64_t nextChunkId, const std::vector<ChunkRef>& chunks);
std::vector<ChunkRef> decodeManifest(const std::string& payload, uint64_t* lsn, uint64_t* nextChunkId);
// A row of a chunk, as views into its payload: what an open keeps instead of copies.
struct RowView {
  Table table;
  std::string_view pk, sk, value;
};
// Where each row of a chunk payload begins, after checking every row's bytes: what an open
// keeps of a chunk (4 bytes a row); rowAt reads a row from its offset, without checks.
std::vector<uint32_t> decodeRowOffsets(std::string_view payload);
RowView rowAt(std::string_view payload, uint32_t offset);
// The rows of a chunk payload, as views into `payload`, which must outlive them.
std::vector<RowView> decodeRowViews(std::string_view payload);
// The same rows, copied (for tools and tests).
std::string encodeRows(const RawBatch& rows);
RawBatch decodeRows(const std::string& payload);
// A v1 snapshot's single payload: its lsn and every row of the four tables.
RawBatch decodeSnapshotV1(const std::string& payload, uint64_t* lsn);

std::string segmentName(uint64_t firstLsn);
std::string snapshotName(uint64_t lsn);
std::string archiveName(uint64_t lastLsn);
std::string chunkName(uint64_t id);
// Parses a file name made by the functions above; false for anything else.
bool parseName(const std::string& name, const char* prefix, const char* suffix, uint64_t* lsn);

}  // namespace edgecart::logfmt
