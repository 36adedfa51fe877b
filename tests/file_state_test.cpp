// The FileStore's in-memory state (core/src/storage/state_rows.h): the snapshot's rows read as
// views of its chunk files, with the rows written since over them. Every read must agree with a
// plain map of what was written, through deletes, compactions (which rebase the state on the
// chunks they leave) and reopens; a chunk whose rows an open could not search is refused.

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <set>
#include <tuple>

#include "store_files.h"

namespace edgecart::testing {
namespace {

using Key = std::tuple<Table, std::string, std::string>;  // table, pk, sk
using Model = std::map<Key, json>;
using Seen = std::vector<std::pair<std::string, json>>;  // sk, value

const std::vector<std::string> kPks = {"TENANT#a", "TENANT#b"};

// The rows of `model` under t / pk whose sk starts with `prefix` and passes `keep`, ascending.
template <class Keep>
Seen expected(const Model& model, Table t, const std::string& pk, const std::string& prefix, Keep keep) {
  Seen out;
  for (const auto& [key, value] : model) {
    const auto& [table, p, sk] = key;
    if (table == t && p == pk && sk.rfind(prefix, 0) == 0 && keep(sk)) out.emplace_back(sk, value);
  }
  return out;
}

Seen first(Seen rows, size_t limit) {
  if (rows.size() > limit) rows.resize(limit);
  return rows;
}

// Every kind of read of `store`, with bounds and limits drawn by `rng`, against `model`.
void checkReads(const FileStore& store, const Model& model, std::mt19937& rng, const std::string& when) {
  SCOPED_TRACE(when);
  EXPECT_EQ(store.stats().stateRows, model.size());
  auto sk = [&] {
    char b[16];
    std::snprintf(b, sizeof b, "%c#%02u", rng() % 2 ? 'K' : 'L', static_cast<unsigned>(rng() % 64));
    return std::string(b);
  };
  for (Table t : {Table::Data, Table::Sequence}) {
    for (const std::string& pk : kPks) {
      const std::vector<std::string> prefixes = {"", "K#", "K#1", "L#", "M#"};
      const std::string prefix = prefixes[rng() % prefixes.size()];
      const std::string bound = rng() % 4 == 0 ? "" : sk();
      const size_t limit = rng() % 3 == 0 ? 1 + rng() % 5 : 1000;
      Seen got;
      auto take = [&](const std::string& s, const Value& v) {
        got.emplace_back(s, *v);
        return got.size() < limit;
      };
      store.scan(t, pk, prefix, bound, take);
      EXPECT_EQ(got, first(expected(model, t, pk, prefix, [&](const std::string& s) { return s > bound; }), limit))
          << "scan " << tableName(t) << " " << pk << " prefix '" << prefix << "' after '" << bound << "'";
      got.clear();
      store.scanBackward(t, pk, prefix, bound, take);
      Seen down = expected(model, t, pk, prefix, [&](const std::string& s) { return bound.empty() || s < bound; });
      std::reverse(down.begin(), down.end());
      EXPECT_EQ(got, first(down, limit))
          << "scanBackward " << tableName(t) << " " << pk << " prefix '" << prefix << "' before '" << bound << "'";
      for (int i = 0; i < 4; ++i) {
        const std::string s = sk();
        const auto it = model.find(Key{t, pk, s});
        const Value v = store.get(t, pk, s);
        if (it == model.end()) {
          EXPECT_EQ(v, nullptr) << tableName(t) << " " << pk << " " << s << " was deleted or never written";
        } else {
          EXPECT_TRUE(v && *v == it->second) << tableName(t) << " " << pk << " " << s;
        }
      }
    }
  }
}

TEST(FileStoreState, EveryReadAgreesWithAModelThroughWritesDeletesCompactionsAndReopens) {
  TempDir dir;
  FileStoreOptions o = fast(2048, 6 * 1024);
  o.chunkBytes = 600;  // many small chunks, some kept and some rewritten at each compaction
  std::mt19937 rng(20261206);
  Model model;
  auto store = FileStore::open(dir.path(), o);
  uint64_t compactions = 0, reopens = 0, deletes = 0;
  size_t mostChunks = 0;
  for (int step = 1; step <= 1200; ++step) {
    Batch batch;
    std::set<Key> written;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      const Table t = rng() % 3 == 0 ? Table::Sequence : Table::Data;
      const std::string& pk = kPks[rng() % kPks.size()];
      char sk[16];
      std::snprintf(sk, sizeof sk, "%c#%02u", rng() % 2 ? 'K' : 'L', static_cast<unsigned>(rng() % 64));
      if (!written.insert(Key{t, pk, sk}).second) continue;  // a batch writes a row once
      if (rng() % 4 == 0) {
        deletes += model.erase(Key{t, pk, sk});
        batch.push_back(Put{t, pk, sk, nullptr});
      } else {
        const json value = {{"step", step}, {"pad", std::string(rng() % 48, 'x')}};
        model[Key{t, pk, sk}] = value;
        batch.push_back(Put{t, pk, sk, val(value)});
      }
    }
    store->commit(batch);
    mostChunks = std::max(mostChunks, store->stats().snapshotChunks);
    if (step % 150 == 0) {
      compactions += store->stats().compactions;
      store.reset();
      store = FileStore::open(dir.path(), o);
      ++reopens;
      checkReads(*store, model, rng, "reopened after step " + std::to_string(step));
    } else if (step % 7 == 0) {
      checkReads(*store, model, rng, "step " + std::to_string(step));
    }
  }
  compactions += store->stats().compactions;
  // The walk met what it is for: snapshots of many chunks, rows deleted, opens over a snapshot.
  EXPECT_GE(compactions, 10u);
  EXPECT_GE(mostChunks, 8u);
  EXPECT_GE(deletes, 100u);
  EXPECT_EQ(reopens, 8u);
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>());
}

// The bytes of each chunk's rows, as a compaction counts them (2 + pk + sk + value), in key order.
std::vector<uint64_t> chunkRowBytes(const std::string& dir, uint64_t* largestRow) {
  std::vector<uint64_t> out;
  const Files files = dirBytes(dir);
  for (const std::string& name : named(files, "chk-")) {
    const logfmt::ScannedFile sf = logfmt::scanFile(files.at(name), logfmt::kChunkMagic);
    uint64_t bytes = 0;
    for (const logfmt::RawPut& r : logfmt::decodeRows(sf.payloads.at(0))) {
      const uint64_t row = 2 + r.pk.size() + r.sk.size() + r.bytes.size();
      *largestRow = std::max(*largestRow, row);
      bytes += row;
    }
    out.push_back(bytes);
  }
  return out;
}

// Chunks split as their ranges grow and merge as they shrink: after every compaction each chunk
// holds between half and one chunkBytes of rows (within a row), unless the whole state is
// smaller than that. Before, a growing range left a small piece behind at each split, and a
// shrinking one never merged: a browser till had half its chunks under a quarter of the target.
TEST(FileStoreState, ChunksStayBetweenHalfAndOneChunkBytesAsRangesGrowAndShrink) {
  TempDir dir;
  FileStoreOptions o = fast();
  o.chunkBytes = 1000;
  std::mt19937 rng(6122026);
  Model model;
  auto store = FileStore::open(dir.path(), o);
  size_t compactions = 0, mostChunks = 0;
  auto compactAndCheck = [&](const std::string& when) {
    SCOPED_TRACE(when);
    store->compact();
    ++compactions;
    uint64_t largest = 0;
    const std::vector<uint64_t> chunks = chunkRowBytes(dir.path(), &largest);
    mostChunks = std::max(mostChunks, chunks.size());
    uint64_t total = 0;
    for (uint64_t c : chunks) total += c;
    for (size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_LE(chunks[i], o.chunkBytes + largest) << "chunk " << i << " of " << chunks.size();
      if (total >= o.chunkBytes / 2) {
        EXPECT_GE(chunks[i] + largest, o.chunkBytes / 2) << "chunk " << i << " of " << chunks.size();
      }
    }
    EXPECT_EQ(chunks.size(), store->stats().snapshotChunks);
  };
  auto write = [&](int key, std::optional<size_t> pad) {
    char sk[16];
    std::snprintf(sk, sizeof sk, "K#%03d", key);
    if (!pad) {
      model.erase(Key{Table::Data, kPks[0], sk});
      store->commit({{Table::Data, kPks[0], sk, nullptr}});
    } else {
      const json value = {{"pad", std::string(*pad, 'x')}};
      model[Key{Table::Data, kPks[0], sk}] = value;
      store->commit({{Table::Data, kPks[0], sk, val(value)}});
    }
  };
  // Growth: new keys anywhere, values growing and shrinking, a few deletes.
  for (int step = 1; step <= 900; ++step) {
    write(static_cast<int>(rng() % 400), rng() % 8 == 0 ? std::nullopt : std::optional<size_t>(10 + rng() % 120));
    if (step % 30 == 0) compactAndCheck("growing, step " + std::to_string(step));
  }
  const size_t grown = store->stats().snapshotChunks;
  // Shrinking: most keys deleted, a few at a time.
  for (int key = 0; key < 400; ++key) {
    if (key % 10 != 0) write(key, std::nullopt);
    if (key % 40 == 39) compactAndCheck("shrinking, key " + std::to_string(key));
  }
  EXPECT_GE(compactions, 40u);
  EXPECT_GE(grown, 20u);
  EXPECT_LE(store->stats().snapshotChunks, grown / 4) << "the chunks did not merge as their rows went";
  store.reset();
  store = FileStore::open(dir.path(), o);
  checkReads(*store, model, rng, "reopened");
  EXPECT_TRUE(verifyStore(dir.path())["ok"].get<bool>());
}

// A store whose chunks are small (as a smaller chunkBytes, or the compaction of older builds,
// left them) merges them where it is written: the small chunks beside a written one join its
// rewrite, so one write in the middle of a store of 100-byte chunks, all under half of the new
// chunkBytes, rewrites it whole into chunks of about chunkBytes.
TEST(FileStoreState, SmallChunksBesideAWrittenOneMergeIntoItsRewrite) {
  TempDir dir;
  Model model;
  FileStoreOptions small = fast();
  small.chunkBytes = 100;
  auto put = [&](FileStore& store, int i, int step) {
    char sk[16];
    std::snprintf(sk, sizeof sk, "K#%02d", i % 64);
    const std::string pk = kPks[static_cast<size_t>(i / 64)];
    const json value = {{"step", step}, {"pad", std::string(30, 'x')}};
    model[Key{Table::Data, pk, sk}] = value;
    store.commit({{Table::Data, pk, sk, val(value)}});
  };
  {
    auto store = FileStore::open(dir.path(), small);
    for (int i = 0; i < 128; ++i) put(*store, i, 0);
    store->compact();
  }
  FileStoreOptions o = fast();
  o.chunkBytes = 1000;
  auto store = FileStore::open(dir.path(), o);
  const size_t before = store->stats().snapshotChunks;
  put(*store, 64, 1);  // the first row of the second partition: a chunk in the middle
  store->compact();
  uint64_t largest = 0;
  const std::vector<uint64_t> chunks = chunkRowBytes(dir.path(), &largest);
  uint64_t total = 0;
  for (uint64_t c : chunks) total += c;
  EXPECT_GE(before, 40u);
  EXPECT_LE(chunks.size(), total / (o.chunkBytes / 2)) << before << " chunks before";
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_GE(chunks[i] + largest, o.chunkBytes / 2) << "chunk " << i << " of " << chunks.size();
    EXPECT_LE(chunks[i], o.chunkBytes + largest) << "chunk " << i << " of " << chunks.size();
  }
  std::mt19937 rng(7);
  checkReads(*store, model, rng, "after the merge");
  store.reset();
  store = FileStore::open(dir.path(), o);
  checkReads(*store, model, rng, "reopened");
}

// A chunk is searched as it lies: its rows must be in key order. One whose rows were written in
// another order (each row and its checksum whole) is damage, refused by verify and by the first
// read that needs it.
TEST(FileStoreState, AChunkWhoseRowsAreOutOfKeyOrderIsRefusedAsDamaged) {
  TempDir dir;
  {
    auto store = FileStore::open(dir.path(), fast());
    for (int i = 0; i < 5; ++i) store->commit({{Table::Data, kPk, "K#" + std::to_string(i), val(i)}});
    store->compact();
  }
  Files files = dirBytes(dir.path());
  const std::vector<std::string> chunks = named(files, "chk-");
  ASSERT_EQ(chunks.size(), 1u);
  const logfmt::ScannedFile sf = logfmt::scanFile(files.at(chunks[0]), logfmt::kChunkMagic);
  ASSERT_EQ(sf.payloads.size(), 1u);
  logfmt::RawBatch rows = logfmt::decodeRows(sf.payloads[0]);
  ASSERT_EQ(rows.size(), 5u);
  std::swap(rows[1], rows[3]);
  files[chunks[0]] = std::string(logfmt::kChunkMagic, logfmt::kMagicSize) + logfmt::frameRecord(logfmt::encodeRows(rows));
  writeDir(dir.path(), files);
  expectRefusedWhenRead(dir.path(), chunks[0], "out of key order", "K#2");
}

// Rewrites the rows of the chunk file `name` with `edit` (each row and the checksum whole).
void editRows(Files& files, const std::string& name, const std::function<void(logfmt::RawBatch&)>& edit) {
  const logfmt::ScannedFile sf = logfmt::scanFile(files.at(name), logfmt::kChunkMagic);
  ASSERT_EQ(sf.payloads.size(), 1u);
  logfmt::RawBatch rows = logfmt::decodeRows(sf.payloads[0]);
  edit(rows);
  files[name] = std::string(logfmt::kChunkMagic, logfmt::kMagicSize) + logfmt::frameRecord(logfmt::encodeRows(rows));
}

// Each chunk holds the keys from its manifest's first key up to the next chunk's. One holding a
// key before or after that (its bytes and checksum whole) would be searched in the wrong place:
// refused as damage too.
TEST(FileStoreState, AChunkHoldingAKeyBeforeItsRangeIsRefusedAsDamaged) {
  TempDir dir;
  FileStoreOptions o = fast();
  o.chunkBytes = 200;
  {
    auto store = FileStore::open(dir.path(), o);
    char sk[8];
    for (int i = 0; i < 40; ++i) {
      std::snprintf(sk, sizeof sk, "K#%02d", i);
      store->commit({{Table::Data, kPk, sk, val(std::string(40, 'x'))}});
    }
    store->compact();
  }
  Files files = dirBytes(dir.path());
  const std::vector<std::string> chunks = named(files, "chk-");
  ASSERT_GE(chunks.size(), 3u);
  const std::string& second = chunks[1];  // ids grow in key order
  std::string inRange;
  editRows(files, second, [&](logfmt::RawBatch& rows) {
    ASSERT_NE(rows[0].sk, "K#00");
    rows[0].sk = "K#00";  // the first chunk's first key: still in order within this chunk
    inRange = rows[1].sk;
  });
  writeDir(dir.path(), files);
  expectRefusedWhenRead(dir.path(), second, "outside its range", inRange, o);
}

TEST(FileStoreState, AChunkHoldingAKeyAfterItsRangeIsRefusedAsDamaged) {
  TempDir dir;
  FileStoreOptions o = fast();
  o.chunkBytes = 200;
  Files files = smallChunks(dir.path(), o);
  const std::vector<std::string> chunks = named(files, "chk-");
  ASSERT_GE(chunks.size(), 3u);
  editRows(files, chunks[0], [](logfmt::RawBatch& rows) {
    ASSERT_LT(rows.back().sk, "K#39");
    rows.back().sk = "K#39";  // the last chunk's last key: still in order within this chunk
  });
  writeDir(dir.path(), files);
  expectRefusedWhenRead(dir.path(), chunks[0], "outside its range", "K#00", o);
}

// What an open does check of each chunk without reading it: that its file is there, of the
// size the manifest gives. One cut short stops the open, naming it.
TEST(FileStoreState, AChunkOfAnotherSizeThanItsManifestSaysStopsTheOpen) {
  TempDir dir;
  FileStoreOptions o = fast();
  o.chunkBytes = 200;
  Files files = smallChunks(dir.path(), o);
  const std::vector<std::string> chunks = named(files, "chk-");
  ASSERT_GE(chunks.size(), 3u);
  files[chunks[1]].pop_back();
  writeDir(dir.path(), files);
  expectRefused(dir.path(), chunks[1], o);
}

// An open reads the manifest, not the chunks: a chunk is read when a read first needs a row of
// its range. With every chunk but the first damaged inside, the store opens, knows its rows,
// reads the first range, and refuses each other range when it is read, naming its chunk.
TEST(FileStoreState, AnOpenReadsNoChunkAndAReadOnlyTheChunkItNeeds) {
  TempDir dir;
  FileStoreOptions o = fast();
  o.chunkBytes = 200;
  Files files = smallChunks(dir.path(), o);
  const std::vector<std::string> chunks = named(files, "chk-");
  ASSERT_GE(chunks.size(), 3u);
  for (size_t i = 1; i < chunks.size(); ++i) files[chunks[i]][files[chunks[i]].size() - 10] ^= 1;
  writeDir(dir.path(), files);
  auto store = FileStore::open(dir.path(), o);
  EXPECT_EQ(store->stats().stateRows, 40u);
  EXPECT_EQ(store->stats().snapshotChunks, chunks.size());
  const Value first = store->get(Table::Data, kPk, "K#00");
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, std::string(40, 'x'));
  try {
    (void)store->get(Table::Data, kPk, "K#39");
    ADD_FAILURE() << "read a damaged chunk";
  } catch (const ApiError& e) {
    EXPECT_NE(std::string(e.what()).find(chunks.back()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(store->get(Table::Data, kPk, "K#01")) << "the first range still reads";
}

}  // namespace
}  // namespace edgecart::testing
