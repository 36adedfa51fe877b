// One contract for every Store: the memory store, the file log, the server's SQLite file and PostgreSQL
// answer the same reads, commit the same batches whole, survive a reopen (the durable ones) and
// carry the same engine and shop behaviour.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <functional>
#include <memory>

#include "edgecart/engine/error.h"
#include "edgecart_server/pg_store.h"
#include "edgecart_server/sqlite_store.h"
#include "pg_util.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

struct StoreKind {
  const char* name;
  bool durable;
  // Opens the store kept in `dir` (the same one again after a reopen).
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
  bool pg = false;  // needs the test cluster (EDGECART_TEST_PG)
};

std::ostream& operator<<(std::ostream& os, const StoreKind& k) { return os << k.name; }

class StoreContract : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    if (GetParam().pg && !testPg()) GTEST_SKIP() << "EDGECART_TEST_PG is not set (run through ctest)";
    store_ = GetParam().open(dir_.path());
  }
  void reopen() {
    if (!GetParam().durable) return;
    store_.reset();
    store_ = GetParam().open(dir_.path());
  }
  std::vector<std::string> scanSks(Table t, const std::string& pk, const std::string& prefix,
                                   const std::string& after = "", size_t stopAfter = 1000) {
    std::vector<std::string> out;
    store_->scan(t, pk, prefix, after, [&](const std::string& sk, const Value&) {
      out.push_back(sk);
      return out.size() < stopAfter;
    });
    return out;
  }
  static Value v(json j) { return std::make_shared<const json>(std::move(j)); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, CommittedRowsAreReadBackAndDeletesRemoveThem) {
  EXPECT_EQ(store_->get(Table::Data, "P", "A"), nullptr);
  store_->commit({{Table::Data, "P", "A", v({{"n", 1}})}, {Table::Command, "P", "A@1", v({{"n", 1}})},
                  {Table::Sequence, "P", "ORDER", v({{"value", 7}})}});
  reopen();
  ASSERT_NE(store_->get(Table::Data, "P", "A"), nullptr);
  EXPECT_EQ(*store_->get(Table::Data, "P", "A"), json({{"n", 1}}));
  EXPECT_EQ(*store_->get(Table::Command, "P", "A@1"), json({{"n", 1}}));
  EXPECT_EQ(store_->get(Table::History, "P", "A@1"), nullptr) << "tables are separate";
  EXPECT_EQ(store_->get(Table::Sequence, "P", "ORDER")->at("value"), 7);
  store_->commit({{Table::Data, "P", "A", nullptr}});
  reopen();
  EXPECT_EQ(store_->get(Table::Data, "P", "A"), nullptr);
  EXPECT_NE(store_->get(Table::Command, "P", "A@1"), nullptr);
}

// The memory store and the file log keep the trees of the rows read last, a slot per key's hash
// (core/src/storage/row_cache.h). With more than twice as many rows as slots, every read, after
// each row was read, overwritten, deleted and written again, is the row's latest value, on every
// store, and so is every read of a durable store reopened (which decodes every row again).
TEST_P(StoreContract, AReadIsTheRowsLatestValueWhateverTheStoreKeptOfIt) {
  const int rows = 2500;
  std::map<std::string, json> model;
  auto skOf = [](int i) { return "ROW#" + std::to_string(i); };
  auto writeAll = [&](int step, int deleteEvery) {
    Batch batch;
    for (int i = 0; i < rows; ++i) {
      if (deleteEvery && i % deleteEvery == 0) {
        model.erase(skOf(i));
        batch.push_back(Put{Table::Sequence, "P", skOf(i), nullptr});
      } else {
        model[skOf(i)] = json{{"value", step * rows + i}};
        batch.push_back(Put{Table::Sequence, "P", skOf(i), v(model[skOf(i)])});
      }
    }
    store_->commit(batch);
  };
  auto readAll = [&](const std::string& when) {
    size_t wrong = 0;
    for (int i = 0; i < rows; ++i) {
      const Value got = store_->get(Table::Sequence, "P", skOf(i));
      const auto it = model.find(skOf(i));
      const bool right = it == model.end() ? got == nullptr : got && *got == it->second;
      if (!right && ++wrong <= 3) ADD_FAILURE() << when << ": " << skOf(i) << " reads " << (got ? got->dump() : "nothing");
    }
    EXPECT_EQ(wrong, 0u) << when;
  };
  writeAll(1, 0);
  readAll("written");
  readAll("read again");
  writeAll(2, 0);
  readAll("overwritten");
  writeAll(3, 3);
  readAll("a third deleted");
  writeAll(4, 0);
  readAll("written again");
  reopen();
  readAll("reopened");
}

TEST_P(StoreContract, GetManyAnswersEachKeyInItsPlaceInOneRead) {
  Batch b;
  for (const char* sk : {"A", "B\"q\\uote", "C,{x}", "D"}) b.push_back({Table::Data, "P", sk, v(sk)});
  b.push_back({Table::Data, "Q", "E", v("other partition")});
  b.push_back({Table::Sequence, "P", "A", v("other table")});
  store_->commit(b);
  reopen();
  const std::vector<Value> got = store_->getMany(Table::Data, "P", {"D", "E", "B\"q\\uote", "missing", "C,{x}", "D"});
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(*got[0], json("D"));
  EXPECT_EQ(got[1], nullptr) << "another partition's row";
  EXPECT_EQ(*got[2], json("B\"q\\uote")) << "quotes and backslashes in a key";
  EXPECT_EQ(got[3], nullptr);
  EXPECT_EQ(*got[4], json("C,{x}"));
  EXPECT_EQ(*got[5], json("D")) << "a key asked twice";
  EXPECT_TRUE(store_->getMany(Table::Data, "P", {}).empty());
}

TEST_P(StoreContract, ScanIsOrderedByPrefixAndResumesAfterACursor) {
  Batch b;
  for (const char* sk : {"ORDER#3", "ORDER#1", "PRODUCT#1", "ORDER#2", "INVENTORY#1"}) {
    b.push_back({Table::Data, "P", sk, v(sk)});
  }
  b.push_back({Table::Data, "Q", "ORDER#0", v("other partition")});
  store_->commit(b);
  reopen();
  using V = std::vector<std::string>;
  EXPECT_EQ(scanSks(Table::Data, "P", "ORDER#"), V({"ORDER#1", "ORDER#2", "ORDER#3"}));
  EXPECT_EQ(scanSks(Table::Data, "P", "ORDER#", "ORDER#1"), V({"ORDER#2", "ORDER#3"}));
  EXPECT_EQ(scanSks(Table::Data, "P", "ORDER#", "", 2), V({"ORDER#1", "ORDER#2"}));
  EXPECT_EQ(scanSks(Table::Data, "P", ""), V({"INVENTORY#1", "ORDER#1", "ORDER#2", "ORDER#3", "PRODUCT#1"}));
  EXPECT_EQ(scanSks(Table::Data, "Q", ""), V({"ORDER#0"}));
  EXPECT_EQ(scanSks(Table::Command, "P", ""), V());
}

// A commit the disk refuses half-way (RLIMIT_FSIZE makes the kernel fail the writes; in a child
// process so the limit cannot leak) leaves none of its rows, and the store stays usable.
std::string halfWayScenario(const StoreKind& kind, const std::string& dir) {
  auto v = [](json j) { return std::make_shared<const json>(std::move(j)); };
  std::unique_ptr<Store> store = kind.open(dir);
  store->commit({{Table::Data, "P", "BEFORE", v(1)}});
  // Far more than the limit allows, so the write fails part of the way through.
  Batch big;
  for (int i = 0; i < 2000; ++i) {
    big.push_back({Table::Data, "P", "ROW#" + std::to_string(100000 + i), v(std::string(2048, 'x'))});
  }
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = {256 * 1024, RLIM_INFINITY};
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit";
  try {
    store->commit(big);
    return "a commit beyond the file size limit succeeded";
  } catch (const ApiError& e) {
    if (e.status() != 507 && e.status() != 500) return "status " + std::to_string(e.status());
  }
  size_t seen = 0;
  auto count = [&](const std::string&, const Value&) {
    ++seen;
    return true;
  };
  store->scan(Table::Data, "P", "ROW#", "", count);
  if (seen != 0) return std::to_string(seen) + " rows of the failed commit are visible";
  limit.rlim_cur = RLIM_INFINITY;
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return "setrlimit";
  store->commit({{Table::Data, "P", "AFTER", v(2)}});
  store.reset();
  store = kind.open(dir);
  store->scan(Table::Data, "P", "ROW#", "", count);
  if (seen != 0) return std::to_string(seen) + " rows of the failed commit came back after a reopen";
  if (!store->get(Table::Data, "P", "BEFORE") || !store->get(Table::Data, "P", "AFTER")) return "lost a commit";
  return "";
}

TEST_P(StoreContract, ACommitThatFailsHalfWayLeavesNothing) {
  if (!GetParam().durable) GTEST_SKIP() << "a memory store has no disk to refuse it";
  if (GetParam().pg) {
    // The server's disk is not ours to fill: PostgreSQL refuses the last row of the batch instead
    // (a key that is not UTF-8), after 1999 rows were written inside the transaction.
    store_->commit({{Table::Data, "P", "BEFORE", v(1)}});
    Batch big;
    for (int i = 0; i < 1999; ++i) big.push_back({Table::Data, "P", "ROW#" + std::to_string(100000 + i), v(i)});
    big.push_back({Table::Data, "P", "ROW#\xff", v(0)});
    try {
      store_->commit(big);
      ADD_FAILURE() << "a batch with a key PostgreSQL refuses was committed";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 507) << e.what();
    }
    EXPECT_TRUE(scanSks(Table::Data, "P", "ROW#").empty()) << "rows of the failed commit are visible";
    store_->commit({{Table::Data, "P", "AFTER", v(2)}});
    reopen();
    EXPECT_TRUE(scanSks(Table::Data, "P", "ROW#").empty());
    EXPECT_NE(store_->get(Table::Data, "P", "BEFORE"), nullptr);
    EXPECT_NE(store_->get(Table::Data, "P", "AFTER"), nullptr);
    return;
  }
  const std::string dir = dir_.path() + "/child";
  std::filesystem::create_directories(dir);
  EXPECT_EXIT(
      {
        const std::string problem = halfWayScenario(GetParam(), dir);
        if (!problem.empty()) {
          fprintf(stderr, "%s\n", problem.c_str());
          _exit(1);
        }
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// A batch far larger than any request writes (PostgreSQL sends it as one pipeline: its answers
// must be read while it is sent, or both ends block on full socket buffers).
TEST_P(StoreContract, AVeryLargeBatchCommitsWhole) {
  Batch b;
  for (int i = 0; i < 30000; ++i) b.push_back({Table::Sequence, "BIG", "row#" + std::to_string(100000 + i), v(i)});
  store_->commit(b);
  reopen();
  EXPECT_EQ(scanSks(Table::Sequence, "BIG", "row#", "", 40000).size(), 30000u);
}

// Long ranges, read across the stores' internal pages: every row once, in order, from any cursor.
TEST_P(StoreContract, LongScansSeeEveryRowOnceInOrderFromAnyCursor) {
  Batch b;
  std::vector<std::string> all;
  for (int i = 0; i < 3000; ++i) {
    char sk[32];
    std::snprintf(sk, sizeof sk, "ORDER#%06d", i);
    all.push_back(sk);
    b.push_back({Table::Data, "P", sk, v(i)});
  }
  store_->commit(b);
  reopen();
  EXPECT_EQ(scanSks(Table::Data, "P", "ORDER#", "", 5000), all);
  for (size_t from : {size_t{0}, size_t{7}, size_t{8}, size_t{40}, size_t{1234}, size_t{2998}}) {
    const std::vector<std::string> rest(all.begin() + static_cast<std::ptrdiff_t>(from) + 1, all.end());
    EXPECT_EQ(scanSks(Table::Data, "P", "ORDER#", all[from], 5000), rest) << "after " << all[from];
  }
  EXPECT_EQ(scanSks(Table::Data, "P", "ORDER#", "", 33).size(), 33u);
}

// A list page on the server's store reads O(limit) rows, not every row after the cursor (it did:
// 2 s at 100k orders, under the server's one lock).
TEST(SqliteStore, APageReadsAboutLimitRowsWhateverTheListLength) {
  TempDir dir;
  auto owned = SqliteStore::open(dir.path() + "/edgecart.db");
  SqliteStore* store = owned.get();
  Shop shop(std::move(owned), {}, std::make_unique<ManualClock>(kSeedTime));
  const Context ctx{"shop-a", "u", {"admin"}};
  ASSERT_EQ(shop.handle(ctx, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
  ASSERT_EQ(shop.handle(ctx, "PATCH", "/inventory/PRD-001", R"({"quantity": 100000})").status, 200);
  store->beginGroup();
  for (int i = 0; i < 2000; ++i) shop.handle(ctx, "POST", "/orders", seedOrderRequest().dump());
  store->endGroup(true);
  for (const std::string target : {"/orders?limit=1", "/orders?limit=1&cursor=ORDER%23ORD-000010", "/orders?limit=20"}) {
    const uint64_t before = store->rowsRead();
    const Response r = shop.handle(ctx, "GET", target, "");
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_LE(store->rowsRead() - before, 2 * r.body["items"].size() + 16) << target;
  }
}

TEST_P(StoreContract, TheEngineRulesHoldOnEveryStore) {
  ManualClock clock(kSeedTime, 1000);
  Engine engine(*store_, clock);
  auto publish = [&](int64_t version, json attrs) {
    return engine.run(Context{"shop-a", "u", {}}, [&](Transaction& tx) {
      return tx.publish(CommandInput{"ITEM", "A", "Item A", version, std::move(attrs)});
    });
  };
  auto status = [&](int64_t version, json attrs) {
    try {
      publish(version, std::move(attrs));
    } catch (const ApiError& e) {
      return e.status();
    }
    return 0;
  };
  EXPECT_EQ(publish(0, {{"n", 1}})->at("version"), 1);
  EXPECT_EQ(status(0, {{"n", 1}}), 409);
  EXPECT_EQ(publish(1, {{"n", 2}})->at("version"), 2);
  EXPECT_EQ(status(1, {{"n", 3}}), 409);
  EXPECT_EQ(status(5, {{"n", 3}}), 400);
  EXPECT_EQ(publish(-1, {{"n", 3}})->at("version"), 3);
  EXPECT_EQ(publish(-1, {{"n", 3}})->at("version"), 3) << "unchanged: nothing written";
  reopen();
  EXPECT_EQ(store_->get(Table::Data, "TENANT#shop-a", "ITEM#A")->at("version"), 3);
  EXPECT_EQ(store_->get(Table::History, "TENANT#shop-a", "ITEM#A@2")->at("attributes")["n"], 2);
  EXPECT_EQ(store_->get(Table::Command, "TENANT#shop-a", "ITEM#A@4"), nullptr);
}

TEST_P(StoreContract, TheSeedExampleAndARejectedRequestBehaveTheSame) {
  auto shop = std::make_unique<Shop>(std::move(store_), RouterOptions{}, std::make_unique<ManualClock>(kSeedTime));
  const Context ctx{"shop-a", "u", {"admin"}};
  ASSERT_EQ(shop->handle(ctx, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
  ASSERT_EQ(shop->handle(ctx, "PATCH", "/inventory/PRD-001", R"({"quantity":10})").status, 200);
  const Response order = shop->handle(ctx, "POST", "/orders", seedOrderRequest().dump());
  ASSERT_EQ(order.status, 201) << order.body.dump();
  EXPECT_EQ(order.body["code"], "ORD-000001");
  EXPECT_EQ(order.body["attributes"]["total"].dump(), "65.98");
  json tooMany = seedOrderRequest();
  tooMany["items"][0]["quantity"] = 9;
  const Response refused = shop->handle(ctx, "PATCH", "/orders/ORD-000001/status", R"({"status":"delivered"})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["message"], "Cannot transition from pending to delivered");
  const Response inv = shop->handle(ctx, "GET", "/inventory/PRD-001", "");
  EXPECT_EQ(inv.body["attributes"]["reservedQuantity"], 2);
  EXPECT_EQ(shop->handle(ctx, "POST", "/orders", tooMany.dump()).body["code"], "ORD-000002");
  EXPECT_EQ(shop->handle(ctx, "GET", "/inventory/PRD-001", "").body["attributes"]["reservedQuantity"], 2)
      << "the second order could not reserve 9 of the 8 left: nothing reserved";
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StoreContract,
    ::testing::Values(
        StoreKind{"memory", false, [](const std::string&) { return std::unique_ptr<Store>(new MemoryStore()); }},
        StoreKind{"file", true,
                  [](const std::string& dir) {
                    FileStoreOptions o;
                    o.fsync = false;
                    return std::unique_ptr<Store>(FileStore::open(dir + "/log", o));
                  }},
        StoreKind{"sqlite", true,
                  [](const std::string& dir) { return std::unique_ptr<Store>(SqliteStore::open(dir + "/edgecart.db")); }},
        StoreKind{"postgresql", true,
                  [](const std::string& dir) { return std::unique_ptr<Store>(PgStore::open(pgDatabase(dir))); }, true}),
    [](const ::testing::TestParamInfo<StoreKind>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace edgecart::testing
