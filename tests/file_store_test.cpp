// Durability of the FileStore's log (docs/design.md §6): commits survive reopening, a torn tail is dropped
// at any offset, any other damage is detected and refused without touching the files, and a
// commit costs the same at any size. Snapshots and compaction: snapshot_test.cpp.

#include "store_files.h"

namespace edgecart::testing {
namespace {

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
    EXPECT_EQ(fs::file_size(fs::path(work.path()) / last), cut) << "an open (a read) never cuts";

    ASSERT_NO_THROW(store->commit({{Table::Data, kPk, "MARK", val(cut)}}));
    // The first write cut the torn bytes off, and kept them.
    const std::string kept = store->recovery().tornBytesKeptIn;
    if (cut > ends[k]) {
      ASSERT_FALSE(kept.empty());
      EXPECT_EQ(readAll(kept), bytes.substr(ends[k], cut - ends[k]));
      fs::remove_all(fs::path(work.path()) / "recovered");
    } else {
      EXPECT_TRUE(kept.empty());
    }
    EXPECT_EQ(readAll((fs::path(work.path()) / last).string()).substr(0, ends[k]), bytes.substr(0, ends[k]));
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
      // The record is all there (its length says so): a bad checksum is damage, never a torn tail
      // to drop (that would lose an acknowledged, fsynced commit, and verify would call it fine).
      {"payload of the last record of the active segment", active, middleOf(active, lastOfActive), true},
      {"first payload byte of the last record of the active segment", active,
       offsetOf(active, lastOfActive) + logfmt::kRecordHeaderSize, true},
      {"last byte of the active segment", active, files.at(active).size() - 1, true},
      {"checksum of the last record of the active segment", active, offsetOf(active, lastOfActive) + 8, true},
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
    SCOPED_TRACE("a chunk of the snapshot with a flipped byte: the open reads no chunk, the first read fails");
    Files damaged = files;
    const std::string chunk = named(files, "chk-").at(0);
    damaged[chunk][damaged[chunk].size() / 2] ^= 1;
    writeDir(work.path(), damaged);
    expectRefusedWhenRead(work.path(), chunk, "is damaged", "ORDER#ORD-000001");  // not written since
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
}  // namespace
}  // namespace edgecart::testing

namespace edgecart::testing {
namespace {

// One writer per data directory: a second open for writing is refused while the first is open
// (two writers would number their records from the same LSN and break the log), and allowed
// again once it is closed.
TEST(FileStore, ASecondWriterIsRefusedWhileTheFirstHasTheStoreOpen) {
  TempDir dir;
  auto first = FileStore::open(dir.path(), fast());
  first->commit({{Table::Data, kPk, "A", val(1)}});
  try {
    FileStore::open(dir.path(), fast());
    ADD_FAILURE() << "a second writer was allowed";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_NE(std::string(e.what()).find("is open in another process"), std::string::npos) << e.what();
  }
  FileStoreOptions readOnly = fast();
  readOnly.readOnly = true;
  auto reader = FileStore::open(dir.path(), readOnly);  // verify's way in: no lock, no writes
  EXPECT_EQ(*reader->get(Table::Data, kPk, "A"), json(1));
  EXPECT_THROW(reader->commit({{Table::Data, kPk, "B", val(2)}}), ApiError);
  first->commit({{Table::Data, kPk, "B", val(2)}});
  first.reset();
  auto second = FileStore::open(dir.path(), fast());
  EXPECT_EQ(second->stats().lastLsn, 2u);
}

// verify and open agree on every store: over random damage (a flipped byte, a cut, a deleted,
// duplicated or renamed file, appended bytes) verify says ok exactly when an open and a read of
// every row succeed, and neither changes a byte.
TEST(FileStore, VerifyAndOpenAgreeOnRandomDamage) {
  TempDir src;
  {
    auto shop = openShop(src.path(), fast(2048));
    fill(*shop, 8);
    shop->fileStore()->compact();
    for (int i = 0; i < 8; ++i) call(*shop, "POST", "/orders", seedOrderRequest());
  }
  const Files files = dirBytes(src.path());
  std::vector<std::string> names;
  for (const auto& [name, bytes] : files) {
    if (name.rfind("archive/", 0) != 0) names.push_back(name);  // open never reads the archive
  }
  ASSERT_GE(named(files, "seg-").size(), 3u);
  std::mt19937 rng(20261201);
  TempDir work;
  int refused = 0, accepted = 0;
  for (int trial = 0; trial < 400 && !HasFailure(); ++trial) {
    Files damaged = files;
    const std::string& name = names[rng() % names.size()];
    std::string& bytes = damaged[name];
    std::string what;
    switch (rng() % 6) {
      case 0: {
        const size_t at = rng() % bytes.size();
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
        what = "flip a bit at " + std::to_string(at);
        break;
      }
      case 1: {
        const size_t at = rng() % bytes.size();
        bytes.resize(at);
        what = "cut at " + std::to_string(at);
        break;
      }
      case 2:
        damaged.erase(name);
        what = "delete";
        break;
      case 3: {  // the same records again under another segment's name
        uint64_t n = 0;
        const std::string other = logfmt::segmentName(rng() % 40 + 1);
        if (logfmt::parseName(name, "seg-", ".ecl", &n)) damaged[other] = files.at(name);
        what = "copy to " + other;
        break;
      }
      case 4:
        bytes += files.at(names[rng() % names.size()]).substr(logfmt::kMagicSize, rng() % 64);
        what = "append bytes";
        break;
      default: {  // a file renamed to another number of its kind
        const std::string prefix = name.substr(0, name.find('-') + 1);
        const std::string suffix = name.substr(name.find('.'));
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng() % 40 + 1));
        damaged[prefix + hex + suffix] = bytes;
        damaged.erase(name);
        what = "rename to " + prefix + hex + suffix;
      }
    }
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + name + ": " + what);
    writeDir(work.path(), damaged);
    const Files before = dirBytes(work.path());
    const json report = verifyStore(work.path());
    bool opened = false;
    std::string why;
    try {
      auto store = FileStore::open(work.path(), fast(2048));
      (void)store->readAll();  // a chunk is read when first needed: damage inside one shows then
      opened = true;
    } catch (const ApiError& e) {
      why = e.what();
    }
    EXPECT_EQ(report["ok"].get<bool>(), opened) << "open: " << (opened ? "ok" : why) << "\n" << report.dump(2);
    EXPECT_TRUE(dirBytes(work.path()) == before) << "verify or a read-only session changed the store";
    (opened ? accepted : refused)++;
  }
  EXPECT_GT(refused, 50);
  EXPECT_GT(accepted, 20);
}


// Format 003: a commit writes an item's command row and data row with one value, stored once (a
// reference for the second); a record of 002 held it twice. Decoding gives both rows their bytes.
TEST(FileStore, ARecordHoldsEachValueOnce) {
  TempDir dir;
  auto shop = openShop(dir.path(), fast());
  ASSERT_EQ(call(*shop, "POST", "/products", productRequest("PRD-001")).status, 201);
  ASSERT_EQ(call(*shop, "PATCH", "/inventory/PRD-001", {{"quantity", 10}}).status, 200);
  ASSERT_EQ(call(*shop, "POST", "/orders", seedOrderRequest()).status, 201);
  const Files files = dirBytes(dir.path());
  const auto segment = logfmt::scanFile(files.at(named(files, "seg-").back()), logfmt::kSegmentMagics);
  ASSERT_EQ(segment.version, logfmt::kFormatVersion);
  const std::string& payload = segment.payloads.back();  // the order, its reservation, the stock
  uint64_t lsn = 0;
  const logfmt::RawBatch raw = logfmt::decodeRecord(payload, &lsn);
  std::map<std::string, std::string> data;  // sk -> value of the record's data rows
  for (const logfmt::RawPut& p : raw) {
    if (p.table == Table::Data) data[p.sk] = p.bytes;
  }
  int commands = 0;
  for (const logfmt::RawPut& p : raw) {
    if (p.table != Table::Command) continue;
    const std::string item = p.sk.substr(0, p.sk.rfind('@'));
    ASSERT_TRUE(data.count(item)) << p.sk;
    EXPECT_EQ(p.bytes, data.at(item)) << "decoded, the command row has its value: " << p.sk;
    ++commands;
  }
  EXPECT_EQ(commands, 3);  // ORDER, INVENTORY, RESERVATION
  size_t values = 0;
  for (const logfmt::RawPut& p : raw) {
    if (p.bytes.size() < 32) continue;
    values += p.bytes.size();
    size_t found = 0;
    for (size_t at = payload.find(p.bytes); at != std::string::npos; at = payload.find(p.bytes, at + 1)) ++found;
    EXPECT_EQ(found, 1u) << p.sk << ": its value is in the record " << found << " times";
  }
  EXPECT_LT(payload.size(), values) << "the record is smaller than its rows' values";
  EXPECT_EQ(logfmt::encodeRecord(lsn, raw), payload) << "one encoding per record";
}

// A reference may only name an earlier row that has a value: anything else is refused as damage.
TEST(FileStore, ARecordReferenceToALaterOrDeletedRowIsRefused) {
  logfmt::RawBatch batch = {logfmt::RawPut{Table::Data, kPk, "A", "value", false},
                            logfmt::RawPut{Table::Data, kPk, "B", "", true},
                            logfmt::RawPut{Table::Command, kPk, "A@1", "value", false}};
  batch[2].sameAs = 0;
  const std::string good = logfmt::encodeRecord(7, batch);
  uint64_t lsn = 0;
  EXPECT_EQ(logfmt::decodeRecord(good, &lsn).at(2).bytes, "value");
  EXPECT_THROW(logfmt::decodeRecord(good, &lsn, 2), std::runtime_error) << "002 had no references";
  for (uint32_t to : {1u, 2u, 3u}) {  // a deleted row, itself, a later one
    batch[2].sameAs = to;
    EXPECT_THROW(logfmt::decodeRecord(logfmt::encodeRecord(7, batch), &lsn), std::runtime_error) << to;
  }
}

// A record whose data row holds a value its command row names (format 003) is archived with the
// command row alone: the archive writes the value into it, whatever order the record had.
TEST(FileStore, AnArchivedRowKeepsAValueItsLeftOutDataRowHeld) {
  TempDir dir;
  const Value item = val(json{{"sk", "A"}, {"version", 1}, {"n", std::string(64, 'x')}});
  {
    auto store = FileStore::open(dir.path(), fast());
    store->commit(Batch{Put{Table::Data, kPk, "A", item}, Put{Table::Command, kPk, "A@1", item},
                        Put{Table::History, kPk, "A@0", item}});
    store->compact();
    ASSERT_TRUE(store->get(Table::Command, kPk, "A@1"));
    EXPECT_EQ(*store->get(Table::Command, kPk, "A@1"), *item);
    EXPECT_EQ(*store->get(Table::History, kPk, "A@0"), *item);
  }
  const json report = verifyStore(dir.path());
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  EXPECT_EQ(report["archivedRecords"], 1);
}
}  // namespace
}  // namespace edgecart::testing
