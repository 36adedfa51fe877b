// Operating edgecart-server (docs/operations.md): GET /metrics on a port of its own, and
// `edgecart-server backup`, a consistent copy of a database a server is writing.

#include <atomic>
#include <thread>

#include "edgecart/api/shop.h"
#include "edgecart_server/http_server.h"
#include "edgecart_server/sqlite_store.h"
#include "http_fixture.h"

namespace edgecart::testing {
namespace {

TEST(Metrics, TheMetricsPortCountsRequestsByRouteAndStatusInThePrometheusFormat) {
  TempDir dir;
  std::ostringstream log;
  ServerOptions o;
  o.port = 0;
  o.metricsPort = 0;
  o.dbPath = dir.path() + "/edgecart.db";
  o.jwtSecret = kSecret;
  HttpServer server(o, log);
  const int port = server.bind();
  ASSERT_GT(server.metricsPort(), 0);
  ASSERT_NE(server.metricsPort(), port);
  std::thread serving([&] { server.run(); });
  httplib::Client api("127.0.0.1", port);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token("shop-a")}};
  ASSERT_EQ(api.Post("/products", auth, productRequest("PRD-001").dump(), "application/json")->status, 201);
  ASSERT_EQ(api.Patch("/inventory/PRD-001", auth, R"({"quantity":10})", "application/json")->status, 200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(api.Post("/orders", auth, seedOrderRequest().dump(), "application/json")->status, 201);
  ASSERT_EQ(api.Get("/orders/ORD-000009", auth)->status, 404);
  ASSERT_EQ(api.Get("/orders")->status, 401);
  EXPECT_EQ(api.Get("/metrics")->status, 404) << "not on the API's port";

  httplib::Client metrics("127.0.0.1", server.metricsPort());
  const httplib::Result r = metrics.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  const std::string& text = r->body;
  for (const char* expected : {
           "# TYPE edgecart_http_requests_total counter\n",
           "edgecart_http_requests_total{route=\"orders\",status=\"201\"} 3\n",
           "edgecart_http_requests_total{route=\"orders\",status=\"404\"} 1\n",
           "edgecart_http_requests_total{route=\"orders\",status=\"401\"} 1\n",
           "edgecart_http_requests_total{route=\"products\",status=\"201\"} 1\n",
           "edgecart_http_requests_total{route=\"inventory\",status=\"200\"} 1\n",
           "# TYPE edgecart_http_request_duration_seconds histogram\n",
           "edgecart_http_request_duration_seconds_bucket{route=\"orders\",le=\"+Inf\"} 5\n",
       }) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\nin:\n" << text;
  }
  EXPECT_NE(text.find("edgecart_http_request_duration_seconds_count{route=\"orders\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE edgecart_open_connections gauge\nedgecart_open_connections "), std::string::npos);
  EXPECT_NE(text.find("edgecart_commit_groups_total "), std::string::npos);
  EXPECT_NE(text.find("edgecart_conflict_retries_total 0\n"), std::string::npos);
  // No path becomes a label: an unknown one counts as "other".
  api.Get("/no/such/page/with/an/id/12345");
  EXPECT_EQ(metrics.Get("/metrics")->body.find("12345"), std::string::npos);
  server.stop();
  serving.join();
}

TEST(Backup, ACopyTakenWhileTheServerSellsIsOneConsistentState) {
  TempDir dir;
  const std::string db = dir.path() + "/edgecart.db";
  ServerProcess server(db, kSecret, dir.path() + "/access.log");
  httplib::Client c("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + token("shop-a")}};
  ASSERT_EQ(c.Post("/products", auth, productRequest("PRD-001").dump(), "application/json")->status, 201);
  ASSERT_EQ(c.Patch("/inventory/PRD-001", auth, R"({"quantity":1000000})", "application/json")->status, 200);
  std::atomic<bool> stop{false};
  std::atomic<int> sold{0};
  std::thread seller([&] {
    httplib::Client s("127.0.0.1", server.port());
    while (!stop) sold += s.Post("/orders", auth, seedOrderRequest().dump(), "application/json")->status == 201;
  });
  while (sold < 20) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const std::string copy = dir.path() + "/copy.db";
  const std::string command = std::string(EDGECART_SERVER) + " backup " + copy + " --db " + db + " 2>/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0);
  EXPECT_NE(std::system(command.c_str()), 0) << "never over an existing file";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  seller.join();
  // The copy is one state of the shop: every order in it has its units reserved, no more.
  Shop shop(SqliteStore::open(copy), RouterOptions{}, nullptr);
  const Context admin{"shop-a", "auditor", {"admin"}};
  size_t orders = 0;
  std::string cursor;
  for (;;) {
    const Response page = shop.handle(admin, "GET", "/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor), "");
    ASSERT_EQ(page.status, 200);
    orders += page.body["items"].size();
    if (!page.body.contains("lastSk")) break;
    cursor = page.body["lastSk"];
  }
  EXPECT_GE(orders, 20u);
  EXPECT_LE(orders, static_cast<size_t>(sold.load()));
  const Response inv = shop.handle(admin, "GET", "/inventory/PRD-001", "");
  EXPECT_EQ(inv.body["attributes"]["reservedQuantity"], 2 * orders);
}

}  // namespace
}  // namespace edgecart::testing
