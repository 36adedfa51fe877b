// Live updates (GET /sync/events, design §7): a device hears, within moments, that its feed
// moved, scoped as its pull is; a thousand listening devices cost sockets, not threads.

#include <poll.h>

#include <fstream>
#include <thread>

#include "edgecart_server/http_server.h"
#include "http_fixture.h"
#include "pg_util.h"
#include "raw_socket.h"

namespace edgecart::testing {
namespace {

using Clock = std::chrono::steady_clock;

int threadsOfThisProcess() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// A listening device on a raw socket: what arrived so far.
struct Listener {
  int fd = -1;
  std::string got;
  // Reads what is there within `ms`; true if `needle` has arrived.
  bool waitFor(const std::string& needle, int ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    while (got.find(needle) == std::string::npos) {
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (left <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return false;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
};

class Live : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.port = 0;
    o.dbPath = dir_.path() + "/edgecart.db";
    o.jwtSecret = kSecret;
    server_ = std::make_unique<HttpServer>(o, log_);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  Listener listen(const std::string& bearer) {
    Listener l;
    l.fd = connectTo(port_);
    const std::string request = "GET /sync/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + bearer + "\r\n\r\n";
    ::send(l.fd, request.data(), request.size(), MSG_NOSIGNAL);
    return l;
  }
  int call(const std::string& method, const std::string& path, const json& body, const std::string& bearer = token("shop-a")) {
    httplib::Client c("127.0.0.1", port_);
    const httplib::Headers h = {{"Authorization", "Bearer " + bearer}};
    const httplib::Result r = method == "PATCH" ? c.Patch(path.c_str(), h, body.dump(), "application/json")
                                                : c.Post(path.c_str(), h, body.dump(), "application/json");
    return r ? r->status : -1;
  }

  TempDir dir_;
  std::ostringstream log_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(Live, EachDeviceHearsOfWhatItsPullWouldBringAndNothingElse) {
  Listener till = listen(token("shop-a", "till"));
  Listener alice = listen(token("shop-a", "alice", kSecret, json::array()));
  Listener bob = listen(token("shop-a", "bob", kSecret, json::array()));
  Listener other = listen(token("shop-b", "till"));
  for (Listener* l : {&till, &alice, &bob, &other}) {
    ASSERT_TRUE(l->waitFor(": connected\n\n", 2000)) << l->got;
    EXPECT_EQ(l->got.rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_NE(l->got.find("Content-Type: text/event-stream"), std::string::npos);
  }
  ASSERT_EQ(call("POST", "/products", productRequest("PRD-001")), 201);  // the catalogue: every device of shop-a
  for (Listener* l : {&till, &alice, &bob}) EXPECT_TRUE(l->waitFor("event: changed\ndata: {\"cursor\":\"000000000001\"}", 1000)) << l->got;
  json mine = seedOrderRequest();
  mine.erase("customerId");
  ASSERT_EQ(call("POST", "/orders", mine, token("shop-a", "alice", kSecret, json::array())), 201);  // Alice's own order
  EXPECT_TRUE(alice.waitFor("\"cursor\":\"000000000003\"", 1000)) << alice.got;
  EXPECT_TRUE(till.waitFor("\"cursor\":\"000000000003\"", 1000)) << till.got;
  EXPECT_FALSE(bob.waitFor("\"cursor\":\"000000000003\"", 300)) << "Bob hears nothing of Alice's order";
  EXPECT_FALSE(other.waitFor("event: changed", 300)) << "another tenant hears nothing";
  for (Listener* l : {&till, &alice, &bob, &other}) ::close(l->fd);
  Listener anonymous;
  anonymous.fd = connectTo(port_);
  const std::string bare = "GET /sync/events HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(anonymous.fd, bare.data(), bare.size(), MSG_NOSIGNAL);
  EXPECT_TRUE(anonymous.waitFor("HTTP/1.1 401", 2000)) << anonymous.got;
  ::close(anonymous.fd);
}

TEST_F(Live, AThousandListeningDevicesCostNoThreadAndAllHearAChange) {
  raiseFileLimit();
  const int threadsBefore = threadsOfThisProcess();
  std::vector<Listener> devices;
  const std::string bearer = token("shop-a", "till");
  for (int i = 0; i < 1000; ++i) devices.push_back(listen(bearer));
  for (Listener& d : devices) ASSERT_TRUE(d.waitFor(": connected\n\n", 5000)) << d.got;
  EXPECT_EQ(server_->subscribers(), 1000u);
  EXPECT_LE(threadsOfThisProcess(), threadsBefore + 2) << "no thread per device";
  const auto changed = Clock::now();
  ASSERT_EQ(call("POST", "/products", productRequest("PRD-001")), 201);
  int heard = 0;
  for (Listener& d : devices) heard += d.waitFor("event: changed", 2000);
  EXPECT_EQ(heard, 1000);
  EXPECT_LT(Clock::now() - changed, std::chrono::seconds(2));
  for (Listener& d : devices) ::close(d.fd);
}


// Several processes on one PostgreSQL database: a change made through one is heard by the devices
// listening at another (NOTIFY / LISTEN), scoped the same way, and a process's own change once.
TEST(LivePg, AChangeMadeThroughAnotherProcessIsHeard) {
  if (!testPg()) GTEST_SKIP() << "no test cluster (run under ctest)";
  const std::string db = pgDatabase("live-across-processes");
  TempDir dir;
  ServerProcess a(dir.path() + "/a", kSecret, dir.path() + "/a.log", {"--pg", db});
  ServerProcess b(dir.path() + "/b", kSecret, dir.path() + "/b.log", {"--pg", db});
  auto listenAt = [](int port, const std::string& bearer) {
    Listener l;
    l.fd = connectTo(port);
    const std::string request = "GET /sync/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + bearer + "\r\n\r\n";
    ::send(l.fd, request.data(), request.size(), MSG_NOSIGNAL);
    return l;
  };
  const std::string tenant = "live-" + std::to_string(::getpid());
  Listener tillAtB = listenAt(b.port(), token(tenant, "till"));
  Listener aliceAtB = listenAt(b.port(), token(tenant, "alice", kSecret, json::array()));
  Listener bobAtB = listenAt(b.port(), token(tenant, "bob", kSecret, json::array()));
  for (Listener* l : {&tillAtB, &aliceAtB, &bobAtB}) ASSERT_TRUE(l->waitFor(": connected\n\n", 3000)) << l->got;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // B's LISTEN is in place
  httplib::Client viaA("127.0.0.1", a.port());
  const httplib::Headers admin = {{"Authorization", "Bearer " + token(tenant, "till")}};
  ASSERT_EQ(viaA.Post("/products", admin, productRequest("PRD-001").dump(), "application/json")->status, 201);
  for (Listener* l : {&tillAtB, &aliceAtB, &bobAtB}) EXPECT_TRUE(l->waitFor("event: changed", 2000)) << l->got;
  json mine = seedOrderRequest();
  mine.erase("customerId");
  const httplib::Headers alice = {{"Authorization", "Bearer " + token(tenant, "alice", kSecret, json::array())}};
  ASSERT_EQ(viaA.Post("/orders", alice, mine.dump(), "application/json")->status, 201);
  EXPECT_TRUE(aliceAtB.waitFor("\"cursor\":\"000000000003\"", 2000)) << aliceAtB.got;
  EXPECT_TRUE(tillAtB.waitFor("\"cursor\":\"000000000003\"", 2000)) << tillAtB.got;
  EXPECT_FALSE(bobAtB.waitFor("\"cursor\":\"000000000003\"", 300)) << "Bob hears nothing of Alice's order";
  // A change made through B itself is heard there once, not again from its own announcement.
  httplib::Client viaB("127.0.0.1", b.port());
  ASSERT_EQ(viaB.Patch("/inventory/PRD-001", admin, R"({"quantity":5})", "application/json")->status, 200);
  ASSERT_TRUE(tillAtB.waitFor("\"cursor\":\"000000000004\"", 2000)) << tillAtB.got;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  tillAtB.waitFor("never", 100);
  const std::string needle = "\"cursor\":\"000000000004\"";
  EXPECT_EQ(tillAtB.got.find(needle), tillAtB.got.rfind(needle)) << tillAtB.got;
  for (Listener* l : {&tillAtB, &aliceAtB, &bobAtB}) ::close(l->fd);
}

}  // namespace
}  // namespace edgecart::testing
