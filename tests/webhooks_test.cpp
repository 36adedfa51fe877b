// Webhooks (docs/webhooks.md) against real edgecart-server processes and real HTTP receivers:
// who may manage them, where they may point, a receiver that hangs, one that fails for good, and
// two processes on one PostgreSQL database sharing the deliveries. (The signatures are checked by
// a second implementation in web/test/webhooks.test.js.)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <sqlite3.h>

#include "edgecart_server/webhooks.h"
#include "http_fixture.h"
#include "pg_util.h"

namespace edgecart::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A receiver on 127.0.0.1: answers `status` (changeable) after `delayMs`, and keeps what came.
class Receiver {
 public:
  explicit Receiver(int status = 200, int delayMs = 0, int port = 0) : status_(status), delayMs_(delayMs) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      const std::string id = body.is_object() ? body.value("id", "") : "";
      {
        std::lock_guard<std::mutex> lock(mu_);
        const int now = ++underWay_[id];
        maxSameAtOnce_ = std::max(maxSameAtOnce_, now);
        maxAtOnce_ = std::max(maxAtOnce_, ++atOnce_);
      }
      if (delayMs_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delayMs_));
      {
        std::lock_guard<std::mutex> lock(mu_);
        --underWay_[id];
        --atOnce_;
        got_.push_back(body);
        at_.push_back(SteadyClock::now());
      }
      res.status = status_.load();
    });
    if (port) {
      server_.set_address_family(AF_INET);
      port_ = server_.bind_to_port("127.0.0.1", port) ? port : 0;
    } else {
      port_ = server_.bind_to_any_port("127.0.0.1");
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void answer(int status) { status_ = status; }
  std::vector<json> got() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }
  std::vector<SteadyClock::time_point> at() {
    std::lock_guard<std::mutex> lock(mu_);
    return at_;
  }
  int maxSameAtOnce() {
    std::lock_guard<std::mutex> lock(mu_);
    return maxSameAtOnce_;
  }
  bool waitFor(size_t n, int ms) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(ms);
    while (got().size() < n) {
      if (SteadyClock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

 private:
  httplib::Server server_;
  std::atomic<int> status_;
  int delayMs_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> got_;
  std::vector<SteadyClock::time_point> at_;
  std::map<std::string, int> underWay_;
  int maxSameAtOnce_ = 0, atOnce_ = 0, maxAtOnce_ = 0;
};

// A receiver that takes the connection and the request and never answers.
class Hanging {
 public:
  Hanging() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 64);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Hanging() { close(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int port() const { return port_; }
  // True once an attempt has connected (the connection waits, accepted, never answered).
  bool connected(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    accepted_ = ::accept(fd_, nullptr, nullptr);
    return accepted_ >= 0;
  }
  void close() {
    if (accepted_ >= 0) ::close(accepted_);
    if (fd_ >= 0) ::close(fd_);
    accepted_ = fd_ = -1;
  }

 private:
  int accepted_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

class Webhooks : public Http {
 protected:
  void SetUp() override {}
  void start(std::vector<std::string> args) {
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/edgecart.db", kSecret, dir_.path() + "/access.log", args);
  }
  std::string subscribe(const std::string& url, const json& events = json::array({"*"})) {
    const Answer a = call("POST", "/webhooks", json{{"url", url}, {"events", events}}.dump());
    EXPECT_EQ(a.status, 201) << a.body.dump();
    return a.status == 201 ? a.body["id"].get<std::string>() : "";
  }
  std::string order() {
    const Answer a = call("POST", "/orders", seedOrderRequest().dump());
    EXPECT_EQ(a.status, 201) << a.body.dump();
    return a.status == 201 ? a.body["code"].get<std::string>() : "";
  }
  json deliveries(const std::string& id) { return call("GET", "/webhooks/" + id + "/deliveries").body["items"]; }
};

TEST(WebhookAddresses, OnlyPublicAddressesArePublic) {
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
                         "2002:808:808::1"}) {
    EXPECT_TRUE(isPublicAddress(ip)) << ip;
  }
  for (const char* ip : {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                         "100.64.0.1", "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1", "::1", "::",
                         "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fd00::1", "fc00::1", "fe80::1", "ff02::1", "2001:db8::1",
                         "64:ff9b::a00:1", "::127.0.0.1", "2002:7f00:1::1", "2002:a00:1::", "2001:0:4136:e378::1", "64:ff9b:1::1",
                         "100::1", "3fff::1", "192.88.99.1", "::ffff:0:7f00:1", "not an address"}) {
    EXPECT_FALSE(isPublicAddress(ip)) << ip;
  }
}

TEST(WebhookSignature, IsTheHmacOfTheTimeAndTheBody) {
  // Worked with `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`.
  EXPECT_EQ(webhookSignature("whsec_test", 1700000000, "{\"a\":1}"),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
  EXPECT_NE(webhookSignature("whsec_test", 1700000001, "{\"a\":1}"), webhookSignature("whsec_test", 1700000000, "{\"a\":1}"));
}

TEST_F(Webhooks, OnlyAnAdminManagesThemAndEachFieldIsChecked) {
  start({});
  const std::string body = json{{"url", "https://hooks.example.com/edgecart"}, {"events", {"order_shipped"}}}.dump();
  for (const char* role : {"customer", "cashier", "manager"}) {
    const Answer a = call("POST", "/webhooks", body, token("shop-a", "u1", kSecret, json::array({role})));
    EXPECT_EQ(a.status, 403) << role;
    EXPECT_EQ(call("GET", "/webhooks", "", token("shop-a", "u1", kSecret, json::array({role}))).status, 403) << role;
  }
  EXPECT_EQ(call("POST", "/webhooks", body, "").status, 401);
  auto refused = [&](const json& b, const std::string& says) {
    const Answer a = call("POST", "/webhooks", b.dump());
    EXPECT_EQ(a.status, 400) << b.dump();
    EXPECT_NE(a.body.value("message", "").find(says), std::string::npos) << a.body.dump();
  };
  refused({{"events", {"order_shipped"}}}, "url is required");
  refused({{"url", "https://hooks.example.com/"}}, "events is required");
  refused({{"url", "https://hooks.example.com/"}, {"events", json::array()}}, "1-16 event types");
  refused({{"url", "https://hooks.example.com/"}, {"events", {"order_teleported"}}}, "Unknown event type");
  refused({{"url", "https://hooks.example.com/"}, {"events", {"order_shipped", "order_shipped"}}}, "twice");
  refused({{"url", "https://hooks.example.com/"}, {"events", {"*"}}, {"secret", "mine"}}, "Unknown field");
  refused({{"url", "ftp://hooks.example.com/"}, {"events", {"*"}}}, "https:// or http://");
  refused({{"url", "https://user:pw@hooks.example.com/"}, {"events", {"*"}}}, "user or password");
  refused({{"url", "https://hooks.example.com/#x"}, {"events", {"*"}}}, "fragment");
  refused({{"url", "https://hooks.example.com:99999/"}, {"events", {"*"}}}, "port");
  refused({{"url", "https://hooks.example.com/" + std::string(2100, 'a')}, {"events", {"*"}}}, "2,048");
  // Where a webhook must not point: this host, its network, the cloud's metadata service.
  for (const char* url : {"http://127.0.0.1:9/", "http://localhost/", "http://localhost./", "http://api.localhost/", "http://[::1]/",
                          "http://127.1/", "http://2130706433/", "http://0x7f.1/", "http://10.0.0.1/",
                          "http://192.168.1.20/", "http://169.254.169.254/latest/meta-data", "http://[fd00::1]/", "http://0.0.0.0/"}) {
    refused({{"url", url}, {"events", {"*"}}}, "loopback or private");
  }
  EXPECT_EQ(call("GET", "/webhooks").body["items"].size(), 0u) << "nothing refused was written";

  const Answer made = call("POST", "/webhooks", body);
  ASSERT_EQ(made.status, 201) << made.body.dump();
  const std::string id = made.body["id"];
  EXPECT_EQ(made.body["enabled"], true);
  EXPECT_EQ(made.body["url"], "https://hooks.example.com/edgecart");
  EXPECT_EQ(call("GET", "/webhooks/" + id).body.count("secret"), 0u);
  EXPECT_EQ(call("GET", "/webhooks", "", token("shop-b")).body["items"].size(), 0u) << "another tenant sees none";
  EXPECT_EQ(call("GET", "/webhooks/" + id, "", token("shop-b")).status, 404);
  const Answer changed = call("PATCH", "/webhooks/" + id, json{{"enabled", false}, {"description", "ERP"}}.dump());
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body["enabled"], false);
  EXPECT_EQ(call("GET", "/webhooks/" + id + "/deliveries?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/webhooks/" + id + "/deliveries?page=2").status, 400);
  EXPECT_EQ(call("POST", "/webhooks/" + id + "/deliveries/7/redeliver").status, 404);
  EXPECT_EQ(call("DELETE", "/webhooks/" + id).status, 200);
  EXPECT_EQ(call("GET", "/webhooks/" + id).status, 404);
  EXPECT_EQ(call("DELETE", "/webhooks/" + id).status, 404);
  for (int i = 0; i < 16; ++i) ASSERT_EQ(call("POST", "/webhooks", body).status, 201);
  EXPECT_EQ(call("POST", "/webhooks", body).status, 409) << "at most 16 per shop";
}

TEST_F(Webhooks, AnAddressThatTurnsPrivateAfterRegistrationIsRefusedAtDelivery) {
  // A name public when it was registered can resolve to a private address later (DNS rebinding).
  // Here the stored URL is changed under the server to name this host, as such a name would.
  start({"--webhook-retry", "0.1"});
  Receiver receiver;
  stock();
  const std::string id = subscribe("https://hooks.example.com/edgecart");
  const std::string url = receiver.url();
  const std::string ip = "127.0.0.1";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/edgecart.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  const std::string sql = "UPDATE sequence SET value = json_set(value, '$.url', '" + url + "') WHERE pk = 'WEBHOOK#shop-a' AND sk = '" + id + "'";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  order();
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  json attempts;
  while (SteadyClock::now() < deadline) {
    const json d = deliveries(id);
    if (!d.empty() && !d[0]["attempts"].empty()) {
      attempts = d[0]["attempts"];
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(attempts.empty());
  EXPECT_NE(attempts[0].value("error", "").find(std::string("resolves to ") + ip + ", a loopback or private address"), std::string::npos)
      << attempts.dump();
  EXPECT_EQ(attempts[0].count("status"), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(receiver.got().empty()) << "nothing reached the private address";
}

TEST_F(Webhooks, AReceiverThatHangsStallsOnlyItself) {
  start({"--webhook-allow-private", "--webhook-timeout", "30"});
  Hanging hanging;
  Receiver receiver;
  stock();
  subscribe(hanging.url());
  order();
  ASSERT_TRUE(hanging.connected(5000)) << "its attempt is under way, and will hang for 30 s";
  subscribe(receiver.url());
  const auto made = SteadyClock::now();
  order();
  ASSERT_TRUE(receiver.waitFor(1, 2000)) << "the second receiver waited for the first";
  EXPECT_LT(receiver.at()[0] - made, std::chrono::seconds(1));
  // And the API is not held either.
  const auto before = SteadyClock::now();
  EXPECT_EQ(call("GET", "/webhooks").status, 200);
  EXPECT_LT(SteadyClock::now() - before, std::chrono::seconds(1));
}

TEST_F(Webhooks, ADeliveryFailingPastTheGiveUpIsFailedItsSubscriptionDisabledAndEnabledAgainResumes) {
  // An attempt that a loaded machine leaves hanging fails after 2 s (not the default 10) and is
  // retried like a 500: this test waits for failures, not for one attempt's deadline.
  start({"--webhook-allow-private", "--webhook-retry", "0.1", "--webhook-give-up", "1", "--webhook-timeout", "2"});
  Receiver receiver(500);
  stock();
  const std::string id = subscribe(receiver.url(), {"order_confirmation"});
  const std::string first = order();
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  json sub;
  while (SteadyClock::now() < deadline) {
    sub = call("GET", "/webhooks/" + id).body;
    if (sub["enabled"] == false) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(sub["enabled"], false) << sub.dump();
  EXPECT_NE(sub.value("disabledReason", "").find("failed for 1 s"), std::string::npos);
  json d = deliveries(id);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["state"], "failed");
  EXPECT_GE(d[0]["attempts"].size(), 2u) << "retried before giving up";
  for (const json& a : d[0]["attempts"]) EXPECT_TRUE(a["status"] == 500 || a.contains("error")) << a.dump();
  // Disabled: a new event is not queued for it.
  const size_t tried = receiver.got().size();
  order();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(deliveries(id).size(), 1u);
  EXPECT_EQ(receiver.got().size(), tried);
  // Enabled again, the receiver well: the failed one is redelivered on request, new events flow.
  receiver.answer(200);
  ASSERT_EQ(call("PATCH", "/webhooks/" + id, json{{"enabled", true}}.dump()).status, 200);
  ASSERT_EQ(call("POST", "/webhooks/" + id + "/deliveries/1/redeliver").status, 202);
  const std::string third = order();
  ASSERT_TRUE(receiver.waitFor(tried + 2, 5000));
  const std::vector<json> got = receiver.got();
  EXPECT_EQ(got[tried]["data"]["orderId"], first);
  EXPECT_EQ(got[tried + 1]["data"]["orderId"], third);
  d = deliveries(id);  // newest first
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0]["state"], "delivered");
  EXPECT_EQ(d[1]["state"], "delivered");
  EXPECT_EQ(d[1]["redeliveryOf"], "1");
  EXPECT_EQ(d[1]["eventId"], d[2]["eventId"]) << "the same event";
  EXPECT_EQ(d[2]["state"], "failed");
}

// A delivery is retried for the give-up from its first failed attempt, not from its event: one
// whose first attempt ends past the give-up (here it hangs for its 1 s timeout) is tried again,
// and when it is failed its subscription, failing just as long, is disabled with it. (Counted from
// the event, it was failed after one attempt while its subscription stayed enabled and failing.)
TEST_F(Webhooks, ADeliveryIsRetriedForTheGiveUpFromItsFirstFailureThenFailedWithItsSubscription) {
  start({"--webhook-allow-private", "--webhook-retry", "0.1", "--webhook-give-up", "1", "--webhook-timeout", "1"});
  Hanging hanging;
  stock();
  const std::string id = subscribe(hanging.url(), {"order_confirmation"});
  order();
  ASSERT_TRUE(hanging.connected(5000));
  const auto deadline = SteadyClock::now() + std::chrono::seconds(15);
  json d;
  while (SteadyClock::now() < deadline) {
    d = deliveries(id);
    if (d.size() == 1 && d[0]["state"] != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["state"], "failed") << d.dump();
  EXPECT_GE(d[0]["attempts"].size(), 2u) << "retried after its first failure: " << d.dump();
  const json sub = call("GET", "/webhooks/" + id).body;
  EXPECT_EQ(sub["enabled"], false) << sub.dump();
}

TEST_F(Webhooks, ChangingAnEnabledSubscriptionKeepsItsRetryWaitAndAnyClaim) {
  start({"--webhook-allow-private", "--webhook-retry", "60"});
  Receiver receiver(500);
  stock();
  const std::string id = subscribe(receiver.url());
  order();
  ASSERT_TRUE(receiver.waitFor(1, 5000));
  // Already enabled: "enabled": true changes nothing of the queue (the retry is a minute away).
  ASSERT_EQ(call("PATCH", "/webhooks/" + id, json{{"enabled", true}, {"description", "ERP"}}.dump()).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(receiver.got().size(), 1u) << "retried before its time";
  const json d = deliveries(id);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["state"], "pending");
  EXPECT_EQ(d[0]["attempts"].size(), 1u);
}

TEST_F(Webhooks, AServerStoppedMidAttemptGivesItsClaimBackSoTheNextSendsAtOnce) {
  start({"--webhook-allow-private", "--webhook-timeout", "60"});
  Hanging hanging;
  stock();
  subscribe(hanging.url());
  const std::string code = order();
  ASSERT_TRUE(hanging.connected(5000)) << "the attempt is under way";
  const auto stopping = SteadyClock::now();
  EXPECT_EQ(server_->stop(), 0) << "its stderr:\n" << server_->stderrAfterStart();
  EXPECT_LT(SteadyClock::now() - stopping, std::chrono::seconds(5)) << "stopping waits for no receiver";
  // The receiver comes back, well, at the same address; so does the server.
  const int port = hanging.port();
  hanging.close();
  Receiver receiver(200, 0, port);
  ASSERT_NE(receiver.url().find(std::to_string(port)), std::string::npos);
  start({"--webhook-allow-private", "--webhook-timeout", "60"});
  ASSERT_TRUE(receiver.waitFor(1, 5000)) << "the claim of the stopped server still held it (a 2-minute wait)";
  EXPECT_EQ(receiver.got()[0]["data"]["orderId"], code);
}

TEST_F(Webhooks, TwoProcessesOnOnePostgresNeverSendADeliveryTwiceAtOnceAndKeepTheOrder) {
  if (!testPg()) GTEST_SKIP() << "no test cluster (run under ctest)";
  const std::string db = pgDatabase("webhooks-two-processes-" + dir_.path());
  Receiver receiver(200, 60);  // slow enough that both processes would be sending at once
  const std::vector<std::string> args = {"--pg", db, "--webhook-allow-private"};
  ServerProcess a(dir_.path() + "/a", kSecret, dir_.path() + "/a.log", args);
  ServerProcess b(dir_.path() + "/b", kSecret, dir_.path() + "/b.log", args);
  auto callOn = [&](ServerProcess& s, const std::string& method, const std::string& path, const json& body) {
    httplib::Client c("127.0.0.1", s.port());
    const httplib::Headers h = {{"Authorization", "Bearer " + token("shop-a")}};
    const httplib::Result r = method == "PATCH" ? c.Patch(path.c_str(), h, body.dump(), "application/json")
                                                : c.Post(path.c_str(), h, body.dump(), "application/json");
    return r ? std::make_pair(r->status, json::parse(r->body, nullptr, false)) : std::make_pair(-1, json());
  };
  ASSERT_EQ(callOn(a, "POST", "/products", productRequest("PRD-001")).first, 201);
  ASSERT_EQ(callOn(a, "PATCH", "/inventory/PRD-001", json{{"quantity", 1000}}).first, 200);
  ASSERT_EQ(callOn(b, "POST", "/webhooks", json{{"url", receiver.url()}, {"events", {"order_confirmation"}}}).first, 201);
  std::vector<std::string> codes;
  for (int i = 0; i < 30; ++i) {
    const auto made = callOn(i % 2 ? a : b, "POST", "/orders", seedOrderRequest());
    ASSERT_EQ(made.first, 201);
    codes.push_back(made.second["code"]);
  }
  ASSERT_TRUE(receiver.waitFor(30, 20000)) << receiver.got().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::vector<json> got = receiver.got();
  EXPECT_EQ(got.size(), 30u) << "each once: a delivery claimed by one process is not sent by the other";
  EXPECT_EQ(receiver.maxSameAtOnce(), 1);
  std::vector<std::string> order;
  for (const json& e : got) order.push_back(e["data"]["orderId"]);
  EXPECT_EQ(order, codes) << "in the order the events were made";
}

}  // namespace
}  // namespace edgecart::testing
