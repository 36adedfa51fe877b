// The typed ORDER item (domain/order.h): every order the API writes re-encodes unchanged, a
// stored order this version did not write is named and changes nothing, and another version's
// attributes survive what this one writes.

#include <filesystem>
#include <functional>
#include <set>

#include "edgecart/domain/expiry.h"
#include "edgecart/domain/order.h"
#include "edgecart/storage/file_store.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

class OrderItems : public ShopTest {
 protected:
  void SetUp() override {
    auto clock = std::make_unique<ManualClock>(kSeedTime);
    clock_ = clock.get();
    shop_ = Shop::inMemory({}, std::move(clock));
    shop_->engine().addLookup("ORDER#", pendingOrderKeys);  // as edgecart-server does: expiry finds them
  }
  Value item(const std::string& code) { return storedItem(std::string(kOrder) + "#" + code); }
  void storeAs(const std::string& code, const json& changed) { ShopTest::storeAs(std::string(kOrder) + "#" + code, changed); }
  Response as(const std::string& role, const std::string& method, const std::string& path, const json& body) {
    return shop_->handle({"shop-a", role + "-1", {role}}, method, path, body.dump());
  }
  std::string placed(const Response& r) {
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("code", "");
  }
  // Every version of every order the store holds: the command table's rows and the data table's.
  std::vector<Value> everyOrder() {
    std::vector<Value> out;
    for (const Table table : {Table::Data, Table::Command}) {
      shop_->store().scan(table, tenantPk("shop-a"), "ORDER#", "", [&](const std::string&, const Value& v) {
        out.push_back(v);
        return true;
      });
    }
    return out;
  }

  ManualClock* clock_ = nullptr;
};

// Orders of every form the API writes: discounts of a line and of the order, shipped and
// delivered; a till's sale on a session with change and a price below the catalogue's, then
// returned; an expired one; one with tax-inclusive prices. Each version re-encodes field for field
// (compared as JSON text: an integer and a decimal of one value differ),
// and between them they hold every attribute the type has a field for.
TEST_F(OrderItems, EveryFormTheApiWritesReencodesExactly) {
  stock("A", 100);
  stock("B", 100);
  json discounted = orderRequest({{"A", 2}, {"B", 1}});
  discounted["items"][0]["discount"] = {{"percent", 10}, {"reason", "damaged box"}};
  discounted["discount"] = {{"amount", 1}, {"reason", "loyal customer"}};
  const std::string shippedCode = placed(req("POST", "/orders", discounted));
  for (const char* s : {"confirmed", "processing", "shipped", "delivered"}) EXPECT_EQ(setStatus(shippedCode, s), "200 ");

  const Response opened = as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 100}});
  ASSERT_EQ(opened.status, 201) << opened.body.dump();
  json sale = orderRequest({{"A", 3}});
  sale["items"][0]["price"] = 19.99;  // below the catalogue's 29.99: catalogPrice
  sale.erase("paymentMethod");
  sale["payments"] = {{{"method", "card"}, {"amount", 10}}, {{"method", "cash"}, {"amount", 60}}};
  sale["session"] = opened.body["code"];
  const std::string soldCode = placed(as("cashier", "POST", "/orders", sale));
  const Response back = as("cashier", "POST", "/returns",
                           {{"orderCode", soldCode}, {"lines", {{{"productCode", "A"}, {"quantity", 1}}}}});
  ASSERT_EQ(back.status, 201) << back.body.dump();

  ASSERT_EQ(req("PATCH", "/settings", {{"pendingOrderExpiryMinutes", 30}}).status, 200);
  const std::string expiredCode = placed(req("POST", "/orders", orderRequest({{"B", 1}})));
  clock_->set(clock_->nowMs() + 31 * 60'000);
  ASSERT_EQ(expirePendingOrders(shop_->engine()), 1u);

  ASSERT_EQ(req("PATCH", "/settings", {{"pricesIncludeTax", true}}).status, 200);
  placed(req("POST", "/orders", orderRequest({{"B", 2}})));

  std::set<std::string> seen, lineFields;
  for (const Value& stored : everyOrder()) {
    const Order o = orderFrom(*stored);
    EXPECT_EQ(orderAttributes(o).dump(), attrs(*stored).dump()) << stored->at("sk") << " v" << stored->at("version");
    for (const auto& [key, value] : attrs(*stored).items()) seen.insert(key);
    for (const json& line : attrs(*stored).at("items")) {
      for (const auto& [key, value] : line.items()) lineFields.insert(key);
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"customerId", "items", "shippingAddress", "paymentMethod", "status", "placedAt",
                                         "currency", "subtotal", "discountTotal", "discount", "taxes", "tax", "total",
                                         "pricesIncludeTax", "payments", "change", "session", "returns", "refunded",
                                         "shippedAt", "deliveredAt", "cancelledAt", "cancelReason"}));
  EXPECT_EQ(lineFields, (std::set<std::string>{"productCode", "name", "quantity", "price", "catalogPrice", "amount",
                                               "taxRate", "discount", "returnedQuantity"}));

  // What the type reads of them.
  const Order sold = orderFrom(*item(soldCode));
  ASSERT_TRUE(sold.payments);
  ASSERT_EQ(sold.payments->size(), 2u);
  EXPECT_EQ((*sold.payments)[1].given, json(60));  // the cash handed over; 65.97 total, 4.03 change
  EXPECT_EQ(sold.change, json(4.03));
  EXPECT_EQ(sold.items[0].catalogPrice, json(29.99));
  EXPECT_EQ(sold.items[0].returnedQuantity, 1);
  EXPECT_EQ(sold.returns, std::vector<std::string>{back.body["code"].get<std::string>()});
  EXPECT_EQ(sold.session, opened.body["code"].get<std::string>());
  const Order expired = orderFrom(*item(expiredCode));
  EXPECT_EQ(expired.status, "cancelled");
  EXPECT_EQ(expired.cancelReason, "expired");
  const Order delivered = orderFrom(*item(shippedCode));
  EXPECT_TRUE(delivered.shippedAt && delivered.deliveredAt);
  ASSERT_TRUE(delivered.discount && delivered.items[0].discount);
  EXPECT_EQ(delivered.items[0].discount->percent, json(10));
  EXPECT_EQ(delivered.discount->reason, "loyal customer");
}

// A stored order of another shape (a field missing or of another type, a status this version
// does not know, a line or a payment that is not an object, a return that is not a code, a code
// that is not its key's, which a write would publish another order under) is
// named in a 500 by the calls that read it through the type, and nothing is written.
TEST_F(OrderItems, AStoredOrderOfAnotherShapeIsNamedAndChangesNothing) {
  stock("A", 5);
  const std::string code = placed(req("POST", "/orders", orderRequest({{"A", 2}})));
  const json good = *item(code);
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    std::string message;
  };
  const std::string prefix = "Internal error: stored item ORDER#" + code + " ";
  const std::vector<Case> cases = {
      {"status unknown", [](json& j) { j["attributes"]["status"] = "lost"; },
       prefix + "has a status this version does not know: lost"},
      {"no items", [](json& j) { j["attributes"].erase("items"); }, prefix + "has no items of the right type"},
      {"a line a string", [](json& j) { j["attributes"]["items"][0] = "A"; }, prefix + "has a line that is not an object"},
      {"a quantity a string", [](json& j) { j["attributes"]["items"][0]["quantity"] = "2"; },
       prefix + "has no quantity of the right type"},
      {"a price a string", [](json& j) { j["attributes"]["items"][0]["price"] = "29.99"; },
       prefix + "has no price of the right type"},
      {"a total a string", [](json& j) { j["attributes"]["total"] = "65.98"; }, prefix + "has no total of the right type"},
      {"no customer", [](json& j) { j["attributes"].erase("customerId"); }, prefix + "has no customerId of the right type"},
      {"a payment a number", [](json& j) { j["attributes"]["payments"] = {1}; }, prefix + "has a payment that is not an object"},
      {"a return a number", [](json& j) { j["attributes"]["returns"] = {7}; }, prefix + "has a return that is not a code"},
      {"a tax row without its tax", [](json& j) { j["attributes"]["taxes"][0].erase("tax"); },
       prefix + "has no tax of the right type"},
      {"a code that is not its key's", [](json& j) { j["code"] = "ORD-000009"; },
       prefix + "has a code that is not its key's: ORD-000009"},
  };
  for (const Case& c : cases) {
    json changed = good;
    c.change(changed);
    storeAs(code, changed);
    const json stockBefore = inventory("A");
    const Response cancel = req("PATCH", "/orders/" + code + "/status", {{"status", "cancelled"}});
    EXPECT_EQ(cancel.status, 500) << c.what;
    EXPECT_EQ(cancel.body["message"], c.message) << c.what;
    const Response giveBack = req("POST", "/returns", {{"orderCode", code}, {"lines", {{{"productCode", "A"}, {"quantity", 1}}}}});
    EXPECT_EQ(giveBack.status, 500) << c.what;
    EXPECT_EQ(giveBack.body["message"], c.message) << c.what;
    EXPECT_EQ(*item(code), changed) << c.what;
    EXPECT_EQ(inventory("A"), stockBefore) << c.what;
  }
  EXPECT_EQ(req("GET", "/returns").body["items"], json::array());
  storeAs(code, good);
  EXPECT_EQ(setStatus(code, "cancelled"), "200 ");
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);
}

// Attributes a newer version writes (on the order, a line, a discount, a payment, a tax row) are
// kept through what this version writes to the order: a status change and a return.
TEST_F(OrderItems, ANewerVersionsAttributesSurviveWhatThisVersionWrites) {
  stock("A", 5);
  json sale = orderRequest({{"A", 2}});
  sale["items"][0]["discount"] = {{"amount", 1}, {"reason", "r"}};
  sale.erase("paymentMethod");
  sale["payments"] = {{{"method", "cash"}, {"amount", 100}}};
  const std::string code = placed(req("POST", "/orders", sale));
  json newer = *item(code);
  json& a = newer["attributes"];
  a["loyaltyPoints"] = 12;
  a["items"][0]["sku"] = "MOUSE-1";
  a["items"][0]["discount"]["approvedBy"] = "manager-7";
  a["payments"][0]["terminal"] = "T1";
  a["taxes"][0]["label"] = "VAT";
  storeAs(code, newer);
  ASSERT_EQ(setStatus(code, "confirmed"), "200 ");
  ASSERT_EQ(req("POST", "/returns", {{"orderCode", code}, {"lines", {{{"productCode", "A"}, {"quantity", 1}}}}}).status, 201);
  json after = attrs(*item(code));
  EXPECT_EQ(after["status"], "confirmed");
  EXPECT_EQ(after["items"][0]["returnedQuantity"], 1);
  EXPECT_EQ(after["loyaltyPoints"], 12);
  EXPECT_EQ(after["items"][0]["sku"], "MOUSE-1");
  EXPECT_EQ(after["items"][0]["discount"]["approvedBy"], "manager-7");
  EXPECT_EQ(after["payments"][0]["terminal"], "T1");
  EXPECT_EQ(after["taxes"][0]["label"], "VAT");
}

// An order written before money (log format 001: no currency, no line amounts, tax rates or tax
// rows) is returned and shipped through the type: its refund is its share of the total it kept,
// in the shop's currency, and its units leave the stock it reserved.
TEST(OrderItemsOfOlderVersions, AnOrderOfFormat001IsReturnedAndShipped) {
  TempDir dir;
  std::filesystem::copy(std::string(EDGECART_FIXTURES) + "/v1-store", dir.path(), std::filesystem::copy_options::recursive);
  auto shop = Shop::openDirectory(dir.path());
  auto call = [&](const std::string& method, const std::string& path, const json& body) {
    return shop->handle({"shop-a", "user-1", {"admin"}}, method, path, body.is_null() ? "" : body.dump());
  };
  json before = call("GET", "/orders/ORD-000001", nullptr).body["attributes"];
  ASSERT_EQ(before["status"], "confirmed");
  ASSERT_FALSE(before.contains("currency"));
  ASSERT_EQ(before["total"], 65.98);  // 2 × 29.99 and 6.00 of tax, no tax rows
  const Response back = call("POST", "/returns", {{"orderCode", "ORD-000001"}, {"lines", {{{"productCode", "PRD-001"}, {"quantity", 1}}}}});
  ASSERT_EQ(back.status, 201) << back.body.dump();
  EXPECT_EQ(back.body["attributes"]["refund"], json({{"method", "cash"}, {"amount", 32.99}}));
  EXPECT_EQ(back.body["attributes"]["currency"], "USD");
  EXPECT_EQ(back.body["attributes"]["taxes"], json::array());
  json stockBefore = call("GET", "/inventory/PRD-001", nullptr).body["attributes"];
  for (const char* s : {"processing", "shipped"}) {
    const Response r = call("PATCH", "/orders/ORD-000001/status", {{"status", s}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }
  json after = call("GET", "/orders/ORD-000001", nullptr).body;
  EXPECT_EQ(after["attributes"]["returns"], json::array({back.body["code"]}));
  EXPECT_EQ(after["attributes"]["refunded"], 32.99);
  EXPECT_EQ(after["attributes"]["items"][0]["returnedQuantity"], 1);
  EXPECT_FALSE(after["attributes"].contains("currency"));
  EXPECT_EQ(after["reservation"]["state"], "deducted");
  json stock = call("GET", "/inventory/PRD-001", nullptr).body["attributes"];
  EXPECT_EQ(stock["quantity"], stockBefore["quantity"].get<int64_t>() - 2);
  EXPECT_EQ(stock["reservedQuantity"], stockBefore["reservedQuantity"].get<int64_t>() - 2);
}

}  // namespace
}  // namespace edgecart::testing
