// The production API over HTTP: roles for every route (tests/fixtures/roles.json, also run on the
// module by web/test/node.test.js), the sync scope of a customer, the stock outcome and the
// strict policy, Idempotency-Key, CORS, and the API reference at /docs.

#include <fstream>

#include "edgecart/api/access.h"
#include "edgecart_server/sqlite_store.h"
#include "http_fixture.h"

namespace edgecart::testing {
namespace {

json readJson(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::string bearer(const std::string& tenant, const json& caller) {
  return token(tenant, caller["user"], kSecret, caller["roles"]);
}

json orderFor(const json& fields) {
  json o = seedOrderRequest();
  for (const auto& [k, v] : fields.items()) {
    if (v.is_null()) o.erase(k);
    else o[k] = v;
  }
  return o;
}

class HttpApi : public Http {
 protected:
  // Everything a tenant holds, as an admin reads it: a refused call must leave it unchanged.
  json tenantState(const std::string& t) {
    const std::string admin = token(t, "adm");
    return {call("GET", "/products?limit=100", "", admin).body, call("GET", "/orders?limit=100", "", admin).body,
            call("GET", "/inventory/PRD-001", "", admin).body};
  }
};

TEST_F(HttpApi, EveryRouteForEveryRoleAnswersWhatTheRoleTableSays) {
  const json table = readJson(EDGECART_FIXTURES "/roles.json");
  std::set<std::string> covered;
  int n = 0;
  for (const json& c : table["cases"]) {
    covered.insert(c["route"].get<std::string>());
    for (const auto& [role, expected] : c["expect"].items()) {
      const std::string t = "roles-" + std::to_string(n++);
      const std::string admin = token(t, "adm");
      for (const json& p : table["setup"]["products"]) {
        ASSERT_EQ(call("POST", "/products", productRequest(p["code"]).dump(), admin).status, 201);
        ASSERT_EQ(call("PATCH", "/inventory/" + p["code"].get<std::string>(), json{{"quantity", p["quantity"]}}.dump(), admin).status, 200);
      }
      for (const json& o : table["setup"]["orders"]) {
        const Answer made = call("POST", "/orders", orderFor({{"customerId", o["customerId"]}}).dump(), admin);
        ASSERT_EQ(made.body["code"], o["code"]);
        if (o["status"] != "pending") {
          ASSERT_EQ(call("PATCH", "/orders/" + o["code"].get<std::string>() + "/status", json{{"status", o["status"]}}.dump(), admin).status, 200);
        }
      }
      const json before = tenantState(t);
      const std::string body = c.contains("order") ? orderFor(c["order"]).dump() : c.contains("body") ? c["body"].dump() : "";
      const Answer a = call(c["method"], c["path"], body, bearer(t, table["callers"][role]));
      EXPECT_EQ(a.status, expected.get<int>()) << role << " " << c["method"] << " " << c["path"] << ": " << a.body.dump();
      if (a.status == 403) {
        EXPECT_EQ(a.body["code"], "FORBIDDEN");
        EXPECT_EQ(tenantState(t), before) << "a refused call changes nothing: " << role << " " << c["path"];
      }
    }
  }
  for (const RouteRule& r : routeRules()) {
    EXPECT_TRUE(covered.count(std::string(r.method) + " " + r.path)) << "no case for " << r.method << " " << r.path;
  }
}

TEST_F(HttpApi, ACustomerSeesOnlyItsOwnOrdersInListsAndInItsSyncFeed) {
  stock(token("shop-a"), 100);
  ASSERT_EQ(call("POST", "/orders", orderFor({{"customerId", "cust-1"}}).dump()).status, 201);
  ASSERT_EQ(call("POST", "/orders", orderFor({{"customerId", "cust-2"}, {"shippingAddress", {{"street", "9 Secret Rd"}, {"city", "Osaka"}, {"postalCode", "530-0001"}, {"country", "JP"}}}}).dump()).status, 201);
  const std::string cust1 = token("shop-a", "cust-1", kSecret, json::array());
  const json mine = call("GET", "/orders", "", cust1).body["items"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["attributes"]["customerId"], "cust-1");
  // The customer's device pulls the whole feed: the catalogue, the stock, its own order.
  std::set<std::string> pulled;
  std::string cursor;
  for (;;) {
    const Answer a = call("GET", "/sync/pull?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor), "", cust1);
    ASSERT_EQ(a.status, 200);
    for (const json& item : a.body["items"]) {
      pulled.insert(item["sk"].get<std::string>());
      EXPECT_EQ(item.dump().find("cust-2"), std::string::npos) << item.dump();
      EXPECT_EQ(item.dump().find("Secret"), std::string::npos) << item.dump();
    }
    cursor = a.body["cursor"];
    if (!a.body["more"].get<bool>()) break;
  }
  EXPECT_EQ(pulled, (std::set<std::string>{"PRODUCT#PRD-001", "INVENTORY#PRD-001", "ORDER#ORD-000001", "RESERVATION#ORD-000001"}));
  EXPECT_EQ(call("GET", "/sync/pull?limit=100").body["items"].size(), 6u) << "a till (admin) pulls the tenant";
}

TEST_F(HttpApi, ACustomerCannotSetItsOwnPriceOverHttpOrThroughAPush) {
  stock(token("shop-a"), 10);  // PRD-001 at 29.99
  const std::string shopper = token("shop-a", "cust-1", kSecret, json::array());
  const json before = tenantState("shop-a");
  json cheap = orderFor({{"customerId", nullptr}});
  cheap["items"] = json::parse(R"([{"productCode":"PRD-001","quantity":3,"price":0.01}])");
  const Answer a = call("POST", "/orders?stock=strict", cheap.dump(), shopper);
  EXPECT_EQ(a.status, 409) << a.body.dump();
  EXPECT_EQ(a.body["code"], "PRICE_CHANGED");
  EXPECT_EQ(a.body["message"], "The price of PRD-001 is now 29.99, not 0.01: nothing was ordered");
  // The same order pushed from the shopper's device is refused the same way.
  const json push = {{"clientId", "store-cust1-0000000001"},
                     {"commands", json::array({{{"seq", 1}, {"method", "POST"}, {"path", "/orders?stock=strict"}, {"body", cheap}}})}};
  const Answer pushed = call("POST", "/sync/push", push.dump(), shopper);
  ASSERT_EQ(pushed.status, 200) << pushed.body.dump();
  EXPECT_EQ(pushed.body["results"][0]["outcome"], "rejected");
  EXPECT_EQ(pushed.body["results"][0]["body"]["code"], "PRICE_CHANGED");
  EXPECT_EQ(tenantState("shop-a"), before);
  // The seed's example from staff answers as it always did; the catalogue's price left out is charged.
  cheap["items"][0].erase("price");
  const Answer fair = call("POST", "/orders?stock=strict", cheap.dump(), shopper);
  ASSERT_EQ(fair.status, 201) << fair.body.dump();
  EXPECT_EQ(fair.body["attributes"]["total"].dump(), "98.97");
  EXPECT_EQ(fair.body["attributes"]["items"][0]["name"], "Product PRD-001");
}

TEST_F(HttpApi, TheOrderAnswerSaysWhetherStockWasReservedAndStrictRefusesWithTheSeedMessage) {
  stock(token("shop-a"), 2);
  json big = seedOrderRequest();
  big["items"][0]["quantity"] = 5;
  const Answer strict = call("POST", "/orders?stock=strict", big.dump());
  EXPECT_EQ(strict.status, 409);
  EXPECT_EQ(strict.body["message"], "Insufficient inventory for PRD-001: requested 5, available 2");
  EXPECT_EQ(strict.body["code"], "INSUFFICIENT_INVENTORY");
  EXPECT_EQ(call("GET", "/orders").body["items"], json::array()) << "a refused order leaves nothing";
  const Answer accepted = call("POST", "/orders", big.dump());
  ASSERT_EQ(accepted.status, 201);
  EXPECT_EQ(accepted.body["code"], "ORD-000001") << "the strict refusal took no number";
  EXPECT_EQ(accepted.body["reservation"], json({{"state", "none"}, {"error", "Insufficient inventory for PRD-001: requested 5, available 2"},
                                                {"errorCode", "INSUFFICIENT_INVENTORY"}}));
  EXPECT_EQ(call("GET", "/orders/ORD-000001").body["reservation"]["state"], "none");
  const Answer held = call("POST", "/orders?stock=strict", seedOrderRequest().dump());
  ASSERT_EQ(held.status, 201);
  EXPECT_EQ(held.body["reservation"], json({{"state", "held"}}));
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2);
  EXPECT_EQ(call("POST", "/orders?stock=maybe", seedOrderRequest().dump()).status, 400);
}

TEST_F(HttpApi, AnIdempotencyKeyAnswersARetryWithTheFirstAnswerAndRefusesAnotherBody) {
  stock(token("shop-a"), 100);
  const httplib::Headers key = {{"Idempotency-Key", "order-7f3a"}};
  const Answer first = call("POST", "/orders", seedOrderRequest().dump(), token("shop-a"), key);
  ASSERT_EQ(first.status, 201);
  EXPECT_FALSE(first.headers.count("Idempotent-Replayed"));
  const Answer retry = call("POST", "/orders", seedOrderRequest().dump(), token("shop-a"), key);
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);
  ASSERT_EQ(retry.headers.count("Idempotent-Replayed"), 1u) << "a replay says so";
  EXPECT_EQ(retry.headers.find("Idempotent-Replayed")->second, "true");
  EXPECT_EQ(call("GET", "/orders").body["items"].size(), 1u) << "one order, not two";
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2);
  json other = seedOrderRequest();
  other["items"][0]["quantity"] = 3;
  const Answer mismatch = call("POST", "/orders", other.dump(), token("shop-a"), key);
  EXPECT_EQ(mismatch.status, 422);
  EXPECT_EQ(mismatch.body["code"], "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(call("GET", "/orders").body["items"].size(), 1u);
  // Keys are the caller's: another user's same key is a new request.
  EXPECT_EQ(call("POST", "/orders", seedOrderRequest().dump(), token("shop-a", "u2"), key).body["code"], "ORD-000002");
  EXPECT_EQ(call("POST", "/orders", seedOrderRequest().dump(), token("shop-a"), {{"Idempotency-Key", "has space"}}).status, 400);
}

TEST_F(HttpApi, OneConfirmationPerOrderInTheOutboxEvenWhenThePostIsRetried) {
  stock(token("shop-a"), 100);
  for (int i = 0; i < 3; ++i) call("POST", "/orders", seedOrderRequest().dump(), token("shop-a"), {{"Idempotency-Key", "k1"}});
  auto store = SqliteStore::open(dir_.path() + "/edgecart.db");  // readable while the server runs (WAL)
  int confirmations = 0;
  store->scan(Table::Sequence, "OUTBOX#shop-a", "0", "", [&](const std::string&, const Value& v) {
    confirmations += v->value("type", "") == "order_confirmation";
    return true;
  });
  EXPECT_EQ(confirmations, 1);
}

TEST_F(HttpApi, ProductsChangeWithAVersionAndListByCategoryAndOrdersNewestFirst) {
  stock(token("shop-a"), 100);
  ASSERT_EQ(call("POST", "/products", json{{"code", "PRD-002"}, {"name", "Cable"}, {"categoryCode", "CBL"}, {"sku", "S2"},
                                            {"price", 5}, {"currency", "JPY"}, {"isActive", false}}.dump()).status, 201);
  const Answer changed = call("PATCH", "/products/PRD-001", R"({"price": 24.99, "name": "Mouse", "version": 1})");
  ASSERT_EQ(changed.status, 200) << changed.body.dump();
  EXPECT_EQ(changed.body["attributes"]["price"].dump(), "24.99");
  EXPECT_EQ(changed.body["version"], 2);
  const Answer stale = call("PATCH", "/products/PRD-001", R"({"price": 1, "version": 1})");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body["code"], "VERSION_CONFLICT");
  EXPECT_EQ(call("GET", "/products?categoryCode=CBL").body["items"].size(), 1u);
  EXPECT_EQ(call("GET", "/products?isActive=true").body["items"][0]["code"], "PRD-001");
  for (int i = 0; i < 5; ++i) call("POST", "/orders", orderFor({{"customerId", i % 2 ? "c-odd" : "c-even"}}).dump());
  std::vector<std::string> seen;
  std::string cursor;
  do {
    const json page = call("GET", "/orders?order=desc&limit=2" + (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor))).body;
    for (const json& o : page["items"]) seen.push_back(o["code"]);
    cursor = page.value("lastSk", "");
  } while (!cursor.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"ORD-000005", "ORD-000004", "ORD-000003", "ORD-000002", "ORD-000001"}));
  const json odd = call("GET", "/orders?customerId=c-odd&order=desc").body["items"];
  ASSERT_EQ(odd.size(), 2u);
  EXPECT_EQ(odd[0]["code"], "ORD-000004");
}

TEST_F(HttpApi, ErrorsCarryAMachineReadableCode) {
  EXPECT_EQ(call("GET", "/orders/ORD-9").body["code"], "NOT_FOUND");
  EXPECT_EQ(call("GET", "/orders", "", "").body["code"], "UNAUTHORIZED");
  stock(token("shop-a"), 10);
  call("POST", "/orders", seedOrderRequest().dump());
  EXPECT_EQ(call("PATCH", "/orders/ORD-000001/status", R"({"status":"delivered"})").body["code"], "INVALID_TRANSITION");
  EXPECT_EQ(call("PATCH", "/inventory/PRD-001", R"({"quantity": 0})").body["code"], "BELOW_RESERVED");
  EXPECT_EQ(call("POST", "/orders", "{").body["code"], "VALIDATION_FAILED");
}

TEST_F(HttpApi, ACatalogueFileIsImportedAsItIsAndABadFileIsRefused) {
  httplib::Client c("127.0.0.1", server_->port());
  c.set_read_timeout(30, 0);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token("shop-a")}};
  const std::string csv = "code,name,categoryCode,sku,price,currency,quantity\n"
                          "P1,Whole Milk 1L,DAIRY,4901234567894,199,JPY,40\n"
                          "P2,Oat milk,DAIRY,4901234567818,-1,JPY,5\n";
  auto r = c.Post("/products/import", auth, csv, "text/csv");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json report = json::parse(r->body);
  EXPECT_EQ(report["created"], 1);
  EXPECT_EQ(report["rejected"][0]["line"], 3);
  EXPECT_EQ(call("GET", "/products?sku=4901234567894&include=stock").body["items"][0]["inventory"]["attributes"]["quantity"], 40);
  r = c.Post("/products/import", auth, "{\"code\":\"P3\",\"name\":\"Tea\",\"categoryCode\":\"D\",\"sku\":\"S3\",\"price\":2,\"currency\":\"JPY\"}\n",
             "application/x-ndjson");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["created"], 1) << r->body;
  // Invalid UTF-8 is refused whole; so is a file past the limits, before it is read.
  const json before = call("GET", "/products?limit=100").body;
  r = c.Post("/products/import", auth, "code,name,categoryCode,sku,price,currency\nP9,Bad \xff\xfe,D,S9,1,JPY\n", "text/csv");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("not valid UTF-8"), std::string::npos) << r->body;
  r = c.Post("/products/import", auth, std::string(50 << 20, 'x'), "text/csv");
  if (r) {
    EXPECT_EQ(r->status, 413);
  }  // or the connection is closed while the rest is still sent
  EXPECT_EQ(call("GET", "/products?limit=100").body, before);
  EXPECT_EQ(call("GET", "/categories").body, json::parse(R"({"items":[{"code":"D"},{"code":"DAIRY"}]})"));
}

}  // namespace
}  // namespace edgecart::testing
