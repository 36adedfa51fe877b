// Inventory: restocks, all-or-nothing reservation, per-order release/deduct, and a property
// test of the invariant 0 ≤ reservedQuantity ≤ quantity (docs/design.md §4).

#include <random>

#include "edgecart/domain/inventory.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

class Inventory : public ShopTest {};

TEST_F(Inventory, FirstPatchCreatesTheItemForAnExistingProduct) {
  ASSERT_EQ(req("POST", "/products", productRequest("PRD-001")).status, 201);
  Response r = req("PATCH", "/inventory/PRD-001", {{"quantity", 10}, {"warehouseCode", "WH-1"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["sk"], "INVENTORY#PRD-001");
  EXPECT_EQ(r.body["version"], 1);
  EXPECT_EQ(r.body["attributes"], json::parse(R"({"productCode":"PRD-001","quantity":10,
      "reservedQuantity":0,"warehouseCode":"WH-1","lastRestockedAt":"2024-01-15T10:30:00.000Z"})"));
  EXPECT_EQ(req("PATCH", "/inventory/NOPE", {{"quantity", 1}}).body["message"], "Product NOPE not found");
  EXPECT_EQ(req("GET", "/inventory/NOPE").status, 404);
}

TEST_F(Inventory, DeltasAddAndSubtract) {
  stock("PRD-001", 10);
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantityDelta", 5}}).body["attributes"]["quantity"], 15);
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantityDelta", -15}}).body["attributes"]["quantity"], 0);
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantityDelta", -1}}).status, 409);
}

TEST_F(Inventory, RestockBelowReservedIsRefused) {
  stock("PRD-001", 10);
  req("POST", "/orders", orderRequest({{"PRD-001", 4}}));
  Response r = req("PATCH", "/inventory/PRD-001", {{"quantity", 3}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["message"], "Cannot set quantity of PRD-001 to 3: 4 units are reserved");
  EXPECT_EQ(inventory("PRD-001")["quantity"], 10);
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantity", 4}}).status, 200);
}

TEST_F(Inventory, VersionedRestockIsAnOptimisticLock) {
  stock("PRD-001", 10);  // version 1
  req("POST", "/orders", orderRequest({{"PRD-001", 1}}));  // reservation: version 2
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantity", 20}, {"version", 1}}).status, 409);
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantity", 20}, {"version", 3}}).status, 400);
  EXPECT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantity", 20}, {"version", 2}}).body["version"], 3);
}

TEST_F(Inventory, ReservationIsAllOrNothing) {
  stock("A", 5);
  stock("B", 1);
  Response r = req("POST", "/orders", orderRequest({{"A", 3}, {"B", 2}}));
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.notifications.at(0)["error"], "Insufficient inventory for B: requested 2, available 1");
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);  // A was not half-reserved
  EXPECT_EQ(inventory("B")["reservedQuantity"], 0);
  Response missing = req("POST", "/orders", orderRequest({{"A", 1}, {"GHOST", 1}}));
  EXPECT_EQ(missing.notifications.at(0)["error"], "Product GHOST not found");
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);
}

TEST_F(Inventory, LinesOfTheSameProductAreReservedTogether) {
  stock("A", 5);
  Response r = req("POST", "/orders", orderRequest({{"A", 3}, {"A", 3}}));
  EXPECT_EQ(r.notifications.at(0)["error"], "Insufficient inventory for A: requested 6, available 5");
  req("POST", "/orders", orderRequest({{"A", 2}, {"A", 3}}));
  EXPECT_EQ(inventory("A")["reservedQuantity"], 5);
}

TEST_F(Inventory, CancelReleasesOnlyThisOrdersUnits) {
  stock("A", 10);
  req("POST", "/orders", orderRequest({{"A", 3}}));            // ORD-000001 holds 3
  req("PATCH", "/inventory/A", {{"quantity", 3}});             // now no units are free
  req("POST", "/orders", orderRequest({{"A", 4}}));            // ORD-000002 holds nothing
  EXPECT_EQ(setStatus("ORD-000002", "cancelled"), "200 ");
  EXPECT_EQ(inventory("A")["reservedQuantity"], 3);            // ORD-000001's units untouched
  EXPECT_EQ(setStatus("ORD-000001", "cancelled"), "200 ");
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);
}

TEST_F(Inventory, ShippingDeductsAndReleasesTheHeldUnits) {
  stock("A", 10);
  req("POST", "/orders", orderRequest({{"A", 3}}));
  for (const char* s : {"confirmed", "processing", "shipped"}) setStatus("ORD-000001", s);
  EXPECT_EQ(inventory("A")["quantity"], 7);
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);
}

TEST_F(Inventory, ShippingWithoutReservationNeedsFreeStockOrIsRefused) {
  stock("A", 2);
  req("POST", "/orders", orderRequest({{"A", 5}}));  // reservation failed
  for (const char* s : {"confirmed", "processing"}) setStatus("ORD-000001", s);
  EXPECT_EQ(setStatus("ORD-000001", "shipped"), "409 Insufficient inventory for A: requested 5, available 2");
  EXPECT_EQ(req("GET", "/orders/ORD-000001").body["attributes"]["status"], "processing");
  EXPECT_EQ(inventory("A")["quantity"], 2);
  req("PATCH", "/inventory/A", {{"quantity", 6}});
  EXPECT_EQ(setStatus("ORD-000001", "shipped"), "200 ");
  EXPECT_EQ(inventory("A")["quantity"], 1);
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);
}

// A product that exists but has never been stocked has 0 available: the order's alert and the
// refused shipment say so (409), instead of a false "Product B not found" (404).
TEST_F(Inventory, AProductWithNoInventoryRowHasNothingAvailable) {
  ASSERT_EQ(req("POST", "/products", productRequest("B")).status, 201);
  const Response order = req("POST", "/orders", orderRequest({{"B", 2}}));
  ASSERT_EQ(order.status, 201);
  ASSERT_EQ(order.notifications.at(0)["type"], "inventory_reservation_failed");
  EXPECT_EQ(order.notifications.at(0)["error"], "Insufficient inventory for B: requested 2, available 0");
  for (const char* s : {"confirmed", "processing"}) setStatus("ORD-000001", s);
  EXPECT_EQ(setStatus("ORD-000001", "shipped"), "409 Insufficient inventory for B: requested 2, available 0");
  EXPECT_EQ(req("GET", "/orders/ORD-000001").body["attributes"]["status"], "processing");
  EXPECT_EQ(req("GET", "/products/B").status, 200);
  EXPECT_EQ(req("GET", "/inventory/B").status, 404) << "nothing was written for B";
}

// Thousands of random operations over several orders and products; after each one the store
// must equal a model in which each order holds exactly its own units, and 0 ≤ reserved ≤ quantity.
TEST_F(Inventory, PropertyInvariantHoldsAndOrdersNeverTouchEachOthersUnits) {
  const std::vector<std::string> products = {"P1", "P2", "P3", "P4"};
  const std::vector<std::string> statuses = {"confirmed", "processing", "shipped", "delivered", "cancelled"};
  std::map<std::string, int64_t> quantity, reserved;
  std::map<std::string, std::map<std::string, int64_t>> held;  // order -> product -> units
  std::map<std::string, std::map<std::string, int64_t>> lines;
  std::vector<std::string> orders;
  for (const auto& p : products) {
    stock(p, 20);
    quantity[p] = 20;
  }
  std::mt19937 rng(20240115);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int accepted = 0, refused = 0;
  for (int step = 0; step < 3000; ++step) {
    const int op = pick(10);
    if (op < 4 || orders.empty()) {
      std::vector<std::pair<std::string, int>> ls;
      for (int i = 0, n = 1 + pick(3); i < n; ++i) ls.emplace_back(products[pick(4)], 1 + pick(6));
      Response r = req("POST", "/orders", orderRequest(ls));
      ASSERT_EQ(r.status, 201);
      const std::string code = r.body["code"];
      orders.push_back(code);
      std::map<std::string, int64_t> want;
      for (const auto& [p, n] : ls) want[p] += n;
      lines[code] = want;
      bool ok = true;
      for (const auto& [p, n] : want) ok = ok && quantity[p] - reserved[p] >= n;
      EXPECT_EQ(r.notifications.size(), ok ? 1u : 2u) << "step " << step;
      if (ok) {
        held[code] = want;
        for (const auto& [p, n] : want) reserved[p] += n;
      }
    } else if (op < 9) {
      const std::string code = orders[pick(static_cast<int>(orders.size()))];
      const std::string to = statuses[pick(5)];
      const std::string from = req("GET", "/orders/" + code).body["attributes"]["status"];
      Response r = req("PATCH", "/orders/" + code + "/status", {{"status", to}});
      bool expectOk = isAllowedTransition(from, to);
      if (expectOk && to == "shipped" && !held.count(code)) {
        for (const auto& [p, n] : lines[code]) expectOk = expectOk && quantity[p] - reserved[p] >= n;
      }
      ASSERT_EQ(r.status, expectOk ? 200 : (isAllowedTransition(from, to) ? 409 : 400))
          << "step " << step << " " << code << " " << from << "->" << to << " " << r.body.dump();
      (expectOk ? accepted : refused)++;
      if (expectOk && to == "cancelled" && held.count(code)) {
        for (const auto& [p, n] : held[code]) reserved[p] -= n;
        held.erase(code);
      }
      if (expectOk && to == "shipped") {
        for (const auto& [p, n] : lines[code]) quantity[p] -= n;
        if (held.count(code)) {
          for (const auto& [p, n] : held[code]) reserved[p] -= n;
          held.erase(code);
        }
      }
    } else {
      const std::string p = products[pick(4)];
      const int64_t target = pick(40);
      Response r = req("PATCH", "/inventory/" + p, {{"quantity", target}});
      ASSERT_EQ(r.status, target >= reserved[p] ? 200 : 409) << "step " << step;
      if (r.status == 200) quantity[p] = target;
    }
    for (const auto& p : products) {
      const json inv = inventory(p);
      ASSERT_EQ(inv["quantity"], quantity[p]) << "step " << step << " " << p;
      ASSERT_EQ(inv["reservedQuantity"], reserved[p]) << "step " << step << " " << p;
      ASSERT_GE(reserved[p], 0);
      ASSERT_LE(reserved[p], quantity[p]);
    }
  }
  EXPECT_GT(accepted, 300);  // the walk really exercised transitions...
  EXPECT_GT(refused, 300);   // ...and refusals
  EXPECT_GT(held.size(), 0u);
}


// The typed item (domain/inventory.h) reads and writes the stored form unchanged: after a day of
// restocks, sales, cancels, shipments and returns every stock item is what its type re-encodes.
TEST_F(Inventory, TheTypedItemKeepsTheStoredFormExactly) {
  stock("A", 50);
  stock("B", 7);
  ASSERT_EQ(req("PATCH", "/inventory/B", {{"warehouseCode", "WH-2"}}).status, 200);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 2}, {"B", 1}})).status, 201);
  EXPECT_EQ(setStatus("ORD-000001", "cancelled"), "200 ");
  EXPECT_EQ(setStatus("ORD-000002", "confirmed"), "200 ");
  EXPECT_EQ(setStatus("ORD-000002", "processing"), "200 ");
  EXPECT_EQ(setStatus("ORD-000002", "shipped"), "200 ");
  ASSERT_EQ(req("PATCH", "/inventory/A", {{"quantityDelta", -3}}).status, 200);
  int seen = 0;
  shop_->store().scan(Table::Data, tenantPk("shop-a"), "INVENTORY#", "", [&](const std::string& sk, const Value& item) {
    const edgecart::Inventory typed = inventoryFrom(*item);
    EXPECT_EQ(inventoryAttributes(typed), attrs(*item)) << sk;
    EXPECT_EQ(std::string(kInventory) + "#" + typed.productCode, sk);
    ++seen;
    return true;
  });
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(inventory("A")["quantity"], 45);
  EXPECT_EQ(inventory("A")["reservedQuantity"], 8);
  EXPECT_EQ(inventory("B")["warehouseCode"], "WH-2");
}

// A stored stock item this version did not write (a field missing or of another type) is named in
// the answer, not "[json.exception…]", and nothing is written.
TEST_F(Inventory, AStoredItemOfAnotherShapeIsNamedAndChangesNothing) {
  stock("A", 5);
  const std::string pk = tenantPk("shop-a");
  json item = *shop_->store().get(Table::Data, pk, "INVENTORY#A");
  item["attributes"]["reservedQuantity"] = "2";
  shop_->store().commit(Batch{Put{Table::Data, pk, "INVENTORY#A", std::make_shared<const json>(item)}});
  const json before = *shop_->store().get(Table::Data, pk, "INVENTORY#A");
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, json>>{
           {"PATCH", "/inventory/A", {{"quantity", 9}}}, {"POST", "/orders?stock=strict", orderRequest({{"A", 1}})}}) {
    const Response r = req(method, path, body);
    EXPECT_EQ(r.status, 500) << r.body.dump();
    EXPECT_EQ(r.body["message"], "Internal error: stored item INVENTORY#A has no reservedQuantity of the right type") << path;
  }
  EXPECT_EQ(*shop_->store().get(Table::Data, pk, "INVENTORY#A"), before);
  EXPECT_EQ(req("GET", "/orders").body["items"], json::array());
}
}  // namespace
}  // namespace edgecart::testing
