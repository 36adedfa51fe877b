#pragma once
// The native host of docs/design.md §8: the core router over HTTP (cpp-httplib), SQLite or PostgreSQL storage, HS256
// JWT tenants, /healthz, /openapi.json, the web pages, one JSON access-log line per request.

#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "edgecart/api/shop.h"
#include "edgecart/sync/sync.h"
#include "edgecart_server/jwt.h"
#include "edgecart_server/server_store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}

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
  // Connections are served by a pool of `workers` threads, one connection per thread while it is
  // open: idle keep-alive connections are closed after keepAliveSeconds, and a request that does
  // not arrive (or an answer that is not read) within readTimeoutSeconds per read is dropped.
  size_t workers = 64;
  int keepAliveSeconds = 2;
  int readTimeoutSeconds = 5;
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
  std::string storeDescription() const { return store_->describe(); }
  // Serves until stop(); call after bind().
  void run();
  void stop();

 private:
  void routes();
  // The caller's claims, or false after answering 401/403.
  bool authenticate(const httplib::Request& req, httplib::Response& res, Claims* claims);
  bool corsAllows(const std::string& origin) const;

  ServerOptions options_;
  std::ostream& log_;
  std::mutex logMu_;
  std::unique_ptr<httplib::Server> http_;
  ServerStore* store_ = nullptr;  // owned by shop_
  std::unique_ptr<Shop> shop_;
  std::unique_ptr<SyncServer> sync_;
  std::mutex shopMu_;  // one request in the core at a time
};

// The OpenAPI 3 description of every route.
json openApi();

}  // namespace edgecart
