// libFuzzer: any bytes as a segment, a manifest, a chunk or an archive file. Reading them must
// report damage or decode, never crash or read out of bounds; what decodes re-encodes the same.
// The bytes are also a store's only segment on disk, opened and verified: verify says ok exactly
// when an open succeeds (the recovery path, not just the decoders).

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "edgecart/storage/file_store.h"

#include "edgecart/storage/log_format.h"

using namespace edgecart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  for (const char* magic : {logfmt::kSegmentMagic, logfmt::kSnapshotMagic, logfmt::kChunkMagic, logfmt::kArchiveMagic}) {
    const std::string file = std::string(magic, logfmt::kMagicSize) + raw;
    const logfmt::ScannedFile sf = logfmt::scanFile(file, magic, logfmt::kSegmentMagicV1);
    if (sf.goodBytes > file.size()) std::abort();
    for (const std::string& p : sf.payloads) {
      try {
        uint64_t lsn = 0;
        const logfmt::RawBatch batch = logfmt::decodeRecord(p, &lsn);
        if (logfmt::encodeRecord(lsn, batch) != p) std::abort();  // one encoding per record
      } catch (const std::exception&) {
      }
      try {
        uint64_t lsn = 0, next = 0;
        logfmt::decodeManifest(p, &lsn, &next);
      } catch (const std::exception&) {
      }
      try {
        // A chunk's rows: one encoding per payload, like a record's.
        if (logfmt::encodeRows(logfmt::decodeRows(p)) != p) std::abort();
      } catch (const std::exception&) {
      }
      try {
        uint64_t from = 0, to = 0;
        if (logfmt::decodeArchiveRange(p, &from, &to) && logfmt::encodeArchiveRange(from, to) != p) std::abort();
      } catch (const std::exception&) {
      }
    }
  }
  // As the store's only segment: recovery and verify must agree.
  static const std::string dir = [] {
    char tmpl[] = "/tmp/edgecart-fuzz-log.XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  for (const auto& e : std::filesystem::directory_iterator(dir)) std::filesystem::remove_all(e.path());
  {
    std::ofstream f(dir + "/" + logfmt::segmentName(1), std::ios::binary);
    f << std::string(logfmt::kSegmentMagic, logfmt::kMagicSize) << raw;
  }
  const bool ok = verifyStore(dir)["ok"].get<bool>();
  bool opened = true;
  try {
    FileStoreOptions o;
    o.readOnly = true;
    (void)FileStore::open(dir, o)->readAll();
  } catch (const std::exception&) {
    opened = false;
  }
  if (ok != opened) std::abort();
  // The raw bytes as a value, plain and keyed (format 004): decoding reports damage or gives a
  // value whose encoding decodes to the same value again (bytes compared: NaN is not equal to
  // itself).
  for (const std::string& bytes : {raw, std::string("\xC1", 1) + raw}) {
    try {
      const std::string once = logfmt::encodeValue(logfmt::decodeValue(bytes));
      if (logfmt::encodeValue(logfmt::decodeValue(once)) != once) std::abort();
    } catch (const std::exception&) {
    }
  }
  // The raw bytes as a payload too (no framing to get past).
  try {
    uint64_t lsn = 0;
    logfmt::decodeRecord(raw, &lsn);
  } catch (const std::exception&) {
  }
  try {
    uint64_t lsn = 0;
    logfmt::decodeRecord(raw, &lsn, 1);
  } catch (const std::exception&) {
  }
  return 0;
}
