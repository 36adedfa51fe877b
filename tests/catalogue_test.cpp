// Reads that answer a screen in one call (docs/api.md, "Finding products"): a product by its
// barcode, a category's page, word-prefix search over names, each with its stock — through
// look-up rows the engine keeps in the same commit as the products.

#include "edgecart/api/requests.h"
#include "test_util.h"

#include "edgecart/domain/domain.h"

namespace edgecart::testing {
namespace {

class Catalogue : public ShopTest {
 protected:
  void product(const std::string& code, const std::string& name, const std::string& category,
               const std::string& sku) {
    json p = productRequest(code);
    p["name"] = name;
    p["categoryCode"] = category;
    p["sku"] = sku;
    ASSERT_EQ(req("POST", "/products", p).status, 201);
  }
  // The codes a list answers, in order.
  std::vector<std::string> codes(const std::string& query) {
    const Response r = req("GET", "/products?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body.dump();
    std::vector<std::string> out;
    for (const json& item : r.body["items"]) out.push_back(item["code"]);
    return out;
  }
  // Every code of a list read page by page (`limit` each), following lastSk.
  std::vector<std::string> allPages(const std::string& query, int limit) {
    std::vector<std::string> out;
    std::string cursor;
    for (int n = 0; n < 100; ++n) {
      std::string target = "/products?" + query + "&limit=" + std::to_string(limit);
      if (!cursor.empty()) target += "&cursor=" + percentEncode(cursor);
      const Response r = req("GET", target);
      EXPECT_EQ(r.status, 200) << r.body.dump();
      for (const json& item : r.body["items"]) out.push_back(item["code"]);
      if (!r.body.contains("lastSk")) return out;
      cursor = r.body["lastSk"];
    }
    ADD_FAILURE() << "more than 100 pages";
    return out;
  }
  static std::string percentEncode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += std::isalnum(c) ? std::string(1, static_cast<char>(c)) : std::string(buf);
    }
    return out;
  }
  void grocery() {
    product("P1", "Whole Milk 1L", "DAIRY", "4901234567894");
    product("P2", "Milky Way bar", "SWEETS", "4901234567801");
    product("P3", "Oat milk, barista", "DAIRY", "4901234567818");
    product("P4", "Mild Cheddar", "DAIRY", "4901234567825");
    product("P5", "Dark chocolate", "SWEETS", "4901234567832");
  }
};

using V = std::vector<std::string>;

TEST_F(Catalogue, SearchMatchesTheBeginningOfAnyWordOfTheNameInAnyCase) {
  grocery();
  EXPECT_EQ(codes("q=milk"), (V{"P1", "P3", "P2"}));       // milk (P1, P3), then milky (P2)
  EXPECT_EQ(codes("q=MIL"), (V{"P4", "P1", "P3", "P2"}));  // mild, milk, milk, milky
  EXPECT_EQ(codes("q=barista%20oat"), (V{"P3"}));         // every word must match, any order
  EXPECT_EQ(codes("q=milk%20oat"), (V{"P3"}));            // found through "milk", kept for "oat"
  EXPECT_EQ(codes("q=ilk"), V{});                         // the beginning of a word only
  EXPECT_EQ(codes("q=milk&categoryCode=DAIRY"), (V{"P1", "P3"}));
  EXPECT_EQ(req("GET", "/products?q=%20-").status, 400);  // no word at all
}

TEST_F(Catalogue, ABarcodeFindsExactlyItsProduct) {
  grocery();
  EXPECT_EQ(codes("sku=4901234567818"), V{"P3"});
  EXPECT_EQ(codes("sku=490123456781"), V{});  // a prefix of a barcode is not the barcode
  EXPECT_EQ(codes("sku=nothing"), V{});
}

TEST_F(Catalogue, ACategoryPagesInCodeOrderWithoutRepeatsOrGaps) {
  for (int i = 0; i < 25; ++i) {
    const std::string n = std::to_string(100 + i);
    product("A" + n, "Apple " + n, i % 2 ? "FRUIT" : "VEG", "S" + n);
  }
  const V fruit = allPages("categoryCode=FRUIT", 5);
  ASSERT_EQ(fruit.size(), 12u);
  for (size_t i = 0; i < fruit.size(); ++i) EXPECT_EQ(fruit[i], "A" + std::to_string(101 + 2 * i));
  // A word that begins two words of one name ("apple applesauce") pages it once.
  product("B1", "Apple applesauce", "VEG", "SB1");
  const V apples = allPages("q=app", 4);
  EXPECT_EQ(apples.size(), 26u);
  EXPECT_EQ(std::set<std::string>(apples.begin(), apples.end()).size(), 26u);
  EXPECT_EQ(req("GET", "/products?categoryCode=FRUIT&cursor=ORDER%23ORD-000001").status, 400);
}

TEST_F(Catalogue, LookUpsFollowEveryChangeInTheSameCommit) {
  grocery();
  ASSERT_EQ(req("PATCH", "/products/P1", {{"name", "Skimmed Drink"}, {"categoryCode", "DRINKS"}}).status, 200);
  EXPECT_EQ(codes("q=whole"), V{});
  EXPECT_EQ(codes("q=skim"), V{"P1"});
  EXPECT_EQ(codes("categoryCode=DAIRY"), (V{"P3", "P4"}));
  EXPECT_EQ(codes("categoryCode=DRINKS"), V{"P1"});
  // Its look-up rows are exactly those of its new name and category: none left behind.
  std::vector<std::string> rows;
  shop_->store().scan(Table::Sequence, lookupPk(tenantPk("shop-a")), "", "", [&](const std::string& sk, const Value&) {
    if (sk.size() > 11 && sk.compare(sk.size() - 11, 11, std::string(1, kLookupSep) + "PRODUCT#P1") == 0) {
      rows.push_back(sk.substr(0, sk.size() - 11));
    }
    return true;
  });
  EXPECT_EQ(rows, (V{"cat:DRINKS", "sku:4901234567894", "w:drink", "w:skimmed"}));
  // A refused write leaves the look-ups as they were.
  ASSERT_EQ(req("PATCH", "/products/P1", {{"name", "New name"}, {"price", -1}}).status, 400);
  EXPECT_EQ(codes("q=new"), V{});
  EXPECT_EQ(codes("q=skim"), V{"P1"});
}

TEST_F(Catalogue, IncludeStockAnswersEachProductWithItsInventory) {
  grocery();
  ASSERT_EQ(req("PATCH", "/inventory/P3", {{"quantity", 7}}).status, 200);
  const Response r = req("GET", "/products?categoryCode=DAIRY&include=stock");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["items"].size(), 3u);
  EXPECT_TRUE(r.body["items"][0]["inventory"].is_null());  // P1: no stock record yet
  EXPECT_EQ(r.body["items"][1]["inventory"]["attributes"]["quantity"], 7);
  EXPECT_FALSE(req("GET", "/products?categoryCode=DAIRY").body["items"][1].contains("inventory"));
  EXPECT_EQ(req("GET", "/products?include=everything").status, 400);
  // A customer sees the stock without who changed it.
  const Response c = shop_->handle({"shop-a", "alice", {"customer"}}, "GET", "/products?sku=4901234567818&include=stock", "");
  ASSERT_EQ(c.status, 200);
  EXPECT_EQ(c.body["items"][0]["inventory"]["updatedBy"], "");
}

TEST_F(Catalogue, CategoriesAreListedOnceEachInCodeOrder) {
  EXPECT_EQ(req("GET", "/categories").body, json({{"items", json::array()}}));
  grocery();
  product("P6", "Bread", "DAIRYX", "S6");  // a category that begins with another's code
  product("P7", "Rolls", "DAIR", "S7");
  const Response r = req("GET", "/categories");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["items"], json::parse(R"([{"code":"DAIR"},{"code":"DAIRY"},{"code":"DAIRYX"},{"code":"SWEETS"}])"));
  EXPECT_EQ(req("GET", "/categories?x=1").status, 400);
}

TEST_F(Catalogue, AStoreMadeBeforeLookUpsIsIndexedWholeAtItsFirstProductWrite) {
  // Products written by an engine without look-ups (an older version of the store).
  MemoryStore store;
  ManualClock clock(kSeedTime);
  {
    Engine old(store, clock);
    for (const char* code : {"P1", "P2", "P3"}) {
      old.run(Context{"shop-a", "u", {"admin"}}, [&](Transaction& tx) {
        json p = productRequest(code);
        p["name"] = std::string("Old ") + code;
        createProduct(tx, parseProductInput(p), {});
      });
    }
  }
  Engine engine(store, clock);
  registerDomainHandlers(engine);
  Router router(engine);
  const Context admin{"shop-a", "u", {"admin"}};
  auto found = [&](const std::string& q) { return router.handle(admin, "GET", "/products?q=" + q, "").body["items"].size(); };
  EXPECT_FALSE(engine.hasLookup(tenantPk("shop-a"), "PRODUCT#"));
  EXPECT_EQ(found("old"), 3u);  // answered by reading the products while there are no look-ups
  ASSERT_EQ(router.handle(admin, "PATCH", "/products/P2", R"({"name":"New P2"})").status, 200);
  EXPECT_TRUE(engine.hasLookup(tenantPk("shop-a"), "PRODUCT#"));
  EXPECT_EQ(found("old"), 2u);
  EXPECT_EQ(found("new"), 1u);
}

// ---- import ------------------------------------------------------------------------------

class Import : public Catalogue {
 protected:
  Response importCsv(const std::string& csv) { return req("POST", "/products/import", {{"csv", csv}}); }
};

TEST_F(Import, ValidRowsAreAppliedAndEveryBadRowIsReportedWithItsLine) {
  const std::string csv =
      "code,name,categoryCode,sku,price,currency,quantity\n"
      "P1,Whole Milk 1L,DAIRY,4901234567894,1.99,USD,40\n"
      "P2,\"Oat milk, barista\",DAIRY,4901234567818,-2,USD,5\n"       // a negative price
      "P3,Cheddar,DAIRY,4901234567825,3.50,USD,lots\n"                 // not a quantity
      "P1,Whole Milk again,DAIRY,4901234567894,1.99,USD,1\n"           // a repeated code
      "P4,\"Multi\nline\",SWEETS,4901234567832,0.99,USD,\n"           // a quoted newline
      "P5 bad,Bad code,SWEETS,1,1,USD,1\n"
      "P6,Short row,SWEETS\n"
      "P7,Fine,SWEETS,4901234567849,2.5,USD,3\r\n";
  const Response r = importCsv(csv);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["rows"], 8);
  EXPECT_EQ(r.body["created"], 3);  // P1, P4, P7
  EXPECT_EQ(r.body["rejectedCount"], 5);
  const json& bad = r.body["rejected"];
  ASSERT_EQ(bad.size(), 5u) << bad.dump();
  auto lineOf = [&](size_t i) { return bad[i]["line"].get<int>(); };
  EXPECT_EQ(lineOf(0), 3);
  EXPECT_NE(bad[0]["message"].get<std::string>().find("price"), std::string::npos) << bad[0];
  EXPECT_EQ(bad[0]["code"], "P2");
  EXPECT_EQ(lineOf(1), 4);
  EXPECT_NE(bad[1]["message"].get<std::string>().find("quantity"), std::string::npos) << bad[1];
  EXPECT_EQ(lineOf(2), 5);
  EXPECT_NE(bad[2]["message"].get<std::string>().find("also on line 2"), std::string::npos) << bad[2];
  EXPECT_EQ(lineOf(3), 8);   // after the two-line record on lines 6-7
  EXPECT_EQ(lineOf(4), 9);
  EXPECT_NE(bad[4]["message"].get<std::string>().find("3 fields"), std::string::npos) << bad[4];
  // Refused rows wrote nothing; the valid ones are there with their stock.
  EXPECT_EQ(req("GET", "/products/P2").status, 404);
  EXPECT_EQ(req("GET", "/products/P3").status, 404);
  EXPECT_EQ(req("GET", "/products/P1").body["name"], "Whole Milk 1L");
  EXPECT_EQ(inventory("P1")["quantity"], 40);
  EXPECT_EQ(req("GET", "/products/P4").body["name"], "Multi\nline");
  EXPECT_EQ(req("GET", "/inventory/P4").status, 404);  // an empty quantity sets no stock
  EXPECT_EQ(codes("sku=4901234567849"), V{"P7"});
}

TEST_F(Import, ARepeatedImportUpdatesByCodeAndKeepsTheIdentity) {
  const std::string csv = "sku,code,price,name,categoryCode,currency,quantity\nS1,P1,2.00,Tea,DRINK,USD,10\n";
  ASSERT_EQ(importCsv(csv).body["created"], 1);
  EXPECT_EQ(importCsv(csv).body["unchanged"], 1);
  const Response r = importCsv("code,name,categoryCode,sku,price,currency,quantity\n"
                               "P1,Green tea,DRINK,S1,2.20,USD,12\nP1x,X,DRINK,S9,1,USD,1\n");
  EXPECT_EQ(r.body["updated"], 1) << r.body.dump();
  EXPECT_EQ(req("GET", "/products/P1").body["attributes"]["price"], 2.2);
  EXPECT_EQ(inventory("P1")["quantity"], 12);
  EXPECT_EQ(codes("q=green"), V{"P1"});
  const Response moved = importCsv("code,name,categoryCode,sku,price,currency\nP1,Green tea,DRINK,OTHER,2.20,USD\n");
  EXPECT_EQ(moved.body["rejectedCount"], 1);
  EXPECT_NE(moved.body["rejected"][0]["message"].get<std::string>().find("sku of P1"), std::string::npos) << moved.body;
  // Stock that orders hold cannot be imported away.
  ASSERT_EQ(req("POST", "/orders", orderRequest({{"P1", 5}})).status, 201);
  const Response held = importCsv("code,name,categoryCode,sku,price,currency,quantity\nP1,Green tea,DRINK,S1,9,USD,2\n");
  EXPECT_EQ(held.body["rejected"][0]["message"], "Cannot set quantity of P1 to 2: 5 units are reserved");
  EXPECT_EQ(req("GET", "/products/P1").body["attributes"]["price"], 2.2);  // the row's price was not applied either
}

TEST_F(Import, AWrongFileIsRefusedWholeAndChangesNothing) {
  for (const std::string& csv : {std::string("code,name,categoryCode,sku,price,currency,colour\nP1,A,B,C,1,USD,red\n"),
                                 std::string("code,name,sku,price,currency\nP1,A,C,1,USD\n"),
                                 std::string("code,code,name,categoryCode,sku,price,currency\n"),
                                 std::string("code,name,categoryCode,sku,price,currency\nP1,\"open,B,C,1,USD\n"),
                                 std::string("code,name,categoryCode,sku,price,currency\n"),
                                 std::string("")}) {
    const Response r = importCsv(csv);
    EXPECT_EQ(r.status, 400) << csv << " -> " << r.body.dump();
  }
  EXPECT_EQ(req("POST", "/products/import", {{"csv", "x"}, {"jsonl", "y"}}).status, 400);
  EXPECT_EQ(req("POST", "/products/import", {{"xml", "<x/>"}}).status, 400);
  EXPECT_EQ(req("GET", "/products?limit=100").body["items"].size(), 0u);
  // A body past the API's limit is 413 before anything is read.
  EXPECT_EQ(raw("POST", "/products/import", json{{"csv", std::string(2 << 20, 'x')}}.dump()).status, 413);
  // Only staff who may create products may import them.
  const Response cashier = shop_->handle({"shop-a", "c", {"cashier"}}, "POST", "/products/import",
                                         json{{"csv", "code,name,categoryCode,sku,price,currency\nP1,A,B,C,1,USD\n"}}.dump());
  EXPECT_EQ(cashier.status, 403);
}

TEST_F(Import, JsonLinesTakeTheSameRows) {
  const Response r = req("POST", "/products/import", {{"jsonl",
      "{\"code\":\"P1\",\"name\":\"Tea\",\"categoryCode\":\"D\",\"sku\":\"S1\",\"price\":2.5,\"currency\":\"USD\",\"quantity\":3}\n"
      "\n"
      "{\"code\":\"P2\",\"name\":\"Coffee\",\"categoryCode\":\"D\",\"sku\":\"S2\",\"price\":2.555,\"currency\":\"USD\"}\n"
      "not json\n"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["created"], 1);
  ASSERT_EQ(r.body["rejected"].size(), 2u);
  EXPECT_EQ(r.body["rejected"][0]["line"], 3);
  EXPECT_EQ(r.body["rejected"][1]["line"], 4);
  EXPECT_EQ(inventory("P1")["quantity"], 3);
}

TEST(SearchWords, SplitsLowerCasesAndCutsAtCharacterBoundaries) {
  EXPECT_EQ(searchWords("Oat-milk, 1L BARISTA oat"), (V{"oat", "milk", "1l", "barista"}));
  EXPECT_EQ(searchWords("抹茶 ラテ"), (V{"抹茶", "ラテ"}));
  const std::vector<std::string> long_ = searchWords(std::string(31, 'a') + "é");  // é is 2 bytes: not cut in half
  ASSERT_EQ(long_.size(), 1u);
  EXPECT_EQ(long_[0], std::string(31, 'a'));
  EXPECT_EQ(searchWords("a b c d e f g h i j k l m n o p q r").size(), 16u);
}

}  // namespace
}  // namespace edgecart::testing
