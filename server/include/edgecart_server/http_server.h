#pragma once
// The native host of docs/design.md §8: the core router over HTTP (an event loop, http_transport.h),
// SQLite or PostgreSQL storage, HS256 JWT tenants, /healthz, /openapi.json, the web pages, one
// JSON access-log line per request.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "edgecart/api/shop.h"
#include "edgecart/domain/expiry.h"
#include "edgecart/engine/clock.h"
#include "edgecart/sync/sync.h"
#include "edgecart_server/http_transport.h"
#include "edgecart_server/jwt.h"
#include "edgecart_server/server_store.h"
#include "edgecart_server/webhooks.h"

namespace edgecart {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;                  // 0 = any free port
  std::string dbPath = "data/edgecart.db";
  // A PostgreSQL database (libpq URL) instead of the SQLite file: any number of server processes
  // may share it ("" = SQLite at dbPath).
  std::string pgUrl;
  std::string jwtSecret;            // required
  std::string pagesDir;             // served at /, "" = none
  std::string distDir;              // the built web package, served at /dist, "" = none
  // --dev only ("" = no such route): answered at GET /dev/token (an admin of tenant demo), which
  // also signs ?role=customer|cashier|manager|admin&sub=NAME tokens for the demo apps.
  std::string devToken;
  // Origins whose pages may call the API (CORS), exactly as a browser sends them
  // ("https://shop.example"); corsLocalhost adds any http://localhost:* and http://127.0.0.1:*.
  std::vector<std::string> corsOrigins;
  bool corsLocalhost = false;
  // The event loop (http_transport.h): `threads` serve every connection; a request must arrive
  // whole within requestSeconds of its first byte; a keep-alive connection without a request is
  // closed after idleSeconds; past maxConnections a connection is answered 503.
  size_t threads = 2;
  int requestSeconds = 10;
  int idleSeconds = 5;
  size_t maxConnections = 20000;
  bool handleSignals = false;  // SIGINT and SIGTERM stop the server (the binary sets it)
  // PostgreSQL: connections per process, each a core of its own running requests at once (the
  // same conditional commits as between processes keep them apart). SQLite has one core.
  size_t pgConnections = 4;
  // Requests that reach the core together share one durable commit on SQLite (a savepoint each);
  // off: one commit (and fsync) per request, as before (kept to measure against).
  bool groupCommit = true;
  // GET /metrics (Prometheus text format) on a port of its own: -1 = none, 0 = any free port.
  int metricsPort = -1;
  std::string metricsHost = "127.0.0.1";
  // Webhooks (docs/webhooks.md): retries, deadlines, and whether private addresses may receive.
  WebhookOptions webhooks;
  // How often pending orders past their shop's pendingOrderExpiryMinutes are cancelled (0 = never).
  int64_t expirySweepMs = 30'000;
  // The time the shops run on (null: the system's). Tests move it.
  std::shared_ptr<const Clock> clock;
};

class HttpServer {
 public:
  // Opens the database; throws ApiError if it cannot.
  explicit HttpServer(ServerOptions options, std::ostream& log);
  ~HttpServer();

  // Binds the socket; returns the port. Throws std::runtime_error if it cannot.
  int bind();
  // Seeds a tenant on first start: `seed` is {tenant, products: [{code, name, categoryCode, sku,
  // price, currency, description?, quantity}]}. If the tenant has no product yet, creates each
  // product with its stock in one transaction and returns how many; else changes nothing and
  // returns 0. Throws ApiError (nothing written) if an entry is refused.
  int seed(const json& seed);
  // Where the data is ("SQLite data/edgecart.db", "PostgreSQL host=... dbname=..."), for the log.
  std::string storeDescription() const;
  // Serves until stop() (or a signal, with handleSignals) and every answer in flight is sent; call
  // after bind().
  void run();
  // Takes no new connection or request, finishes what is in flight, closes idle connections.
  void stop();
  size_t connections() const;
  int metricsPort() const { return options_.metricsPort; }
  // Devices listening at GET /sync/events now.
  size_t subscribers() const;
  // What GET /metrics answers.
  std::string metricsText() const;
  // What the webhook worker has done so far.
  Webhooks::Stats webhookStats() const { return webhooks_->stats(); }
  // Pending orders this process cancelled as expired.
  uint64_t expiredOrders() const { return expired_.load(); }
  // Group commit so far: groups made, and the requests they held.
  std::pair<uint64_t, uint64_t> groups() const { return {groups_.load(), grouped_.load()}; }

 private:
  struct CoreQueue;
  struct Metrics;
  struct Core;
  void countRequest(const HttpRequest& req, const HttpReply& res, double ms);
  std::optional<HttpReply> headCheck(const HttpRequest& req) const;
  void dispatch(HttpRequest req, std::function<void(HttpReply)> done);
  void coreLoop(Core& core);
  void expiryLoop();  // cancels expired pending orders every expirySweepMs until stopped
  HttpReply openEvents(const HttpRequest& req);
  void publish(const std::vector<SyncServer::FeedMove>& moves);
  std::string announcement(const std::vector<SyncServer::FeedMove>& moves) const;
  void heard(const std::string& payload);  // another process's announcement
  // Under core.mu. `grouped`: inside a batch's group (a sync push then makes no group of its own).
  HttpReply answerFromCore(Core& core, const HttpRequest& req, bool grouped);
  HttpReply answerLocally(const HttpRequest& req) const;
  HttpReply answerGet(const HttpRequest& req, const std::string& rawPath) const;
  // The caller's claims in *claims, or the answer that refuses it (401/403).
  std::optional<HttpReply> authenticate(const HttpRequest& req, Claims* claims) const;
  void decorate(const HttpRequest& req, HttpReply& res) const;
  bool corsAllows(const std::string& origin) const;
  void logLine(const HttpRequest& req, const HttpReply& res, double ms);

  ServerOptions options_;
  std::ostream& log_;
  std::mutex logMu_;
  // A core: a shop on its own connection to the store, on a thread of its own, one request at a
  // time. SQLite has one; PostgreSQL has pgConnections, running requests at once.
  struct Core {  // declared above
    std::unique_ptr<Shop> shop;
    ServerStore* store = nullptr;  // owned by shop
    std::unique_ptr<SyncServer> sync;
    std::mutex mu;  // one request in this core at a time
    std::thread thread;
  };
  std::vector<std::unique_ptr<Core>> cores_;
  std::unique_ptr<Webhooks> webhooks_;  // after cores_: stopped before they go
  std::thread expiry_;
  std::mutex expiryMu_;
  std::condition_variable expiryWake_;
  bool expiryStop_ = false;
  std::atomic<uint64_t> expired_{0};
  ExpirySweeper expirySweeper_;  // used by the expiry thread only
  std::unique_ptr<CoreQueue> core_;
  std::atomic<uint64_t> groups_{0}, grouped_{0}, conflictRetries_{0};
  std::unique_ptr<Metrics> metrics_;
  // Live updates: the devices listening, by tenant and scope.
  struct Subscriber {
    std::string tenant;
    std::string user;
    bool customer;
    std::shared_ptr<HttpStream> stream;
  };
  std::string processId_;  // tells this process's own announcements apart
  std::unique_ptr<ServerStore::Listening> listening_;
  mutable std::mutex hubMu_;
  std::vector<Subscriber> subscribers_;
  std::unique_ptr<HttpTransport> metricsHttp_;
  std::unique_ptr<HttpTransport> http_;
};

// The OpenAPI 3 description of every route.
json openApi();

}  // namespace edgecart
