// edgecart-server as a client sees it: a real process on 127.0.0.1, real HTTP, real tokens.

#include <httplib.h>

#include <atomic>
#include <set>
#include <thread>

#include "edgecart_server/jwt.h"
#include "server_process.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

const std::string kSecret = "http-test-secret";

std::string token(const std::string& tenant, const std::string& user = "u1", const std::string& secret = kSecret) {
  json claims = {{"sub", user}, {"exp", 4102444800}};
  if (!tenant.empty()) claims["custom:tenant"] = tenant;
  return signJwt(claims, secret);
}

struct Answer {
  int status = 0;
  json body;
};

class Http : public ::testing::Test {
 protected:
  void SetUp() override { start(); }
  void start() {
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/edgecart.db", kSecret, dir_.path() + "/access.log");
  }
  Answer call(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& bearer = token("shop-a"), httplib::Headers headers = {}) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(20, 0);
    if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
    httplib::Result r = method == "GET"     ? c.Get(path.c_str(), headers)
                        : method == "POST"  ? c.Post(path.c_str(), headers, body, "application/json")
                        : method == "PATCH" ? c.Patch(path.c_str(), headers, body, "application/json")
                        : method == "PUT"   ? c.Put(path.c_str(), headers, body, "application/json")
                                            : c.Delete(path.c_str(), headers);
    if (!r) return {-1, nullptr};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  void stock(const std::string& bearer = token("shop-a"), int quantity = 10) {
    ASSERT_EQ(call("POST", "/products", productRequest("PRD-001").dump(), bearer).status, 201);
    ASSERT_EQ(call("PATCH", "/inventory/PRD-001", json{{"quantity", quantity}}.dump(), bearer).status, 200);
  }
  std::vector<std::string> accessLog() {
    std::ifstream in(dir_.path() + "/access.log");
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Http, HealthAndOpenApiDescribeEveryRoute) {
  const Answer h = call("GET", "/healthz", "", "");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body["status"], "ok");
  const Answer doc = call("GET", "/openapi.json", "", "");
  ASSERT_EQ(doc.status, 200);
  const json& paths = doc.body["paths"];
  for (const auto& [path, method] : std::vector<std::pair<std::string, std::string>>{
           {"/products", "post"}, {"/products", "get"}, {"/products/{code}", "get"},
           {"/inventory/{productCode}", "patch"}, {"/inventory/{productCode}", "get"},
           {"/orders", "post"}, {"/orders", "get"}, {"/orders/{code}", "get"},
           {"/orders/{code}/status", "patch"}, {"/healthz", "get"}}) {
    EXPECT_TRUE(paths.contains(path) && paths[path].contains(method)) << method << " " << path;
  }
}

TEST_F(Http, TheSeedExampleOverHttp) {
  stock();
  const Answer o = call("POST", "/orders", seedOrderRequest().dump());
  ASSERT_EQ(o.status, 201) << o.body.dump();
  EXPECT_EQ(o.body["sk"], "ORDER#ORD-000001");
  EXPECT_EQ(o.body["name"], "Order ORD-000001");
  EXPECT_EQ(o.body["attributes"]["total"].dump(), "65.98");
  EXPECT_EQ(o.body["createdBy"], "u1") << "the user comes from the token's sub";
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2);
  const Answer bad = call("PATCH", "/orders/ORD-000001/status", R"({"status":"delivered"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, json({{"statusCode", 400}, {"error", "Bad Request"}, {"message", "Cannot transition from pending to delivered"}}));
  EXPECT_EQ(call("GET", "/orders/ORD-000009").body["message"], "Order ORD-000009 not found");
  EXPECT_EQ(call("PATCH", "/orders/ORD-000001/status", R"({"status":"confirmed","version":1})").status, 200);
  EXPECT_EQ(call("PATCH", "/orders/ORD-000001/status", R"({"status":"processing","version":1})").status, 409);
  EXPECT_EQ(call("GET", "/orders?status=confirmed&limit=5").body["items"].size(), 1u);
}

TEST_F(Http, MissingOrInvalidTokensAre401AndATokenWithoutTenantIs403) {
  for (const std::string& bad : {std::string(), std::string("not-a-jwt"), token("shop-a", "u1", "wrong-secret"),
                                 signJwt({{"sub", "u"}, {"custom:tenant", "shop-a"}, {"exp", 1}}, kSecret)}) {
    const Answer a = call("GET", "/orders", "", bad);
    EXPECT_EQ(a.status, 401) << bad;
    EXPECT_EQ(a.body["statusCode"], 401);
    EXPECT_EQ(a.body["error"], "Unauthorized");
  }
  const Answer noTenant = call("GET", "/orders", "", token(""));
  EXPECT_EQ(noTenant.status, 403);
  EXPECT_EQ(noTenant.body["message"], "The token has no custom:tenant claim");
  EXPECT_EQ(call("POST", "/products", productRequest("PRD-001").dump(), "").status, 401);
  EXPECT_EQ(call("GET", "/products/PRD-001").status, 404) << "the refused create wrote nothing";
}

TEST_F(Http, AnotherTenantsTokenHeaderOrBodyNeverReachesItsData) {
  stock();
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).status, 201);
  const std::string b = token("shop-b", "intruder");
  EXPECT_EQ(call("GET", "/orders", "", b).body["items"], json::array());
  EXPECT_EQ(call("GET", "/orders/ORD-000001", "", b).status, 404);
  EXPECT_EQ(call("GET", "/orders", "", b, {{"X-Tenant", "shop-a"}, {"X-Tenant-Code", "shop-a"}}).body["items"], json::array());
  json withTenant = seedOrderRequest();
  withTenant["tenantCode"] = "shop-a";
  const Answer refused = call("POST", "/orders", withTenant.dump(), b);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["message"], "property tenantCode should not exist");
  EXPECT_EQ(call("PATCH", "/orders/ORD-000001/status", R"({"status":"cancelled"})", b).status, 404);
  EXPECT_EQ(call("GET", "/orders/ORD-000001").body["attributes"]["status"], "pending");
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2);
}

TEST_F(Http, BadInputIs4xxAndChangesNothing) {
  stock();
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).status, 201);
  const json before = call("GET", "/orders").body;
  const json invBefore = call("GET", "/inventory/PRD-001").body;
  const std::vector<std::tuple<std::string, std::string, std::string, int>> cases = {
      {"POST", "/orders", "{\"customerId\": ", 400},
      {"POST", "/orders", "[]", 400},
      {"POST", "/orders", json{{"customerId", "C"}, {"items", json::array()}}.dump(), 400},
      {"PATCH", "/inventory/PRD-001", R"({"quantity": -1})", 400},
      {"PATCH", "/inventory/PRD-001", R"({"quantity": 1.5})", 400},
      {"PATCH", "/inventory/PRD-001", R"({"quantity": 1})", 409},  // below the 2 reserved
      {"POST", "/products", productRequest("PRD-009", 1.234).dump(), 400},
      {"POST", "/products", productRequest("PRD-001").dump(), 409},
      {"PATCH", "/orders/ORD-000001/status", R"({"status":"teleported"})", 400},
      {"DELETE", "/orders/ORD-000001", "", 404},
      {"PUT", "/orders", "{}", 404},
      {"POST", "/orders", std::string(1500 * 1024, ' '), 413},
      {"POST", "/orders", std::string(3 * 1024 * 1024, ' '), 413}};
  for (const auto& [method, path, body, status] : cases) {
    const Answer a = call(method, path, body);
    EXPECT_EQ(a.status, status) << method << " " << path << " " << body.substr(0, 80);
    EXPECT_EQ(a.body.value("statusCode", 0), status) << "NestJS-shaped error: " << a.body.dump().substr(0, 200);
    EXPECT_FALSE(a.body.value("message", "").empty());
  }
  EXPECT_EQ(call("GET", "/orders").body, before);
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body, invBefore);
  EXPECT_EQ(call("POST", "/orders", seedOrderRequest().dump()).body["code"], "ORD-000002");
}

TEST_F(Http, ConcurrentOrdersAreAllKeptDistinctAndLogged) {
  stock(token("shop-a"), 1000);
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> codes;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Answer a = call("POST", "/orders", seedOrderRequest().dump(), token("shop-a", "till-" + std::to_string(t)));
        if (a.status != 201) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        codes.insert(a.body["code"].get<std::string>());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(codes.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2 * kThreads * kEach);
  size_t orderLines = 0;
  for (const std::string& l : accessLog()) {
    const json j = json::parse(l, nullptr, false);
    ASSERT_TRUE(j.is_object()) << l;
    if (j["method"] == "POST" && j["path"] == "/orders") {
      ++orderLines;
      EXPECT_EQ(j["status"], 201);
      EXPECT_EQ(j["tenant"], "shop-a");
      EXPECT_TRUE(j.contains("ms") && j.contains("time"));
    }
  }
  EXPECT_EQ(orderLines, static_cast<size_t>(kThreads * kEach)) << "one log line per request";
}

TEST_F(Http, StateSurvivesARestart) {
  stock();
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).status, 201);
  EXPECT_EQ(server_->stop(), 0) << "SIGTERM stops the server cleanly";
  start();
  EXPECT_EQ(call("GET", "/orders/ORD-000001").body["attributes"]["total"].dump(), "65.98");
  EXPECT_EQ(call("POST", "/orders", seedOrderRequest().dump()).body["code"], "ORD-000002");
}

}  // namespace
}  // namespace edgecart::testing
