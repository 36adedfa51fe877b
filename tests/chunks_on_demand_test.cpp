// Chunks on demand (FileStoreOptions::chunksOnDemand, the browser): the host keeps the snapshot's
// chunk files elsewhere and leaves each empty in the directory until the store asks for it. A call
// that meets one gets 503 and writes nothing, so the host can load the chunk and run it again;
// a compaction plans before it writes, so one that meets it writes nothing either.

#include "store_files.h"

namespace edgecart::testing {
namespace {

// Chunks on demand (the browser): the host leaves each chunk file empty until the store asks for
// it. Prepared: a store of 40 rows in several chunks, every chunk file emptied.
struct OnDemand {
  TempDir dir;
  FileStoreOptions o = fast();
  Files files;  // as written, whole
  std::vector<std::string> chunks;
  OnDemand() {
    o.chunkBytes = 200;
    files = smallChunks(dir.path(), o);
    chunks = named(files, "chk-");
    Files empty = files;
    for (const std::string& c : chunks) empty[c].clear();
    writeDir(dir.path(), empty);
    o.chunksOnDemand = true;
  }
  // What the host does when asked for `chunk`: puts its bytes in the (emptied) file.
  void load(const std::string& chunk) const {
    std::ofstream(fs::path(dir.path()) / chunk, std::ios::binary) << files.at(chunk);
  }
};

// A read that meets a chunk not loaded throws 503 naming it and asks for it; until the host takes
// the list, no commit writes (the call that met it may have decided on what it could not read).
// Once the host has put the chunk there, the same read and commit go through.
TEST(ChunksOnDemand, AChunkNotLoadedIsAskedForAndTheCallThatMetItWritesNothing) {
  OnDemand d;
  ASSERT_GE(d.chunks.size(), 3u);
  {
    FileStoreOptions plain = d.o;
    plain.chunksOnDemand = false;
    EXPECT_THROW(FileStore::open(d.dir.path(), plain), ApiError) << "an empty chunk is damage unless on demand";
  }
  auto store = FileStore::open(d.dir.path(), d.o);
  EXPECT_EQ(store->stats().stateRows, 40u);
  uint64_t whole = 0;
  for (const auto& [name, bytes] : d.files) {
    if (name.rfind("chk-", 0) == 0 || name.rfind("snap-", 0) == 0) whole += bytes.size();
  }
  EXPECT_EQ(store->stats().snapshotBytes, whole) << "the snapshot's size counts chunks not loaded";
  try {
    (void)store->get(Table::Data, kPk, "K#39");
    ADD_FAILURE() << "read a chunk not loaded";
  } catch (const ChunkNotLoaded& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_NE(std::string(e.what()).find(d.chunks.back()), std::string::npos) << e.what();
  }
  const Files before = dirBytes(d.dir.path());
  d.load(d.chunks.front());
  EXPECT_THROW(store->commit({{Table::Data, kPk, "K#00", val("new")}}), ChunkNotLoaded)
      << "a commit after a read met a chunk not loaded";
  Files now = dirBytes(d.dir.path());
  now[d.chunks.front()].clear();
  EXPECT_TRUE(now == before) << "the refused commit wrote";
  const FileStore::WantedChunks wanted = store->takeWantedChunks();
  EXPECT_EQ(wanted.files, std::vector<std::string>{d.chunks.back()});
  EXPECT_FALSE(wanted.wrote);
  EXPECT_TRUE(store->takeWantedChunks().files.empty()) << "taking the list clears it";

  store->commit({{Table::Data, kPk, "K#00", val("new")}});
  d.load(d.chunks.back());
  const Value last = store->get(Table::Data, kPk, "K#39");
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, std::string(40, 'x'));
  const FileStore::WantedChunks after = store->takeWantedChunks();
  EXPECT_TRUE(after.files.empty());
  EXPECT_TRUE(after.wrote) << "a commit landed since the last take";
  store.reset();
  auto again = FileStore::open(d.dir.path(), d.o);
  d.load(d.chunks.front());
  EXPECT_EQ(*again->get(Table::Data, kPk, "K#00"), "new");
}

// The deletes of the first two rows of the first range, which leave it under half of chunkBytes.
Batch deleteFirstTwo(const FileStore& store) {
  Batch b;
  store.scan(Table::Data, kPk, "", "", [&](const std::string& sk, const Value&) {
    b.push_back(Put{Table::Data, kPk, sk, nullptr});
    return b.size() < 2;
  });
  return b;
}

// A compaction plans what it rewrites before it writes: one that needs a chunk not loaded (here
// the next range, taken in because the written one fell under half of chunkBytes) stops before
// writing anything, asks for it, and runs once it is there.
TEST(ChunksOnDemand, ACompactionThatNeedsAChunkNotLoadedWritesNothingUntilItIsThere) {
  OnDemand d;
  ASSERT_GE(d.chunks.size(), 3u);
  auto store = FileStore::open(d.dir.path(), d.o);
  d.load(d.chunks.front());
  const Batch deletes = deleteFirstTwo(*store);
  ASSERT_EQ(deletes.size(), 2u);
  store->commit(deletes);
  const Files before = dirBytes(d.dir.path());
  EXPECT_THROW(store->compact(), ChunkNotLoaded);
  EXPECT_TRUE(dirBytes(d.dir.path()) == before) << "a compaction that could not read wrote";
  const std::vector<std::string> wanted = store->takeWantedChunks().files;
  ASSERT_EQ(wanted.size(), 1u);
  EXPECT_EQ(wanted[0], d.chunks[1]);
  d.load(d.chunks[1]);
  store->compact();
  EXPECT_EQ(store->stats().compactions, 1u);
  store.reset();
  FileStoreOptions plain = d.o;
  plain.chunksOnDemand = false;
  for (const std::string& c : d.chunks) {
    if (dirBytes(d.dir.path()).count(c)) d.load(c);  // the host loads what is left of the old chunks
  }
  auto reopened = FileStore::open(d.dir.path(), plain);
  EXPECT_EQ(reopened->readAll(), 38u);
  EXPECT_FALSE(reopened->get(Table::Data, kPk, deletes[0].sk));
}


// A commit whose compaction needs a chunk not loaded lands all the same (its compaction runs after
// a later commit), and the list it leaves says a commit landed: the call must not run again.
TEST(ChunksOnDemand, ACommitWhoseCompactionNeedsAChunkNotLoadedLandsAndSaysItWrote) {
  OnDemand d;
  d.o.compactMinBytes = 1;  // every commit compacts
  auto store = FileStore::open(d.dir.path(), d.o);
  d.load(d.chunks.front());
  const Batch deletes = deleteFirstTwo(*store);
  ASSERT_EQ(deletes.size(), 2u);
  store->commit(deletes);
  EXPECT_FALSE(store->get(Table::Data, kPk, deletes[0].sk));
  EXPECT_EQ(store->stats().compactions, 0u);
  const FileStore::WantedChunks wanted = store->takeWantedChunks();
  EXPECT_EQ(wanted.files, std::vector<std::string>{d.chunks[1]});
  EXPECT_TRUE(wanted.wrote);
}


// An open replays the log since the snapshot reading no chunk: with every chunk left empty it
// opens, asks for none, and has the log's rows (a write, a write again, a delete) without them.
// A row written to a range not read counts as a new row until its chunk is there.
TEST(ChunksOnDemand, AnOpenReadsNoChunkOfTheRangesItsLogWritesTo) {
  OnDemand d;
  ASSERT_GE(d.chunks.size(), 4u);
  {
    FileStoreOptions plain = d.o;
    plain.chunksOnDemand = false;
    writeDir(d.dir.path(), d.files);
    auto store = FileStore::open(d.dir.path(), plain);
    store->commit({{Table::Data, kPk, "K#00", val("first")}});
    store->commit({{Table::Data, kPk, "K#39", val("last")}, {Table::Data, kPk, "K#00", val("again")},
                   {Table::Data, kPk, "K#20", nullptr}});
    EXPECT_EQ(store->stats().stateRows, 39u) << "natively the count reads the ranges";
  }
  Files withLog = dirBytes(d.dir.path());
  for (const std::string& c : d.chunks) withLog[c].clear();
  writeDir(d.dir.path(), withLog);
  auto store = FileStore::open(d.dir.path(), d.o);
  EXPECT_EQ(*store->get(Table::Data, kPk, "K#00"), "again");
  EXPECT_EQ(*store->get(Table::Data, kPk, "K#39"), "last");
  EXPECT_FALSE(store->get(Table::Data, kPk, "K#20")) << "the delete hides the snapshot's row";
  EXPECT_TRUE(store->takeWantedChunks().files.empty()) << "the open or its rows' reads asked for a chunk";
  EXPECT_TRUE(dirBytes(d.dir.path()) == withLog) << "the open changed the directory";
  EXPECT_EQ(store->stats().stateRows, 42u) << "three rows of ranges not loaded: two counted as new, the delete as none";
  EXPECT_TRUE(store->takeWantedChunks().files.empty()) << "counting the rows asked for a chunk";
  for (const std::string& c : d.chunks) d.load(c);
  EXPECT_EQ(store->stats().stateRows, 39u) << "counted once their ranges are there";
}


// A commit reads no chunk of the ranges its rows fall in: with none loaded it lands (a pull page
// writes to many ranges), and the next open replays it.
TEST(ChunksOnDemand, ACommitReadsNoChunkOfTheRangesItWrites) {
  OnDemand d;
  ASSERT_GE(d.chunks.size(), 3u);
  auto store = FileStore::open(d.dir.path(), d.o);
  const Batch rows = {{Table::Data, kPk, "K#00", val("a")}, {Table::Data, kPk, "K#39", val("b")}};
  store->commit(rows);
  const FileStore::WantedChunks wanted = store->takeWantedChunks();
  EXPECT_TRUE(wanted.files.empty());
  EXPECT_TRUE(wanted.wrote);
  EXPECT_EQ(*store->get(Table::Data, kPk, "K#39"), "b");
  d.load(d.chunks.front());
  EXPECT_EQ(store->stats().stateRows, 41u) << "K#00's range is there: it replaced a row; K#39's is not";
  d.load(d.chunks.back());
  EXPECT_EQ(store->stats().stateRows, 40u);
  store.reset();
  auto again = FileStore::open(d.dir.path(), d.o);
  EXPECT_EQ(*again->get(Table::Data, kPk, "K#00"), "a");
  EXPECT_EQ(again->stats().stateRows, 40u);
}


// What a scan of every row sees before it meets a chunk not loaded.
void scanAll(const FileStore& store, bool backward = false) {
  const RowVisitor all = [](const std::string&, const Value&) { return true; };
  try {
    if (backward) {
      store.scanBackward(Table::Data, kPk, "", "", all);
    } else {
      store.scan(Table::Data, kPk, "", "", all);
    }
    ADD_FAILURE() << "scanned every chunk";
  } catch (const ChunkNotLoaded&) {
  }
}

// A read that meets a chunk not loaded also names the chunks after it in key order that are not
// loaded either (a scan reads them next): up to kReadAhead, past a loaded one, stopping at one
// already read.
TEST(ChunksOnDemand, AChunkNotLoadedComesWithTheNextOnesAheadOfAScan) {
  OnDemand d;
  const std::vector<std::string>& c = d.chunks;
  ASSERT_GE(c.size(), 6u);
  auto store = FileStore::open(d.dir.path(), d.o);
  EXPECT_THROW((void)store->get(Table::Data, kPk, "K#00"), ChunkNotLoaded);
  FileStore::WantedChunks w = store->takeWantedChunks();
  EXPECT_EQ(w.files, std::vector<std::string>{c[0]});
  EXPECT_EQ(w.ahead, (std::vector<std::string>{c[1], c[2], c[3]}));

  d.load(c[0]);
  d.load(c[2]);  // loaded, not read
  scanAll(*store);
  w = store->takeWantedChunks();
  EXPECT_EQ(w.files, std::vector<std::string>{c[1]});
  EXPECT_EQ(w.ahead, (std::vector<std::string>{c[3], c[4]}));

  d.load(c.back());
  ASSERT_TRUE(store->get(Table::Data, kPk, "K#39"));  // the last chunk read,
  std::ofstream(fs::path(d.dir.path()) / c.back(), std::ios::trunc);  // then dropped, as the browser does
  scanAll(*store, true);
  w = store->takeWantedChunks();
  EXPECT_EQ(w.files, std::vector<std::string>{c[c.size() - 2]});
  EXPECT_TRUE(w.ahead.empty()) << "the chunk after it was read: " << w.ahead.size();
}

}  // namespace
}  // namespace edgecart::testing
