// Expiry of pending orders in edgecart-server (docs/money.md): the sweep races cashiers'
// confirmations on SQLite and PostgreSQL, and two processes sweep one database.

#include <atomic>
#include <thread>

#include "edgecart_server/http_server.h"
#include "http_fixture.h"
#include "pg_util.h"

namespace edgecart::testing {
namespace {

// The system's time plus an offset the test moves (the server's shops all read it).
struct MovedClock : Clock {
  std::atomic<int64_t> offsetMs{0};
  int64_t nowMs() const override { return SystemClock().nowMs() + offsetMs.load(); }
};

struct Server {
  Server(ServerOptions o) : server(std::move(o), log), port(server.bind()), serving([this] { server.run(); }) {}
  ~Server() {
    server.stop();
    serving.join();
  }
  std::pair<int, json> call(const std::string& method, const std::string& path, const json& body = nullptr) const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    const httplib::Headers h = {{"Authorization", "Bearer " + token("shop-a")}};
    const httplib::Result r = method == "GET" ? c.Get(path.c_str(), h)
        : method == "PATCH" ? c.Patch(path.c_str(), h, body.dump(), "application/json")
                            : c.Post(path.c_str(), h, body.dump(), "application/json");
    return {r ? r->status : -1, r ? json::parse(r->body, nullptr, false) : json()};
  }
  std::ostringstream log;
  HttpServer server;
  int port;
  std::thread serving;
};

ServerOptions options(const std::shared_ptr<MovedClock>& clock) {
  ServerOptions o;
  o.port = 0;
  o.jwtSecret = kSecret;
  o.expirySweepMs = 20;
  o.clock = clock;
  return o;
}

// 60 pending orders; a cashier confirms them one by one (each with the version it read) while,
// after the first 20, the clock passes the shop's 30 minutes. Every order ends either confirmed
// (its confirmation answered 200, never cancelled) or expired (cancelled once, its stock
// released, one order_expired notification), never both; the stock held is the confirmed ones'.
void raceConfirmationsWithTheSweep(const std::vector<const Server*>& servers, const std::shared_ptr<MovedClock>& clock) {
  const Server& s = *servers[0];
  ASSERT_EQ(s.call("POST", "/products", productRequest("PRD-001")).first, 201);
  ASSERT_EQ(s.call("PATCH", "/inventory/PRD-001", {{"quantity", 1000}}).first, 200);
  ASSERT_EQ(s.call("PATCH", "/settings", {{"pendingOrderExpiryMinutes", 30}}).first, 200);
  std::vector<std::string> codes;
  for (int i = 0; i < 60; ++i) {
    const auto [status, body] = s.call("POST", "/orders", seedOrderRequest());
    ASSERT_EQ(status, 201);
    codes.push_back(body["code"]);
  }
  std::vector<int> answers(codes.size());
  std::thread cashier([&] {
    for (size_t i = 0; i < codes.size(); ++i) {
      if (i == 20) clock->offsetMs += 31 * 60'000;
      answers[i] = servers[i % servers.size()]->call("PATCH", "/orders/" + codes[i] + "/status",
                                                     {{"status", "confirmed"}, {"version", 1}}).first;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });
  cashier.join();
  // The sweep cancels what is still pending within a few of its rounds.
  for (int wait = 0; wait < 200 && !s.call("GET", "/orders?status=pending").second["items"].empty(); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  int confirmed = 0, expired = 0;
  for (size_t i = 0; i < codes.size(); ++i) {
    const json o = s.call("GET", "/orders/" + codes[i]).second;
    const json& a = o["attributes"];
    if (a["status"] == "confirmed") {
      ++confirmed;
      EXPECT_EQ(answers[i], 200) << codes[i];
      EXPECT_EQ(o["version"], 2) << codes[i];
      EXPECT_EQ(o["reservation"]["state"], "held") << codes[i];
    } else {
      ++expired;
      EXPECT_EQ(a["status"], "cancelled") << codes[i];
      EXPECT_EQ(a["cancelReason"], "expired") << codes[i];
      EXPECT_EQ(o["version"], 2) << codes[i] << ": cancelled once";
      EXPECT_EQ(o["reservation"]["state"], "released") << codes[i];
      EXPECT_NE(answers[i], 200) << codes[i] << ": a confirmation of an expired order";
    }
  }
  EXPECT_GE(confirmed, 20);
  EXPECT_GT(expired, 0);
  EXPECT_EQ(confirmed + expired, 60);
  EXPECT_EQ(s.call("GET", "/inventory/PRD-001").second["attributes"]["reservedQuantity"], 2 * confirmed);
  uint64_t swept = 0;
  for (const Server* server : servers) swept += server->server.expiredOrders();
  EXPECT_EQ(swept, static_cast<uint64_t>(expired)) << "each expired order was cancelled by one process once";
}

TEST(ExpirySqlite, TheSweepRacingConfirmationsCancelsOnlyWhatStayedPending) {
  TempDir dir;
  auto clock = std::make_shared<MovedClock>();
  ServerOptions o = options(clock);
  o.dbPath = dir.path() + "/edgecart.db";
  Server s(o);
  raceConfirmationsWithTheSweep({&s}, clock);
}

TEST(ExpiryPg, TwoProcessesSweepingOneDatabaseCancelEachExpiredOrderOnce) {
  if (!testPg()) GTEST_SKIP() << "no test cluster (run under ctest)";
  TempDir dir;
  auto clock = std::make_shared<MovedClock>();
  ServerOptions o = options(clock);
  o.pgUrl = pgDatabase("expiry-" + dir.path());
  Server a(o), b(o);
  raceConfirmationsWithTheSweep({&a, &b}, clock);
}

}  // namespace
}  // namespace edgecart::testing
