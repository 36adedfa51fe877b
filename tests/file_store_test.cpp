// Durability of the FileStore (SPEC §6): commits survive reopening, a torn tail is dropped at any
// offset, any other damage is detected and refused without touching the files, compaction keeps
// the log bounded, crashes during compaction recover, and a commit costs the same at any size.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "edgecart/error.h"
#include "edgecart/log_format.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;  // file name -> bytes, as dirBytes returns
using Rows = std::map<std::string, std::string>;   // "table|sk" -> value

const std::string kPk = "TENANT#shop-a";
const Context kCtx{"shop-a", "user-1", {}};

FileStoreOptions fast(size_t segmentBytes = 64 * 1024, size_t compactMinBytes = size_t{1} << 30) {
  FileStoreOptions o;
  o.segmentBytes = segmentBytes;
  o.compactMinBytes = compactMinBytes;
  o.fsync = false;
  return o;
}

Value val(json j) { return std::make_shared<const json>(std::move(j)); }

void writeDir(const std::string& dir, const Files& files) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : files) {
    fs::create_directories((fs::path(dir) / name).parent_path());
    std::ofstream(fs::path(dir) / name, std::ios::binary) << bytes;
  }
}

std::vector<std::string> named(const Files& files, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [name, bytes] : files) {
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

// Every row of the tenant, in every table.
template <class S>
Rows rowsOf(const S& store) {
  Rows rows;
  for (int t = 0; t < kTableCount; ++t) {
    store.scan(static_cast<Table>(t), kPk, "", "", [&](const std::string& sk, const Value& v) {
      rows[std::string(tableName(static_cast<Table>(t))) + "|" + sk] = v->dump();
      return true;
    });
  }
  return rows;
}

std::unique_ptr<Shop> openShop(const std::string& dir, FileStoreOptions options) {
  return Shop::openDirectory(dir, options, {}, std::make_unique<ManualClock>(kSeedTime));
}

Response call(Shop& shop, const std::string& method, const std::string& path, const json& body) {
  return shop.handle(kCtx, method, path, body.is_null() ? "" : body.dump());
}

// A product with plenty of stock and `orders` seed orders, every third one confirmed.
void fill(Shop& shop, int orders) {
  ASSERT_EQ(call(shop, "POST", "/products", productRequest("PRD-001")).status, 201);
  ASSERT_EQ(call(shop, "PATCH", "/inventory/PRD-001", {{"quantity", 1000000}}).status, 200);
  for (int i = 1; i <= orders; ++i) {
    Response r = call(shop, "POST", "/orders", seedOrderRequest());
    ASSERT_EQ(r.status, 201);
    if (i % 3 == 0) {
      ASSERT_EQ(call(shop, "PATCH", "/orders/" + r.body["code"].get<std::string>() + "/status",
                     {{"status", "confirmed"}}).status, 200);
    }
  }
}

// A log of several orders in sealed segments, then an active segment that ends with an order,
// a status change and two inventory changes.
Files buildLog(const std::string& dir) {
  auto shop = openShop(dir, fast(8 * 1024));
  fill(*shop, 0);
  while (named(dirBytes(dir), "seg-").size() < 2) call(*shop, "POST", "/orders", seedOrderRequest());
  EXPECT_EQ(call(*shop, "PATCH", "/orders/ORD-000001/status", {{"status", "confirmed"}}).status, 200);
  for (int i = 0; i < 2; ++i) call(*shop, "PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}});
  return dirBytes(dir);
}

// Opening must fail with a 500 naming `file`, leave the directory exactly as it was, and say
// the same through verifyStore.
void expectRefused(const std::string& dir, const std::string& file, FileStoreOptions options = fast()) {
  const Files before = dirBytes(dir);
  const json report = verifyStore(dir);
  EXPECT_FALSE(report["ok"].get<bool>()) << report.dump(2);
  bool found = false;
  for (const json& d : report["damage"]) found = found || (d["file"] == file && d["fatal"] == true);
  EXPECT_TRUE(found) << "no fatal damage entry for " << file << ": " << report.dump(2);
  try {
    FileStore::open(dir, options);
    ADD_FAILURE() << "FileStore::open accepted a damaged " << file;
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
  EXPECT_THROW(openShop(dir, options), ApiError);
  EXPECT_TRUE(dirBytes(dir) == before) << "a failed open changed the directory";
}

TEST(FileStore, CommitsSurviveReopen) {
  TempDir dir;
  {
    auto store = FileStore::open(dir.path());
    store->commit({{Table::Data, kPk, "A", val({{"n", 1}})}, {Table::Command, kPk, "A@1", val({{"n", 1}})}});
    store->commit({{Table::Data, kPk, "B", val({{"n", 2}})}});
    store->commit({{Table::Data, kPk, "A", nullptr}, {Table::Sequence, kPk, "ORDER", val({{"value", 7}})}});
    store->commit({});  // an empty batch writes nothing
    EXPECT_EQ(store->stats().lastLsn, 3u);
  }
  auto store = FileStore::open(dir.path());
  EXPECT_EQ(store->recovery().recordsReplayed, 3u);
  EXPECT_EQ(store->recovery().tornBytesDropped, 0u);
  EXPECT_EQ(store->recovery().snapshotLsn, 0u);
  EXPECT_EQ(store->stats().lastLsn, 3u);
  EXPECT_EQ(store->get(Table::Data, kPk, "A"), nullptr);
  EXPECT_EQ(*store->get(Table::Data, kPk, "B"), json({{"n", 2}}));
  EXPECT_EQ(*store->get(Table::Command, kPk, "A@1"), json({{"n", 1}}));
  EXPECT_EQ(*store->get(Table::Sequence, kPk, "ORDER"), json({{"value", 7}}));
  store->commit({{Table::Data, kPk, "C", val(3)}});
  EXPECT_EQ(store->stats().lastLsn, 4u);
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>());
}

TEST(FileStore, ShopStateAndOrderSequenceSurviveReopen) {
  TempDir dir;
  Rows rows;
  json orders;
  {
    auto shop = openShop(dir.path(), FileStoreOptions{});
    fill(*shop, 4);
    rows = rowsOf(shop->store());
    orders = call(*shop, "GET", "/orders", nullptr).body;
  }
  auto shop = openShop(dir.path(), FileStoreOptions{});
  EXPECT_EQ(rowsOf(shop->store()), rows);
  EXPECT_EQ(call(*shop, "GET", "/orders", nullptr).body, orders);
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000005");
  EXPECT_EQ(call(*shop, "GET", "/inventory/PRD-001", nullptr).body["attributes"]["reservedQuantity"], 10);
}

TEST(FileStore, TornTailAtEveryOffsetKeepsEveryWholeRecordAndDropsTheRest) {
  TempDir src;
  const Files files = buildLog(src.path());
  const std::vector<std::string> segs = named(files, "seg-");
  ASSERT_GE(segs.size(), 2u) << "want sealed segments before the active one";
  const std::string& last = segs.back();
  const std::string& bytes = files.at(last);
  const logfmt::ScannedFile scanned = logfmt::scanFile(bytes, logfmt::kSegmentMagic);
  ASSERT_EQ(scanned.damage, logfmt::Damage::None);
  const size_t n = scanned.payloads.size();
  ASSERT_GE(n, 3u);

  // The state after the sealed segments and then after each whole record of the last one.
  TableImage image;
  uint64_t sealedRecords = 0, lsn = 0;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    for (const std::string& p : logfmt::scanFile(files.at(segs[i]), logfmt::kSegmentMagic).payloads) {
      image.apply(logfmt::decodeBatch(p, &lsn));
      ++sealedRecords;
    }
  }
  std::vector<size_t> ends = {logfmt::kMagicSize};  // ends[k]: offset just past k whole records
  std::vector<Rows> expected = {rowsOf(image)};
  for (const std::string& p : scanned.payloads) {
    ends.push_back(ends.back() + logfmt::kRecordHeaderSize + p.size());
    image.apply(logfmt::decodeBatch(p, &lsn));
    expected.push_back(rowsOf(image));
  }
  ASSERT_EQ(ends.back(), bytes.size());

  TempDir work;
  writeDir(work.path(), files);
  const fs::path lastPath = fs::path(work.path()) / last;
  for (size_t cut = ends[n - 3]; cut <= bytes.size() && !HasFailure(); ++cut) {
    SCOPED_TRACE("last segment cut to " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    const size_t k = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin()) - 1;
    // Only the last segment differs between runs (open and commit never touch sealed ones).
    for (const auto& e : fs::directory_iterator(work.path())) {
      if (!files.count(e.path().filename().string())) fs::remove(e.path());
    }
    std::ofstream(lastPath, std::ios::binary) << bytes.substr(0, cut);
    if (cut <= ends[k] + 1) {  // verify reads everything: ask it at and just past each boundary
      const json report = verifyStore(work.path());
      EXPECT_TRUE(report["ok"].get<bool>()) << report.dump();
      EXPECT_EQ(report["records"], sealedRecords + k);
    }
    std::unique_ptr<FileStore> store;
    ASSERT_NO_THROW(store = FileStore::open(work.path(), fast(8 * 1024)));
    EXPECT_EQ(store->stats().lastLsn, sealedRecords + k);
    EXPECT_EQ(store->recovery().tornBytesDropped, cut - ends[k]);
    EXPECT_TRUE(rowsOf(*store) == expected[k]) << "state differs from the first " << k << " records";
    EXPECT_EQ(fs::file_size(fs::path(work.path()) / last), ends[k]);

    ASSERT_NO_THROW(store->commit({{Table::Data, kPk, "MARK", val(cut)}}));
    store.reset();
    store = FileStore::open(work.path(), fast(8 * 1024));
    EXPECT_EQ(store->stats().lastLsn, sealedRecords + k + 1);
    EXPECT_EQ(store->recovery().tornBytesDropped, 0u);
    ASSERT_NE(store->get(Table::Data, kPk, "MARK"), nullptr);
    EXPECT_EQ(*store->get(Table::Data, kPk, "MARK"), json(cut));
  }
}

TEST(FileStore, NewSegmentCutInsideItsHeaderIsRepaired) {
  TempDir src;
  {
    auto store = FileStore::open(src.path(), fast());
    for (int i = 0; i < 3; ++i) store->commit({{Table::Data, kPk, "K" + std::to_string(i), val(i)}});
  }
  const Files files = dirBytes(src.path());
  TempDir work;
  for (size_t cut = 0; cut < logfmt::kMagicSize; ++cut) {
    SCOPED_TRACE("new segment of " + std::to_string(cut) + " bytes");
    Files crashed = files;
    crashed[logfmt::segmentName(4)] = std::string(logfmt::kSegmentMagic, cut);
    writeDir(work.path(), crashed);
    std::unique_ptr<FileStore> store;
    ASSERT_NO_THROW(store = FileStore::open(work.path(), fast()));
    EXPECT_EQ(store->stats().lastLsn, 3u);
    EXPECT_EQ(store->recovery().tornBytesDropped, cut);
    store->commit({{Table::Data, kPk, "K3", val(3)}});
    store.reset();
    store = FileStore::open(work.path(), fast());
    EXPECT_EQ(store->stats().lastLsn, 4u);
    EXPECT_EQ(rowsOf(*store).size(), 4u);
    EXPECT_TRUE(verifyStore(work.path())["ok"].get<bool>());
  }
}

TEST(FileStore, FlippedByteOrDamagedLengthIsDetectedNotTreatedAsTorn) {
  TempDir src;
  const Files files = buildLog(src.path());
  const std::vector<std::string> segs = named(files, "seg-");
  ASSERT_GE(segs.size(), 2u);
  const std::string &sealed = segs.front(), &active = segs.back();
  const auto records = [&](const std::string& seg) {
    return logfmt::scanFile(files.at(seg), logfmt::kSegmentMagic).payloads;
  };
  ASSERT_GE(records(sealed).size(), 2u);
  ASSERT_GE(records(active).size(), 3u);
  const auto offsetOf = [&](const std::string& seg, size_t record) {  // of its header
    size_t at = logfmt::kMagicSize;
    for (size_t i = 0; i < record; ++i) at += logfmt::kRecordHeaderSize + records(seg)[i].size();
    return at;
  };
  const auto middleOf = [&](const std::string& seg, size_t record) {
    return offsetOf(seg, record) + logfmt::kRecordHeaderSize + records(seg)[record].size() / 2;
  };
  struct Flip {
    std::string what, file;
    size_t offset;
    bool corrupt;  // what scanFile must call it: Corrupt, never a TornTail to drop silently
  };
  const size_t lastOfActive = records(active).size() - 1;
  const std::vector<Flip> flips = {
      {"payload of the first record of a sealed segment", sealed, middleOf(sealed, 0), true},
      {"checksum of the first record of a sealed segment", sealed, offsetOf(sealed, 0) + 8, true},
      // (A sealed segment is never torn: its bad last record is refused at open, not dropped.)
      {"payload of the last record of a sealed segment", sealed,
       middleOf(sealed, records(sealed).size() - 1), false},
      {"payload of a middle record of the active segment", active, middleOf(active, 1), true},
      {"length of a middle record of the active segment", active, offsetOf(active, 1), true},
      {"length of the last record of the active segment", active, offsetOf(active, lastOfActive) + 1,
       true},
      {"file header of a sealed segment", sealed, 3, true},
  };
  TempDir work;
  for (const Flip& f : flips) {
    SCOPED_TRACE(f.what);
    Files damaged = files;
    damaged[f.file][f.offset] ^= 0x20;
    writeDir(work.path(), damaged);
    if (f.corrupt) {
      EXPECT_EQ(logfmt::scanFile(damaged[f.file], logfmt::kSegmentMagic).damage, logfmt::Damage::Corrupt);
    }
    expectRefused(work.path(), f.file);
  }
}

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
  EXPECT_TRUE(dirBytes(dir.path()) == files) << "the .tmp file should be gone, nothing else changed";
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000008");
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
    EXPECT_EQ(named(dirBytes(dir.path()), "snap-").size(), 1u) << "the older snapshot is removed";
    EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000010");
    rows = rowsOf(shop->store());
  }
  auto shop = openShop(dir.path(), fast(2048));
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>());
}

// Bytes one POST /orders makes the store write, checking that only the active segment changes
// and only by appending.
size_t bytesForOneOrder(int ordersAlready) {
  TempDir dir;
  auto shop = openShop(dir.path(), fast());
  fill(*shop, 0);
  for (int i = 0; i < ordersAlready; ++i) call(*shop, "POST", "/orders", seedOrderRequest());
  const Files before = dirBytes(dir.path());
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
  const Files after = dirBytes(dir.path());
  EXPECT_EQ(shop->fileStore()->stats().compactions, 0u);
  std::vector<std::string> changed;
  for (const auto& [name, bytes] : after) {
    if (!before.count(name) || before.at(name) != bytes) changed.push_back(name);
  }
  for (const auto& [name, bytes] : before) EXPECT_TRUE(after.count(name)) << name << " vanished";
  EXPECT_EQ(changed.size(), 1u);
  if (changed.size() != 1) return 0;
  const std::string& seg = after.at(changed[0]);
  const std::string old = before.count(changed[0]) ? before.at(changed[0]) : logfmt::kSegmentMagic;
  EXPECT_EQ(seg.compare(0, old.size(), old), 0) << "the active segment was rewritten, not appended";
  return seg.size() - old.size();
}

TEST(FileStore, PersistCostOfAnOrderIsFlatInStoreSize) {
  const size_t small = bytesForOneOrder(10);
  const size_t large = bytesForOneOrder(2000);
  ASSERT_GT(small, 0u);
  EXPECT_NEAR(static_cast<double>(large), static_cast<double>(small), 0.1 * small);
}

TEST(FileStore, FailedOpenOfADamagedDirectoryWritesNothing) {
  TempDir src;
  {
    auto shop = openShop(src.path(), fast(2048));
    fill(*shop, 6);
    shop->fileStore()->compact();
    for (int i = 0; i < 6; ++i) call(*shop, "POST", "/orders", seedOrderRequest());
  }
  Files files = dirBytes(src.path());
  const std::vector<std::string> segs = named(files, "seg-");
  const std::string snap = named(files, "snap-").at(0);
  ASSERT_GE(segs.size(), 3u);
  // Things a successful open would clean up or repair: a torn tail, a .tmp file, an old snapshot.
  files[segs.back()] += files[segs.back()].substr(logfmt::kMagicSize, 20);
  files[logfmt::snapshotName(1) + ".tmp"] = "partial";
  files[logfmt::snapshotName(1)] = files[snap];
  TempDir work;
  {
    SCOPED_TRACE("a sealed segment with a flipped byte");
    Files damaged = files;
    damaged[segs[0]][damaged[segs[0]].size() / 2] ^= 1;
    writeDir(work.path(), damaged);
    expectRefused(work.path(), segs[0]);
  }
  {
    SCOPED_TRACE("a missing middle segment");
    Files damaged = files;
    damaged.erase(segs[1]);
    writeDir(work.path(), damaged);
    expectRefused(work.path(), segs[2]);
  }
  {
    SCOPED_TRACE("a chunk of the snapshot with a flipped byte");
    Files damaged = files;
    const std::string chunk = named(files, "chk-").at(0);
    damaged[chunk][damaged[chunk].size() / 2] ^= 1;
    writeDir(work.path(), damaged);
    expectRefused(work.path(), chunk);
  }
  {
    SCOPED_TRACE("a missing chunk of the snapshot");
    Files damaged = files;
    const std::string chunk = named(files, "chk-").at(0);
    damaged.erase(chunk);
    writeDir(work.path(), damaged);
    expectRefused(work.path(), chunk);
  }
  {
    SCOPED_TRACE("a damaged newest snapshot");
    Files damaged = files;
    damaged[snap][damaged[snap].size() / 2] ^= 1;
    writeDir(work.path(), damaged);
    expectRefused(work.path(), snap);
  }
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
    // The snapshot holds the state only: 10 orders, 10 reservations, product, inventory,
    // and the ORDER sequence.
    EXPECT_EQ(shop->fileStore()->stats().stateRows, 23u);
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
  EXPECT_LT(dirBytes(dir.path()).size(), crashed.size()) << "the unused chunks were removed";
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000032");
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

// A store written by the first release (format 001: values as MessagePack maps, one snapshot
// record holding all four tables) is read and rewritten in format 002 with nothing lost.
TEST(FileStore, Format001IsMigratedWithNothingLost) {
  TempDir dir;
  for (const auto& e : fs::directory_iterator(EDGECART_FIXTURES "/v1-store")) {
    fs::copy_file(e.path(), fs::path(dir.path()) / e.path().filename());
  }
  EXPECT_EQ(verifyStore(dir.path())["formatVersion"], 1);
  Rows rows;
  {
    auto shop = openShop(dir.path(), fast());
    EXPECT_EQ(shop->fileStore()->recovery().migratedFromVersion, 1);
    rows = rowsOf(shop->store());
    const Response one = call(*shop, "GET", "/orders/ORD-000001", nullptr);
    EXPECT_EQ(one.body["attributes"]["status"], "confirmed");
    EXPECT_EQ(one.body["version"], 2);
    EXPECT_EQ(call(*shop, "GET", "/orders/ORD-000002", nullptr).body["attributes"]["status"], "cancelled");
    EXPECT_EQ(call(*shop, "GET", "/inventory/PRD-001", nullptr).body["attributes"]["reservedQuantity"], 2);
  }
  // Every row of format 001 is still there: the state and the whole audit trail.
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
  EXPECT_EQ(report["formatVersion"], 2);
  auto shop = openShop(dir.path(), fast());
  EXPECT_EQ(shop->fileStore()->recovery().migratedFromVersion, 0);
  EXPECT_TRUE(rowsOf(shop->store()) == rows);
  EXPECT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).body["code"], "ORD-000003");
}

}  // namespace
}  // namespace edgecart::testing
