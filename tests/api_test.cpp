// The router: routes, paging, tenants, error shape (docs/design.md §3, §5).

#include "test_util.h"

namespace edgecart::testing {
namespace {

class Api : public ShopTest {};

TEST_F(Api, ProductsAreCreatedListedAndFetched) {
  Response created = req("POST", "/products", productRequest("PRD-001"));
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["attributes"]["images"], json::array());
  EXPECT_EQ(created.body["attributes"]["isActive"], true);
  EXPECT_EQ(req("GET", "/products/PRD-001").body, created.body);
  EXPECT_EQ(req("GET", "/products").body["items"], json::array({created.body}));
  EXPECT_EQ(req("POST", "/products", productRequest("PRD-001")).body["message"],
            "Product PRD-001 already exists");
  EXPECT_EQ(req("GET", "/products/PRD-404").body["message"], "Product PRD-404 not found");
}

TEST_F(Api, ListsPageInSortKeyOrderWithLastSkOnlyWhenMoreRemain) {
  stock("PRD-001", 1000);
  for (int i = 0; i < 45; ++i) req("POST", "/orders", seedOrderRequest());
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    Response r = req("GET", "/orders?limit=20" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200);
    for (const json& o : r.body["items"]) seen.push_back(o["code"]);
    ++pages;
    if (!r.body.contains("lastSk")) break;
    EXPECT_EQ(r.body["lastSk"], r.body["items"].back()["sk"]);
    cursor = r.body["lastSk"];
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 45u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.front(), "ORD-000001");
  EXPECT_EQ(req("GET", "/orders").body["items"].size(), 20u);  // default limit
  Response exact = req("GET", "/orders?limit=5&cursor=ORDER%23ORD-000040");
  EXPECT_EQ(exact.body["items"].size(), 5u);
  EXPECT_FALSE(exact.body.contains("lastSk"));  // nothing after ORD-000045
}

TEST_F(Api, StatusFilterIsAppliedBeforeTheLimit) {
  stock("PRD-001", 1000);
  for (int i = 1; i <= 30; ++i) {
    req("POST", "/orders", seedOrderRequest());
    if (i % 3 == 0) setStatus(req("GET", "/orders?limit=1&status=pending").body["items"][0]["code"], "confirmed");
  }
  Response page = req("GET", "/orders?status=confirmed&limit=4");
  ASSERT_EQ(page.body["items"].size(), 4u);  // never short because pending ones were skipped
  for (const json& o : page.body["items"]) EXPECT_EQ(o["attributes"]["status"], "confirmed");
  Response rest = req("GET", "/orders?status=confirmed&limit=100&cursor=" + page.body["lastSk"].get<std::string>());
  EXPECT_EQ(rest.body["items"].size(), 6u);
  EXPECT_FALSE(rest.body.contains("lastSk"));
}

TEST_F(Api, TenantsUsingTheSameCodesNeverSeeEachOther) {
  stock("PRD-001", 10, "shop-a");
  stock("PRD-001", 3, "shop-b");
  EXPECT_EQ(req("POST", "/orders", seedOrderRequest(), "shop-a").body["code"], "ORD-000001");
  EXPECT_EQ(req("POST", "/orders", seedOrderRequest(), "shop-a").body["code"], "ORD-000002");
  Response b = req("POST", "/orders", seedOrderRequest(), "shop-b");
  EXPECT_EQ(b.body["code"], "ORD-000001");
  EXPECT_EQ(b.body["pk"], "TENANT#shop-b");
  EXPECT_EQ(inventory("PRD-001", "shop-a")["reservedQuantity"], 4);
  EXPECT_EQ(inventory("PRD-001", "shop-b")["reservedQuantity"], 2);
  EXPECT_EQ(req("GET", "/orders", nullptr, "shop-b").body["items"].size(), 1u);
  EXPECT_EQ(req("GET", "/orders/ORD-000002", nullptr, "shop-b").status, 404);
  EXPECT_EQ(req("GET", "/products", nullptr, "shop-c").body["items"], json::array());
  setStatus("ORD-000001", "cancelled");  // shop-a's order
  EXPECT_EQ(inventory("PRD-001", "shop-b")["reservedQuantity"], 2);
}

TEST_F(Api, TenantComesOnlyFromTheContext) {
  EXPECT_EQ(req("GET", "/products", nullptr, "").status, 403);
  EXPECT_EQ(req("GET", "/products", nullptr, "bad#tenant").status, 400);
  stock("PRD-001", 10, "SHOP-A");  // lower-cased
  EXPECT_EQ(inventory("PRD-001", "shop-a")["quantity"], 10);
  json body = seedOrderRequest();
  body["tenantCode"] = "shop-b";
  EXPECT_EQ(req("POST", "/orders", body).body["message"], "property tenantCode should not exist");
}

TEST_F(Api, ErrorsHaveTheNestJsShape) {
  Response r = req("DELETE", "/orders");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, json::parse(R"({"statusCode":404,"error":"Not Found","message":"Cannot DELETE /orders","code":"NOT_FOUND"})"));
  EXPECT_EQ(req("GET", "/").status, 404);
  EXPECT_EQ(raw("POST", "/orders", "{").body["error"], "Bad Request");
}

TEST_F(Api, WritesReportTheItemsTheyChanged) {
  stock("PRD-001", 10);
  Response r = req("POST", "/orders", seedOrderRequest());
  std::vector<std::string> sks;
  for (const json& c : r.changes) sks.push_back(c["sk"]);
  EXPECT_EQ(sks, (std::vector<std::string>{"ORDER#ORD-000001", "INVENTORY#PRD-001",
                                           "RESERVATION#ORD-000001"}));
  EXPECT_TRUE(req("GET", "/orders").changes.empty());
}

TEST_F(Api, PathCodesArePercentDecoded) {
  ASSERT_EQ(req("POST", "/products", productRequest("PRD.1")).status, 201);
  EXPECT_EQ(req("GET", "/products/PRD%2E1").status, 200);
  EXPECT_EQ(req("GET", "/products/PRD%ZZ").status, 400);
}


TEST_F(Api, IdempotencyKeysOfUsersWhoseIdsContainAHashNeverMeet) {
  stock("PRD-001", 100);
  auto order = [&](const std::string& user, const std::string& key) {
    Context ctx{"shop-a", user, {"cashier"}};
    ctx.idempotencyKey = key;
    return shop_->handle(ctx, "POST", "/orders", seedOrderRequest().dump());
  };
  const Response alice = order("alice", "x#y");
  ASSERT_EQ(alice.status, 201);
  const Response other = order("alice#x", "y");  // the same "alice#x#y" under the old scoping
  ASSERT_EQ(other.status, 201) << other.body.dump();
  EXPECT_FALSE(other.replayed);
  EXPECT_NE(other.body["code"], alice.body["code"]);
  EXPECT_TRUE(order("alice", "x#y").replayed);
}

TEST_F(Api, RoutesWithoutQueryParametersRefuseAnyGiven) {
  stock("PRD-001", 10);
  ASSERT_EQ(req("POST", "/orders", seedOrderRequest()).status, 201);
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"POST", "/products?x=1"}, {"GET", "/products/PRD-001?x=1"}, {"PATCH", "/products/PRD-001?x=1"},
      {"GET", "/inventory/PRD-001?x=1"}, {"PATCH", "/inventory/PRD-001?x=1"}, {"GET", "/orders/ORD-000001?x=1"},
      {"PATCH", "/orders/ORD-000001/status?x=1"}};
  const json before = {req("GET", "/products").body, req("GET", "/orders").body, inventory("PRD-001")};
  for (const auto& [method, path] : calls) {
    const json body = method == "GET" ? json() : path.rfind("/products?", 0) == 0 ? productRequest("NEW")
                      : path.rfind("/orders/", 0) == 0 ? json{{"status", "confirmed"}}
                      : path.rfind("/inventory", 0) == 0 ? json{{"quantity", 3}} : json{{"name", "n"}};
    const Response r = req(method, path, body);
    EXPECT_EQ(r.status, 400) << method << " " << path << ": " << r.body.dump();
    EXPECT_EQ(r.body["message"], "query parameter x is not supported") << method << " " << path;
  }
  EXPECT_EQ((json{req("GET", "/products").body, req("GET", "/orders").body, inventory("PRD-001")}), before);
}

// The route table's ownership rule (RouteRule::own), applied by the router before any handler:
// a customer reaches only its own orders, and a customer with no user id has no orders at all
// (it once listed every customer's: an empty id filtered nothing).
TEST_F(Api, OwnRoutesGiveACustomerOnlyItsOwnOrdersAndNoneWithoutAUserId) {
  stock("PRD-001", 100);
  json forBob = seedOrderRequest();
  forBob["customerId"] = "bob";
  ASSERT_EQ(req("POST", "/orders", forBob).status, 201);
  auto as = [&](const std::string& user, const std::string& method, const std::string& path, const json& body = json()) {
    return shop_->handle(Context{"shop-a", user, {"customer"}}, method, path, body.is_null() ? "" : body.dump());
  };
  EXPECT_EQ(as("bob", "GET", "/orders").body["items"].size(), 1u);
  EXPECT_EQ(as("bob", "GET", "/orders/ORD-000001").status, 200);
  EXPECT_EQ(as("alice", "GET", "/orders").body["items"], json::array());
  EXPECT_EQ(as("alice", "GET", "/orders/ORD-000001").body["message"], "Forbidden: order ORD-000001 belongs to another customer");
  EXPECT_EQ(as("alice", "PATCH", "/orders/ORD-000001/status", {{"status", "cancelled"}}).status, 403);
  const json before = req("GET", "/orders").body;
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/orders"}, {"GET", "/orders/ORD-000001"}, {"POST", "/orders"}, {"PATCH", "/orders/ORD-000001/status"}}) {
    const json body = method == "POST" ? seedOrderRequest() : method == "PATCH" ? json{{"status", "cancelled"}} : json();
    const Response r = as("", method, path, body);
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body.dump();
    EXPECT_EQ(r.body["message"].get<std::string>().rfind("Forbidden: a customer without a user id cannot ", 0), 0u) << r.body.dump();
  }
  EXPECT_EQ(req("GET", "/orders").body, before);
  EXPECT_EQ(as("bob", "PATCH", "/orders/ORD-000001/status", {{"status", "cancelled"}}).status, 200);
}

}  // namespace
}  // namespace edgecart::testing
