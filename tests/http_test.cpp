// edgecart-server as a client sees it: a real process on 127.0.0.1, real HTTP, real tokens.

#include <httplib.h>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "edgecart/sync/sync.h"
#include "edgecart_server/http_server.h"
#include "edgecart_server/jwt.h"
#include "edgecart_server/sqlite_store.h"
#include "http_fixture.h"
#include "raw_socket.h"
#include "server_process.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

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
           {"/orders/{code}/status", "patch"}, {"/healthz", "get"}, {"/sync/push", "post"},
           {"/sync/pull", "get"}, {"/sync/lease", "post"}, {"/sync/events", "get"}}) {
    EXPECT_TRUE(paths.contains(path) && paths[path].contains(method)) << method << " " << path;
  }
}

TEST_F(Http, TheSeedExampleOverHttp) {
  stock();
  EXPECT_EQ(call("GET", "/products").body["items"].size(), 1u);
  EXPECT_EQ(call("GET", "/products/PRD-001").body["attributes"]["price"].dump(), "29.99");
  const Answer o = call("POST", "/orders", seedOrderRequest().dump());
  ASSERT_EQ(o.status, 201) << o.body.dump();
  EXPECT_EQ(o.body["sk"], "ORDER#ORD-000001");
  EXPECT_EQ(o.body["name"], "Order ORD-000001");
  EXPECT_EQ(o.body["attributes"]["total"].dump(), "65.98");
  EXPECT_EQ(o.body["createdBy"], "u1") << "the user comes from the token's sub";
  EXPECT_EQ(call("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2);
  const Answer bad = call("PATCH", "/orders/ORD-000001/status", R"({"status":"delivered"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, json({{"statusCode", 400}, {"error", "Bad Request"}, {"message", "Cannot transition from pending to delivered"},
                            {"code", "INVALID_TRANSITION"}}));
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
      {"POST", "/orders", std::string(3 * 1024 * 1024, ' '), 413},
      // The path is decoded once, by the router: %2542 is the code "%42", not "B" (= 400 as in
      // the CLI and the module); escapes that decode to no UTF-8 text; a NUL and garbage after JSON.
      {"GET", "/products/%2542", "", 400},
      {"GET", "/orders?%C0%AF=1", "", 400},
      {"GET", "/orders/%ED%A0%80", "", 400},
      {"POST", "/products", productRequest("PRD-010").dump() + std::string("\0 not json {{{", 14), 400}};
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

TEST_F(Http, IdleAndHalfSentConnectionsDoNotStarveOtherClients) {
  // 16 keep-alive connections that made one request and then sit idle, and 12 that sent half a
  // request and stopped: more than cpp-httplib's default pool of 8 threads, each holding one.
  std::vector<int> held;
  for (int i = 0; i < 16; ++i) {
    const int fd = connectTo(server_->port());
    ASSERT_GE(fd, 0);
    sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    char buf[512];
    ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0) << "idle connection " << i << " got no answer";
    held.push_back(fd);
  }
  for (int i = 0; i < 12; ++i) {
    const int fd = connectTo(server_->port());
    ASSERT_GE(fd, 0);
    sendAll(fd, "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Content-Length: 400\r\n\r\n{\"customerId\":");
    held.push_back(fd);
  }
  // A new client is answered at once, not after the idle ones time out (5 s by default).
  httplib::Client c("127.0.0.1", server_->port());
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(2, 0);
  const auto started = std::chrono::steady_clock::now();
  const httplib::Result r = c.Get("/products", {{"Authorization", "Bearer " + token("shop-a")}});
  ASSERT_TRUE(r) << "no answer within 2 s while 28 connections are held";
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  // The half-sent requests are dropped by the read timeout; none of them created anything.
  for (int fd : held) ::close(fd);
  EXPECT_EQ(call("GET", "/orders").body["items"].size(), 0u);
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
  // The server writes a request's log line just after sending its answer: wait for the last.
  size_t orderLines = 0;
  for (int wait = 0; wait < 100; ++wait) {
    orderLines = 0;
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
    if (orderLines >= static_cast<size_t>(kThreads * kEach)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(orderLines, static_cast<size_t>(kThreads * kEach)) << "one log line per request";
}

TEST_F(Http, NotificationsAreKeptInTheOutboxWithTheWriteThatCausedThem) {
  stock(token("shop-a"), 2);
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).status, 201);
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).status, 201);  // nothing left to reserve
  ASSERT_EQ(call("PATCH", "/orders/ORD-000001/status", R"({"status":"delivered"})").status, 400);  // refused: no notice
  // Operations read the outbox straight from the database file.
  auto db = SqliteStore::open(dir_.path() + "/edgecart.db");
  std::vector<std::string> types;
  db->scan(Table::Sequence, "OUTBOX#shop-a", "0", "", [&](const std::string&, const Value& n) {
    types.push_back(n->at("type").get<std::string>() + ":" + n->at("orderId").get<std::string>());
    return true;
  });
  EXPECT_EQ(types, (std::vector<std::string>{"order_confirmation:ORD-000001", "inventory_reservation_failed:ORD-000002",
                                             "order_confirmation:ORD-000002"}));
}

TEST_F(Http, StateSurvivesARestart) {
  stock();
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).status, 201);
  EXPECT_EQ(server_->stop(), 0) << "SIGTERM stops the server cleanly; its stderr:\n" << server_->stderrAfterStart();
  EXPECT_NE(server_->stderrAfterStart().find("edgecart-server: stopped"), std::string::npos) << server_->stderrAfterStart();
  start();
  EXPECT_EQ(call("GET", "/orders/ORD-000001").body["attributes"]["total"].dump(), "65.98");
  EXPECT_EQ(call("POST", "/orders", seedOrderRequest().dump()).body["code"], "ORD-000002");
}

// A till: a local shop with a sync client, talking to the server over HTTP.
struct HttpTill {
  explicit HttpTill(const std::string& id)
      : shop(Shop::inMemory()), sync(*shop, "shop-a", id) {}
  Response call(const std::string& method, const std::string& path, const json& body = nullptr) {
    return sync.request(Context{"shop-a", "till", {"admin"}}, method, path, body.is_null() ? "" : body.dump());
  }
  std::unique_ptr<Shop> shop;
  SyncClient sync;
};

TEST_F(Http, SyncRoutesNeedATokenAndKeepTenantsApart) {
  EXPECT_EQ(call("POST", "/sync/push", R"({"clientId":"till-a-0000000000001","commands":[]})", "").status, 401);
  EXPECT_EQ(call("GET", "/sync/pull", "", "").status, 401);
  EXPECT_EQ(call("POST", "/sync/lease", R"({"clientId":"till-a-0000000000001"})", token("")).status, 403);
  stock();
  EXPECT_EQ(call("GET", "/sync/pull?limit=10").body["items"].size(), 2u) << "shop-a's product and inventory";
  EXPECT_EQ(call("GET", "/sync/pull?limit=10", "", token("shop-b")).body["items"], json::array());
  EXPECT_EQ(call("POST", "/sync/lease", R"({"clientId":"till-a-0000000000001","size":5})").body["start"], 1);
  EXPECT_EQ(call("POST", "/sync/lease", R"({"clientId":"till-a-0000000000001","size":5})", token("shop-b")).body["start"], 1)
      << "each tenant has its own numbers";
  EXPECT_EQ(call("DELETE", "/sync/push").status, 404);
}

TEST_F(Http, ALostPushAnswerAndAServerKilledMidPushStillApplyEverythingOnce) {
  stock(token("shop-a"), 1000);
  HttpTill till("till-a-0000000000001");
  auto post = [&](const std::string& path, const json& body) { return call("POST", path, body.dump()); };
  till.sync.applyLease(post("/sync/lease", till.sync.leaseBody(100)).body);
  for (;;) {
    const Answer a = call("GET", "/sync/pull?" + till.sync.pullQuery(100));
    ASSERT_EQ(a.status, 200);
    if (!till.sync.applyPull(a.body)) break;
  }
  for (int i = 0; i < 30; ++i) ASSERT_EQ(till.call("POST", "/orders", seedOrderRequest()).status, 201);  // offline
  ASSERT_EQ(till.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", 7}}).status, 200);
  // One batch answered, one committed whose answer is lost, then the rest sent and the server
  // killed before it could answer: a second connection holds the database's write lock, so the
  // push is provably inside the server, uncommitted, when the kill lands.
  ASSERT_EQ(till.sync.applyPush(post("/sync/push", till.sync.pushBody(10)).body).size(), 10u);
  ASSERT_EQ(post("/sync/push", till.sync.pushBody(10)).status, 200);  // committed; answer "lost"
  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/edgecart.db").c_str(), &lock), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const std::string rest = till.sync.pushBody(100).dump();
  std::atomic<int> killedPushStatus{0};
  std::thread pushing([&] { killedPushStatus = call("POST", "/sync/push", rest).status; });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well inside the 5 s busy wait
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200) << "the server is up, the push still unanswered";
  EXPECT_EQ(killedPushStatus.load(), 0) << "no answer yet: the push waits for the lock";
  server_->stop(SIGKILL);
  pushing.join();
  EXPECT_EQ(killedPushStatus.load(), -1) << "the connection died with the server, no answer";
  sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(lock);
  start();
  size_t replayed = 0;
  for (json body = till.sync.pushBody(10); !body.is_null(); body = till.sync.pushBody(10)) {
    const Answer a = post("/sync/push", body);
    ASSERT_EQ(a.status, 200) << a.body.dump();
    for (const json& r : a.body["results"]) {
      replayed += r.value("replayed", false) ? 1 : 0;
      EXPECT_NE(r["outcome"], "rejected") << r.dump();
    }
    till.sync.applyPush(a.body);
  }
  EXPECT_EQ(replayed, 10u) << "the lost batch was answered from the record; the killed push left nothing";
  const json inv = call("GET", "/inventory/PRD-001").body;
  EXPECT_EQ(inv["attributes"]["quantity"], 1007) << "the delta applied once";
  EXPECT_EQ(inv["attributes"]["reservedQuantity"], 60) << "30 orders, each reserved once";
  size_t orders = 0;
  std::string cursor;
  do {
    const json page = call("GET", "/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + httplib::detail::encode_query_param(cursor))).body;
    orders += page["items"].size();
    cursor = page.value("lastSk", "");
  } while (!cursor.empty());
  EXPECT_EQ(orders, 30u);
  for (;;) {
    const Answer a = call("GET", "/sync/pull?" + till.sync.pullQuery(100));
    ASSERT_EQ(a.status, 200);
    if (!till.sync.applyPull(a.body)) break;
  }
  EXPECT_EQ(till.call("GET", "/inventory/PRD-001").body, inv) << "client and server converge";
  EXPECT_EQ(till.sync.status()["pending"], 0);
}

// An edgecart-server in this process with --pages, --dist and --dev's CORS rule: the web pages,
// the built package and what surrounds them. Beside them, a folder they must not publish, and
// symlinks into it from the pages.
class HttpSite : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    pages_ = dir_.path() + "/site";
    write(pages_ + "/index.html", "<h1>EdgeCart</h1>");
    write(pages_ + "/till/index.html", "<h1>Till</h1>");
    write(pages_ + "/till/app.js", "start();");
    write(pages_ + "/till.webmanifest", R"({"name":"Till","start_url":"/till/"})");
    write(pages_ + "/sw.js", "const BUILD = '1';");
    write(pages_ + "/.env", "SECRET=1");
    write(pages_ + "/.git/config", "[remote]");
    write(pages_ + "/\\till/index.html", "<h1>backslash</h1>");
    fs::create_directories(pages_ + "/empty");
    write(dir_.path() + "/dist/edgecart.mjs", "export {};");
    write(dir_.path() + "/dist/edgecart.wasm", std::string("\0asm\1\0\0\0", 8));
    write(dir_.path() + "/dist/docs/index.html", "<title>Swagger UI</title>");
    write(dir_.path() + "/outside/shadow", "root:*:19000:0:99999:7:::");
    write(dir_.path() + "/outside/index.html", "<h1>outside</h1>");
    fs::create_directory_symlink(dir_.path() + "/outside", pages_ + "/etc");
    fs::create_symlink(dir_.path() + "/outside/shadow", pages_ + "/shadow.txt");
    fs::create_symlink("index.html", pages_ + "/home.html");  // stays inside: served
    ServerOptions o;
    o.port = 0;
    o.dbPath = dir_.path() + "/edgecart.db";
    o.jwtSecret = kSecret;
    o.pagesDir = pages_;
    o.distDir = dir_.path() + "/dist";
    o.corsLocalhost = true;
    server_ = std::make_unique<HttpServer>(o, log_);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    // A stop() before run() listens would be lost: wait until it answers.
    for (int i = 0; i < 200 && get("/healthz").status != 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void TearDown() override {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  static void write(const std::string& path, const std::string& bytes) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }
  // The path as written ("//till", "/%2e%2e/"), never re-encoded by the client.
  Answer get(const std::string& path, const httplib::Headers& headers = {}, std::string* body = nullptr) {
    httplib::Client c("127.0.0.1", port_);
    c.set_url_encode(false);
    c.set_read_timeout(10, 0);
    httplib::Result r = c.Get(path.c_str(), headers);
    if (!r) return {-1, nullptr};
    if (body) *body = r->body;
    return {r->status, json::parse(r->body, nullptr, false), r->headers};
  }
  static std::string header(const Answer& a, const std::string& name) {
    const auto it = a.headers.find(name);
    return it == a.headers.end() ? "" : it->second;
  }

  TempDir dir_;
  std::string pages_;
  std::ostringstream log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(HttpSite, OnlyRegularFilesReallyInsideTheServedFoldersAreServed) {
  std::string body;
  for (const auto& [path, content] : std::vector<std::pair<std::string, std::string>>{
           {"/", "<h1>EdgeCart</h1>"}, {"/till/", "<h1>Till</h1>"}, {"/till/app.js", "start();"},
           {"/home.html", "<h1>EdgeCart</h1>"}, {"/dist/edgecart.mjs", "export {};"},
           {"/docs/", "<title>Swagger UI</title>"}}) {
    EXPECT_EQ(get(path, {}, &body).status, 200) << path;
    EXPECT_EQ(body, content) << path;
  }
  // Out of the folder through a symlink (a folder or a file), dotfiles and dot-folders, "..",
  // folders themselves: 404, as for a file that is not there.
  for (const std::string path : {"/etc/shadow", "/etc/", "/etc/index.html", "/shadow.txt", "/.env", "/.git/config",
                                 "/till/../.env", "/%2e%2e/outside/shadow", "/../outside/shadow",
                                 "/dist/../outside/shadow", "/%2e%2fenv", "/empty/", "/dist/docs", "/.git/"}) {
    const Answer a = get(path, {}, &body);
    EXPECT_EQ(a.status, 404) << path;
    EXPECT_EQ(a.body.is_object() ? a.body.value("statusCode", 0) : 0, 404) << path << ": " << body.substr(0, 80);
    EXPECT_EQ(body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(body.find("SECRET"), std::string::npos) << path;
  }
  EXPECT_EQ(get("/etc").status, 404) << "no redirect into a symlinked folder either";
}

TEST_F(HttpSite, AFolderAskedWithoutItsSlashRedirectsOnlyWithinTheSite) {
  const Answer till = get("/till");
  EXPECT_EQ(till.status, 302);
  EXPECT_EQ(header(till, "Location"), "/till/");
  // "//till/" as a Location is the host "till" to a browser (an open redirect), "/\till/" too.
  for (const std::string path : {"//till", "///till", "//till/../till", "/\\till", "/%5Ctill", "//\\till"}) {
    const Answer a = get(path);
    const std::string location = header(a, "Location");
    EXPECT_TRUE(a.status == 404 || (a.status == 302 && location == "/till/")) << path << ": " << a.status << " " << location;
    EXPECT_NE(location.rfind("//", 0), 0u) << path << ": " << location;
    EXPECT_NE(location.rfind("/\\", 0), 0u) << path << ": " << location;
  }
}

TEST_F(HttpSite, StaticFilesGoOutWithTheirTypesTheAppManifestAsAManifest) {
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"/till.webmanifest", "application/manifest+json"}, {"/dist/edgecart.mjs", "text/javascript"},
           {"/dist/edgecart.wasm", "application/wasm"}, {"/till/app.js", "text/javascript"},
           {"/sw.js", "text/javascript"}, {"/till/", "text/html"}}) {
    const Answer a = get(path);
    EXPECT_EQ(a.status, 200) << path;
    EXPECT_EQ(header(a, "Content-Type"), type) << path;
  }
}

TEST_F(HttpSite, StaticFilesCarryValidatorsAndAnUnchangedOneIsAnswered304) {
  std::string body;
  const Answer sw = get("/sw.js");
  ASSERT_EQ(sw.status, 200);
  const std::string etag = header(sw, "ETag");
  const std::string modified = header(sw, "Last-Modified");
  ASSERT_FALSE(etag.empty());
  EXPECT_FALSE(modified.empty());
  EXPECT_EQ(header(sw, "Cache-Control"), "no-cache") << "sw.js is always revalidated";
  for (const std::string& match : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const Answer a = get("/sw.js", {{"If-None-Match", match}}, &body);
    EXPECT_EQ(a.status, 304) << match;
    EXPECT_EQ(body, "") << match;
    EXPECT_EQ(header(a, "ETag"), etag) << match;
  }
  EXPECT_EQ(get("/sw.js", {{"If-None-Match", "\"other\""}}, &body).status, 200);
  EXPECT_EQ(body, "const BUILD = '1';");
  EXPECT_EQ(get("/sw.js", {{"If-Modified-Since", modified}}).status, 304);
  EXPECT_EQ(get("/sw.js", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status, 200);
  EXPECT_EQ(get("/sw.js", {{"If-None-Match", "\"other\""}, {"If-Modified-Since", modified}}).status, 200)
      << "If-None-Match decides when both are sent";
  // The module's .wasm, and every other static file, too.
  const Answer wasm = get("/dist/edgecart.wasm");
  ASSERT_FALSE(header(wasm, "ETag").empty());
  EXPECT_EQ(get("/dist/edgecart.wasm", {{"If-None-Match", header(wasm, "ETag")}}).status, 304);
  EXPECT_EQ(get("/sw.js", {{"Range", "bytes=0-4"}}, &body).status, 206);
  EXPECT_EQ(body, "const");
  // A new build: the old tag no longer matches.
  write(pages_ + "/sw.js", "const BUILD = '2';");
  std::filesystem::last_write_time(pages_ + "/sw.js",
                                   std::filesystem::last_write_time(pages_ + "/sw.js") + std::chrono::seconds(2));
  const Answer updated = get("/sw.js", {{"If-None-Match", etag}, {"If-Modified-Since", modified}}, &body);
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(body, "const BUILD = '2';");
  EXPECT_NE(header(updated, "ETag"), etag);
}

TEST_F(HttpSite, DevCorsAllowsLocalhostOnlyOnPorts1To65535) {
  auto preflight = [&](const std::string& origin) {
    httplib::Client c("127.0.0.1", port_);
    const httplib::Result r = c.Options("/orders", {{"Origin", origin}, {"Access-Control-Request-Method", "POST"}});
    return r ? std::make_pair(r->status, r->get_header_value("Access-Control-Allow-Origin")) : std::make_pair(-1, std::string());
  };
  for (const std::string origin : {"http://localhost", "http://localhost:1", "http://localhost:5173",
                                   "http://127.0.0.1:8080", "http://127.0.0.1:65535"}) {
    EXPECT_EQ(preflight(origin), std::make_pair(204, origin)) << origin;
  }
  for (const std::string origin : {"http://localhost:0", "http://localhost:99999", "http://127.0.0.1:65536",
                                   "http://localhost:05173", "http://localhost:00", "http://localhost:",
                                   "http://localhost:+80", "http://localhost:80a", "http://localhost:5173.evil.example",
                                   "http://localhost.evil.example", "https://localhost:5173"}) {
    EXPECT_EQ(preflight(origin), std::make_pair(403, std::string())) << origin;
  }
}

}  // namespace
}  // namespace edgecart::testing
