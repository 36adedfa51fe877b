// Orders: the seed's example, totals, status transitions, versions, notifications (docs/design.md §4, §5).

#include "test_util.h"

namespace edgecart::testing {
namespace {

class Orders : public ShopTest {};

TEST_F(Orders, SeedExampleEndToEnd) {
  stock("PRD-001", 10);
  Response r = req("POST", "/orders", seedOrderRequest());
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const json& o = r.body;
  EXPECT_EQ(o["pk"], "TENANT#shop-a");
  EXPECT_EQ(o["sk"], "ORDER#ORD-000001");
  EXPECT_EQ(o["code"], "ORD-000001");
  EXPECT_EQ(o["name"], "Order ORD-000001");
  EXPECT_EQ(o["version"], 1);
  const json& a = o["attributes"];
  EXPECT_EQ(a["customerId"], "CUST-001");
  // The seed's lines as sent, each with its amount (price × quantity) and its tax rate.
  json lines = seedOrderRequest()["items"];
  lines[0]["amount"] = 59.98;
  lines[0]["taxRate"] = 10;
  EXPECT_EQ(a["items"], lines);
  EXPECT_EQ(a["shippingAddress"], seedOrderRequest()["shippingAddress"]);
  EXPECT_EQ(a["paymentMethod"], "credit_card");
  EXPECT_EQ(a["subtotal"].dump(), "59.98");
  EXPECT_EQ(a["tax"].dump(), "6.0");
  EXPECT_EQ(a["total"].dump(), "65.98");
  // The default settings: one currency, one rate, nothing discounted, tax on top.
  EXPECT_EQ(a["currency"], "USD");
  EXPECT_EQ(a["discountTotal"].dump(), "0.0");
  EXPECT_EQ(a["taxes"], json::parse(R"([{"rate": 10, "base": 59.98, "tax": 6.0}])"));
  EXPECT_EQ(a["pricesIncludeTax"], false);
  EXPECT_EQ(a["status"], "pending");
  EXPECT_EQ(a["placedAt"], "2024-01-15T10:30:00.000Z");
  EXPECT_FALSE(a.contains("shippedAt"));
  EXPECT_EQ(inventory("PRD-001")["reservedQuantity"], 2);
  EXPECT_EQ(inventory("PRD-001")["quantity"], 10);

  Response again = req("GET", "/orders/ORD-000001");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, r.body);
}

TEST_F(Orders, CodesFollowTheTenantSequence) {
  stock("PRD-001", 100);
  for (int i = 1; i <= 3; ++i) {
    Response r = req("POST", "/orders", seedOrderRequest());
    EXPECT_EQ(r.body["code"], "ORD-00000" + std::to_string(i));
  }
}

TEST_F(Orders, TotalsAreExactInMinorUnits) {
  stock("A", 100);
  stock("B", 100);
  json body = seedOrderRequest();
  body["items"] = json::parse(R"([{"productCode":"A","name":"a","quantity":3,"price":0.1},
                                  {"productCode":"B","name":"b","quantity":1,"price":0.05}])");
  Response r = req("POST", "/orders", body);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["attributes"]["subtotal"].dump(), "0.35");  // not 0.35000000000000003
  EXPECT_EQ(r.body["attributes"]["tax"].dump(), "0.04");       // 0.035 rounds half-up
  EXPECT_EQ(r.body["attributes"]["total"].dump(), "0.39");
}

TEST_F(Orders, TaxRateIsConfigurablePerTenant) {
  RouterOptions options;
  options.tenantTaxBasisPoints["shop-b"] = 800;
  shop_ = Shop::inMemory(options, std::make_unique<ManualClock>(kSeedTime));
  stock("PRD-001", 10, "shop-b");
  Response r = req("POST", "/orders", seedOrderRequest(), "shop-b");
  EXPECT_EQ(r.body["attributes"]["tax"].dump(), "4.8");  // 59.98 × 8 % = 4.7984
}

TEST_F(Orders, EveryAllowedTransitionIsAccepted) {
  stock("PRD-001", 100);
  const std::vector<std::vector<std::string>> paths = {
      {"confirmed", "processing", "shipped", "delivered"},
      {"cancelled"},
      {"confirmed", "cancelled"},
      {"confirmed", "processing", "cancelled"}};
  for (const auto& path : paths) {
    const std::string code = req("POST", "/orders", seedOrderRequest()).body["code"];
    for (const std::string& to : path) EXPECT_EQ(setStatus(code, to), "200 ") << code << " -> " << to;
  }
}

TEST_F(Orders, EveryOtherTransitionIsRefusedWithTheSeedMessage) {
  const std::vector<std::string> all = {"pending", "confirmed", "processing", "shipped",
                                        "delivered", "cancelled"};
  const std::map<std::string, std::vector<std::string>> reach = {
      {"pending", {}},
      {"confirmed", {"confirmed"}},
      {"processing", {"confirmed", "processing"}},
      {"shipped", {"confirmed", "processing", "shipped"}},
      {"delivered", {"confirmed", "processing", "shipped", "delivered"}},
      {"cancelled", {"cancelled"}}};
  const std::map<std::string, std::set<std::string>> allowed = {
      {"pending", {"confirmed", "cancelled"}}, {"confirmed", {"processing", "cancelled"}},
      {"processing", {"shipped", "cancelled"}}, {"shipped", {"delivered"}},
      {"delivered", {}}, {"cancelled", {}}};
  stock("PRD-001", 1000);
  int refused = 0;
  for (const std::string& from : all) {
    for (const std::string& to : all) {
      if (allowed.at(from).count(to)) continue;
      const std::string code = req("POST", "/orders", seedOrderRequest()).body["code"];
      for (const std::string& step : reach.at(from)) ASSERT_EQ(setStatus(code, step), "200 ");
      const json before = req("GET", "/orders/" + code).body;
      EXPECT_EQ(setStatus(code, to), "400 Cannot transition from " + from + " to " + to);
      EXPECT_EQ(req("GET", "/orders/" + code).body, before);
      ++refused;
    }
  }
  EXPECT_EQ(refused, 36 - 7);  // 7 allowed transitions
}

TEST_F(Orders, ShippedAndDeliveredAreStamped) {
  stock("PRD-001", 10);
  req("POST", "/orders", seedOrderRequest());
  for (const char* s : {"confirmed", "processing", "shipped"}) setStatus("ORD-000001", s);
  json a = req("GET", "/orders/ORD-000001").body["attributes"];
  EXPECT_EQ(a["shippedAt"], "2024-01-15T10:30:00.000Z");
  EXPECT_FALSE(a.contains("deliveredAt"));
  setStatus("ORD-000001", "delivered");
  EXPECT_TRUE(req("GET", "/orders/ORD-000001").body["attributes"].contains("deliveredAt"));
}

TEST_F(Orders, UnknownOrderIs404WithTheSeedMessage) {
  Response r = req("PATCH", "/orders/ORD-000009/status", {{"status", "confirmed"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, json::parse(R"({"statusCode":404,"error":"Not Found",
                                    "message":"Order ORD-000009 not found","code":"NOT_FOUND"})"));
  EXPECT_EQ(req("GET", "/orders/ORD-000009").body["message"], "Order ORD-000009 not found");
}

TEST_F(Orders, VersionInPatchIsAnOptimisticLock) {
  stock("PRD-001", 10);
  req("POST", "/orders", seedOrderRequest());
  Response stale0 = req("PATCH", "/orders/ORD-000001/status", {{"status", "confirmed"}, {"version", 1}});
  ASSERT_EQ(stale0.status, 200);
  EXPECT_EQ(stale0.body["version"], 2);
  Response stale = req("PATCH", "/orders/ORD-000001/status", {{"status", "processing"}, {"version", 1}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.body["message"].get<std::string>().find("stale"), std::string::npos);
  Response ahead = req("PATCH", "/orders/ORD-000001/status", {{"status", "processing"}, {"version", 7}});
  EXPECT_EQ(ahead.status, 400);
  EXPECT_EQ(req("GET", "/orders/ORD-000001").body["version"], 2);
  EXPECT_EQ(req("PATCH", "/orders/ORD-000001/status", {{"status", "processing"}, {"version", 2}}).status, 200);
}

TEST_F(Orders, HandlersEmitTheSeedNotifications) {
  stock("PRD-001", 10);
  Response created = req("POST", "/orders", seedOrderRequest());
  ASSERT_EQ(created.notifications.size(), 1u);
  EXPECT_EQ(created.notifications[0]["type"], "order_confirmation");
  EXPECT_EQ(created.notifications[0]["orderId"], "ORD-000001");
  EXPECT_EQ(created.notifications[0]["at"], "2024-01-15T10:30:00.000Z");
  setStatus("ORD-000001", "confirmed");
  setStatus("ORD-000001", "processing");
  Response shipped = req("PATCH", "/orders/ORD-000001/status", {{"status", "shipped"}});
  ASSERT_EQ(shipped.notifications.size(), 1u);
  EXPECT_EQ(shipped.notifications[0]["type"], "order_shipped");
  Response delivered = req("PATCH", "/orders/ORD-000001/status", {{"status", "delivered"}});
  EXPECT_EQ(delivered.notifications.at(0)["type"], "order_delivered");
}

TEST_F(Orders, FailedReservationAlertsAndLeavesTheOrderPending) {
  stock("PRD-001", 1);
  Response r = req("POST", "/orders", seedOrderRequest());
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body["attributes"]["status"], "pending");
  ASSERT_EQ(r.notifications.size(), 2u);
  EXPECT_EQ(r.notifications[0]["type"], "inventory_reservation_failed");
  EXPECT_EQ(r.notifications[0]["orderId"], "ORD-000001");
  EXPECT_EQ(r.notifications[0]["error"], "Insufficient inventory for PRD-001: requested 2, available 1");
  EXPECT_EQ(r.notifications[1]["type"], "order_confirmation");
  EXPECT_EQ(inventory("PRD-001")["reservedQuantity"], 0);
}

TEST_F(Orders, ReplayingAnOrderEventChangesNothing) {
  stock("PRD-001", 10);
  req("POST", "/orders", seedOrderRequest());
  for (const char* s : {"confirmed", "processing", "shipped"}) setStatus("ORD-000001", s);
  const json inv = inventory("PRD-001");
  EXPECT_EQ(inv["quantity"], 8);
  EXPECT_EQ(inv["reservedQuantity"], 0);
  Store& store = shop_->store();
  Value shipped = store.get(Table::Data, "TENANT#shop-a", "ORDER#ORD-000001");
  Value processing = store.get(Table::History, "TENANT#shop-a", "ORDER#ORD-000001@3");
  Value created = store.get(Table::Command, "TENANT#shop-a", "ORDER#ORD-000001@1");
  ASSERT_TRUE(shipped && processing && created);
  Engine& engine = shop_->engine();
  engine.run(Context{"shop-a", "u", {}}, [&](Transaction& tx) {
    orderHandler(tx, DataChange{"ORDER#ORD-000001", nullptr, created});
    orderHandler(tx, DataChange{"ORDER#ORD-000001", processing, shipped});
    EXPECT_TRUE(tx.batch().empty());
    EXPECT_TRUE(tx.notifications().empty());
  });
  EXPECT_EQ(inventory("PRD-001"), inv);
}

// Past ORD-999999 the codes have seven digits, and ORD-1000000 sorts before ORD-200000 as text:
// lists still come in number order, page by page.
TEST_F(Orders, ListsStayInNumberOrderPastSixDigits) {
  stock("PRD-001", 100);
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"PRD-001", 1}})).body["code"], "ORD-000001");
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"PRD-001", 1}})).body["code"], "ORD-000002");
  shop_->engine().run({"shop-a", "test", {}}, [](Transaction& tx) {
    tx.putRow(Table::Sequence, tx.pk(), "ORDER", std::make_shared<const json>(json{{"value", 199998}}));
  });
  std::vector<std::string> expected = {"ORD-000001", "ORD-000002"};
  for (int i = 0; i < 2; ++i) expected.push_back(req("POST", "/orders", orderRequest({{"PRD-001", 1}})).body["code"]);
  shop_->engine().run({"shop-a", "test", {}}, [](Transaction& tx) {
    tx.putRow(Table::Sequence, tx.pk(), "ORDER", std::make_shared<const json>(json{{"value", 999998}}));
  });
  for (int i = 0; i < 4; ++i) expected.push_back(req("POST", "/orders", orderRequest({{"PRD-001", 1}})).body["code"]);
  ASSERT_EQ(expected[4], "ORD-999999");
  ASSERT_EQ(expected[5], "ORD-1000000");
  auto codes = [&](const std::string& target) {
    const json body = req("GET", target).body;  // kept: a loop over a temporary's items would dangle
    std::vector<std::string> out;
    for (const json& o : body["items"]) out.push_back(o["code"]);
    return out;
  };
  std::vector<std::string> listed = codes("/orders?limit=100");
  EXPECT_EQ(listed, expected) << "one page";
  listed.clear();
  std::string cursor;
  for (;;) {
    const json page = req("GET", "/orders?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor)).body;
    for (const json& o : page["items"]) listed.push_back(o["code"]);
    if (!page.contains("lastSk")) break;
    cursor = "ORDER%23" + page["lastSk"].get<std::string>().substr(6);
  }
  EXPECT_EQ(listed, expected) << "page by page";
  EXPECT_EQ(codes("/orders?status=pending&limit=100"), expected) << "filtered";
}

// A store written before the index existed lists as before until its first order write, which
// indexes every order already there.
TEST_F(Orders, OrdersWrittenBeforeTheIndexAreIndexedAtTheNextOrderWrite) {
  stock("PRD-001", 100);
  Batch legacy;
  for (const char* code : {"ORD-1000000", "ORD-999999"}) {
    json order = req("POST", "/orders", orderRequest({{"PRD-001", 1}})).body;
    order["code"] = code;
    order["sk"] = std::string("ORDER#") + code;
    legacy.push_back({Table::Data, "TENANT#shop-a", order["sk"], std::make_shared<const json>(order)});
  }
  // The state as an older release left it: orders and no index rows at all.
  Batch drop;
  shop_->store().scan(Table::Sequence, indexPk("TENANT#shop-a"), "", "", [&](const std::string& sk, const Value&) {
    drop.push_back({Table::Sequence, indexPk("TENANT#shop-a"), sk, nullptr});
    return true;
  });
  shop_->store().commit(drop);
  shop_->store().commit(legacy);
  auto codes = [&] {
    const json body = req("GET", "/orders?limit=100").body;
    std::vector<std::string> out;
    for (const json& o : body["items"]) out.push_back(o["code"]);
    return out;
  };
  EXPECT_EQ(codes(), (std::vector<std::string>{"ORD-000001", "ORD-000002", "ORD-1000000", "ORD-999999"}))
      << "no index yet: text order, nothing missing";
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"PRD-001", 1}})).body["code"], "ORD-000003");
  EXPECT_EQ(codes(), (std::vector<std::string>{"ORD-000001", "ORD-000002", "ORD-000003", "ORD-999999", "ORD-1000000"}));
}


// Prices (docs/design.md §4): a customer pays the catalogue's; staff charge what the till showed.
class Prices : public Orders {
 protected:
  Response asCustomer(const json& body, const std::string& path = "/orders") {
    return shop_->handle({"shop-a", "CUST-001", {}}, "POST", path, body.dump());
  }
  json line(const json& fields) {
    json l = {{"productCode", "PRD-001"}, {"quantity", 3}};
    for (const auto& [k, v] : fields.items()) l[k] = v;
    return l;
  }
  json orderWith(const json& l) {
    json o = seedOrderRequest();
    o["items"] = json::array({l});
    return o;
  }
  // Everything an order could have written: the order list, the stock, the next order number.
  json state() {
    return {req("GET", "/orders?limit=100").body, inventory("PRD-001")};
  }
};

TEST_F(Prices, ACustomerThatSendsAnotherPriceIsRefusedAndNothingIsWritten) {
  stock("PRD-001", 10);  // 29.99
  const json before = state();
  const Response r = asCustomer(orderWith(line({{"price", 0.01}, {"name", "Anything"}})));
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_EQ(r.body["code"], "PRICE_CHANGED");
  EXPECT_EQ(r.body["message"], "The price of PRD-001 is now 29.99, not 0.01: nothing was ordered");
  EXPECT_EQ(state(), before);
  // The refusal took no number: the next order is still ORD-000001.
  EXPECT_EQ(asCustomer(orderWith(line({}))).body["code"], "ORD-000001");
}

TEST_F(Prices, ACustomerPaysTheCatalogueNameAndPriceAndMayLeaveThemOut) {
  stock("PRD-001", 10);
  const Response left = asCustomer(orderWith(line({})));
  ASSERT_EQ(left.status, 201) << left.body.dump();
  EXPECT_EQ(left.body["attributes"]["items"][0], json::parse(
      R"({"productCode":"PRD-001","name":"Product PRD-001","quantity":3,"price":29.99,"amount":89.97,"taxRate":10})"));
  EXPECT_EQ(left.body["attributes"]["subtotal"].dump(), "89.97");
  EXPECT_EQ(left.body["attributes"]["total"].dump(), "98.97");
  // The catalogue's price sent as it is, with a name of the caller's own: the catalogue's name.
  const Response same = asCustomer(orderWith(line({{"price", 29.99}, {"name", "Free stuff"}})));
  ASSERT_EQ(same.status, 201) << same.body.dump();
  EXPECT_EQ(same.body["attributes"]["items"][0]["name"], "Product PRD-001");
  EXPECT_FALSE(same.body["attributes"]["items"][0].contains("catalogPrice"));
}

TEST_F(Prices, ACustomerOrdersOnlyProductsForSale) {
  stock("PRD-001", 10);
  const Response unknown = asCustomer(orderWith(line({{"productCode", "NOPE"}, {"price", 1}, {"name", "n"}})));
  EXPECT_EQ(unknown.status, 409);
  EXPECT_EQ(unknown.body["code"], "UNKNOWN_PRODUCT");
  EXPECT_EQ(unknown.body["message"], "Product NOPE not found");
  ASSERT_EQ(req("PATCH", "/products/PRD-001", {{"isActive", false}}).status, 200);
  const Response inactive = asCustomer(orderWith(line({})));
  EXPECT_EQ(inactive.status, 409);
  EXPECT_EQ(inactive.body["code"], "UNKNOWN_PRODUCT");
  EXPECT_EQ(inactive.body["message"], "Product PRD-001 is no longer for sale");
  EXPECT_EQ(req("GET", "/orders").body["items"].size(), 0u);
}

TEST_F(Prices, AChangedPriceIsRefusedAtTheNewPriceInEveryLine) {
  stock("PRD-001", 10);
  stock("B", 10);
  ASSERT_EQ(req("PATCH", "/products/B", {{"price", 31.5}}).status, 200);
  json o = seedOrderRequest();
  o["items"] = json::array({line({{"price", 29.99}}), line({{"productCode", "B"}, {"price", 29.99}})});
  const Response r = asCustomer(o);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["message"], "The price of B is now 31.50, not 29.99: nothing was ordered");
}

TEST_F(Prices, StaffChargeWhatTheTillShowedAndTheLineKeepsTheCataloguePrice) {
  stock("PRD-001", 10);
  const Response r = req("POST", "/orders", orderWith(line({{"price", 25}, {"name", "Mouse (offline price)"}})));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const json& l = r.body["attributes"]["items"][0];
  EXPECT_EQ(l["price"].dump(), "25.0");
  EXPECT_EQ(l["catalogPrice"].dump(), "29.99");
  EXPECT_EQ(l["name"], "Mouse (offline price)");
  EXPECT_EQ(r.body["attributes"]["subtotal"].dump(), "75.0");
  // A till may leave name and price out: the catalogue's.
  const Response plain = req("POST", "/orders", orderWith(line({})));
  ASSERT_EQ(plain.status, 201) << plain.body.dump();
  EXPECT_EQ(plain.body["attributes"]["items"][0]["price"].dump(), "29.99");
  EXPECT_FALSE(plain.body["attributes"]["items"][0].contains("catalogPrice"));
  // A product the catalogue does not have needs both (nothing to take them from).
  const Response unknown = req("POST", "/orders", orderWith(line({{"productCode", "NOPE"}, {"name", "n"}})));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body["message"], "items[0].price is required: NOPE is not in the catalogue");
}

}  // namespace
}  // namespace edgecart::testing
