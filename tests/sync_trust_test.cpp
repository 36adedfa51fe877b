// What a sync caller may do and receive beyond its role (docs/sync-protocol.md, "Who may see and
// do what"): a push's answer carries only rows the caller may read, a clientId belongs to its
// user, leases are bounded per user and tenant whatever the clientIds, a customer's pull costs
// O(limit), and no other customer is named on a customer's device.

#include "sync_fixture.h"

namespace edgecart::testing {
namespace {

const Context kAlice{"shop-a", "alice@example.com", {"customer"}};
const Context kBob{"shop-a", "bob@example.com", {"customer"}};

json pushBody(const std::string& clientId, json commands) {
  return {{"clientId", clientId}, {"commands", std::move(commands)}};
}

json bobsOrder() {
  json o = seedOrderRequest();
  o.erase("customerId");
  o["shippingAddress"]["street"] = "9 Secret Rd";
  return o;
}

class SyncTrust : public Sync {
 protected:
  // Everything the server's tenant holds, as staff read it.
  json state() {
    return {serverCall("GET", "/orders?limit=100").body, serverCall("GET", "/inventory/PRD-001").body,
            sync_.pull(kCtx, "limit=500").body};
  }
  // Every item a caller's device receives from a full pull, one row at a time.
  std::vector<json> pullAll(const Context& who, const std::string& query = "") {
    std::vector<json> out;
    std::string cursor;
    for (;;) {
      const Response r = sync_.pull(who, "limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor) + query);
      EXPECT_EQ(r.status, 200) << r.body.dump();
      if (r.status != 200) break;
      for (const json& item : r.body["items"]) out.push_back(item);
      cursor = r.body["cursor"];
      if (!r.body["more"].get<bool>()) break;
    }
    return out;
  }
};

TEST_F(SyncTrust, ARefusedCommandIsAnsweredOnlyWithRowsTheCallerMayRead) {
  stockServer(10);
  ASSERT_EQ(server_->handle(kBob, "POST", "/orders", bobsOrder().dump()).status, 201);  // ORD-000001
  const json cmd = {{"seq", 1}, {"method", "PATCH"}, {"path", "/inventory/PRD-001"}, {"body", {{"quantity", 5}}},
                    {"touched", {"ORDER#ORD-000001", "RESERVATION#ORD-000001", "INVENTORY#PRD-001", "ORDER#ORD-000099"}}};
  const Response r = sync_.push(kAlice, pushBody("store-alice-00000001", json::array({cmd})).dump());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const json& result = r.body["results"][0];
  EXPECT_EQ(result["outcome"], "rejected");
  EXPECT_EQ(result["status"], 403);
  EXPECT_EQ(r.body.dump().find("Secret"), std::string::npos) << r.body.dump();
  EXPECT_EQ(r.body.dump().find("bob@"), std::string::npos) << r.body.dump();
  // The shared stock row comes back (without who changed it); nothing of Bob's, not even whether
  // an order code exists.
  ASSERT_TRUE(result["current"].contains("INVENTORY#PRD-001")) << result.dump();
  EXPECT_EQ(result["current"].size(), 1u) << result["current"].dump();
  // Staff pushing the same get the rows (the stock it changed comes with the pull).
  const Response staff = sync_.push(kCtx, pushBody("till-a-0000000000001", json::array({cmd})).dump());
  const json& rows = staff.body["results"][0]["current"];
  EXPECT_EQ(rows["ORDER#ORD-000001"]["attributes"]["shippingAddress"]["street"], "9 Secret Rd") << staff.body.dump();
  EXPECT_TRUE(rows.contains("ORDER#ORD-000099") && rows["ORDER#ORD-000099"].is_null()) << staff.body.dump();
}

TEST_F(SyncTrust, AClientIdBelongsToTheUserWhoFirstUsedIt) {
  stockServer(10);
  Till till("till-a-0000000000001");
  pull(till);
  lease(till, 10);
  ASSERT_EQ(till.call("POST", "/orders", seedOrderRequest()).status, 201);
  for (const json& o : push(till)) ASSERT_EQ(o["outcome"], "accepted") << o.dump();
  const json before = state();
  // A customer pushing, leasing or pulling under the till's clientId is refused, and nothing changes.
  json o = bobsOrder();
  const json cmd = {{"seq", 2}, {"method", "POST"}, {"path", "/orders"}, {"body", o}};
  const Response pushed = sync_.push(kAlice, pushBody("till-a-0000000000001", json::array({cmd})).dump());
  EXPECT_EQ(pushed.status, 403) << pushed.body.dump();
  EXPECT_EQ(pushed.body["message"], "Forbidden: clientId till-a-0000000000001 belongs to another user; choose another clientId");
  EXPECT_EQ(sync_.push(kAlice, pushBody("till-a-0000000000001", json::array()).dump()).status, 403);
  EXPECT_EQ(sync_.lease(kAlice, R"({"clientId":"till-a-0000000000001","size":5})").status, 403);
  EXPECT_EQ(sync_.pull(kAlice, "clientId=till-a-0000000000001").status, 403);
  EXPECT_EQ(state(), before);
  // The till's own next command is accepted.
  ASSERT_EQ(till.call("POST", "/orders", seedOrderRequest()).status, 201);
  for (const json& out : push(till)) EXPECT_EQ(out["outcome"], "accepted") << out.dump();
  EXPECT_EQ(serverOrders(), 2u);
}

TEST_F(SyncTrust, LeasesAreBoundedPerUserWhateverItsClientIds) {
  // 50 unused codes a customer, over any number of fresh clientIds.
  int granted = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string id = std::to_string(100000000000 + i) + "-alice-st";  // a device series each
    const Response r = sync_.lease(kAlice, json{{"clientId", id}, {"size", 5}}.dump());
    if (r.status == 200) {
      ++granted;
    } else {
      EXPECT_EQ(r.status, 429) << r.body.dump();
      EXPECT_EQ(r.body["message"], "This user's clients hold 50 leased order codes not yet used; at most 50 may be outstanding");
    }
  }
  EXPECT_EQ(granted, 10);
  EXPECT_EQ(serverCall("POST", "/orders", seedOrderRequest()).body["code"], "ORD-000051") << "refused leases take no numbers";
  // Another customer has its own allowance.
  EXPECT_EQ(sync_.lease(kBob, R"({"clientId":"store-bob-000000000001","size":5})").status, 200);
}

TEST_F(SyncTrust, OneLeasedCodeUsedByManyCommandsFreesOneCode) {
  stockServer(100);
  const std::string id = "store-alice-00000001";
  const Response lease = sync_.lease(kAlice, json{{"clientId", id}, {"size", 50}}.dump());
  ASSERT_EQ(lease.status, 200) << lease.body.dump();
  const std::string code = "ORD-" + std::string(6 - std::to_string(lease.body["start"].get<int>()).size(), '0') +
                           std::to_string(lease.body["start"].get<int>());
  json commands = json::array();
  for (int seq = 1; seq <= 20; ++seq) {  // the same code again and again: refused after the first, each "using" it
    commands.push_back({{"seq", seq}, {"method", "POST"}, {"path", "/orders"}, {"code", code}, {"body", bobsOrder()}});
  }
  const Response pushed = sync_.push(kAlice, pushBody(id, commands).dump());
  ASSERT_EQ(pushed.status, 200) << pushed.body.dump();
  EXPECT_EQ(pushed.body["results"][0]["outcome"], "accepted");
  // One code was used: room for one more, not twenty.
  EXPECT_EQ(sync_.lease(kAlice, json{{"clientId", id}, {"size", 1}}.dump()).status, 200);
  EXPECT_EQ(sync_.lease(kAlice, json{{"clientId", id}, {"size", 1}}.dump()).status, 429);
}

TEST_F(SyncTrust, ACustomersPullReadsOnlyItsScopedFeedsAndNamesNoOtherCustomer) {
  stockServer(1000);
  ASSERT_EQ(serverCall("PATCH", "/settings", {{"receiptHeader", "EdgeCart"}}).status, 200);  // every device's
  ASSERT_EQ(server_->handle(kAlice, "POST", "/orders", bobsOrder().dump()).status, 201);  // ORD-000001
  // Bob's orders after hers: the stock row was last changed in Bob's name.
  for (int i = 0; i < 30; ++i) ASSERT_EQ(server_->handle(kBob, "POST", "/orders", bobsOrder().dump()).status, 201);
  ASSERT_EQ(serverCall("GET", "/inventory/PRD-001").body["updatedBy"], "bob@example.com") << "staff see who";
  // Alice's device: the shop's settings, the product, the stock, her order and its reservation;
  // no Bob anywhere.
  std::set<std::string> keys;
  for (const json& item : pullAll(kAlice)) {
    keys.insert(item["sk"].get<std::string>());
    EXPECT_EQ(item.dump().find("bob@"), std::string::npos) << item.dump();
  }
  EXPECT_EQ(keys, (std::set<std::string>{"SETTINGS#shop", "PRODUCT#PRD-001", "INVENTORY#PRD-001", "ORDER#ORD-000001",
                                         "RESERVATION#ORD-000001"}));
  // Nor in a direct read of the stock.
  const Response inv = server_->handle(kAlice, "GET", "/inventory/PRD-001", "");
  EXPECT_EQ(inv.body.dump().find("bob@"), std::string::npos) << inv.body.dump();
  // Staff still see who.
  EXPECT_EQ(serverCall("GET", "/orders/ORD-000002").body["createdBy"], "bob@example.com");
}

// What a pull reads from the store, counted: a customer's pull of one row must not read the
// rows of every other customer's orders.
class CountingStore : public MemoryStore {
 public:
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override {
    MemoryStore::scan(t, pk, prefix, after, [&](const std::string& sk, const Value& v) {
      ++rows;
      return visit(sk, v);
    });
  }
  mutable int64_t rows = 0;
};

TEST(SyncTrustCost, ACustomersPullOfOneRowReadsAFewFeedRowsWhateverTheTenantSold) {
  auto owned = std::make_unique<CountingStore>();
  CountingStore* store = owned.get();
  auto server = std::make_unique<Shop>(std::move(owned), RouterOptions{}, std::make_unique<ManualClock>(kSeedTime));
  SyncServer sync(*server);
  ASSERT_EQ(server->handle(kCtx, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
  ASSERT_EQ(server->handle(kCtx, "PATCH", "/inventory/PRD-001", R"({"quantity":100000})").status, 200);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(server->handle(kBob, "POST", "/orders", bobsOrder().dump()).status, 201);
  store->rows = 0;
  const Response r = sync.pull(kAlice, "limit=1");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["items"].size(), 1u);
  EXPECT_LE(store->rows, 4) << "rows of the change feed read for one row";
  store->rows = 0;
  const Response page = sync.pull(kAlice, "limit=1&cursor=" + r.body["cursor"].get<std::string>());
  EXPECT_EQ(page.body["items"].size(), 1u);  // the stock row, last changed by Bob's last order
  EXPECT_LE(store->rows, 4);
}

TEST(SyncTrustCost, AFeedWrittenBeforeScopedFeedsIsSplitAtTheNextCommit) {
  // A store whose feed predates the scoped feeds: the marker row removed, scoped rows dropped.
  auto server = Shop::inMemory({}, std::make_unique<ManualClock>(kSeedTime));
  SyncServer sync(*server);
  ASSERT_EQ(server->handle(kCtx, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
  ASSERT_EQ(server->handle(kCtx, "PATCH", "/inventory/PRD-001", R"({"quantity":10})").status, 200);
  ASSERT_EQ(server->handle(kAlice, "POST", "/orders", bobsOrder().dump()).status, 201);
  std::vector<std::pair<std::string, std::string>> drop;
  for (const std::string pk : {"CHANGES#shop-a#shared", "CHANGES#shop-a#customer#alice@example.com"}) {
    server->store().scan(Table::Sequence, pk, "", "", [&](const std::string& sk, const Value&) {
      drop.emplace_back(pk, sk);
      return true;
    });
  }
  ASSERT_EQ(drop.size(), 4u);
  server->engine().run(kCtx, [&](Transaction& tx) {
    for (const auto& [pk, sk] : drop) tx.putRow(Table::Sequence, pk, sk, nullptr);
    tx.putRow(Table::Sequence, "CHANGES#shop-a", "scoped", nullptr);
  });
  // Marker gone: a customer's pull still answers (the whole feed, filtered) ...
  EXPECT_EQ(sync.pull(kAlice, "limit=100").body["items"].size(), 4u);
  // ... and the next commit of the tenant splits the feed.
  ASSERT_EQ(server->handle(kCtx, "PATCH", "/products/PRD-001", R"({"name":"Mouse"})").status, 200);
  ASSERT_NE(server->store().get(Table::Sequence, "CHANGES#shop-a", "scoped"), nullptr);
  const json items = sync.pull(kAlice, "limit=100").body["items"];
  std::set<std::string> keys;
  for (const json& i : items) keys.insert(i["sk"].get<std::string>());
  EXPECT_EQ(keys, (std::set<std::string>{"PRODUCT#PRD-001", "INVENTORY#PRD-001", "ORDER#ORD-000001", "RESERVATION#ORD-000001"}));
}


// A store that sold with its own sequence (no server yet, or a till opened without its server
// before this fix) and then leases: the leased numbers its sequence already gave are passed over.
TEST_F(Sync, ALeasedCodeTheStoreAlreadyGaveLocallyIsNeverReused) {
  stockServer(100);
  Till till("till-a-0000000000001");
  pull(till);
  for (int i = 0; i < 2; ++i) {  // straight to the store, as a shop without a sync client writes
    ASSERT_EQ(till.shop->handle(kCtx, "POST", "/orders", seedOrderRequest().dump()).body["code"],
              "ORD-00000" + std::to_string(i + 1));
  }
  lease(till, 10);  // ORD-000001..ORD-000010: the server's sequence was at 0
  EXPECT_EQ(till.sync.status()["leasedCodesLeft"], 8);
  const Response sale = till.call("POST", "/orders", seedOrderRequest());
  ASSERT_EQ(sale.status, 201) << sale.body.dump();
  EXPECT_EQ(sale.body["code"], "ORD-000003");
  EXPECT_EQ(till.call("POST", "/orders", seedOrderRequest()).body["code"], "ORD-000004");
  EXPECT_EQ(till.sync.status()["leasedCodesLeft"], 6);
  for (const json& o : push(till)) EXPECT_EQ(o["outcome"], "accepted") << o.dump();
}

}  // namespace
}  // namespace edgecart::testing
