// A till's day (docs/till.md): drawer sessions from the float to the Z report, returns and their
// refunds, in the core and through sync.

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
  EXPECT_EQ(as("cashier", "POST", "/sessions", {{"till", "front"}, {"float", 100}}).body["code"], "SES-000002");
  r = as("manager", "GET", "/sessions?till=front&status=closed");
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["attributes"], z);
}

}  // namespace
}  // namespace edgecart::testing
