// The HTTP layer under the shapes of attack and load an operator meets (http_transport.h): slow,
// idle and oversized clients all at once never delay a new client past a second nor grow the
// process past 100 MiB; many clients at once are all answered; keep-alive, pipelining, the
// connection cap and SIGTERM behave; the Idempotency-Key is taken exactly as sent.

#include <atomic>
#include <fstream>
#include <thread>

#include "edgecart_server/http_server.h"
#include "http_fixture.h"
#include "pg_util.h"
#include "raw_socket.h"

namespace edgecart::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Sends `bytes` unless an answer arrives first (a client that reads while it sends): true when
// all was sent, and the answer so far in *answer.
bool sendWatching(int fd, const std::string& bytes, std::string* answer) {
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) answer->append(buf, static_cast<size_t>(n));
  if (!answer->empty()) return false;
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t sent = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    at += static_cast<size_t>(sent);
  }
  return true;
}

// The process's peak resident memory, MiB (VmHWM).
double peakMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

class HttpLimits : public Http {
 protected:
  // A new client's request: how long its answer took, and its status.
  std::pair<int, double> timedGet(const std::string& path) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(5, 0);
    const auto started = Clock::now();
    const httplib::Result r = c.Get(path.c_str(), {{"Authorization", "Bearer " + token("shop-a")}});
    return {r ? r->status : -1, std::chrono::duration<double>(Clock::now() - started).count()};
  }
};

TEST_F(HttpLimits, SlowIdleAndOversizedClientsAllAtOnceNeitherDelayANewClientNorGrowTheServer) {
  raiseFileLimit();
  stock(token("shop-a"), 10);
  std::atomic<bool> done{false};
  std::vector<std::thread> attackers;
  // 100 slowloris connections: a request line, then one byte a second.
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) {
    const int fd = connectTo(server_->port());
    ASSERT_GE(fd, 0);
    sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-");
    slow.push_back(fd);
  }
  attackers.emplace_back([&] {
    while (!done) {
      for (int fd : slow) sendAll(fd, "a");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
  // A 256 MiB chunked body without a token, and one with a token (refused once it passes 2 MiB).
  std::atomic<int> chunkedAnswers{0};
  for (const bool withToken : {false, true}) {
    attackers.emplace_back([&, withToken] {
      const int fd = connectTo(server_->port());
      std::string head = "POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n";
      if (withToken) head += "Authorization: Bearer " + token("shop-a") + "\r\n";
      sendAll(fd, head + "\r\n");
      const std::string chunk = "10000\r\n" + std::string(1 << 16, ' ') + "\r\n";  // 64 KiB a chunk
      std::string answer;
      for (int i = 0; i < 4096 && !done && sendWatching(fd, chunk, &answer); ++i) {
      }
      answer += readAll(fd, 2);
      if (answer.rfind(withToken ? "HTTP/1.1 413" : "HTTP/1.1 401", 0) == 0) ++chunkedAnswers;
      ::close(fd);
    });
  }
  // Three million headers.
  std::atomic<int> headerAnswers{0};
  attackers.emplace_back([&] {
    const int fd = connectTo(server_->port());
    sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const std::string block = [] {
      std::string b;
      for (int i = 0; i < 10000; ++i) b += "X-A: b\r\n";
      return b;
    }();
    std::string answer;
    for (int i = 0; i < 300 && !done && sendWatching(fd, block, &answer); ++i) {
    }
    answer += readAll(fd, 2);
    if (answer.rfind("HTTP/1.1 431", 0) == 0) ++headerAnswers;
    ::close(fd);
  });
  // 10,000 idle connections.
  std::vector<int> idle;
  for (int i = 0; i < 10000; ++i) {
    const int fd = connectTo(server_->port());
    if (fd < 0) break;
    idle.push_back(fd);
  }
  EXPECT_EQ(idle.size(), 10000u);
  // All of that under way: a new client is answered within a second.
  const auto [status, seconds] = timedGet("/inventory/PRD-001");
  EXPECT_EQ(status, 200);
  EXPECT_LT(seconds, 1.0);
  const auto [again, secondsAgain] = timedGet("/products?limit=5");
  EXPECT_EQ(again, 200);
  EXPECT_LT(secondsAgain, 1.0);
  done = true;
  for (std::thread& t : attackers) t.join();
  EXPECT_EQ(chunkedAnswers, 2) << "401 before the body, 413 once past 2 MiB";
  EXPECT_EQ(headerAnswers, 1) << "431 past 16 KiB of headers";
  [[maybe_unused]] const double peak = peakMiB(server_->pid());
#ifndef __SANITIZE_ADDRESS__  // AddressSanitizer's redzones and quarantine are not the server's memory
  EXPECT_LT(peak, 100.0);
#endif
  for (int fd : slow) ::close(fd);
  for (int fd : idle) ::close(fd);
  EXPECT_EQ(call("GET", "/orders").body["items"].size(), 0u) << "nothing of it was written";
}

TEST_F(HttpLimits, FortyClientsAtOnceAreAllAnswered) {
  stock(token("shop-a"), 10);
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 40; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        httplib::Client client("127.0.0.1", server_->port());  // a new connection each time
        client.set_read_timeout(10, 0);
        const httplib::Result r = client.Get("/inventory/PRD-001", {{"Authorization", "Bearer " + token("shop-a")}});
        (r && r->status == 200 ? ok : failed)++;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok, 400);
  EXPECT_EQ(failed, 0);
}

TEST_F(HttpLimits, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  const int fd = connectTo(server_->port());
  ASSERT_GE(fd, 0);
  sendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answers = readAll(fd);
  ::close(fd);
  const size_t first = answers.find("HTTP/1.1 200"), second = answers.find("HTTP/1.1 404"),
               third = answers.find("HTTP/1.1 200", first + 1);
  ASSERT_NE(first, std::string::npos) << answers;
  ASSERT_NE(second, std::string::npos) << answers;
  ASSERT_NE(third, std::string::npos) << answers;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

// A HEAD is answered without a body whichever part answers it (the API's router, the token
// check, the pages): a body would be read as the start of the next answer on the connection.
TEST_F(HttpLimits, HeadAnswersCarryNoBodyWhicheverPartAnswersThem) {
  const int fd = connectTo(server_->port());
  ASSERT_GE(fd, 0);
  sendAll(fd, "HEAD /products HTTP/1.1\r\nHost: x\r\n\r\n"                      // refused before the core: 401
              "HEAD /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token("shop-a") + "\r\n\r\n"  // the router
              "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answers = readAll(fd);
  ::close(fd);
  std::vector<std::string> statuses;
  for (size_t at = answers.find("HTTP/1.1 "); at != std::string::npos; at = answers.find("HTTP/1.1 ", at + 1)) {
    statuses.push_back(answers.substr(at + 9, 3));
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"401", "404", "200", "200"})) << answers;
  EXPECT_EQ(answers.find('{'), answers.rfind("{\"status\":\"ok\"}")) << "no body but the GET's: " << answers;
}

TEST_F(HttpLimits, AnIdleConnectionIsClosedAndAHalfSentRequestTimesOut) {
  const int idle = connectTo(server_->port());
  const int half = connectTo(server_->port());
  sendAll(half, "POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token("shop-a") +
                    "\r\nContent-Length: 400\r\n\r\n{");
  const auto started = Clock::now();
  EXPECT_EQ(readAll(idle, 20), "") << "closed without a word";
  const double idleSeconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_GE(idleSeconds, 4.0);
  EXPECT_LT(idleSeconds, 8.0);
  const std::string answer = readAll(half, 20);
  EXPECT_EQ(answer, "") << "dropped, 10 s after its first byte";
  EXPECT_GE(std::chrono::duration<double>(Clock::now() - started).count(), 9.0);
  ::close(idle);
  ::close(half);
}

TEST(HttpCap, ConnectionsPastTheCapAreRefusedWith503AndTheOthersServed) {
  TempDir dir;
  ServerProcess server(dir.path() + "/db", kSecret, dir.path() + "/log", {"--max-connections", "5"});
  std::vector<int> held;
  for (int i = 0; i < 5; ++i) held.push_back(connectTo(server.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int extra = connectTo(server.port());
  sendAll(extra, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string refused = readAll(extra);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Too many connections"), std::string::npos);
  ::close(extra);
  sendAll(held[0], "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(readAll(held[0]).rfind("HTTP/1.1 200", 0), 0u) << "a connection within the cap is served";
  for (int fd : held) ::close(fd);
}

TEST(HttpStop, SigtermFinishesTheRequestInFlightTakesNothingNewAndExitsZero) {
  TempDir dir;
  ServerProcess server(dir.path() + "/db", kSecret, dir.path() + "/log");
  const std::string body = productRequest("PRD-001").dump();
  const int fd = connectTo(server.port());
  sendAll(fd, "POST /products HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token("shop-a") +
                  "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                  body.substr(0, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int idle = connectTo(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread stopper([&] { EXPECT_EQ(server.stop(SIGTERM), 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(connectTo(server.port()), 0) << "no new connection once stopping";
  sendAll(fd, body.substr(10));
  const std::string answer = readAll(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_EQ(readAll(idle), "") << "an idle connection is closed";
  stopper.join();
  ::close(fd);
  ::close(idle);
}

TEST_F(HttpLimits, TheIdempotencyKeyIsTakenExactlyAsSent) {
  stock(token("shop-a"), 100);
  auto post = [&](const std::string& keyLine) {
    const int fd = connectTo(server_->port());
    const std::string body = seedOrderRequest().dump();
    sendAll(fd, "POST /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " + token("shop-a") +
                    "\r\n" + keyLine + "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body);
    const std::string answer = readAll(fd);
    ::close(fd);
    return answer;
  };
  EXPECT_EQ(post("Idempotency-Key:\r\n").rfind("HTTP/1.1 400", 0), 0u) << "empty is not 'no key'";
  EXPECT_EQ(post("Idempotency-Key: a\r\nIdempotency-Key: b\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(call("GET", "/orders").body["items"].size(), 0u);
  const std::string encoded = post("Idempotency-Key: k-%41\r\n");
  EXPECT_EQ(encoded.rfind("HTTP/1.1 201", 0), 0u) << encoded;
  const std::string plain = post("Idempotency-Key: k-A\r\n");
  EXPECT_EQ(plain.rfind("HTTP/1.1 201", 0), 0u) << plain;
  EXPECT_EQ(plain.find("Idempotent-Replayed"), std::string::npos) << "k-A is not k-%41";
  EXPECT_EQ(post("Idempotency-Key: sp%20ace\r\n").rfind("HTTP/1.1 201", 0), 0u) << "a key with '%' is a key";
  EXPECT_NE(post("Idempotency-Key: k-%41\r\n").find("Idempotent-Replayed: true"), std::string::npos);
  EXPECT_EQ(call("GET", "/orders").body["items"].size(), 3u);
}


// Group commit (design §8): requests that reach the core together share one SQLite transaction,
// each its own savepoint. Under load with refusals mixed in, every 201 is kept, every refusal
// wrote nothing, and requests did share commits.
TEST(HttpGroupCommit, EachRequestOfAGroupStandsOrFallsAlone) {
  TempDir dir;
  std::ostringstream log;
  ServerOptions o;
  o.port = 0;
  o.dbPath = dir.path() + "/edgecart.db";
  o.jwtSecret = kSecret;
  HttpServer server(o, log);
  const int port = server.bind();
  std::thread serving([&] { server.run(); });
  auto call = [&](const std::string& method, const std::string& path, const std::string& body) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    const httplib::Headers h = {{"Authorization", "Bearer " + token("shop-a")}};
    const httplib::Result r = method == "GET" ? c.Get(path.c_str(), h) : method == "PATCH"
        ? c.Patch(path.c_str(), h, body, "application/json") : c.Post(path.c_str(), h, body, "application/json");
    return std::make_pair(r ? r->status : -1, r ? json::parse(r->body, nullptr, false) : json());
  };
  ASSERT_EQ(call("POST", "/products", productRequest("PRD-001").dump()).first, 201);
  ASSERT_EQ(call("PATCH", "/inventory/PRD-001", R"({"quantity":100000})").first, 200);
  ASSERT_EQ(call("POST", "/products", productRequest("EMPTY").dump()).first, 201);
  json none = seedOrderRequest();
  none["items"][0]["productCode"] = "EMPTY";
  std::mutex mu;
  std::set<std::string> created;
  std::atomic<int> refused{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 12; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const int kind = (t + i) % 3;  // a sale, a strict order without stock (409), a bad body (400)
        const auto [status, body] = kind == 0 ? call("POST", "/orders", seedOrderRequest().dump())
                                  : kind == 1 ? call("POST", "/orders?stock=strict", none.dump())
                                              : call("POST", "/orders", R"({"customerId":"C","items":[]})");
        if (kind == 0 && status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          created.insert(body["code"].get<std::string>());
        } else if (kind != 0 && (status == 409 || status == 400)) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& c : clients) c.join();
  EXPECT_EQ(other, 0);
  EXPECT_EQ(created.size(), 160u);
  EXPECT_EQ(refused, 320);
  // Every sale answered 201 is there, nothing else is, and its stock is held.
  std::set<std::string> listed;
  std::string cursor;
  for (;;) {
    const auto [status, page] = call("GET", "/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor), "");
    ASSERT_EQ(status, 200);
    for (const json& item : page["items"]) listed.insert(item["code"].get<std::string>());
    if (!page.contains("lastSk")) break;
    cursor = page["lastSk"];
  }
  EXPECT_EQ(listed, created);
  EXPECT_EQ(call("GET", "/inventory/PRD-001", "").second["attributes"]["reservedQuantity"], 320);
  EXPECT_EQ(call("GET", "/inventory/EMPTY", "").first, 404) << "no refused order left a stock row";
  const auto [groups, grouped] = server.groups();
  EXPECT_GT(groups, 0u) << "requests that arrived together shared a commit";
  EXPECT_GT(grouped, groups);
  server.stop();
  serving.join();
}


// PostgreSQL down when the server starts: it serves anyway, answers 503 until the database is
// there, then creates the schema and works.
TEST(HttpPg, ADatabaseDownAtStartIsAnswered503UntilItIsUp) {
  if (!testPg()) GTEST_SKIP() << "no test cluster (run under ctest)";
  const std::string tag = "down-at-start-" + std::to_string(::getpid()) + "-" + std::to_string(time(nullptr));
  const std::string name = "t" + std::to_string(std::hash<std::string>{}(tag));
  TempDir dir;
  ServerProcess server(dir.path() + "/db", kSecret, dir.path() + "/log",
                       {"--pg", std::string(testPg()) + " dbname=" + name});  // no such database yet
  httplib::Client c("127.0.0.1", server.port());
  const httplib::Headers auth = {{"Authorization", "Bearer " + token("shop-a")}};
  const httplib::Result down = c.Get("/products", auth);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503) << down->body;
  EXPECT_EQ(c.Get("/healthz")->status, 200) << "the server itself is up";
  ASSERT_EQ(pgDatabase(tag), std::string(testPg()) + " dbname=" + name);  // the database appears
  const httplib::Result made = c.Post("/products", auth, productRequest("PRD-001").dump(), "application/json");
  ASSERT_TRUE(made);
  EXPECT_EQ(made->status, 201) << made->body;
  EXPECT_EQ(c.Get("/products", auth)->status, 200);
}


// PostgreSQL: a process runs requests on several connections at once (--pg-connections), so a
// request waiting for a row another transaction holds keeps no other request waiting.
TEST(HttpPg, ARequestWaitingOnALockedRowHoldsUpNoOtherConnection) {
  if (!testPg()) GTEST_SKIP() << "no test cluster (run under ctest)";
  TempDir dir;
  const std::string db = pgDatabase("several-connections-" + dir.path());
  ServerProcess server(dir.path() + "/db", kSecret, dir.path() + "/log", {"--pg", db, "--pg-connections", "4"});
  auto call = [&](const std::string& tenant, const std::string& method, const std::string& path, const json& body) {
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(20, 0);
    const httplib::Headers auth = {{"Authorization", "Bearer " + token(tenant)}};
    const httplib::Result r = method == "GET"   ? c.Get(path.c_str(), auth)
                              : method == "PATCH" ? c.Patch(path.c_str(), auth, body.dump(), "application/json")
                                                  : c.Post(path.c_str(), auth, body.dump(), "application/json");
    return r ? r->status : -1;
  };
  for (const char* tenant : {"shop-a", "shop-b"}) {
    ASSERT_EQ(call(tenant, "POST", "/products", productRequest("PRD-001")), 201);
    ASSERT_EQ(call(tenant, "PATCH", "/inventory/PRD-001", json{{"quantity", 10}}), 200);
  }
  // Another session holds shop-a's stock row.
  PGconn* holder = PQconnectdb(db.c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN"));
  PGresult* locked = PQexec(holder, "SELECT value FROM data WHERE pk = 'TENANT#shop-a' AND sk = 'INVENTORY#PRD-001' FOR UPDATE");
  ASSERT_EQ(PQresultStatus(locked), PGRES_TUPLES_OK);
  ASSERT_EQ(PQntuples(locked), 1);
  PQclear(locked);
  const auto lockedAt = std::chrono::steady_clock::now();
  std::atomic<int> blockedStatus{0};
  std::atomic<int64_t> blockedMs{0};
  std::thread blocked([&] {
    blockedStatus = call("shop-a", "PATCH", "/inventory/PRD-001", json{{"quantity", 5}});
    blockedMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - lockedAt).count();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it is waiting in PostgreSQL now
  EXPECT_EQ(blockedStatus.load(), 0) << "the row is held";
  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(call("shop-b", "GET", "/products", nullptr), 200);
  EXPECT_EQ(call("shop-b", "POST", "/orders", seedOrderRequest()), 201);
  EXPECT_EQ(call("shop-b", "PATCH", "/inventory/PRD-001", json{{"quantityDelta", 1}}), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(1)) << "answered on other connections";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  PQclear(PQexec(holder, "COMMIT"));
  PQfinish(holder);
  blocked.join();
  EXPECT_EQ(blockedStatus.load(), 200);
  EXPECT_GE(blockedMs.load(), 1800) << "it waited for the row";
}


// With several connections, one tenant's requests still run one at a time (on whichever core is
// free), so its hot rows never make two of them conflict: no request of one process re-runs.
TEST(HttpPg, OneTenantsRequestsNeverConflictAcrossTheConnectionsOfAProcess) {
  if (!testPg()) GTEST_SKIP() << "no test cluster (run under ctest)";
  TempDir dir;
  ServerOptions o;
  o.port = 0;
  o.pgUrl = pgDatabase("one-tenant-connections-" + dir.path());
  o.pgConnections = 4;
  o.jwtSecret = kSecret;
  std::ostringstream log;
  HttpServer server(o, log);
  const int port = server.bind();
  std::thread serving([&] { server.run(); });
  const httplib::Headers auth = {{"Authorization", "Bearer " + token("shop-a")}};
  {
    httplib::Client c("127.0.0.1", port);
    ASSERT_EQ(c.Post("/products", auth, productRequest("PRD-001").dump(), "application/json")->status, 201);
    ASSERT_EQ(c.Patch("/inventory/PRD-001", auth, json{{"quantity", 100000}}.dump(), "application/json")->status, 200);
  }
  std::atomic<int> created{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      for (int i = 0; i < 25; ++i) {
        const httplib::Result r = c.Post("/orders", auth, seedOrderRequest().dump(), "application/json");
        if (r && r->status == 201) ++created;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(created.load(), 200);
  EXPECT_NE(server.metricsText().find("\nedgecart_conflict_retries_total 0\n"), std::string::npos)
      << "a request re-ran: two cores ran the tenant at once";
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace edgecart::testing
