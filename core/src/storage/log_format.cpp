#include "edgecart/storage/log_format.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "edgecart/engine/error.h"

namespace edgecart::logfmt {
namespace {

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), eight bytes a step ("slicing by 8"):
// t[0] is the classic byte table, t[k][i] the CRC of byte i followed by k zero bytes, so eight
// look-ups fold eight bytes at once. Every record and chunk is checked at open: with one byte a
// step, the check was half of a 10,000-order till's open (tests/bench, BM_OpenTill).
using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

CrcTables makeCrcTables() {
  CrcTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t k = 1; k < t.size(); ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  }
  return t;
}

// Four bytes as a little-endian u32, whatever the host's byte order.
uint32_t le32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void putU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t getU32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

}  // namespace

uint32_t crc32(const void* data, size_t size) {
  static const CrcTables t = makeCrcTables();
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = 0xFFFFFFFFu;
  for (; size >= 8; p += 8, size -= 8) {
    const uint32_t lo = le32(p) ^ c;
    const uint32_t hi = le32(p + 4);
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; size > 0; ++p, --size) c = t[0][(c ^ *p) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string frameRecord(const std::string& payload) {
  std::string out;
  out.reserve(kRecordHeaderSize + payload.size());
  const auto len = static_cast<uint32_t>(payload.size());
  putU32(out, len);
  putU32(out, ~len);
  putU32(out, crc32(payload.data(), payload.size()));
  out += payload;
  return out;
}

ScannedFile scanFile(const std::string& bytes, const char* magic, const char* oldMagic) {
  std::vector<const char*> magics{magic};
  if (oldMagic) magics.push_back(oldMagic);
  return scanFile(bytes, magics);
}

ScannedFile scanFile(const std::string& bytes, const std::vector<const char*>& magics, bool copyPayloads) {
  ScannedFile r;
  if (bytes.size() < kMagicSize) {
    r.damage = Damage::TornTail;
    r.detail = "file shorter than its header";
    return r;
  }
  for (const char* magic : magics) {
    // The last three characters of a magic are its format version: "ECLOG004" is 4.
    if (std::memcmp(bytes.data(), magic, kMagicSize) == 0) r.version = std::atoi(magic + kMagicSize - 3);
  }
  if (r.version == 0) {
    r.damage = Damage::Corrupt;
    r.detail = "bad file header (not an EdgeCart log file, or an unknown format version)";
    return r;
  }
  size_t at = kMagicSize;
  r.goodBytes = at;
  while (at < bytes.size()) {
    const size_t left = bytes.size() - at;
    char where[64];
    std::snprintf(where, sizeof where, "record at offset %zu: ", at);
    if (left < kRecordHeaderSize) {
      r.damage = Damage::TornTail;
      r.detail = std::string(where) + "header cut short";
      return r;
    }
    const uint32_t len = getU32(bytes, at);
    if (getU32(bytes, at + 4) != ~len || len > kMaxRecordBytes) {
      r.damage = Damage::Corrupt;
      r.detail = std::string(where) + "damaged length";
      return r;
    }
    if (left - kRecordHeaderSize < len) {
      r.damage = Damage::TornTail;
      r.detail = std::string(where) + "payload cut short";
      return r;
    }
    const size_t end = at + kRecordHeaderSize + len;
    if (crc32(bytes.data() + at + kRecordHeaderSize, len) != getU32(bytes, at + 8)) {
      // Every byte the length promises is there, so this is not a write cut short: it is damage,
      // even in the last record (dropping it would lose an acknowledged, fsynced commit).
      r.damage = Damage::Corrupt;
      r.detail = std::string(where) + "checksum mismatch";
      return r;
    }
    if (copyPayloads) r.payloads.emplace_back(bytes, at + kRecordHeaderSize, len);
    r.spans.emplace_back(bytes.data() + at + kRecordHeaderSize, len);
    at = end;
    r.goodBytes = at;
  }
  return r;
}

namespace {

// Payloads of format 002 are plain little-endian binary, read with a bounds-checked cursor: no
// JSON tree per record, so opening a store costs little more than reading its bytes (in
// WebAssembly, where a C++ exception-aware call is expensive, this is what keeps open fast).
constexpr uint8_t kKindRecord = 1, kKindManifest = 2, kKindRows = 3, kKindRange = 4;
constexpr uint8_t kFlagErase = 1, kFlagSame = 2;  // ops flags (log_format.h)

void putU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void putBytes(std::string& out, const std::string& b) {
  putU32(out, static_cast<uint32_t>(b.size()));
  out += b;
}

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(s_[at_++]);
  }
  uint32_t u32() {
    need(4);
    const uint32_t v = getU32(s_, at_);
    at_ += 4;
    return v;
  }
  uint64_t u64() {
    const uint64_t lo = u32();
    return lo | (static_cast<uint64_t>(u32()) << 32);
  }
  void bytes(std::string& out) {
    const uint32_t n = u32();
    need(n);
    out.assign(s_.data() + at_, n);
    at_ += n;
  }
  // The next `str`, as a view into the payload.
  std::string_view view() {
    const uint32_t n = u32();
    need(n);
    const std::string_view v = s_.substr(at_, n);
    at_ += n;
    return v;
  }
  void end() const {
    if (at_ != s_.size()) throw std::runtime_error("trailing bytes in payload");
  }
  size_t at() const { return at_; }

 private:
  void need(size_t n) const {
    if (s_.size() - at_ < n) throw std::runtime_error("payload cut short");
  }
  std::string_view s_;
  size_t at_ = 0;
};

// `refs`: a row marked sameAs is written as a reference to that row (records of format 003).
void putOps(std::string& out, const RawBatch& batch, bool refs) {
  putU32(out, static_cast<uint32_t>(batch.size()));
  for (const RawPut& p : batch) {
    const bool same = refs && p.sameAs != kNoOp;
    out.push_back(static_cast<char>(p.table));
    out.push_back(static_cast<char>(p.erase ? kFlagErase : same ? kFlagSame : 0));
    putBytes(out, p.pk);
    putBytes(out, p.sk);
    if (same) {
      putU32(out, p.sameAs);
    } else {
      putBytes(out, p.bytes);
    }
  }
}

RawBatch readOps(Reader& r, bool refs) {
  const uint32_t n = r.u32();
  RawBatch batch;
  batch.reserve(std::min<uint32_t>(n, 1u << 16));
  for (uint32_t i = 0; i < n; ++i) {
    RawPut p{};
    const uint8_t t = r.u8();
    if (t >= kTableCount) throw std::runtime_error("unknown table in record");
    p.table = static_cast<Table>(t);
    const uint8_t flags = r.u8();
    if (flags > (refs ? kFlagSame : kFlagErase)) throw std::runtime_error("unknown row flags in record");
    p.erase = flags == kFlagErase;
    r.bytes(p.pk);
    r.bytes(p.sk);
    if (flags == kFlagSame) {
      p.sameAs = r.u32();
      if (p.sameAs >= i || batch[p.sameAs].erase) throw std::runtime_error("a row refers to a later or deleted row");
      p.bytes = batch[p.sameAs].bytes;
    } else {
      r.bytes(p.bytes);
    }
    batch.push_back(std::move(p));
  }
  return batch;
}

void expectKind(Reader& r, uint8_t kind) {
  if (r.u8() != kind) throw std::runtime_error("unexpected payload kind");
}

}  // namespace

std::string encodeRecord(uint64_t lsn, const RawBatch& batch) {
  std::string out(1, static_cast<char>(kKindRecord));
  putU64(out, lsn);
  putOps(out, batch, true);
  return out;
}

RawBatch decodeRecord(const std::string& payload, uint64_t* lsn, int version) {
  if (version == 1) {
    // Format 001: {"lsn": n, "ops": [[table, pk, sk, value | null], ...]} in MessagePack.
    const json j = decodeMessagePack(payload);
    *lsn = j.at("lsn").get<uint64_t>();
    RawBatch batch;
    for (const json& op : j.at("ops")) {
      const int t = op.at(0).get<int>();
      if (t < 0 || t >= kTableCount) throw std::runtime_error("unknown table in record");
      const bool erase = op.at(3).is_null();
      batch.push_back(RawPut{static_cast<Table>(t), op.at(1).get<std::string>(),
                             op.at(2).get<std::string>(), erase ? std::string() : encodeValue(op.at(3)), erase});
    }
    return batch;
  }
  Reader r(payload);
  expectKind(r, kKindRecord);
  *lsn = r.u64();
  RawBatch batch = readOps(r, version >= 3);
  r.end();
  return batch;
}

std::vector<uint32_t> firstRowOfValue(const Batch& batch) {
  std::vector<uint32_t> first(batch.size());
  std::vector<std::pair<const json*, uint32_t>> byValue;  // (value, row), sorted: equal values adjoin, first row first
  byValue.reserve(batch.size());
  for (uint32_t i = 0; i < batch.size(); ++i) {
    first[i] = i;
    if (batch[i].value) byValue.emplace_back(batch[i].value.get(), i);
  }
  std::sort(byValue.begin(), byValue.end());
  for (size_t i = 1; i < byValue.size(); ++i) {
    if (byValue[i].first == byValue[i - 1].first) first[byValue[i].second] = first[byValue[i - 1].second];
  }
  return first;
}

RawBatch toRaw(const Batch& batch) {
  const std::vector<uint32_t> first = firstRowOfValue(batch);
  RawBatch raw;
  raw.reserve(batch.size());
  for (uint32_t i = 0; i < batch.size(); ++i) {
    const Put& p = batch[i];
    if (!p.value) {
      raw.push_back(RawPut{p.table, p.pk, p.sk, std::string(), true});
    } else if (first[i] == i) {
      raw.push_back(RawPut{p.table, p.pk, p.sk, encodeValue(*p.value), false});
    } else {
      raw.push_back(RawPut{p.table, p.pk, p.sk, raw[first[i]].bytes, false, first[i]});
    }
  }
  return raw;
}

Batch fromRaw(const RawBatch& raw) {
  Batch batch;
  batch.reserve(raw.size());
  for (const RawPut& p : raw) {
    batch.push_back(Put{p.table, p.pk, p.sk,
                        p.erase ? nullptr : std::make_shared<const json>(decodeValue(p.bytes))});
  }
  return batch;
}

std::string encodeBatch(uint64_t lsn, const Batch& batch) { return encodeRecord(lsn, toRaw(batch)); }

Batch decodeBatch(const std::string& payload, uint64_t* lsn) {
  return fromRaw(decodeRecord(payload, lsn));
}

std::string encodeArchiveRange(uint64_t from, uint64_t to) {
  std::string out(1, static_cast<char>(kKindRange));
  putU64(out, from);
  putU64(out, to);
  return out;
}

bool decodeArchiveRange(const std::string& payload, uint64_t* from, uint64_t* to) {
  if (payload.empty() || static_cast<uint8_t>(payload[0]) != kKindRange) return false;
  Reader r(payload);
  r.u8();
  *from = r.u64();
  *to = r.u64();
  r.end();
  if (*from > *to) throw std::runtime_error("archive range ends before it starts");
  return true;
}

std::string encodeManifest(uint64_t lsn, uint64_t nextChunkId, const std::vector<ChunkRef>& chunks) {
  std::string out(1, static_cast<char>(kKindManifest));
  putU64(out, lsn);
  putU64(out, nextChunkId);
  putU32(out, static_cast<uint32_t>(chunks.size()));
  for (const ChunkRef& c : chunks) {
    putU64(out, c.id);
    putU32(out, c.rows);
    putU64(out, c.bytes);
    putBytes(out, c.firstKey);
  }
  return out;
}

std::vector<ChunkRef> decodeManifest(const std::string& payload, uint64_t* lsn, uint64_t* nextChunkId) {
  Reader r(payload);
  expectKind(r, kKindManifest);
  *lsn = r.u64();
  *nextChunkId = r.u64();
  const uint32_t n = r.u32();
  std::vector<ChunkRef> chunks;
  for (uint32_t i = 0; i < n; ++i) {
    ChunkRef c;
    c.id = r.u64();
    c.rows = r.u32();
    c.bytes = r.u64();
    r.bytes(c.firstKey);
    if (c.id >= *nextChunkId || (i > 0 && c.firstKey <= chunks.back().firstKey) || (i == 0 && !c.firstKey.empty())) {
      throw std::runtime_error("chunk list out of order");
    }
    chunks.push_back(std::move(c));
  }
  r.end();
  return chunks;
}

std::string encodeRows(const RawBatch& rows) {
  std::string out(1, static_cast<char>(kKindRows));
  putOps(out, rows, false);
  return out;
}

RawBatch decodeRows(const std::string& payload) {
  RawBatch rows;
  for (const RowView& v : decodeRowViews(payload)) {
    rows.push_back(RawPut{v.table, std::string(v.pk), std::string(v.sk), std::string(v.value)});
  }
  return rows;
}

std::vector<uint32_t> decodeRowOffsets(std::string_view payload) {
  Reader r(payload);
  expectKind(r, kKindRows);
  const uint32_t n = r.u32();
  std::vector<uint32_t> rows;
  rows.reserve(std::min<size_t>(n, payload.size() / 14));  // 14: the least bytes a row takes
  for (uint32_t i = 0; i < n; ++i) {
    rows.push_back(static_cast<uint32_t>(r.at()));  // payloads are at most kMaxRecordBytes
    const uint8_t t = r.u8();
    if (t >= kTableCount) throw std::runtime_error("unknown table in record");
    const uint8_t flags = r.u8();
    if (flags == kFlagErase) throw std::runtime_error("snapshot row without a value");
    if (flags != 0) throw std::runtime_error("unknown row flags in record");
    r.view();
    r.view();
    r.view();
  }
  r.end();
  return rows;
}

RowView rowAt(std::string_view payload, uint32_t offset) {
  // The layout decodeRowOffsets read: u8 table | u8 flags | str pk | str sk | str value.
  RowView v;
  v.table = static_cast<Table>(static_cast<uint8_t>(payload[offset]));
  size_t at = offset + 2;
  auto str = [&] {
    const uint32_t n = getU32(payload, at);
    const std::string_view out = payload.substr(at + 4, n);
    at += 4 + n;
    return out;
  };
  v.pk = str();
  v.sk = str();
  v.value = str();
  return v;
}

std::vector<RowView> decodeRowViews(std::string_view payload) {
  std::vector<RowView> rows;
  for (uint32_t offset : decodeRowOffsets(payload)) rows.push_back(rowAt(payload, offset));
  return rows;
}

RawBatch decodeSnapshotV1(const std::string& payload, uint64_t* lsn) {
  const json j = decodeMessagePack(payload);
  *lsn = j.at("lsn").get<uint64_t>();
  const json& tables = j.at("tables");
  if (!tables.is_array() || tables.size() != kTableCount) throw std::runtime_error("bad tables");
  RawBatch rows;
  for (int t = 0; t < kTableCount; ++t) {
    for (const json& row : tables[t]) {
      rows.push_back(RawPut{static_cast<Table>(t), row.at(0).get<std::string>(),
                            row.at(1).get<std::string>(), encodeValue(row.at(2)), false});
    }
  }
  return rows;
}

namespace {

// <prefix><n as 16 hex digits><suffix>: names that sort in number order.
std::string numberedName(const char* prefix, uint64_t n, const char* suffix) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%016llx%s", prefix, static_cast<unsigned long long>(n), suffix);
  return buf;
}

}  // namespace

std::string segmentName(uint64_t firstLsn) { return numberedName("seg-", firstLsn, ".ecl"); }
std::string snapshotName(uint64_t lsn) { return numberedName("snap-", lsn, ".ecs"); }
std::string archiveName(uint64_t lastLsn) { return numberedName("arc-", lastLsn, ".eca"); }
std::string chunkName(uint64_t id) { return numberedName("chk-", id, ".ecc"); }

bool parseName(const std::string& name, const char* prefix, const char* suffix, uint64_t* lsn) {
  const size_t pl = std::strlen(prefix), sl = std::strlen(suffix);
  if (name.size() != pl + 16 + sl || name.compare(0, pl, prefix) != 0 ||
      name.compare(pl + 16, sl, suffix) != 0) {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = pl; i < pl + 16; ++i) {
    const char c = name[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *lsn = v;
  return true;
}

}  // namespace edgecart::logfmt
