// The FileStore's snapshots (docs/design.md §6): compaction keeps the log bounded and rewrites only the
// chunks that changed, crashes at every step of it recover, the audit trail goes to an archive
// an open never reads, and a store in the first format is migrated with nothing lost.

#include "store_files.h"

namespace edgecart::testing {
namespace {

TEST(FileStore, CompactionKeepsTheLogBoundedAndTheDataIdentical) {
  const FileStoreOptions options = fast(1024, 4096);
  TempDir dir;
  auto shop = openShop(dir.path(), options);
  fill(*shop, 0);
  for (int i = 1; i <= 150 && !HasFailure(); ++i) {
    ASSERT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
    if (i % 4 == 0) call(*shop, "PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}});
    const Files files = dirBytes(dir.path());
    const FileStoreStats stats = shop->fileStore()->stats();
    const std::vector<std::string> segs = named(files, "seg-"), snaps = named(files, "snap-");
    uint64_t logBytes = 0;
    for (const std::string& s : segs) logBytes += files.at(s).size() - logfmt::kMagicSize;
    EXPECT_LE(snaps.size(), 1u);
    EXPECT_EQ(segs.size() + snaps.size() + named(files, "chk-").size() +
                  named(files, "archive/arc-").size(),
              files.size())
        << "stray files";
    EXPECT_EQ(segs.size(), stats.segmentFiles);
    EXPECT_EQ(logBytes, stats.logBytesSinceSnapshot);
    // The log since the snapshot never outgrows the snapshot (or compactMinBytes) ...
    EXPECT_LT(logBytes, std::max<uint64_t>(options.compactMinBytes, stats.snapshotBytes));
    // ... and its segments are about segmentBytes each (two neighbours always exceed it).
    EXPECT_LE(segs.size(), 2 * logBytes / (options.segmentBytes - logfmt::kMagicSize) + 1);
  }
  const FileStoreStats stats = shop->fileStore()->stats();
  EXPECT_GE(stats.compactions, 3u);

  const Rows rows = rowsOf(shop->store());
  const json page = call(*shop, "GET", "/orders?limit=100&cursor=ORDER%23ORD-000020", nullptr).body;
  shop.reset();
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>()) << verifyStore(dir.path()).dump(2);
  shop = openShop(dir.path(), options);
  EXPECT_GT(shop->fileStore()->recovery().snapshotLsn, 0u);
  EXPECT_EQ(shop->fileStore()->stats().lastLsn, stats.lastLsn);
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  EXPECT_EQ(call(*shop, "GET", "/orders?limit=100&cursor=ORDER%23ORD-000020", nullptr).body, page);
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000151");
}

TEST(FileStore, LeftoverTemporarySnapshotIsIgnoredAndRemoved) {
  TempDir dir;
  Rows rows;
  {
    auto shop = openShop(dir.path(), fast(2048));
    fill(*shop, 6);
    shop->fileStore()->compact();
    ASSERT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
    rows = rowsOf(shop->store());
  }
  // A snapshot of a later state that was still being written when the process died.
  const Files files = dirBytes(dir.path());
  const std::string snap = named(files, "snap-").at(0);
  std::ofstream(fs::path(dir.path()) / (logfmt::snapshotName(99) + ".tmp"), std::ios::binary)
      << files.at(snap).substr(0, files.at(snap).size() / 2);
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>());
  auto shop = openShop(dir.path(), fast(2048));
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  Files withTemporary = files;
  withTemporary[logfmt::snapshotName(99) + ".tmp"] = files.at(snap).substr(0, files.at(snap).size() / 2);
  EXPECT_TRUE(dirBytes(dir.path()) == withTemporary) << "an open (a read) changes nothing";
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000008");
  const Files after = dirBytes(dir.path());
  EXPECT_EQ(after.count(logfmt::snapshotName(99) + ".tmp"), 0u) << "the first write removes the .tmp file";
  for (const auto& [name, bytes] : files) {
    if (name.rfind("seg-", 0) != 0) {
      EXPECT_TRUE(after.count(name) && after.at(name) == bytes) << name;
    }
  }
}

TEST(FileStore, CrashBetweenSnapshotRenameAndSegmentDeletionRecovers) {
  TempDir dir;
  Rows rows;
  Files leftovers;
  {
    auto shop = openShop(dir.path(), fast(2048));
    fill(*shop, 4);
    shop->fileStore()->compact();                // an older snapshot ...
    for (int i = 0; i < 5; ++i) call(*shop, "POST", "/orders", seedOrderRequest());
    leftovers = dirBytes(dir.path());            // ... and the segments written after it
    ASSERT_GE(named(leftovers, "seg-").size(), 2u);
    shop->fileStore()->compact();                // the new snapshot; then "crash" before cleanup:
    rows = rowsOf(shop->store());
  }
  for (const auto& [name, bytes] : leftovers) {
    std::ofstream(fs::path(dir.path()) / name, std::ios::binary) << bytes;
  }
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>()) << verifyStore(dir.path()).dump(2);
  {
    auto shop = openShop(dir.path(), fast(2048));
    EXPECT_TRUE(rowsOf(shop->store()) == rows);
    EXPECT_EQ(shop->fileStore()->recovery().recordsReplayed, 0u);
    EXPECT_EQ(named(dirBytes(dir.path()), "snap-").size(), 2u) << "an open (a read) changes nothing";
    EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000010");
    EXPECT_EQ(named(dirBytes(dir.path()), "snap-").size(), 1u) << "the first write removes the older snapshot";
    rows = rowsOf(shop->store());
  }
  auto shop = openShop(dir.path(), fast(2048));
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>());
}

TEST(FileStore, CompactionArchivesTheAuditTrailWhichOpenNeverReads) {
  TempDir dir;
  Rows rows;
  {
    auto shop = openShop(dir.path(), fast());
    fill(*shop, 9);
    shop->fileStore()->compact();
    ASSERT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);  // after the snapshot
    rows = rowsOf(shop->store());
  }
  const Files files = dirBytes(dir.path());
  ASSERT_EQ(named(files, "archive/arc-").size(), 1u);
  EXPECT_EQ(rows.count("command|ORDER#ORD-000001@1"), 1u);
  EXPECT_EQ(rows.count("history|ORDER#ORD-000003@1"), 1u);  // confirmed: version 1 kept
  const json report = verifyStore(dir.path());
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  EXPECT_EQ(report["archives"], 1);
  {
    // The whole audit trail reads back after reopening: archive + the segment after it.
    auto shop = openShop(dir.path(), fast());
    EXPECT_TRUE(rowsOf(shop->store()) == rows);
    // The snapshot holds the state only: 10 orders, 10 reservations, product, inventory, the
    // ORDER sequence, the list index of the orders (10 rows and its "built" mark) and the
    // product's look-ups (category, SKU, the words product, prd and 001, and their "built" mark).
    EXPECT_EQ(shop->fileStore()->stats().stateRows, 40u);
  }
  // Without the archive an open works and the state is whole; only old audit rows are gone.
  fs::remove_all(fs::path(dir.path()) / "archive");
  auto shop = openShop(dir.path(), fast());
  Rows without = rowsOf(shop->store());
  for (const auto& [key, value] : rows) {
    if (key.rfind("data|", 0) == 0) {
      EXPECT_EQ(without[key], value) << key;
    }
  }
  EXPECT_EQ(without.count("command|ORDER#ORD-000001@1"), 0u);
  EXPECT_EQ(without.count("command|ORDER#ORD-000010@1"), 1u) << "rows after the snapshot stay";
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000011");
}

// What one compaction writes after one more order, in a store of `orders` orders.
uint64_t compactionBytesAfterOneOrder(int orders, Files* unchanged = nullptr) {
  TempDir dir;
  FileStoreOptions options = fast();
  options.chunkBytes = 16 * 1024;
  auto shop = openShop(dir.path(), options);
  fill(*shop, orders);
  shop->fileStore()->compact();
  const Files before = dirBytes(dir.path());
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
  EXPECT_EQ(call(*shop, "PATCH", "/orders/ORD-000002/status", {{"status", "cancelled"}}).status, 200);
  shop->fileStore()->compact();
  const FileStoreStats stats = shop->fileStore()->stats();
  EXPECT_GT(stats.snapshotChunks, 3u);
  if (unchanged) {
    // Chunks kept by the second compaction are the very same files.
    for (const auto& [name, bytes] : dirBytes(dir.path())) {
      if (name.rfind("chk-", 0) == 0 && before.count(name)) (*unchanged)[name] = bytes;
    }
    for (const auto& [name, bytes] : *unchanged) EXPECT_EQ(before.at(name), bytes) << name;
  }
  const Rows rows = rowsOf(shop->store());
  shop.reset();
  shop = openShop(dir.path(), options);
  EXPECT_TRUE(rowsOf(shop->store()) == rows) << "state after the partial rewrite differs";
  EXPECT_EQ(call(*shop, "GET", "/orders/ORD-000002", nullptr).body["attributes"]["status"], "cancelled");
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>()) << verifyStore(dir.path()).dump(2);
  return stats.lastCompactionBytes;
}

TEST(FileStore, CompactionRewritesOnlyTheChunksThatChangedSoItsCostIsFlat) {
  Files unchanged;
  const uint64_t small = compactionBytesAfterOneOrder(300);
  const uint64_t large = compactionBytesAfterOneOrder(3000, &unchanged);
  EXPECT_GT(unchanged.size(), 10u) << "most chunks of a large store are kept as they are";
  // One new order and one status change dirty a few chunks, whatever the size of the store.
  EXPECT_LT(large, 2 * small + 64 * 1024) << "small " << small << ", large " << large;
}

TEST(FileStore, CrashBeforeTheNewManifestLeavesTheOldSnapshotInCharge) {
  TempDir dir;
  FileStoreOptions options = fast();
  options.chunkBytes = 4 * 1024;
  Rows rows;
  Files crashed;
  {
    auto shop = openShop(dir.path(), options);
    fill(*shop, 30);
    shop->fileStore()->compact();
    ASSERT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
    rows = rowsOf(shop->store());
    const Files before = dirBytes(dir.path());
    shop->fileStore()->compact();
    // A crash after the new chunk files but before the new manifest: the old files are back,
    // the new chunks are left over.
    crashed = before;
    for (const auto& [name, bytes] : dirBytes(dir.path())) {
      if (name.rfind("chk-", 0) == 0 && !before.count(name)) crashed[name] = bytes;
    }
    ASSERT_GT(crashed.size(), before.size());
  }
  writeDir(dir.path(), crashed);
  const json report = verifyStore(dir.path());
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  auto shop = openShop(dir.path(), options);
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  for (const auto& [name, bytes] : dirBytes(dir.path())) {
    if (name.rfind("chk-", 0) == 0) {
      EXPECT_TRUE(crashed.count(name)) << name;
    }
  }
  EXPECT_TRUE(dirBytes(dir.path()) == crashed) << "an open (a read) changes nothing";
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000032");
  EXPECT_LT(named(dirBytes(dir.path()), "chk-").size(), named(crashed, "chk-").size())
      << "the first write removed the unused chunks";
}

TEST(FileStore, DamagedArchiveIsReportedButDoesNotStopAnOpen) {
  TempDir dir;
  {
    auto shop = openShop(dir.path(), fast());
    fill(*shop, 3);
    shop->fileStore()->compact();
  }
  const std::string arc = named(dirBytes(dir.path()), "archive/arc-").at(0);
  {
    std::fstream f(fs::path(dir.path()) / arc, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(logfmt::kMagicSize + logfmt::kRecordHeaderSize + 3));
    f.put('\x7f');
  }
  const json report = verifyStore(dir.path());
  EXPECT_FALSE(report["ok"].get<bool>());
  EXPECT_EQ(report["damage"].at(0)["file"], arc) << report.dump(2);
  auto shop = openShop(dir.path(), fast());
  EXPECT_EQ(call(*shop, "GET", "/orders/ORD-000003", nullptr).status, 200);
}

// A store of an older format (tests/fixtures/v2-store, v3-store: a snapshot with its chunk, an
// archive, and four records after them, each written by the CLI of its version by the same steps)
// opens read-only and read-write without a byte changing, answers as it did, and its first write
// migrates it to the current format with every row of the old files kept: the state, the whole
// audit trail, and the write.
void oldFormatOpensAsItIsAndItsFirstWriteMigratesIt(const std::string& fixture, int version) {
  TempDir dir;
  fs::copy(fixture, dir.path(), fs::copy_options::recursive);
  const Files original = dirBytes(dir.path());
  ASSERT_EQ(named(original, "seg-").size(), 1u);
  ASSERT_EQ(named(original, "archive/").size(), 1u);
  json report = verifyStore(dir.path());
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  EXPECT_EQ(report["formatVersion"], version);
  // Every row, read straight from the old files: the chunk, the archive, then the segment.
  Rows expected;
  {
    TableImage fixture;
    uint64_t lsn = 0;
    for (const auto& [name, bytes] : original) {
      if (name.rfind("chk-", 0) != 0) continue;
      const auto chunk = logfmt::scanFile(bytes, logfmt::kChunkMagics);
      ASSERT_EQ(chunk.version, version);
      fixture.apply(logfmt::fromRaw(logfmt::decodeRows(chunk.payloads.at(0))));
    }
    for (const char* kind : {"archive/", "seg-"}) {
      const std::string& bytes = original.at(named(original, kind).at(0));
      const auto file = logfmt::scanFile(bytes, kind[0] == 'a' ? logfmt::kArchiveMagics : logfmt::kSegmentMagics);
      ASSERT_EQ(file.version, version) << kind;
      for (const std::string& p : file.payloads) {
        uint64_t from = 0;
        if (kind[0] == 'a' && logfmt::decodeArchiveRange(p, &from, &lsn)) continue;
        fixture.apply(logfmt::fromRaw(logfmt::decodeRecord(p, &lsn, version)));
      }
    }
    expected = rowsOf(fixture);
  }
  ASSERT_GT(expected.size(), 40u);
  EXPECT_EQ(expected.count("command|ORDER#ORD-000001@4"), 1u);  // shipped, after the snapshot
  EXPECT_EQ(expected.count("history|ORDER#ORD-000001@1"), 1u);  // archived before it
  {
    FileStoreOptions readOnly = fast();
    readOnly.readOnly = true;
    auto reader = FileStore::open(dir.path(), readOnly);
    EXPECT_TRUE(rowsOf(*reader) == expected) << "a read-only open differs from the old files";
    EXPECT_EQ(reader->recovery().migratedFromVersion, version);
  }
  EXPECT_TRUE(dirBytes(dir.path()) == original) << "a read-only open changed the old files";
  Rows after;
  {
    auto shop = openShop(dir.path(), fast());
    EXPECT_EQ(shop->fileStore()->recovery().migratedFromVersion, version);
    EXPECT_TRUE(rowsOf(shop->store()) == expected);
    EXPECT_EQ(call(*shop, "GET", "/orders/ORD-000001", nullptr).body["attributes"]["status"], "shipped");
    EXPECT_EQ(call(*shop, "GET", "/orders/ORD-000002", nullptr).body["attributes"]["status"], "cancelled");
    const json stock = call(*shop, "GET", "/inventory/PRD-002", nullptr).body["attributes"];
    EXPECT_EQ(stock["quantity"], 55);
    EXPECT_EQ(stock["reservedQuantity"], 1);
    EXPECT_TRUE(dirBytes(dir.path()) == original) << "reads leave the old format as it is";
    const Response sold = call(*shop, "POST", "/orders", seedOrderRequest());  // the first write
    ASSERT_EQ(sold.status, 201) << sold.body.dump();
    EXPECT_EQ(sold.body["code"], "ORD-000004");
    after = rowsOf(shop->store());
  }
  for (const auto& [key, value] : expected) {
    if (key.rfind("data|", 0) == 0 || key.rfind("sequence|", 0) == 0) continue;  // the write moves these on
    ASSERT_TRUE(after.count(key)) << key << " was lost";
    EXPECT_EQ(after.at(key), value) << key;
  }
  EXPECT_EQ(after.count("command|ORDER#ORD-000004@1"), 1u);
  EXPECT_EQ(after.at("data|ORDER#ORD-000002"), expected.at("data|ORDER#ORD-000002"));
  const Files files = dirBytes(dir.path());
  for (const std::string& name : named(files, "seg-")) {
    EXPECT_EQ(files.at(name).compare(0, logfmt::kMagicSize, logfmt::kSegmentMagic), 0) << name;
  }
  const std::string snapshot = named(files, "snap-").at(0);
  EXPECT_EQ(files.at(snapshot).compare(0, logfmt::kMagicSize, logfmt::kSnapshotMagic), 0);
  EXPECT_EQ(files.at(named(original, "archive/").at(0)), original.at(named(original, "archive/").at(0)))
      << "a sealed old archive stays as it is";
  report = verifyStore(dir.path());
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  EXPECT_EQ(report["formatVersion"], logfmt::kFormatVersion);
  auto shop = openShop(dir.path(), fast());
  EXPECT_EQ(shop->fileStore()->recovery().migratedFromVersion, 0);
  EXPECT_TRUE(rowsOf(shop->store()) == after);
}

TEST(FileStore, Format002OpensAsItIsAndItsFirstWriteMigratesItWithNothingLost) {
  oldFormatOpensAsItIsAndItsFirstWriteMigratesIt(EDGECART_FIXTURES "/v2-store", 2);
}

// 003 values are plain MessagePack; 004 writes them keyed: a migrated store holds both kinds.
TEST(FileStore, Format003OpensAsItIsAndItsFirstWriteMigratesItWithNothingLost) {
  oldFormatOpensAsItIsAndItsFirstWriteMigratesIt(EDGECART_FIXTURES "/v3-store", 3);
}

// A store written by the first release (format 001: values as MessagePack maps, one snapshot
// record holding all four tables) is read and rewritten in the current format with nothing lost.
TEST(FileStore, Format001IsMigratedWithNothingLost) {
  TempDir dir;
  for (const auto& e : fs::directory_iterator(EDGECART_FIXTURES "/v1-store")) {
    fs::copy_file(e.path(), fs::path(dir.path()) / e.path().filename());
  }
  EXPECT_EQ(verifyStore(dir.path())["formatVersion"], 1);
  const Files original = dirBytes(dir.path());
  Rows rows;
  {
    auto shop = openShop(dir.path(), fast());
    EXPECT_EQ(shop->fileStore()->recovery().migratedFromVersion, 1);
    rows = rowsOf(shop->store());
    EXPECT_TRUE(dirBytes(dir.path()) == original) << "reads leave format 001 as it is";
    const Response one = call(*shop, "GET", "/orders/ORD-000001", nullptr);
    EXPECT_EQ(one.body["attributes"]["status"], "confirmed");
    EXPECT_EQ(one.body["version"], 2);
    EXPECT_EQ(call(*shop, "GET", "/orders/ORD-000002", nullptr).body["attributes"]["status"], "cancelled");
    EXPECT_EQ(call(*shop, "GET", "/inventory/PRD-001", nullptr).body["attributes"]["reservedQuantity"], 2);
    EXPECT_TRUE(dirBytes(dir.path()) == original) << "reads leave format 001 as it is";
    shop->fileStore()->compact();  // the first write migrates (a compaction writes nothing else)
  }
  // Every row of format 001 is still there, the state and the whole audit trail: the rows read
  // straight from the 001 files (their snapshot, then their log), not through the migration.
  {
    TableImage fixture;
    uint64_t lsn = 0;
    const auto snapshot = logfmt::scanFile(readAll(EDGECART_FIXTURES "/v1-store/snap-0000000000000004.ecs"),
                                           logfmt::kSnapshotMagic, logfmt::kSnapshotMagicV1);
    ASSERT_EQ(snapshot.version, 1);
    fixture.apply(logfmt::fromRaw(logfmt::decodeSnapshotV1(snapshot.payloads.at(0), &lsn)));
    const auto segment = logfmt::scanFile(readAll(EDGECART_FIXTURES "/v1-store/seg-0000000000000005.ecl"),
                                          logfmt::kSegmentMagic, logfmt::kSegmentMagicV1);
    ASSERT_EQ(segment.version, 1);
    for (const std::string& p : segment.payloads) fixture.apply(logfmt::fromRaw(logfmt::decodeRecord(p, &lsn, 1)));
    Rows expected = rowsOf(fixture);
    ASSERT_GT(expected.size(), 10u);
    EXPECT_TRUE(rows == expected) << "the store as opened differs from the 001 files";
  }
  EXPECT_EQ(rows.count("command|ORDER#ORD-000001@1"), 1u);
  EXPECT_EQ(rows.count("history|ORDER#ORD-000001@1"), 1u);
  EXPECT_EQ(rows.count("command|ORDER#ORD-000002@2"), 1u);
  const Files files = dirBytes(dir.path());
  for (const auto& [name, bytes] : files) {
    const char* magic = name.rfind("snap-", 0) == 0      ? logfmt::kSnapshotMagic
                        : name.rfind("chk-", 0) == 0     ? logfmt::kChunkMagic
                        : name.rfind("archive/", 0) == 0 ? logfmt::kArchiveMagic
                                                         : logfmt::kSegmentMagic;
    EXPECT_EQ(bytes.compare(0, logfmt::kMagicSize, magic), 0) << name;
  }
  const json report = verifyStore(dir.path());
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  EXPECT_EQ(report["formatVersion"], logfmt::kFormatVersion);
  auto shop = openShop(dir.path(), fast());
  EXPECT_EQ(shop->fileStore()->recovery().migratedFromVersion, 0);
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  // The 001 fixture priced PRD-001 at JPY 29.99, which the yen's minor unit (0) no longer allows:
  // an order at that price is refused, naming the rule, until the shop corrects the price.
  const Response refused = call(*shop, "POST", "/orders", seedOrderRequest());
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["message"], "the price of PRD-001 must be a whole number: JPY has no minor unit");
  ASSERT_EQ(call(*shop, "PATCH", "/products/PRD-001", {{"price", 3000}}).status, 200);
  json order = seedOrderRequest();
  order["items"][0]["price"] = 3000;
  EXPECT_EQ(call(*shop, "POST", "/orders", order).body["code"], "ORD-000003");
}

}  // namespace
}  // namespace edgecart::testing

namespace edgecart::testing {
namespace {

// Archives chain their ranges of records, so a deleted archive file is a gap verify reports
// (before, the archived record count just dropped).
TEST(FileStore, ADeletedArchiveFileIsReported) {
  TempDir dir;
  {
    auto shop = openShop(dir.path(), fast());
    fill(*shop, 0);
    for (int round = 0; round < 3; ++round) {
      shop->fileStore()->compact();
      call(*shop, "POST", "/orders", seedOrderRequest());
      shop->fileStore()->compact();
    }
  }
  const std::vector<std::string> arcs = named(dirBytes(dir.path()), "archive/arc-");
  ASSERT_GE(arcs.size(), 3u);
  ASSERT_TRUE(verifyStore(dir.path())["ok"].get<bool>()) << verifyStore(dir.path()).dump(2);
  for (const std::string& arc : arcs) {
    SCOPED_TRACE("without " + arc);
    const Files files = dirBytes(dir.path());
    fs::remove(fs::path(dir.path()) / arc);
    const json report = verifyStore(dir.path());
    EXPECT_FALSE(report["ok"].get<bool>()) << report.dump(2);
    bool gap = false;
    for (const json& d : report["damage"]) gap = gap || d["problem"].get<std::string>().find("gap") != std::string::npos;
    EXPECT_TRUE(gap) << report.dump(2);
    writeDir(dir.path(), files);
  }
  fs::remove_all(fs::path(dir.path()) / "archive");
  EXPECT_FALSE(verifyStore(dir.path())["ok"].get<bool>()) << "the whole archive directory deleted";
}

}  // namespace
}  // namespace edgecart::testing
