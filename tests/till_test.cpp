// A till's day (docs/till.md): drawer sessions from the float to the Z report, returns and their
// refunds, in the core and through sync.

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "sync_fixture.h"

namespace edgecart::testing {
namespace {

class TillDay : public ::testing::Test {
 protected:
  void SetUp() override {
    auto clock = std::make_unique<ManualClock>(kSeedTime);
    clock_ = clock.get();
    shop_ = Shop::inMemory({}, std::move(clock));
  }
  Response as(const std::string& role, const std::string& method, const std::string& path, const json& body = nullptr) {
    return shop_->handle({"shop-a", role + "-1", {role}}, method, path, body.is_null() ? "" : body.dump());
  }
  Response req(const std::string& method, const std::string& path, const json& body = nullptr) {
    return as("admin", method, path, body);
  }
  void product(const std::string& code, const json& price, int quantity) {
    json p = productRequest(code);
    p["price"] = price;
    ASSERT_EQ(req("POST", "/products", p).status, 201);
    ASSERT_EQ(req("PATCH", "/inventory/" + code, {{"quantity", quantity}}).status, 200);
  }
  // Available units: in stock less reserved.
  int64_t available(const std::string& code) {
    const json a = req("GET", "/inventory/" + code).body["attributes"];
    return a["quantity"].get<int64_t>() - a["reservedQuantity"].get<int64_t>();
  }
  json sale(const json& lines, const json& payments, const std::string& session) {
    json o = seedOrderRequest();
    o["items"] = lines;
    o.erase("paymentMethod");
    o["payments"] = payments;
    if (!session.empty()) o["session"] = session;
    return o;
  }
  std::string sell(const json& lines, const json& payments, const std::string& session) {
    const Response r = as("cashier", "POST", "/orders", sale(lines, payments, session));
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("code", "");
  }
  json session(const std::string& code) {
    const Response r = as("cashier", "GET", "/sessions/" + code);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["attributes"];
  }
  void days(int64_t n) { clock_->set(clock_->nowMs() + n * 24 * 60 * 60 * 1000); }

  ManualClock* clock_ = nullptr;
  std::unique_ptr<Shop> shop_;
};

// A day by hand: float 100.00; three sales (cash with change, card, split); a return of one mug
// in cash; a paid-in and a paid-out; closed with the cash counted by denominations.
TEST_F(TillDay, TheZReportAddsUpTheDayExactly) {
  product("MUG", 12.50, 50);  // 10 % tax: 13.75 a mug
  product("PEN", 1.99, 50);
  Response r = as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 100}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string s = r.body["code"];
  EXPECT_EQ(s, "SES-000001");
  EXPECT_EQ(r.body["attributes"]["status"], "open");
  // A second session on the same till waits for this one to close.
  r = as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 50}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "SESSION_OPEN");
  EXPECT_EQ(r.body["message"], "Till front has session SES-000001 open: close it before opening another");
  // A till finds its open session with one read of its TILL item.
  r = as("cashier", "GET", "/sessions?till=front&status=open");
  ASSERT_EQ(r.body["items"].size(), 1u) << r.body.dump();
  EXPECT_EQ(r.body["items"][0]["code"], s);
  EXPECT_EQ(as("cashier", "GET", "/sessions?till=back&status=open").body["items"].size(), 0u);

  // 2 mugs = 25.00 + 2.50 tax = 27.50, paid 30 cash: 2.50 change.
  const std::string one = sell({{{"productCode", "MUG"}, {"quantity", 2}}}, {{{"method", "cash"}, {"amount", 30}}}, s);
  // 3 pens = 5.97 + 0.60 = 6.57, by card.
  sell({{{"productCode", "PEN"}, {"quantity", 3}}}, {{{"method", "card"}, {"amount", 6.57}}}, s);
  // 1 mug + 1 pen = 14.49 + 1.45 = 15.94: 10.00 card, 5.94 cash.
  sell({{{"productCode", "MUG"}, {"quantity", 1}}, {{"productCode", "PEN"}, {"quantity", 1}}},
       {{{"method", "card"}, {"amount", 10}}, {{"method", "cash"}, {"amount", 5.94}}}, s);
  // One mug of the first sale comes back: 13.75 in cash, restocked.
  r = as("cashier", "POST", "/returns", {{"orderCode", one}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}, {"session", s}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["code"], "RET-000001");
  EXPECT_EQ(r.body["attributes"]["refund"], json::parse(R"({"method": "cash", "amount": 13.75})"));
  ASSERT_EQ(as("cashier", "POST", "/sessions/" + s + "/movements", {{"type", "in"}, {"amount", 20}, {"reason", "change from the bank"}}).status, 200);
  ASSERT_EQ(as("cashier", "POST", "/sessions/" + s + "/movements", {{"type", "out"}, {"amount", 8.40}, {"reason", "window cleaner"}}).status, 200);

  // The X report so far: cash 100 + 27.50 + 5.94 - 13.75 + 20 - 8.40 = 131.29.
  json x = session(s);
  EXPECT_EQ(x["salesCount"], 3);
  EXPECT_EQ(x["gross"], 45.46);  // 25.00 + 5.97 + 14.49
  EXPECT_EQ(x["salesTotal"], 50.01);  // 27.50 + 6.57 + 15.94
  EXPECT_EQ(x["expectedCash"], 131.29);
  EXPECT_EQ(x["returnsCount"], 1);
  EXPECT_EQ(x["refunds"], 13.75);
  EXPECT_EQ(x["tenders"], json::parse(R"([{"method": "card", "taken": 16.57, "refunded": 0},
                                           {"method": "cash", "taken": 33.44, "refunded": 13.75}])"));
  EXPECT_EQ(x["taxes"], json::parse(R"([{"rate": 10, "sales": 4.55, "refunded": 1.25}])"));
  EXPECT_EQ(x["paidIn"], 20);
  EXPECT_EQ(x["paidOut"], 8.40);

  // Closed with 131.00 counted (a 100, a 20, a 10 and a 1): 0.29 short.
  r = as("cashier", "POST", "/sessions/" + s + "/close",
         {{"denominations", {{{"value", 100}, {"count", 1}}, {{"value", 20}, {"count", 1}}, {{"value", 10}, {"count", 1}}, {{"value", 1}, {"count", 1}}}}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const json z = r.body["attributes"];
  EXPECT_EQ(z["status"], "closed");
  EXPECT_EQ(z["countedCash"], 131);
  EXPECT_EQ(z["expectedCash"], 131.29);
  EXPECT_EQ(z["difference"], -0.29);
  // Closed: nothing more counts in it, and the till is free for the next session.
  r = as("cashier", "POST", "/orders", sale({{{"productCode", "PEN"}, {"quantity", 1}}}, {{{"method", "cash"}, {"amount", 5}}}, s));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "SESSION_CLOSED");
  EXPECT_EQ(req("GET", "/orders?limit=100").body["items"].size(), 3u) << "the refused sale wrote nothing";
  EXPECT_EQ(as("cashier", "POST", "/sessions/" + s + "/movements", {{"type", "in"}, {"amount", 1}, {"reason", "x"}}).body["code"], "SESSION_CLOSED");
  EXPECT_EQ(as("cashier", "GET", "/sessions?till=front&status=open").body["items"].size(), 0u);
  EXPECT_EQ(as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 100}}).body["code"], "SES-000002");
  EXPECT_EQ(as("cashier", "GET", "/sessions?till=front&status=open").body["items"][0]["code"], "SES-000002");
  r = as("manager", "GET", "/sessions?till=front&status=closed");
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["attributes"], z);
}

// What a return may take and what it does: up to what was sold less what came back; restocked or
// not; the order shows it; a cancelled order has nothing to return, a returned one cannot be
// cancelled; a cashier refunds within the shop's window, a manager beyond it.
TEST_F(TillDay, AReturnTakesBackWhatWasSoldOnceAndRestocksOnlyWhatCanBeSold) {
  product("MUG", 12.50, 10);
  const std::string o = sell({{{"productCode", "MUG"}, {"quantity", 3}}}, {{{"method", "card"}, {"amount", 41.25}}}, "");
  EXPECT_EQ(available("MUG"), 7);
  Response r = as("cashier", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}, {"restock", true}}}}, {"refundMethod", "card"}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(available("MUG"), 8) << "restocked";
  r = as("cashier", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}, {"restock", false}}}}, {"reason", "chipped"}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(available("MUG"), 8) << "a damaged unit does not go back to stock";
  EXPECT_EQ(r.body["attributes"]["reason"], "chipped");
  // Two of three are back: one more at most.
  r = as("cashier", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 2}}}}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "RETURN_EXCEEDS_SALE");
  EXPECT_EQ(r.body["message"], "Order " + o + " sold 3 of MUG and 2 are returned already: at most 1 more can be returned");
  const json order = req("GET", "/orders/" + o).body["attributes"];
  EXPECT_EQ(order["items"][0]["returnedQuantity"], 2);
  EXPECT_EQ(order["returns"], json::parse(R"(["RET-000001", "RET-000002"])"));
  EXPECT_EQ(order["refunded"], 27.50);
  EXPECT_EQ(available("MUG"), 8) << "the refused return wrote nothing";
  EXPECT_EQ(as("cashier", "GET", "/returns?orderCode=" + o).body["items"].size(), 2u);
  // Bad returns are refused and change nothing.
  const std::vector<std::pair<json, std::string>> bad = {
      {{{"orderCode", o}, {"lines", {{{"productCode", "PEN"}, {"quantity", 1}}}}}, "lines[0]: order " + o + " sold no PEN"},
      {{{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 0}}}}}, "lines[0].quantity must be an integer between 1 and 1000000"},
      {{{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}, {"refundMethod", "bitcoin"}}, "refundMethod must be one of the shop's tenders"},
      {{{"orderCode", o}, {"lines", json::array()}}, "lines must contain at least 1 element"},
      {{{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}, {"refund", 1000}}, "property refund should not exist"}};
  for (const auto& [body, message] : bad) {
    r = as("cashier", "POST", "/returns", body);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_EQ(r.body["message"], message);
  }
  EXPECT_EQ(as("cashier", "POST", "/returns", {{"orderCode", "ORD-999999"}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}}).status, 404);
  EXPECT_EQ(as("customer", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}}).status, 403);
  EXPECT_EQ(req("GET", "/orders/" + o).body["version"], 3) << "only the two returns changed the order";
  // A returned order is refunded, not cancelled; a cancelled one has nothing to return.
  r = req("PATCH", "/orders/" + o + "/status", {{"status", "cancelled"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["message"], "Order " + o + " has returns: refund what is left with a return instead of cancelling it");
  const std::string cancelled = sell({{{"productCode", "MUG"}, {"quantity", 1}}}, {{{"method", "card"}, {"amount", 13.75}}}, "");
  ASSERT_EQ(req("PATCH", "/orders/" + cancelled + "/status", {{"status", "cancelled"}}).status, 200);
  r = as("cashier", "POST", "/returns", {{"orderCode", cancelled}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["message"], "Order " + cancelled + " was cancelled: it has nothing to return");
  // 31 days on, the last mug is past a cashier's window (30 days) and within a manager's.
  days(31);
  r = as("cashier", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["message"], "Forbidden: order " + o + " was placed on 2024-01-15, more than 30 days ago: a manager may refund it");
  r = as("manager", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 1}}}}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(req("GET", "/orders/" + o).body["attributes"]["refunded"], 41.25) << "every unit back: the whole total";
}

// Returning a sale unit by unit, in any order, refunds its total exactly and gives back the tax
// of each rate exactly: discounts, mixed rates and odd amounts included.
TEST_F(TillDay, ReturnsOfEveryUnitRefundTheTotalAndTheTaxOfEachRateExactly) {
  ASSERT_EQ(req("PATCH", "/settings", {{"taxClasses", {{"standard", 10}, {"reduced", 8}}}, {"categoryTaxClasses", {{"FOOD", "reduced"}}}}).status, 200);
  std::mt19937 rng(26);
  for (int i = 0; i < 6; ++i) {
    json p = productRequest("P" + std::to_string(i), 0.01 * (100 + rng() % 5000));
    p["categoryCode"] = i % 2 ? "FOOD" : "ACC";
    ASSERT_EQ(req("POST", "/products", p).status, 201);
    ASSERT_EQ(req("PATCH", "/inventory/P" + std::to_string(i), {{"quantity", 100000}}).status, 200);
  }
  for (int round = 0; round < 40; ++round) {
    json lines = json::array();
    const int n = 1 + rng() % 4;
    for (int k = 0; k < n; ++k) {
      json line = {{"productCode", "P" + std::to_string(rng() % 6)}, {"quantity", 1 + rng() % 7}};
      if (rng() % 3 == 0) line["discount"] = {{"percent", rng() % 30}, {"reason", "r"}};
      lines.push_back(line);
    }
    json o = sale(lines, nullptr, "");
    o.erase("payments");
    o["paymentMethod"] = "card";
    if (rng() % 2) o["discount"] = {{"amount", 0.01 * (rng() % 300)}, {"reason", "coupon"}};
    Response r = req("POST", "/orders", o);
    ASSERT_EQ(r.status, 201) << r.body.dump();
    const std::string code = r.body["code"];
    const json order = r.body["attributes"];
    // Every unit, one return each, in a shuffled order.
    std::vector<std::string> units;
    for (const json& l : order["items"]) {
      for (int64_t u = 0; u < l["quantity"].get<int64_t>(); ++u) units.push_back(l["productCode"]);
    }
    std::shuffle(units.begin(), units.end(), rng);
    int64_t refunded = 0;
    std::map<double, int64_t> taxBack;  // rate -> cents
    for (const std::string& p : units) {
      r = req("POST", "/returns", {{"orderCode", code}, {"lines", {{{"productCode", p}, {"quantity", 1}}}}});
      ASSERT_EQ(r.status, 201) << r.body.dump();
      refunded += std::llround(r.body["attributes"]["refund"]["amount"].get<double>() * 100);
      for (const json& t : r.body["attributes"]["taxes"]) taxBack[t["rate"].get<double>()] += std::llround(t["tax"].get<double>() * 100);
    }
    EXPECT_EQ(refunded, std::llround(order["total"].get<double>() * 100)) << order.dump();
    for (const json& t : order["taxes"]) {
      EXPECT_EQ(taxBack[t["rate"].get<double>()], std::llround(t["tax"].get<double>() * 100)) << order.dump();
    }
  }
}

// A customer cannot make its order count in a till's drawer.
TEST_F(TillDay, OnlyStaffSellOnASession) {
  product("MUG", 12.50, 10);
  ASSERT_EQ(as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 0}}).status, 201);
  json o = seedOrderRequest();
  o["items"] = {{{"productCode", "MUG"}, {"quantity", 1}}};
  o["session"] = "SES-000001";
  const Response r = shop_->handle({"shop-a", "CUST-001", {"customer"}}, "POST", "/orders", o.dump());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["message"], "Forbidden: a customer cannot sell on a till's session");
  EXPECT_EQ(session("SES-000001")["salesCount"], 0);
}

// The drawer refuses what it cannot hold or count: a paid-out or a cash refund of more than it
// should hold, a count whose denominations disagree, a sale in another currency. Nothing changes.
TEST_F(TillDay, TheDrawerRefusesWhatItCannotHoldAndWritesNothing) {
  product("MUG", 12.50, 10);
  Response r = as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 20}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string s = r.body["code"];
  const std::string o = sell({{{"productCode", "MUG"}, {"quantity", 2}}}, {{{"method", "card"}, {"amount", 27.50}}}, s);
  const json before = session(s);
  r = as("cashier", "POST", "/sessions/" + s + "/movements", {{"type", "out"}, {"amount", 20.01}, {"reason", "stamps"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["message"], "A paid-out of 20.01 is more than the 20.00 the drawer should hold");
  r = as("cashier", "POST", "/returns", {{"orderCode", o}, {"lines", {{{"productCode", "MUG"}, {"quantity", 2}}}}, {"session", s}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["message"], "A cash refund of 27.50 is more than the 20.00 the drawer should hold");
  r = as("cashier", "POST", "/sessions/" + s + "/close", {{"counted", 25}, {"denominations", {{{"value", 20}, {"count", 1}}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "counted 25.00 is not the sum of the denominations, 20.00");
  EXPECT_EQ(as("cashier", "POST", "/sessions/" + s + "/close", json::object()).body["message"], "counted or denominations is required");
  EXPECT_EQ(as("cashier", "POST", "/sessions", {{"till", "back"}}).body["message"], "float or denominations is required");
  EXPECT_EQ(as("cashier", "POST", "/sessions/" + s + "/movements", {{"type", "sideways"}, {"amount", 1}, {"reason", "x"}}).status, 400);
  // The shop moves to yen: a yen sale cannot count in a drawer opened in dollars.
  ASSERT_EQ(req("PATCH", "/settings", {{"currency", "JPY"}}).status, 200);
  json yen = productRequest("TEA");
  yen["price"] = 300;
  yen["currency"] = "JPY";
  ASSERT_EQ(req("POST", "/products", yen).status, 201);
  r = as("cashier", "POST", "/orders", sale({{{"productCode", "TEA"}, {"quantity", 1}}}, {{{"method", "cash"}, {"amount", 330}}}, s));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "This sale is in JPY, but the drawer of till front counts USD: a session has one currency");
  EXPECT_EQ(session(s), before) << "nothing refused changed the drawer";
  EXPECT_EQ(req("GET", "/returns").body["items"].size(), 0u);
}

// Two tills return the same receipt while offline: on sync one return applies, the other is
// refused with a clear outcome, and the stock is restocked once.
TEST_F(Sync, TwoTillsReturningTheSameReceiptOfflineApplyOneReturn) {
  stockServer(10);
  Response r = serverCall("POST", "/orders", seedOrderRequest());  // 2 × PRD-001
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string code = r.body["code"];
  Till a("till-a-0000000000001"), b("till-b-0000000000001");
  for (Till* t : {&a, &b}) pull(*t);
  const json back = {{"orderCode", code}, {"lines", {{{"productCode", "PRD-001"}, {"quantity", 2}}}}};
  r = a.call("POST", "/returns", back);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["code"], "RET-till-a-00000-000001") << "the device's own series, offline";
  ASSERT_EQ(b.call("POST", "/returns", back).status, 201);
  json outcomes = push(a);
  EXPECT_EQ(outcomes[0]["outcome"], "accepted") << outcomes.dump();
  outcomes = push(b);
  EXPECT_EQ(outcomes[0]["outcome"], "rejected") << outcomes.dump();
  EXPECT_EQ(outcomes[0]["body"]["code"], "RETURN_EXCEEDS_SALE");
  EXPECT_EQ(b.sync.problems().size(), 1u);
  const json inv = serverCall("GET", "/inventory/PRD-001").body["attributes"];
  EXPECT_EQ(inv["quantity"], 12) << "restocked once";
  EXPECT_EQ(serverCall("GET", "/returns").body["items"].size(), 1u);
  EXPECT_EQ(serverCall("GET", "/returns/RET-till-a-00000-000001").status, 200);
  // The refused till takes the server's truth: no return, the order as the server has it.
  pull(b);
  EXPECT_EQ(b.call("GET", "/returns").body["items"].size(), 1u);
  EXPECT_EQ(b.call("GET", "/orders/" + code).body["attributes"]["returnedQuantity"], json());
  EXPECT_EQ(b.call("GET", "/orders/" + code).body["attributes"]["items"][0]["returnedQuantity"], 2);
}

// A session opened, used and closed offline reaches the server as the till had it.
TEST_F(Sync, ASessionKeptOfflineIsTheServersOnceSynced) {
  stockServer(10);
  Till a("till-a-0000000000001");
  pull(a);
  lease(a, 5);
  Response r = a.call("POST", "/sessions", {{"till", "till-a"}, {"float", 50}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string s = r.body["code"];
  EXPECT_EQ(s, "SES-till-a-00000-000001");
  json o = seedOrderRequest();  // 59.98 + 6.00 = 65.98
  o.erase("paymentMethod");
  o["payments"] = {{{"method", "cash"}, {"amount", 70}}};
  o["session"] = s;
  ASSERT_EQ(a.call("POST", "/orders", o).status, 201);
  ASSERT_EQ(a.call("POST", "/sessions/" + s + "/movements", {{"type", "out"}, {"amount", 5}, {"reason", "stamps"}}).status, 200);
  r = a.call("POST", "/sessions/" + s + "/close", {{"counted", 110.98}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const json local = r.body;
  EXPECT_EQ(local["attributes"]["expectedCash"], 110.98);
  EXPECT_EQ(local["attributes"]["difference"], 0);
  for (const json& outcome : push(a)) EXPECT_EQ(outcome["outcome"], "accepted") << outcome.dump();
  const json server = serverCall("GET", "/sessions/" + s).body;
  EXPECT_EQ(server["attributes"], local["attributes"]);
  EXPECT_EQ(serverCall("GET", "/sessions?till=till-a&status=open").body["items"].size(), 0u);
}

}  // namespace
}  // namespace edgecart::testing
