// The typed RESERVATION item (domain/reservation.h): it reads and writes the stored form
// unchanged, and a stored reservation this version did not write is named, never guessed at.

#include "edgecart/domain/reservation.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

class Reservations : public ShopTest {
 protected:
  Value item(const std::string& orderCode) { return storedItem(std::string(kReservation) + "#" + orderCode); }
  // A copy of its attributes: a missing one reads as null (a const JSON's [] of a missing key is
  // undefined behaviour, a crash rather than a failed check).
  json attributes(const std::string& orderCode) { return attrs(*item(orderCode)); }
  void storeAs(const std::string& orderCode, const json& changed) {
    ShopTest::storeAs(std::string(kReservation) + "#" + orderCode, changed);
  }
};

// Every state the order handler writes (held, none with its reason, released, deducted) is what
// the type re-encodes, field for field.
TEST_F(Reservations, TheTypedItemKeepsTheStoredFormExactly) {
  stock("A", 10);
  stock("B", 3);
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"B", 1}, {"A", 2}})).status, 201);  // ORD-000001 held
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 1}, {"B", 5}})).status, 201);  // ORD-000002 none
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 1}})).status, 201);            // ORD-000003
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 1}})).status, 201);            // ORD-000004
  EXPECT_EQ(setStatus("ORD-000003", "cancelled"), "200 ");
  for (const char* s : {"confirmed", "processing", "shipped"}) EXPECT_EQ(setStatus("ORD-000004", s), "200 ");

  const std::map<std::string, ReservationState> expected = {
      {"ORD-000001", ReservationState::Held}, {"ORD-000002", ReservationState::None},
      {"ORD-000003", ReservationState::Released}, {"ORD-000004", ReservationState::Deducted}};
  for (const auto& [code, state] : expected) {
    const Value stored = item(code);
    ASSERT_TRUE(stored) << code;
    const edgecart::Reservation r = reservationFrom(*stored);
    EXPECT_EQ(reservationAttributes(r).dump(), attrs(*stored).dump()) << code;
    EXPECT_EQ(r.orderCode, code);
    EXPECT_EQ(r.state, state) << code;
  }
  const edgecart::Reservation first = reservationFrom(*item("ORD-000001"));
  ASSERT_EQ(first.lines.size(), 2u);
  EXPECT_EQ(first.lines[0].productCode, "A");  // in product-code order
  EXPECT_EQ(first.lines[0].quantity, 2);
  const edgecart::Reservation refused = reservationFrom(*item("ORD-000002"));
  EXPECT_EQ(refused.error, "Insufficient inventory for B: requested 5, available 2");
  EXPECT_EQ(refused.errorCode, "INSUFFICIENT_INVENTORY");
  EXPECT_EQ(req("GET", "/orders/ORD-000002").body["reservation"],
            json({{"state", "none"}, {"error", refused.error}, {"errorCode", "INSUFFICIENT_INVENTORY"}}));
  EXPECT_EQ(req("GET", "/orders/ORD-000001").body["reservation"], json({{"state", "held"}}));
  EXPECT_EQ(inventory("A")["reservedQuantity"], 2);  // ORD-000001's; 3 and 4 gave theirs back or shipped
  EXPECT_EQ(inventory("A")["quantity"], 9);
}

// A stored reservation of another shape (a field missing, of another type, a state this version
// does not know, a line that is not an object) is named in a 500, and nothing is written: the
// cancel that would release its units, the read of its order, the order's shipment.
TEST_F(Reservations, AStoredItemOfAnotherShapeIsNamedAndChangesNothing) {
  stock("A", 5);
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 2}})).status, 201);
  const json good = *item("ORD-000001");
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    std::string message;
  };
  const std::string prefix = "Internal error: stored item RESERVATION#ORD-000001 ";
  const std::vector<Case> cases = {
      {"state unknown", [](json& j) { j["attributes"]["state"] = "lost"; },
       prefix + "has a state this version does not know: lost"},
      {"state a number", [](json& j) { j["attributes"]["state"] = 1; }, prefix + "has no state of the right type"},
      {"no lines", [](json& j) { j["attributes"].erase("lines"); }, prefix + "has no lines of the right type"},
      {"a line a string", [](json& j) { j["attributes"]["lines"][0] = "A"; },
       prefix + "has a line that is not an object"},
      {"a quantity a string", [](json& j) { j["attributes"]["lines"][0]["quantity"] = "2"; },
       prefix + "has no quantity of the right type"},
      {"an error code missing", [](json& j) { j["attributes"]["error"] = "why"; },
       prefix + "has no errorCode of the right type"},
  };
  for (const Case& c : cases) {
    json changed = good;
    c.change(changed);
    storeAs("ORD-000001", changed);
    const json stockBefore = inventory("A");
    const Response read = req("GET", "/orders/ORD-000001");
    EXPECT_EQ(read.status, 500) << c.what;
    EXPECT_EQ(read.body["message"], c.message) << c.what;
    const Response cancel = req("PATCH", "/orders/ORD-000001/status", {{"status", "cancelled"}});
    EXPECT_EQ(cancel.status, 500) << c.what;
    EXPECT_EQ(cancel.body["message"], c.message) << c.what;
    EXPECT_EQ(*item("ORD-000001"), changed) << c.what;
    EXPECT_EQ(inventory("A"), stockBefore) << c.what;
  }
  storeAs("ORD-000001", good);
  EXPECT_EQ(setStatus("ORD-000001", "cancelled"), "200 ");
  EXPECT_EQ(inventory("A")["reservedQuantity"], 0);
}

// A strict order refused for its stock answers the reservation's own reason and code, and writes
// nothing; a product the shop does not have is UNKNOWN_PRODUCT.
TEST_F(Reservations, AStrictOrderIsRefusedWithTheReservationsReason) {
  stock("A", 1);
  const Response short_ = req("POST", "/orders?stock=strict", orderRequest({{"A", 2}}));
  EXPECT_EQ(short_.status, 409);
  EXPECT_EQ(short_.body["message"], "Insufficient inventory for A: requested 2, available 1");
  EXPECT_EQ(short_.body["code"], "INSUFFICIENT_INVENTORY");
  const Response ghost = req("POST", "/orders?stock=strict", orderRequest({{"GHOST", 1}}));
  EXPECT_EQ(ghost.status, 409);
  EXPECT_EQ(ghost.body["code"], "UNKNOWN_PRODUCT");
  EXPECT_EQ(req("GET", "/orders").body["items"], json::array());
  EXPECT_FALSE(item("ORD-000001"));
}

// Attributes a newer version writes on a reservation and on the stock are kept through what this
// version writes to them: the cancel that releases the units, the shipment that deducts them, and
// PATCH /inventory.
TEST_F(Reservations, ANewerVersionsAttributesSurviveTheHandlerAndTheStockChange) {
  stock("A", 5);
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 2}})).status, 201);
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"A", 1}})).status, 201);
  for (const char* code : {"ORD-000001", "ORD-000002"}) {
    json r = *item(code);
    r["attributes"]["holdUntil"] = "2026-12-08";
    storeAs(code, r);
  }
  json inv = *storedItem("INVENTORY#A");
  inv["attributes"]["bin"] = "B-12";
  ShopTest::storeAs("INVENTORY#A", inv);

  EXPECT_EQ(setStatus("ORD-000001", "cancelled"), "200 ");
  for (const char* s : {"confirmed", "processing", "shipped"}) EXPECT_EQ(setStatus("ORD-000002", s), "200 ");
  EXPECT_EQ(attributes("ORD-000001")["state"], "released");
  EXPECT_EQ(attributes("ORD-000001")["holdUntil"], "2026-12-08");
  EXPECT_EQ(attributes("ORD-000002")["state"], "deducted");
  EXPECT_EQ(attributes("ORD-000002")["holdUntil"], "2026-12-08");
  EXPECT_EQ(inventory("A")["bin"], "B-12");
  ASSERT_EQ(req("PATCH", "/inventory/A", {{"quantity", 7}}).status, 200);
  EXPECT_EQ(inventory("A")["quantity"], 7);
  EXPECT_EQ(inventory("A")["bin"], "B-12");
}

}  // namespace
}  // namespace edgecart::testing
