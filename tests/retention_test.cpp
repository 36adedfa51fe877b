// Retention (edgecart/domain/retention.h): which orders leave a till's live state, and that
// leaving changes nothing else.

#include "edgecart/domain/retention.h"

#include "edgecart/storage/file_store.h"
#include "sync_fixture.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

constexpr int64_t kDay = 24LL * 60 * 60 * 1000;

class Retention : public ::testing::Test {
 protected:
  Retention() {
    auto clock = std::make_unique<ManualClock>(kSeedTime);
    clock_ = clock.get();
    shop_ = Shop::inMemory({}, std::move(clock));
    EXPECT_EQ(call("POST", "/products", productRequest("PRD-001")).status, 201);
    EXPECT_EQ(call("PATCH", "/inventory/PRD-001", {{"quantity", 100}}).status, 200);
  }
  Response call(const std::string& method, const std::string& path, const json& body = nullptr) {
    return shop_->handle(kCtx, method, path, body.is_null() ? "" : body.dump());
  }
  std::string order() { return call("POST", "/orders", seedOrderRequest()).body["code"]; }
  void to(const std::string& code, const std::vector<std::string>& steps) {
    for (const std::string& s : steps) {
      ASSERT_EQ(call("PATCH", "/orders/" + code + "/status", {{"status", s}}).status, 200) << s;
    }
  }
  json evict(int64_t finalForMs, std::function<bool(const std::string&)> keep = nullptr) {
    RetentionPolicy p;
    p.finalForMs = finalForMs;
    p.keep = std::move(keep);
    return evictFinalOrders(shop_->engine(), "shop-a", p);
  }
  std::vector<std::string> listed() {
    std::vector<std::string> codes;
    const Response r = call("GET", "/orders?limit=100");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    for (const json& o : r.body["items"]) codes.push_back(o["code"]);
    return codes;
  }

  ManualClock* clock_;
  std::unique_ptr<Shop> shop_;
};

TEST_F(Retention, OnlyFinalOrdersUnchangedForTheWindowLeave) {
  const std::string pending = order();
  const std::string shipped = order();
  const std::string delivered = order();
  const std::string cancelled = order();
  const std::string recent = order();
  to(shipped, {"confirmed", "processing", "shipped"});
  to(delivered, {"confirmed", "processing", "shipped", "delivered"});
  to(cancelled, {"cancelled"});
  clock_->set(kSeedTime + 31 * kDay);
  to(recent, {"cancelled"});  // final, but changed a moment ago
  const json stockBefore = call("GET", "/inventory/PRD-001").body;

  const json out = evict(30 * kDay);
  ASSERT_EQ(out.size(), 2u) << out.dump();
  EXPECT_EQ(out[0]["code"], delivered);
  EXPECT_EQ(out[0]["attributes"]["status"], "delivered");
  EXPECT_EQ(out[1]["code"], cancelled);
  // As GET answered them, reservation included; their reservation rows went with them.
  EXPECT_EQ(out[0]["reservation"]["state"], "deducted");
  EXPECT_EQ(out[1]["reservation"]["state"], "released");
  EXPECT_EQ(shop_->store().get(Table::Data, tenantPk("shop-a"), "RESERVATION#" + delivered), nullptr);
  EXPECT_EQ(call("GET", "/orders/" + delivered).status, 404);
  EXPECT_EQ(call("GET", "/orders/" + pending).status, 200);
  EXPECT_EQ(listed(), (std::vector<std::string>{pending, shipped, recent}));
  // Nothing else moved: the stock, and no history or command row for the eviction.
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body, stockBefore);
  EXPECT_EQ(shop_->store().get(Table::History, tenantPk("shop-a"), "ORDER#" + delivered + "@5"), nullptr);
  // A second run has nothing left to do; a new order still takes the next number.
  EXPECT_TRUE(evict(30 * kDay).empty());
  EXPECT_EQ(order(), "ORD-000006");
}

// Items of another shape (another version's, or damaged) never stop a run: a final order whose
// reservation cannot be read leaves as it is stored, and an order whose status is not text
// stays; the others leave as before.
TEST_F(Retention, AnItemOfAnotherShapeNeverStopsTheOthersLeaving) {
  const std::string odd = order(), lost = order(), oddStatus = order(), plain = order();
  for (const std::string& code : {odd, lost, oddStatus, plain}) to(code, {"cancelled"});
  const std::string pk = tenantPk("shop-a");
  shop_->engine().run(kCtx, [&](Transaction& tx) {
    json reservation = *tx.getItem("RESERVATION#" + odd);
    reservation["attributes"]["state"] = 7;  // not a state this version reads
    tx.putRow(Table::Data, pk, "RESERVATION#" + odd, std::make_shared<const json>(reservation));
    json unknown = *tx.getItem("RESERVATION#" + lost);
    unknown["attributes"]["state"] = "lost";  // a newer version's state: a named 500
    tx.putRow(Table::Data, pk, "RESERVATION#" + lost, std::make_shared<const json>(unknown));
    json status = *tx.getItem("ORDER#" + oddStatus);
    status["attributes"]["status"] = 5;
    tx.putRow(Table::Data, pk, "ORDER#" + oddStatus, std::make_shared<const json>(status));
  });
  ASSERT_EQ(call("GET", "/orders/" + odd).status, 500) << "this version cannot answer it";
  const json out = evict(0);
  ASSERT_EQ(out.size(), 3u) << out.dump();
  EXPECT_EQ(out[0]["code"], odd);
  EXPECT_FALSE(out[0].contains("reservation")) << "answered as stored";
  EXPECT_EQ(out[1]["code"], lost);
  EXPECT_FALSE(out[1].contains("reservation"));
  EXPECT_EQ(shop_->store().get(Table::Data, pk, "RESERVATION#" + lost), nullptr);
  EXPECT_EQ(out[2]["code"], plain);
  EXPECT_EQ(out[2]["reservation"]["state"], "released");
  EXPECT_EQ(shop_->store().get(Table::Data, pk, "RESERVATION#" + odd), nullptr) << "its reservation went with it";
  EXPECT_EQ(listed(), (std::vector<std::string>{oddStatus}));
}

TEST_F(Retention, AKeptOrderStaysAndTheLimitBoundsOneCommit) {
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i) {
    codes.push_back(order());
    to(codes.back(), {"cancelled"});
  }
  const json kept = evict(0, [&](const std::string& sk) { return sk == "ORDER#" + codes[1]; });
  EXPECT_EQ(kept.size(), 4u);
  EXPECT_EQ(listed(), (std::vector<std::string>{codes[1]}));

  for (int i = 0; i < 5; ++i) to(order(), {"cancelled"});
  RetentionPolicy p;
  p.finalForMs = 0;
  p.limit = 2;
  EXPECT_EQ(evictFinalOrders(shop_->engine(), "shop-a", p).size(), 2u);
  EXPECT_EQ(listed().size(), 4u);
}

TEST_F(Retention, OrdersOfOtherTenantsStay) {
  const std::string code = order();
  to(code, {"cancelled"});
  const Context other{"shop-b", "till", {"admin"}};
  ASSERT_EQ(shop_->handle(other, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
  ASSERT_EQ(shop_->handle(other, "PATCH", "/inventory/PRD-001", R"({"quantity":5})").status, 200);
  const std::string theirs = shop_->handle(other, "POST", "/orders", seedOrderRequest().dump()).body["code"];
  ASSERT_EQ(shop_->handle(other, "PATCH", "/orders/" + theirs + "/status", R"({"status":"cancelled"})").status, 200);
  EXPECT_EQ(evict(0).size(), 1u);
  EXPECT_EQ(shop_->handle(other, "GET", "/orders/" + theirs, "").status, 200);
}

TEST(RetentionOnDisk, EvictedOrdersStayGoneAfterAReopenAndACompactionDropsThem) {
  TempDir dir;
  size_t rowsBefore = 0;
  {
    auto shop = Shop::openDirectory(dir.path(), {}, {}, std::make_unique<ManualClock>(kSeedTime));
    ASSERT_EQ(shop->handle(kCtx, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
    ASSERT_EQ(shop->handle(kCtx, "PATCH", "/inventory/PRD-001", R"({"quantity":1000})").status, 200);
    for (int i = 0; i < 50; ++i) {
      const std::string code = shop->handle(kCtx, "POST", "/orders", seedOrderRequest().dump()).body["code"];
      ASSERT_EQ(shop->handle(kCtx, "PATCH", "/orders/" + code + "/status", R"({"status":"cancelled"})").status, 200);
    }
    rowsBefore = shop->fileStore()->stats().stateRows;
    RetentionPolicy p;
    p.finalForMs = 0;
    EXPECT_EQ(evictFinalOrders(shop->engine(), "shop-a", p).size(), 50u);
    shop->fileStore()->compact();
    // Each order had its data row, its reservation row and its list index row.
    EXPECT_EQ(shop->fileStore()->stats().stateRows, rowsBefore - 150);
  }
  auto again = Shop::openDirectory(dir.path(), {}, {}, std::make_unique<ManualClock>(kSeedTime));
  EXPECT_EQ(again->fileStore()->stats().stateRows, rowsBefore - 150);
  EXPECT_EQ(again->handle(kCtx, "GET", "/orders/ORD-000001", "").status, 404);
  EXPECT_EQ(again->handle(kCtx, "GET", "/inventory/PRD-001", "").body["attributes"]["reservedQuantity"], 0);
  EXPECT_EQ(again->handle(kCtx, "POST", "/orders", seedOrderRequest().dump()).body["code"], "ORD-000051");
}

class RetentionSync : public Sync {
 protected:
  size_t evict(Till& till) {
    RetentionPolicy p;
    p.finalForMs = 0;
    const std::set<std::string> pinned = rowsWithSyncWork(till.shop->store(), "shop-a");
    p.keep = [&](const std::string& sk) { return pinned.count(sk) > 0; };
    return evictFinalOrders(till.shop->engine(), "shop-a", p).size();
  }
};

// An order a pending command touched is not synced yet: it stays until the server answered.
// The rows are read from the store, so a till reopened without its SyncClient keeps them too.
TEST_F(RetentionSync, AnOrderWithPendingSyncWorkStays) {
  stockServer(10);
  Till till("till-aaaaaaaaaaaaaaaa");
  pull(till);
  lease(till, 10);
  const std::string code = till.call("POST", "/orders", seedOrderRequest()).body["code"];
  ASSERT_EQ(till.call("PATCH", "/orders/" + code + "/status", {{"status", "cancelled"}}).status, 200);
  EXPECT_EQ(rowsWithSyncWork(till.shop->store(), "shop-a").count("ORDER#" + code), 1u);
  EXPECT_EQ(evict(till), 0u);
  push(till);
  pull(till);
  EXPECT_EQ(rowsWithSyncWork(till.shop->store(), "shop-a").count("ORDER#" + code), 0u);
  EXPECT_EQ(evict(till), 1u);
  EXPECT_EQ(serverCall("GET", "/orders/" + code).body["attributes"]["status"], "cancelled");
}

// A command the server refused waits for the app (a retry reads the row): its order stays, even
// when the copy the server sent back is final.
TEST_F(RetentionSync, AnOrderWithARefusedCommandWaitingStays) {
  stockServer(10);
  Till till("till-bbbbbbbbbbbbbbbb");
  pull(till);
  lease(till, 10);
  const std::string code = till.call("POST", "/orders", seedOrderRequest()).body["code"];
  push(till);
  ASSERT_EQ(serverCall("PATCH", "/orders/" + code + "/status", {{"status", "cancelled"}}).status, 200);
  ASSERT_EQ(till.call("PATCH", "/orders/" + code + "/status", {{"status", "confirmed"}}).status, 200);
  const json outcomes = push(till);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0]["outcome"], "rejected") << outcomes.dump();
  EXPECT_EQ(till.call("GET", "/orders/" + code).body["attributes"]["status"], "cancelled");
  EXPECT_EQ(till.sync.problems().size(), 1u);
  EXPECT_EQ(evict(till), 0u);
  ASSERT_EQ(till.sync.resolve(kCtx, outcomes[0]["seq"], "discard").status, 200);
  EXPECT_EQ(evict(till), 1u);
}

}  // namespace
}  // namespace edgecart::testing
