// The typed PRODUCT item (Product in domain/domain.h): it reads and writes the stored form
// unchanged, a stored product of another shape is named, and one an older version stored with a
// price its currency cannot hold is still renamed and repriced.

#include <filesystem>

#include "edgecart/domain/inventory.h"
#include "edgecart/domain/order.h"
#include "edgecart/domain/reservation.h"
#include "edgecart/storage/file_store.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

class Products : public ShopTest {
 protected:
  Value item(const std::string& code) { return storedItem(std::string(kProduct) + "#" + code); }
  void storeAs(const std::string& code, const json& changed) {
    ShopTest::storeAs(std::string(kProduct) + "#" + code, changed);
  }
};

// Products of every form the API writes (a tax class, an integer JPY-style price, inactive,
// images, changed by PATCH and by an import) are what the type re-encodes, field for field.
TEST_F(Products, TheTypedItemKeepsTheStoredFormExactly) {
  ASSERT_EQ(req("PATCH", "/settings", {{"taxClasses", {{"standard", 10}, {"reduced", 8}}}}).status, 200);
  ASSERT_EQ(req("POST", "/products", productRequest("A")).status, 201);
  json b = productRequest("B", 1200);
  b["taxClass"] = "reduced";
  b["images"] = {"https://shop.example/b.png"};
  b["description"] = "Bread";
  ASSERT_EQ(req("POST", "/products", b).status, 201);
  ASSERT_EQ(req("POST", "/products", productRequest("C", 0.5)).status, 201);
  json yen = productRequest("J", 1200);
  yen["currency"] = "JPY";
  ASSERT_EQ(req("POST", "/products", yen).status, 201);
  ASSERT_TRUE(attrs(*item("J"))["price"].is_number_integer());
  json e = productRequest("E", 4);
  e["taxClass"] = "reduced";
  ASSERT_EQ(req("POST", "/products", e).status, 201);
  ASSERT_EQ(req("PATCH", "/products/A", {{"price", 19.9}, {"isActive", false}, {"name", "Mouse A"}}).status, 200);
  ASSERT_EQ(req("PATCH", "/products/B", {{"taxClass", nullptr}}).status, 200);
  const Response imported = req("POST", "/products/import",
                                {{"csv", "code,name,categoryCode,sku,price,currency\nC,Product C,ACC,SKU-C,0.50,USD\n"
                                         "D,Product D,FOOD,SKU-D,3,USD\n"}});
  ASSERT_EQ(imported.status, 200) << imported.body.dump();
  EXPECT_EQ(imported.body["unchanged"], 1);  // C: the type re-encodes what is stored
  EXPECT_EQ(imported.body["created"], 1);
  int seen = 0;
  shop_->store().scan(Table::Data, tenantPk("shop-a"), "PRODUCT#", "", [&](const std::string& sk, const Value& v) {
    const Product p = productFrom(*v);
    EXPECT_EQ(productAttributes(p).dump(), attrs(*v).dump()) << sk;
    EXPECT_EQ(std::string(kProduct) + "#" + p.code, sk);
    EXPECT_EQ(p.name, v->at("name")) << sk;
    ++seen;
    return true;
  });
  EXPECT_EQ(seen, 6);
  const Product a = productFrom(*item("A"));
  EXPECT_EQ(a.name, "Mouse A");
  EXPECT_FALSE(a.isActive);
  EXPECT_EQ(a.price, json(19.9));
  EXPECT_FALSE(productFrom(*item("B")).taxClass);
  EXPECT_EQ(productFrom(*item("E")).taxClass, "reduced");
  EXPECT_EQ(attrs(*item("E"))["taxClass"], "reduced");
  EXPECT_EQ(productFrom(*item("B")).images, std::vector<std::string>{"https://shop.example/b.png"});
}

// A stored product of another shape is named in a 500, and nothing is written: not the PATCH that
// would re-encode it, not the order that would price a line with it.
TEST_F(Products, AStoredItemOfAnotherShapeIsNamedAndChangesNothing) {
  stock("A", 5);
  const json good = *item("A");
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    std::string message;
  };
  const std::string prefix = "Internal error: stored item PRODUCT#A ";
  const std::vector<Case> cases = {
      {"a price in a string", [](json& j) { j["attributes"]["price"] = "29.99"; }, prefix + "has no price of the right type"},
      {"no currency", [](json& j) { j["attributes"].erase("currency"); }, prefix + "has no currency of the right type"},
      {"isActive a string", [](json& j) { j["attributes"]["isActive"] = "yes"; }, prefix + "has no isActive of the right type"},
      {"an image a number", [](json& j) { j["attributes"]["images"] = {1}; }, prefix + "has an image that is not a string"},
      {"taxClass a number", [](json& j) { j["attributes"]["taxClass"] = 8; }, prefix + "has no taxClass of the right type"},
      {"no name", [](json& j) { j.erase("name"); }, prefix + "has no name of the right type"},
  };
  for (const Case& c : cases) {
    json changed = good;
    c.change(changed);
    storeAs("A", changed);
    const Response patch = req("PATCH", "/products/A", {{"description", "new"}});
    EXPECT_EQ(patch.status, 500) << c.what;
    EXPECT_EQ(patch.body["message"], c.message) << c.what;
    const Response order = req("POST", "/orders", orderRequest({{"A", 1}}));
    EXPECT_EQ(order.status, 500) << c.what;
    EXPECT_EQ(order.body["message"], c.message) << c.what;
    const Response stock = req("PATCH", "/inventory/A", {{"quantity", 9}});
    EXPECT_EQ(stock.status, 500) << c.what;
    EXPECT_EQ(stock.body["message"], c.message) << c.what;
    const Response imported = req("POST", "/products/import", {{"csv", "code,name,categoryCode,sku,price,currency\nA,Product A,ACC,SKU-A,29.99,USD\n"}});
    EXPECT_EQ(imported.status, 500) << c.what;
    EXPECT_EQ(imported.body["message"], c.message) << c.what;
    EXPECT_EQ(*item("A"), changed) << c.what;
    EXPECT_EQ(inventory("A")["reservedQuantity"], 0) << c.what;
    EXPECT_EQ(inventory("A")["quantity"], 5) << c.what;
  }
  storeAs("A", good);
  EXPECT_EQ(req("POST", "/orders", orderRequest({{"A", 1}})).status, 201);
  EXPECT_EQ(req("GET", "/orders").body["items"].size(), 1u);
}

// A price an older version stored unchecked (29.99 in JPY, which has no decimals) stays as it is:
// the product is renamed with its price untouched, an order of it is refused with the 400 that
// names the price, and a valid price mends it.
TEST_F(Products, AnUncheckedPriceOfAnOlderVersionIsKeptRefusedInOrdersAndMended) {
  stock("A", 5);
  json legacy = *item("A");
  legacy["attributes"]["currency"] = "JPY";
  storeAs("A", legacy);
  const Response renamed = req("PATCH", "/products/A", {{"name", "Mouse"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body.dump();
  EXPECT_EQ(renamed.body["attributes"], legacy["attributes"]);
  const Response order = req("POST", "/orders", orderRequest({{"A", 1}}));
  EXPECT_EQ(order.status, 400);
  EXPECT_EQ(order.body["message"].get<std::string>().rfind("the price of A ", 0), 0u) << order.body.dump();
  const Response repriced = req("PATCH", "/products/A", {{"price", 3000}});
  ASSERT_EQ(repriced.status, 200) << repriced.body.dump();
  EXPECT_EQ(repriced.body["attributes"]["price"], 3000);
  EXPECT_EQ(req("POST", "/orders", orderRequest({{"A", 1}})).status, 201);
}

// Attributes this version does not know (a newer version's, a server's) survive a PATCH and an
// import of the product: the type carries them through instead of dropping them.
TEST_F(Products, AttributesOfANewerVersionAreKept) {
  stock("A", 5);
  json newer = *item("A");
  newer["attributes"]["barcode"] = "4901234567894";
  newer["attributes"]["weight"] = {{"grams", 85}};
  storeAs("A", newer);
  const Response patched = req("PATCH", "/products/A", {{"description", "A mouse"}});
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(attrs(*item("A"))["barcode"], "4901234567894");
  EXPECT_EQ(attrs(*item("A"))["weight"], json({{"grams", 85}}));
  EXPECT_EQ(attrs(*item("A"))["description"], "A mouse");
  const Response imported = req("POST", "/products/import",
                                {{"csv", "code,name,categoryCode,sku,price,currency,description\n"
                                         "A,Product A,ACC,SKU-A,29.99,USD,A mouse\n"}});
  ASSERT_EQ(imported.status, 200) << imported.body.dump();
  EXPECT_EQ(imported.body["unchanged"], 1) << imported.body.dump();
  EXPECT_EQ(attrs(*item("A"))["barcode"], "4901234567894");
}

// The items older versions wrote (the stores in tests/fixtures, every version of each item in
// the command table and the latest in the data table) are what the types re-encode, field for
// field: a product, a stock item, a reservation and an order of each version read and write back
// the same (an order of format 001 has no currency, line amounts, tax rates or tax rows). Compared
// as JSON text, where an integer 2 and a decimal 2.0 differ (JSON values compare them equal).
TEST(TypedItems, EveryItemOfTheOlderStoresReencodesExactly) {
  for (const char* fixture : {"v1-store", "v2-store", "v3-store"}) {
    TempDir dir;
    std::filesystem::copy(std::string(EDGECART_FIXTURES) + "/" + fixture, dir.path(),
                          std::filesystem::copy_options::recursive);
    FileStoreOptions options;
    options.readOnly = true;
    auto store = FileStore::open(dir.path(), options);
    std::map<std::string, int> seen;
    for (const Table table : {Table::Data, Table::Command}) {
      store->scan(table, tenantPk("shop-a"), "", "", [&](const std::string& sk, const Value& v) {
        if (sk.rfind("PRODUCT#", 0) == 0) {
          EXPECT_EQ(productAttributes(productFrom(*v)).dump(), attrs(*v).dump()) << fixture << " " << sk;
          ++seen["product"];
        } else if (sk.rfind("INVENTORY#", 0) == 0) {
          EXPECT_EQ(inventoryAttributes(inventoryFrom(*v)).dump(), attrs(*v).dump()) << fixture << " " << sk;
          ++seen["stock"];
        } else if (sk.rfind("RESERVATION#", 0) == 0) {
          EXPECT_EQ(reservationAttributes(reservationFrom(*v)).dump(), attrs(*v).dump()) << fixture << " " << sk;
          ++seen["reservation"];
        } else if (sk.rfind("ORDER#", 0) == 0) {
          EXPECT_EQ(orderAttributes(orderFrom(*v)).dump(), attrs(*v).dump()) << fixture << " " << sk;
          ++seen["order"];
        }
        return true;
      });
    }
    EXPECT_GE(seen["product"], 2) << fixture;
    EXPECT_GE(seen["stock"], 2) << fixture;
    EXPECT_GE(seen["reservation"], 2) << fixture;
    EXPECT_GE(seen["order"], 4) << fixture;
  }
}

}  // namespace
}  // namespace edgecart::testing
