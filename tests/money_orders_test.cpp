// Money as a shop counts it (docs/money.md): currencies, tax classes with a per-rate breakdown,
// tax-inclusive prices, discounts and the cashier's limit, settings.

#include <random>

#include "test_util.h"

namespace edgecart::testing {
namespace {

class MoneyOrders : public ShopTest {
 protected:
  Response as(const std::vector<std::string>& roles, const std::string& method, const std::string& path,
              const json& body = nullptr, const std::string& user = "user-1") {
    return shop_->handle({"shop-a", user, roles}, method, path, body.is_null() ? "" : body.dump());
  }
  void product(const std::string& code, const std::string& category, const json& price, const std::string& currency,
               const json& extra = json::object()) {
    json p = {{"code", code}, {"name", code}, {"categoryCode", category}, {"sku", "SKU-" + code},
              {"price", price}, {"currency", currency}};
    for (const auto& [k, v] : extra.items()) p[k] = v;
    const Response r = req("POST", "/products", p);
    ASSERT_EQ(r.status, 201) << r.body.dump();
    ASSERT_EQ(req("PATCH", "/inventory/" + code, {{"quantity", 1000}}).status, 200);
  }
  json order(const json& lines) {
    json o = seedOrderRequest();
    o["items"] = lines;
    return o;
  }
  void settings(const json& patch) {
    const Response r = req("PATCH", "/settings", patch);
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }
  // A Japanese shop: 10 % standard, 8 % reduced on food (軽減税率).
  void japaneseShop(bool inclusive) {
    settings({{"currency", "JPY"}, {"taxClasses", {{"standard", 10}, {"reduced", 8}}},
              {"categoryTaxClasses", {{"FOOD", "reduced"}}}, {"pricesIncludeTax", inclusive}});
    product("RICE", "FOOD", 1980, "JPY");
    product("TEA", "FOOD", 138, "JPY");
    product("MUG", "ACC", 1210, "JPY");
    product("PEN", "ACC", 165, "JPY");
    product("BAG", "FOOD", 55, "JPY", {{"taxClass", "standard"}});  // in the food aisle, taxed as goods
  }
  json japaneseLines() {
    return json::parse(R"([{"productCode": "RICE", "quantity": 1, "price": 1980}, {"productCode": "TEA", "quantity": 3, "price": 138},
                           {"productCode": "MUG", "quantity": 1, "price": 1210}, {"productCode": "PEN", "quantity": 2, "price": 165},
                           {"productCode": "BAG", "quantity": 1, "price": 55}])");
  }
};

TEST_F(MoneyOrders, TheJapaneseReceiptShowsTheTaxOfEachRateRoundedOncePerRate) {
  japaneseShop(false);
  const Response r = req("POST", "/orders", order(japaneseLines()));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const json& a = r.body["attributes"];
  // By hand: 8 % on 1,980 + 3 × 138 = 2,394 yen: 191.52, rounded once for the rate: 192 (line by
  // line it would be 158 + 33 = 191). 10 % on 1,210 + 2 × 165 + 55 = 1,595 yen: 159.5 -> 160.
  EXPECT_EQ(a["currency"], "JPY");
  EXPECT_EQ(a["taxes"], json::parse(R"([{"rate": 8, "base": 2394, "tax": 192}, {"rate": 10, "base": 1595, "tax": 160}])"));
  EXPECT_EQ(a["subtotal"].dump(), "3989");
  EXPECT_EQ(a["tax"].dump(), "352");
  EXPECT_EQ(a["total"].dump(), "4341");
  std::vector<json> rates;
  for (const json& line : a["items"]) rates.push_back(line["taxRate"]);
  EXPECT_EQ(rates, (std::vector<json>{8, 8, 10, 10, 10}));
}

TEST_F(MoneyOrders, TaxIncludedPricesHaveTheTaxOfEachRateExtracted) {
  japaneseShop(true);
  const Response r = req("POST", "/orders", order(japaneseLines()));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const json& a = r.body["attributes"];
  // By hand: 2,394 yen at 8 % holds 2,394 × 8 / 108 = 177.33 -> 177 of tax; 1,595 at 10 % holds
  // 1,595 × 10 / 110 = 145. The customer pays the prices: 3,989.
  EXPECT_EQ(a["taxes"], json::parse(R"([{"rate": 8, "base": 2217, "tax": 177}, {"rate": 10, "base": 1450, "tax": 145}])"));
  EXPECT_EQ(a["tax"].dump(), "322");
  EXPECT_EQ(a["total"].dump(), "3989");
  EXPECT_EQ(a["pricesIncludeTax"], true);
}

TEST_F(MoneyOrders, AnOrderHasOneCurrency) {
  product("A", "ACC", 10.5, "USD");
  product("E", "ACC", 9.99, "EUR");
  const json before = req("GET", "/orders").body;
  const Response r = req("POST", "/orders", order(json::parse(R"([{"productCode": "A", "quantity": 1, "price": 10.5},
                                                                   {"productCode": "E", "quantity": 1, "price": 9.99}])")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "items[1] (E) is priced in EUR, but this order is in USD: an order has one currency");
  EXPECT_EQ(req("GET", "/orders").body, before);
  // A line outside the catalogue is in the shop's currency.
  const Response loose = req("POST", "/orders", order(json::parse(R"([{"productCode": "E", "quantity": 1, "price": 9.99},
                                                                       {"productCode": "X", "name": "Gift wrap", "quantity": 1, "price": 2}])")));
  EXPECT_EQ(loose.status, 400);
  EXPECT_EQ(loose.body["message"], "items[1] (X) is priced in USD, but this order is in EUR: an order has one currency");
  const Response euros = req("POST", "/orders", order(json::parse(R"([{"productCode": "E", "quantity": 2, "price": 9.99}])")));
  ASSERT_EQ(euros.status, 201);
  EXPECT_EQ(euros.body["attributes"]["currency"], "EUR");
}

TEST_F(MoneyOrders, PricesHaveAtMostTheirCurrencysDecimalsOnCreateUpdateAndImport) {
  json p = productRequest("Y", 29.99);
  p["currency"] = "JPY";
  Response r = req("POST", "/products", p);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "price must be a whole number: JPY has no minor unit");
  p["price"] = 3000;
  ASSERT_EQ(req("POST", "/products", p).status, 201);
  r = req("PATCH", "/products/Y", {{"price", 2999.5}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "price must be a whole number: JPY has no minor unit");
  p = productRequest("K", 1.255);
  p["currency"] = "KWD";
  ASSERT_EQ(req("POST", "/products", p).status, 201);
  EXPECT_EQ(req("GET", "/products/K").body["attributes"]["price"].dump(), "1.255");
  r = req("POST", "/products/import", {{"csv", "code,name,categoryCode,sku,price,currency\nZ1,A,C,S1,12.5,KRW\nZ2,B,C,S2,1250,KRW\n"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["created"], 1);
  EXPECT_EQ(r.body["rejected"][0]["message"], "price must be a whole number: KRW has no minor unit");
  p = productRequest("Q");
  p["currency"] = "XAU";
  EXPECT_EQ(req("POST", "/products", p).status, 400);
}

TEST_F(MoneyOrders, ACashierMayDiscountUpToTheShopsLimitAManagerAnyACustomerNone) {
  stock("PRD-001", 100);
  const json before = req("GET", "/orders").body;
  json o = seedOrderRequest();  // 2 × 29.99 = 59.98
  o["discount"] = {{"percent", 10.5}, {"reason", "regular customer"}};
  Response r = as({"cashier"}, "POST", "/orders", o);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["message"], "Forbidden: a cashier may give at most 10 % of the subtotal; this order's discounts are 6.30 of 59.98: a manager may give more");
  // An amount over 10 % of the subtotal (6.00 > 5.998) is over the limit too, as is a line
  // discount with an order discount that together pass it.
  o["discount"] = {{"amount", 6}, {"reason", "regular customer"}};
  EXPECT_EQ(as({"cashier"}, "POST", "/orders", o).status, 403);
  json both = seedOrderRequest();
  both["items"][0]["discount"] = {{"percent", 5}, {"reason", "dented box"}};
  both["discount"] = {{"percent", 6}, {"reason", "regular customer"}};
  EXPECT_EQ(as({"cashier"}, "POST", "/orders", both).status, 403);
  EXPECT_EQ(req("GET", "/orders").body, before);  // nothing was written
  // A customer gives none.
  json mine = seedOrderRequest();
  mine["discount"] = {{"amount", 0.01}, {"reason", "please"}};
  r = as({}, "POST", "/orders", mine, "CUST-001");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["message"], "Forbidden: a customer cannot give a discount");
  // Exactly 10 %: 5.998 given as 6.00, before tax: 53.98 + 5.40 = 59.38.
  o["discount"] = {{"percent", 10}, {"reason", "regular customer"}};
  r = as({"cashier"}, "POST", "/orders", o);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const json& a = r.body["attributes"];
  EXPECT_EQ(a["discount"], json::parse(R"({"percent": 10, "amount": 6.0, "reason": "regular customer"})"));
  EXPECT_EQ(a["discountTotal"].dump(), "6.0");
  EXPECT_EQ(a["taxes"], json::parse(R"([{"rate": 10, "base": 53.98, "tax": 5.4}])"));
  EXPECT_EQ(a["total"].dump(), "59.38");
  // The shop raises the limit: the cashier's 10.5 % now passes. A manager gives any.
  settings({{"cashierDiscountLimit", 15}});
  o["discount"] = {{"percent", 10.5}, {"reason", "regular customer"}};
  EXPECT_EQ(as({"cashier"}, "POST", "/orders", o).status, 201);
  o["discount"] = {{"percent", 100}, {"reason", "staff lunch"}};
  r = as({"manager"}, "POST", "/orders", o);
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body["attributes"]["total"].dump(), "0.0");
}

TEST_F(MoneyOrders, LineAndOrderDiscountsAreEachRecordedAndApplyBeforeTax) {
  japaneseShop(false);
  json lines = japaneseLines();
  lines[0]["discount"] = {{"amount", 180}, {"reason", "best before tomorrow"}};  // rice 1,980 -> 1,800
  json o = order(lines);
  o["discount"] = {{"amount", 500}, {"reason", "coupon"}};
  const Response r = req("POST", "/orders", o);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const json& a = r.body["attributes"];
  // By hand: after the rice's discount, 8 %: 2,214 and 10 %: 1,595 (3,809 in all). The coupon's
  // 500 splits in proportion: 500 × 2,214 / 3,809 = 290.63 -> 290 and 500 × 1,595 / 3,809 = 209.37
  // -> 209; the unit left goes to the larger remainder (0.63): 291 and 209. 8 % of 1,923 = 153.84
  // -> 154; 10 % of 1,386 = 138.6 -> 139.
  EXPECT_EQ(a["items"][0]["discount"], json::parse(R"({"amount": 180, "reason": "best before tomorrow"})"));
  EXPECT_EQ(a["discount"], json::parse(R"({"amount": 500, "reason": "coupon"})"));
  EXPECT_EQ(a["taxes"], json::parse(R"([{"rate": 8, "base": 1923, "tax": 154}, {"rate": 10, "base": 1386, "tax": 139}])"));
  EXPECT_EQ(a["subtotal"].dump(), "3989");
  EXPECT_EQ(a["discountTotal"].dump(), "680");
  EXPECT_EQ(a["tax"].dump(), "293");
  EXPECT_EQ(a["total"].dump(), "3602");  // 3,989 - 680 + 293
  // A discount larger than what it discounts is refused.
  lines[0]["discount"] = {{"amount", 1981}, {"reason", "x"}};
  const Response big = req("POST", "/orders", order(lines));
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body["message"], "items[0].discount.amount 1981 is more than the 1980 it discounts");
}

TEST_F(MoneyOrders, AQuoteHasTheOrdersFiguresAndWritesNothing) {
  japaneseShop(false);
  const json before = req("GET", "/orders").body;
  const Response q = as({}, "POST", "/orders/quote", {{"items", json::parse(R"([{"productCode": "RICE", "quantity": 1}, {"productCode": "MUG", "quantity": 1}])")}},
                        "CUST-001");
  ASSERT_EQ(q.status, 200) << q.body.dump();
  EXPECT_EQ(q.body["taxes"], json::parse(R"([{"rate": 8, "base": 1980, "tax": 158}, {"rate": 10, "base": 1210, "tax": 121}])"));
  EXPECT_EQ(q.body["total"].dump(), "3469");
  EXPECT_EQ(req("GET", "/orders").body, before);
  // The order placed from it has the same figures and takes the first number.
  json o = seedOrderRequest();
  o.erase("customerId");
  o["items"] = json::parse(R"([{"productCode": "RICE", "quantity": 1}, {"productCode": "MUG", "quantity": 1}])");
  const Response placed = as({}, "POST", "/orders", o, "CUST-001");
  ASSERT_EQ(placed.status, 201);
  EXPECT_EQ(placed.body["code"], "ORD-000001");
  for (const char* f : {"currency", "items", "subtotal", "discountTotal", "taxes", "tax", "total"}) {
    EXPECT_EQ(placed.body["attributes"][f], q.body[f]) << f;
  }
}

TEST_F(MoneyOrders, SettingsAreAVersionedItemOnlyAnAdminChanges) {
  Response r = as({}, "GET", "/settings");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["version"], 0);
  EXPECT_EQ(r.body["attributes"], json::parse(R"({"currency": "USD", "taxClasses": {"standard": 10}, "defaultTaxClass": "standard",
      "categoryTaxClasses": {}, "pricesIncludeTax": false, "receiptHeader": "", "cashierDiscountLimit": 10,
      "pendingOrderExpiryMinutes": null, "tenders": ["cash", "card"], "returnWindowDays": 30})"));
  EXPECT_EQ(as({"manager"}, "PATCH", "/settings", {{"receiptHeader", "x"}}).status, 403);
  r = req("PATCH", "/settings", {{"receiptHeader", "EdgeCart Shibuya\nTel 03-0000-0000"}, {"version", 0}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["version"], 1);
  // Two admins change version 1: the second is refused, the first stays.
  EXPECT_EQ(req("PATCH", "/settings", {{"currency", "JPY"}, {"version", 1}}).status, 200);
  r = req("PATCH", "/settings", {{"currency", "EUR"}, {"version", 1}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "VERSION_CONFLICT");
  r = req("GET", "/settings");
  EXPECT_EQ(r.body["version"], 2);
  EXPECT_EQ(r.body["attributes"]["currency"], "JPY");
  EXPECT_EQ(r.body["attributes"]["receiptHeader"], "EdgeCart Shibuya\nTel 03-0000-0000");
  // Bad settings are refused and change nothing.
  const std::vector<std::pair<json, std::string>> bad = {
      {{{"currency", "YEN"}}, "currency must be an active ISO 4217 currency code such as USD, EUR or JPY"},
      {{{"taxClasses", {{"food", 8}}}}, "defaultTaxClass names the tax class standard, which is not one of taxClasses"},
      {{{"categoryTaxClasses", {{"FOOD", "reduced"}}}}, "categoryTaxClasses.FOOD names the tax class reduced, which is not one of taxClasses"},
      {{{"taxClasses", {{"standard", 101}}}}, "taxClasses.standard must be a percentage between 0 and 100 with at most 3 decimals"},
      {{{"cashierDiscountLimit", -1}}, "cashierDiscountLimit must be a percentage between 0 and 100 with at most 3 decimals"},
      {{{"pendingOrderExpiryMinutes", 0}}, "pendingOrderExpiryMinutes must be an integer between 1 and 527040"},
      {{{"colour", "red"}}, "property colour should not exist"},
      {{{"tenders", {"cash", "cash"}}}, "tenders names cash twice"},
      {{{"tenders", json::array()}}, "tenders must contain at least 1 element"},
      {json::object(), "one of currency, taxClasses, defaultTaxClass, categoryTaxClasses, pricesIncludeTax, receiptHeader, "
                       "cashierDiscountLimit, pendingOrderExpiryMinutes, tenders, returnWindowDays is required"}};
  for (const auto& [patch, message] : bad) {
    r = req("PATCH", "/settings", patch);
    EXPECT_EQ(r.status, 400) << patch.dump();
    EXPECT_EQ(r.body["message"], message) << patch.dump();
  }
  EXPECT_EQ(req("GET", "/settings").body["version"], 2);
  // A product's own class must be one of the shop's.
  json p = productRequest("T", 100);
  p["currency"] = "JPY";
  p["taxClass"] = "reduced";
  r = req("POST", "/products", p);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "taxClass must be one of the shop's tax classes: standard");
}

// Tenders (docs/money.md): cash with change, card, split; only cash may exceed what is due; the
// recorded payments add up to the total; the shop names its tenders; a customer records none.
TEST_F(MoneyOrders, ASaleIsPaidWithTheShopsTendersOnlyCashGivingChange) {
  stock("PRD-001", 100);
  auto paid = [&](const json& payments) {
    json o = seedOrderRequest();  // 65.98 with tax
    o.erase("paymentMethod");
    o["payments"] = payments;
    return as({"cashier"}, "POST", "/orders", o);
  };
  Response r = paid(json::parse(R"([{"method": "cash", "amount": 100}])"));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["attributes"]["payments"], json::parse(R"([{"method": "cash", "amount": 65.98, "given": 100}])"));
  EXPECT_EQ(r.body["attributes"]["change"].dump(), "34.02");
  EXPECT_EQ(r.body["attributes"]["paymentMethod"], "cash");
  // Split: 40 by card, 50 in cash: 25.98 of the cash is kept, 24.02 given back.
  r = paid(json::parse(R"([{"method": "card", "amount": 40}, {"method": "cash", "amount": 50}])"));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["attributes"]["payments"],
            json::parse(R"([{"method": "card", "amount": 40.0}, {"method": "cash", "amount": 25.98, "given": 50.0}])"));
  EXPECT_EQ(r.body["attributes"]["change"].dump(), "24.02");
  EXPECT_EQ(r.body["attributes"]["paymentMethod"], "split");
  const json before = req("GET", "/orders").body;
  // A card over what is due, too little, a tender the shop does not take: refused, nothing written.
  r = paid(json::parse(R"([{"method": "card", "amount": 70}])"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "Only cash may come to more than what is due: the payments add up to 70.00 for a total of 65.98");
  r = paid(json::parse(R"([{"method": "card", "amount": 60}, {"method": "cash", "amount": 5}])"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "The payments add up to 65.00, less than the total 65.98: 0.98 is still due");
  r = paid(json::parse(R"([{"method": "voucher", "amount": 65.98}])"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "payments[0].method must be one of the shop's tenders: cash, card");
  json mine = seedOrderRequest();
  mine["payments"] = json::parse(R"([{"method": "card", "amount": 65.98}])");
  r = as({}, "POST", "/orders", mine, "CUST-001");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["message"], "Forbidden: a customer cannot record payments");
  json both = seedOrderRequest();
  both["payments"] = json::parse(R"([{"method": "card", "amount": 65.98}])");  // paymentMethod credit_card
  r = as({"cashier"}, "POST", "/orders", both);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["message"], "paymentMethod must be card (the payments'), or left out");
  EXPECT_EQ(req("GET", "/orders").body, before);
  // The quote tells what is still due while the cashier takes the tenders.
  const Response q = as({"cashier"}, "POST", "/orders/quote",
                        {{"items", seedOrderRequest()["items"]}, {"payments", json::parse(R"([{"method": "card", "amount": 20}])")}});
  ASSERT_EQ(q.status, 200) << q.body.dump();
  EXPECT_EQ(q.body["due"].dump(), "45.98");
  EXPECT_EQ(q.body["change"].dump(), "0.0");
  // Cash that exactly covers the total keeps no `given`; the payments always add up to the total.
  r = paid(json::parse(R"([{"method": "cash", "amount": 65.98}])"));
  EXPECT_EQ(r.body["attributes"]["payments"], json::parse(R"([{"method": "cash", "amount": 65.98}])"));
  // The shop takes gift cards.
  settings({{"tenders", {"cash", "card", "gift_card"}}});
  EXPECT_EQ(paid(json::parse(R"([{"method": "gift_card", "amount": 65.98}])")).status, 201);
}

// For random shops and orders: every amount whole in minor units, subtotal - discounts + tax =
// total (tax on top) or subtotal - discounts = total (tax included), and each rate's tax what a
// reference computed here makes of the order's own lines.
TEST_F(MoneyOrders, RandomOrdersAddUpExactlyAndMatchAReference) {
  std::mt19937_64 rng(20261205);
  const std::vector<std::pair<std::string, int>> currencies = {{"JPY", 0}, {"USD", 2}, {"KWD", 3}};
  const int64_t rates[] = {0, 5'000, 8'000, 10'000, 19'000, 8'250};
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  for (int round = 0; round < 200; ++round) {
    shop_ = Shop::inMemory({}, std::make_unique<ManualClock>(kSeedTime));
    const auto& [currency, decimals] = currencies[pick(3)];
    const int64_t scale = decimals == 0 ? 1 : decimals == 2 ? 100 : 1000;
    const bool inclusive = pick(2) == 1;
    json classes = json::object();
    const int nClasses = 1 + static_cast<int>(pick(3));
    for (int c = 0; c < nClasses; ++c) classes["c" + std::to_string(c)] = rateToJson(rates[pick(6)]);
    settings({{"currency", currency}, {"taxClasses", classes}, {"defaultTaxClass", "c0"}, {"pricesIncludeTax", inclusive}});
    json lines = json::array();
    int64_t gross = 0;  // Σ price × quantity: an order discount's amount stays under half of it
    std::map<std::string, int64_t> rateOf;  // product -> rate
    const int nLines = 1 + static_cast<int>(pick(6));
    for (int i = 0; i < nLines; ++i) {
      const std::string code = "P" + std::to_string(i), cls = "c" + std::to_string(pick(nClasses));
      // A quarter of the rounds at a real shop's largest amounts (an order up to 10^12 minor units).
      const int64_t price = (round >= 150 ? pick(30'000'000'000LL) : pick(100 * scale)) + 1;
      product(code, "ANY", moneyToJson(price, {currency, decimals}), currency, {{"taxClass", cls}});
      rateOf[code] = parseRate(classes[cls], "r");
      const int64_t quantity = 1 + pick(5);
      gross += price * quantity;
      json line = {{"productCode", code}, {"quantity", quantity}, {"price", moneyToJson(price, {currency, decimals})}};
      if (pick(3) == 0) line["discount"] = {{"percent", pick(50)}, {"reason", "r"}};
      lines.push_back(line);
    }
    json o = order(lines);
    if (pick(3) == 0) {
      o["discount"] = {{"percent", 1 + pick(30)}, {"reason", "r"}};
    } else if (pick(2) == 0) {
      o["discount"] = {{"amount", moneyToJson(pick(gross / 2 + 1), {currency, decimals})}, {"reason", "r"}};
    }
    const Currency cur{currency, decimals};
    // A third of the sales paid at the till: part by card, the rest and some more in cash.
    int64_t tendered = -1;
    if (pick(3) == 0) {
      const Response q = req("POST", "/orders/quote", o);
      ASSERT_EQ(q.status, 200) << q.body.dump();
      const int64_t due = parseMoney(q.body["total"], "total", cur), card = pick(due + 1), cash = due - card + pick(1000);
      o["payments"] = json::array();
      if (card > 0) o["payments"].push_back({{"method", "card"}, {"amount", moneyToJson(card, cur)}});
      if (cash > 0) o["payments"].push_back({{"method", "cash"}, {"amount", moneyToJson(cash, cur)}});
      if (o["payments"].empty()) o.erase("payments");
      o.erase("paymentMethod");
      if (!o.contains("payments")) o["paymentMethod"] = "cash";
      tendered = card + cash;
    }
    const Response r = req("POST", "/orders", o);
    ASSERT_EQ(r.status, 201) << r.body.dump();
    const json& a = r.body["attributes"];
    auto minor = [&](const json& v) {
      const int64_t m = parseMoney(v, "amount", cur);  // refuses a fraction of the minor unit
      return m;
    };
    const int64_t subtotal = minor(a["subtotal"]), discounts = minor(a["discountTotal"]), tax = minor(a["tax"]),
                  total = minor(a["total"]);
    EXPECT_EQ(total, subtotal - discounts + (inclusive ? 0 : tax)) << a.dump();
    // The reference: each line's amount less its own discount, per rate.
    std::map<int64_t, int64_t> net;
    int64_t lineDiscounts = 0;
    for (const json& line : a["items"]) {
      const int64_t amount = minor(line["price"]) * line["quantity"].get<int64_t>();
      const int64_t d = line.contains("discount") ? minor(line["discount"]["amount"]) : 0;
      EXPECT_EQ(parseRate(line["taxRate"], "r"), rateOf[line["productCode"].get<std::string>()]);
      net[parseRate(line["taxRate"], "r")] += amount - d;
      lineDiscounts += d;
    }
    const int64_t orderDiscount = discounts - lineDiscounts;
    const int64_t afterLines = subtotal - lineDiscounts;
    ASSERT_EQ(a["taxes"].size(), net.size());
    int64_t taxSum = 0, chargedSum = 0;
    size_t k = 0;
    for (const auto& [rate, amount] : net) {
      const json& row = a["taxes"][k++];
      EXPECT_EQ(parseRate(row["rate"], "r"), rate);
      const int64_t rowTax = minor(row["tax"]);
      const int64_t charged = minor(row["base"]) + (inclusive ? rowTax : 0);
      // The rate's share of the order discount is within one unit of its exact share.
      const long double exact = afterLines == 0 ? 0 : static_cast<long double>(orderDiscount) * amount / afterLines;
      EXPECT_LE(std::abs(static_cast<long double>(amount - charged) - exact), 1.0L) << a.dump();
      // Half up, once for the rate: tax = floor(charged × rate / 100 % + 1/2), or of charged × rate / (100 % + rate).
      const long double want = inclusive ? static_cast<long double>(charged) * rate / (kRateScale + rate)
                                         : static_cast<long double>(charged) * rate / kRateScale;
      EXPECT_EQ(rowTax, static_cast<int64_t>(std::floor(want + 0.5L))) << a.dump();
      taxSum += rowTax;
      chargedSum += charged;
    }
    EXPECT_EQ(taxSum, tax);
    EXPECT_EQ(chargedSum, subtotal - discounts);
    if (a.contains("payments")) {  // what was kept adds up to the total; the rest was change
      int64_t kept = 0;
      for (const json& p : a["payments"]) kept += minor(p["amount"]);
      EXPECT_EQ(kept, total) << a.dump();
      EXPECT_EQ(minor(a["change"]), tendered - total) << a.dump();
    }
  }
}


// Stored settings are read into their type (settings.cpp): a field of another type is named in
// the answer, not "[json.exception…]", and nothing is written.
TEST_F(MoneyOrders, StoredSettingsOfAnotherFormAreNamedAndChangeNothing) {
  stock("PRD-001", 10);
  ASSERT_EQ(req("PATCH", "/settings", {{"receiptHeader", "Shop"}}).status, 200);
  const std::string pk = tenantPk("shop-a");
  json item = *shop_->store().get(Table::Data, pk, "SETTINGS#shop");
  item["attributes"]["tenders"] = "cash";
  shop_->store().commit(Batch{Put{Table::Data, pk, "SETTINGS#shop", std::make_shared<const json>(item)}});
  const Response r = req("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body["message"].get<std::string>().rfind(
                "Internal error: stored item SETTINGS#shop is not of this version's form: ", 0), 0u) << r.body.dump();
  EXPECT_EQ(req("GET", "/orders").body["items"], json::array());
  EXPECT_EQ(inventory("PRD-001")["reservedQuantity"], 0);
}
}  // namespace
}  // namespace edgecart::testing
