#include "edgecart_server/http_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <regex>
#include <thread>
#include <stdexcept>

#include <condition_variable>
#include <deque>

#include "edgecart/engine/error.h"
#include "edgecart/api/access.h"
#include "edgecart/api/router.h"
#include "edgecart/api/validate.h"
#include "edgecart/domain/expiry.h"
#include "edgecart_server/jwt.h"
#include "edgecart_server/pg_store.h"
#include "edgecart_server/sqlite_store.h"
#include "http_server_internal.h"
#include "static_files.h"

namespace edgecart {
namespace {

void sendJson(HttpReply& res, int status, const json& body) {
  res.status = status;
  res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  res.set("Content-Type", "application/json");
}


HttpReply redirect(const std::string& location) {
  HttpReply r;
  r.status = 302;
  r.set("Location", location);
  return r;
}

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// The routes that reach the core (and need a token).
bool isApiPath(const std::string& path) {
  return startsWith(path, "/products") || startsWith(path, "/inventory") || startsWith(path, "/orders") ||
         startsWith(path, "/categories") || startsWith(path, "/settings") || startsWith(path, "/currencies") || startsWith(path, "/webhooks") ||
         startsWith(path, "/returns") || startsWith(path, "/sessions");
}
bool isSyncPath(const std::string& path) {
  return path == "/sync/push" || path == "/sync/pull" || path == "/sync/lease";
}

// The outbox of handler notifications (docs/design.md §4), written in the transaction that caused them.
void writeOutbox(Transaction& tx) {
  if (tx.notifications().empty()) return;
  const std::string pk = "OUTBOX#" + tx.context().tenantCode;
  const Value counter = tx.get(Table::Sequence, pk, "counter");
  int64_t n = counter ? counter->at("value").get<int64_t>() : 0;
  for (const json& note : tx.notifications()) {
    char sk[24];
    std::snprintf(sk, sizeof sk, "%012lld", static_cast<long long>(++n));
    tx.putRow(Table::Sequence, pk, sk, std::make_shared<const json>(note));
  }
  tx.putRow(Table::Sequence, pk, "counter", std::make_shared<const json>(json{{"value", n}}));
}

}  // namespace

HttpReply jsonReply(int status, const json& body) {
  HttpReply r;
  sendJson(r, status, body);
  return r;
}

HttpServer::HttpServer(ServerOptions options, std::ostream& log)
    : options_(std::move(options)), log_(log), core_(std::make_unique<CoreQueue>()),
      metrics_(std::make_unique<Metrics>()) {
  if (options_.jwtSecret.empty()) throw std::runtime_error("a JWT secret is required");
  // SQLite: one core (one writer at a time anyway; group commit shares its fsync). PostgreSQL:
  // one core per connection, each its own shop on its own connection, running requests at once
  // under the same conditional commits as separate processes.
  const size_t cores = options_.pgUrl.empty() ? 1 : std::max<size_t>(1, options_.pgConnections);
  for (size_t i = 0; i < cores; ++i) {
    auto core = std::make_unique<Core>();
    std::unique_ptr<ServerStore> store;
    if (options_.pgUrl.empty()) {
      store = SqliteStore::open(options_.dbPath);
    } else {
      store = PgStore::open(options_.pgUrl);
    }
    core->store = store.get();
    // Every core's shop reads the same clock (the system's unless a test moves it).
    struct SharedClock : Clock {
      std::shared_ptr<const Clock> clock;
      int64_t nowMs() const override { return clock->nowMs(); }
    };
    std::unique_ptr<Clock> clock;
    if (options_.clock) {
      auto shared = std::make_unique<SharedClock>();
      shared->clock = options_.clock;
      clock = std::move(shared);
    }
    core->shop = std::make_unique<Shop>(std::move(store), RouterOptions{}, std::move(clock));
    // Pending orders by the time they were placed, for their expiry (expiry.h): the server's only.
    core->shop->engine().addLookup("ORDER#", pendingOrderKeys);
    // A request whose commit met another writer's re-runs after a random pause that grows with
    // each attempt (1-2 ms, 2-4 ms, ... at most 64 ms), so that racing writers fall apart.
    core->shop->engine().setBackoff([this](int attempt) {
      conflictRetries_.fetch_add(1);
      thread_local std::mt19937 rng{std::random_device{}()};
      const int ceiling = 1 << std::min(attempt, 6);
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<int>(ceiling * 500, ceiling * 1000)(rng)));
    });
    core->sync = std::make_unique<SyncServer>(*core->shop);
    // The outbox of handler notifications (docs/design.md §4), written in the transaction that caused them.
    core->shop->engine().addCommitHook(writeOutbox);
    // Webhooks: the same events, queued for each subscription in the same commit (webhooks.h).
    core->shop->engine().addCommitHook([this](Transaction& tx) { webhooks_->queueEvents(tx); });
    cores_.push_back(std::move(core));
  }
  // The webhook worker's own reads and writes go through the first core, under its lock.
  webhooks_ = std::make_unique<Webhooks>(cores_[0]->shop->engine(), cores_[0]->mu, options_.webhooks);
  TransportOptions t;
  t.host = options_.host;
  t.port = options_.port;
  t.threads = options_.threads;
  t.requestSeconds = options_.requestSeconds;
  t.idleSeconds = options_.idleSeconds;
  t.maxConnections = options_.maxConnections;
  t.handleSignals = options_.handleSignals;
  // Bodies up to twice the API's limit reach the router, which answers 413 in its own words.
  t.maxBodyBytes = 2 * RouterOptions{}.maxBodyBytes;
  if (options_.metricsPort >= 0) {
    // GET /metrics on a port of its own (loopback unless told otherwise), one thread.
    TransportOptions m;
    m.host = options_.metricsHost;
    m.port = options_.metricsPort;
    m.threads = 1;
    m.maxConnections = 64;
    metricsHttp_ = std::make_unique<HttpTransport>(
        m, [](const HttpRequest&) { return std::optional<HttpReply>(); },
        [this](HttpRequest req, std::function<void(HttpReply)> done) {
          HttpReply r;
          if (req.path() == "/metrics" && (req.method == "GET" || req.method == "HEAD")) {
            r.body = metricsText();
            r.set("Content-Type", "text/plain; version=0.0.4");
            r.headOnly = req.method == "HEAD";
          } else {
            sendJson(r, 404, errorBody(404, "Cannot " + req.method.substr(0, 16) + " " + req.path().substr(0, 200)));
          }
          done(std::move(r));
        },
        nullptr);
  }
  http_ = std::make_unique<HttpTransport>(
      t, [this](const HttpRequest& req) { return headCheck(req); },
      [this](HttpRequest req, std::function<void(HttpReply)> done) { dispatch(std::move(req), std::move(done)); },
      [this](const HttpRequest& req, const HttpReply& res, double ms) { logLine(req, res, ms); });
  {
    std::random_device rd;
    processId_ = std::to_string(rd()) + "-" + std::to_string(rd());
  }
  listening_ = cores_[0]->store->listen([this](const std::string& payload) { heard(payload); });
  webhooks_->start();
  if (options_.expirySweepMs > 0) expiry_ = std::thread([this] { expiryLoop(); });
  for (auto& core : cores_) {
    Core* c = core.get();
    c->thread = std::thread([this, c] { coreLoop(*c); });  // last: nothing after it can throw
  }
}

HttpServer::~HttpServer() {
  {
    std::lock_guard<std::mutex> lock(expiryMu_);
    expiryStop_ = true;
  }
  expiryWake_.notify_all();
  if (expiry_.joinable()) expiry_.join();
  listening_.reset();  // its thread calls heard(): stopped first
  http_.reset();
  metricsHttp_.reset();
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->closing = true;
  }
  core_->ready.notify_all();
  for (auto& core : cores_) {
    if (core->thread.joinable()) core->thread.join();
  }
  webhooks_->stop();
}

bool HttpServer::corsAllows(const std::string& origin) const {
  if (std::find(options_.corsOrigins.begin(), options_.corsOrigins.end(), origin) != options_.corsOrigins.end()) {
    return true;
  }
  if (!options_.corsLocalhost) return false;
  for (const char* host : {"http://localhost", "http://127.0.0.1"}) {
    const std::string h = host;
    if (origin == h) return true;
    if (origin.rfind(h + ":", 0) != 0) continue;
    // A port as a browser writes it: 1-65535, no leading zero.
    const std::string port = origin.substr(h.size() + 1);
    if (!port.empty() && port.size() <= 5 && port[0] != '0' &&
        port.find_first_not_of("0123456789") == std::string::npos && std::stol(port) <= 65535) {
      return true;
    }
  }
  return false;
}

std::optional<HttpReply> HttpServer::authenticate(const HttpRequest& req, Claims* claims) const {
  const std::string* auth = req.header("Authorization");
  if (!auth || auth->rfind("Bearer ", 0) != 0 || req.headerCount("Authorization") != 1) {
    HttpReply r = jsonReply(401, errorBody(401, "Missing bearer token"));
    r.set("WWW-Authenticate", "Bearer");
    return r;
  }
  try {
    *claims = verifyJwt(auth->substr(7), options_.jwtSecret, nowSeconds());
  } catch (const ApiError& e) {
    HttpReply r = jsonReply(e.status(), errorBody(e.status(), e.what(), e.code()));
    r.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return r;
  }
  if (claims->tenant.empty()) return jsonReply(403, errorBody(403, "The token has no custom:tenant claim"));
  // Tenant codes are lower-case (docs/design.md §3): "Shop-A" in a token is tenant shop-a everywhere.
  std::transform(claims->tenant.begin(), claims->tenant.end(), claims->tenant.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::nullopt;
}

// CORS: an allowed origin gets its headers on every answer, errors included. Any other origin
// gets no CORS header: its browser refuses the answer.
void HttpServer::decorate(const HttpRequest& req, HttpReply& res) const {
  const std::string* origin = req.header("Origin");
  if (origin && !origin->empty() && corsAllows(*origin)) {
    res.set("Access-Control-Allow-Origin", *origin);
    res.set("Access-Control-Expose-Headers", "Idempotent-Replayed, WWW-Authenticate");
  }
  res.set("Vary", "Origin");
}

// Before a body is read: a call of the API without a valid token is answered without reading it.
std::optional<HttpReply> HttpServer::headCheck(const HttpRequest& req) const {
  const std::string path = req.path();
  if (req.method == "OPTIONS" || (!isApiPath(path) && !isSyncPath(path))) return std::nullopt;
  Claims claims;
  std::optional<HttpReply> refused = authenticate(req, &claims);
  if (refused) decorate(req, *refused);
  return refused;
}

void HttpServer::dispatch(HttpRequest req, std::function<void(HttpReply)> done) {
  const std::string path = req.path();
  if (path == "/sync/events") {  // a stream: opened here, never on the core's thread
    HttpReply r = openEvents(req);
    decorate(req, r);
    return done(std::move(r));
  }
  if (req.method == "OPTIONS" || (!isApiPath(path) && !isSyncPath(path))) {  // a CORS preflight carries no token
    HttpReply r = answerLocally(req);
    decorate(req, r);
    return done(std::move(r));
  }
  // The core, on its own thread (the event loop goes on serving every other connection).
  std::string tenant;
  if (cores_.size() > 1) {
    Claims claims;
    if (!authenticate(req, &claims)) tenant = claims.tenant;
  }
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->jobs.push_back({std::move(req), std::move(done), std::move(tenant)});
  }
  core_->ready.notify_all();  // the first core free for this tenant takes it
}

HttpReply HttpServer::answerFromCore(Core& core, const HttpRequest& req, bool grouped) {
  Claims claims;
  if (std::optional<HttpReply> refused = authenticate(req, &claims)) return *refused;
  const std::string path = req.path();
  HttpReply res;
  res.tenant = claims.tenant;
  if (isApiPath(path)) {
    // The target as sent: the router decodes it, once, as in every other host.
    Context ctx{claims.tenant, claims.sub, claims.roles};
    if (req.method == "POST" || req.method == "PATCH") {
      // The key exactly as sent: never decoded, and an empty one is not "no key".
      if (const std::string* key = req.header("Idempotency-Key")) {
        if (req.headerCount("Idempotency-Key") != 1 || key->empty() || key->size() > 255 ||
            std::any_of(key->begin(), key->end(), [](char c) { return c <= 0x20 || c >= 0x7f; })) {
          sendJson(res, 400, errorBody(400, "Idempotency-Key must be one header of 1-255 printable ASCII characters without spaces"));
          return res;
        }
        ctx.idempotencyKey = *key;
      }
    }
    std::string body = req.body;
    if (path == "/products/import" && req.method == "POST") {
      // A CSV or JSON-lines file sent as it is: the core takes it inside its JSON body.
      const std::string* type = req.header("Content-Type");
      const std::string mime = type ? type->substr(0, type->find(';')) : "";
      const char* field = mime == "text/csv" ? "csv" : mime == "application/x-ndjson" || mime == "application/jsonl" ? "jsonl" : nullptr;
      if (field) {
        try {
          body = json{{field, req.body}}.dump();
        } catch (const json::exception&) {
          sendJson(res, 400, errorBody(400, std::string("The ") + field + " file is not valid UTF-8: nothing was imported"));
          return res;
        }
      }
    }
    // The webhooks' admin routes are the server's own (the module delivers nothing).
    std::optional<Response> hooked = webhooks_->handle(core.shop->engine(), ctx, req.method, req.target, body);
    const Response r = hooked ? std::move(*hooked) : core.shop->handle(ctx, req.method, req.target, body);
    if (r.replayed) res.set("Idempotent-Replayed", "true");
    sendJson(res, r.status, r.body);
    return res;
  }
  // Reconciliation (docs/design.md §7).
  const Context ctx{claims.tenant, claims.sub, claims.roles};
  Response r;
  {
    if (path == "/sync/push" && req.method == "POST") {
      // One durable commit for the whole push: the answer is sent only after it, so a crash
      // before it loses only work whose answer the client never saw (and will push again).
      // (On PostgreSQL each command commits on its own: see ServerStore::groupsPushes.)
      const bool group = core.store->groupsPushes() && !grouped;  // else the batch's group holds it
      try {
        if (group) core.store->beginGroup();
        r = core.sync->push(ctx, req.body);
        if (group) core.store->endGroup(r.status < 500);  // a storage failure undoes the whole push
      } catch (const ApiError& e) {
        if (group) core.store->endGroup(false);
        r = Response{e.status(), errorBody(e.status(), e.what(), e.code()), {}, {}};
      }
    } else if (path == "/sync/lease" && req.method == "POST") {
      r = core.sync->lease(ctx, req.body);
    } else if (path == "/sync/pull" && req.method == "GET") {
      r = core.sync->pull(ctx, req.query());
    } else {
      r = Response{404, errorBody(404, "Cannot " + req.method.substr(0, 16) + " " + path.substr(0, 200)), {}, {}};
    }
  }
  sendJson(res, r.status, r.body);
  return res;
}

// Everything that is not the core's: health, the API description, dev tokens, CORS preflights,
// redirects and the static files.
HttpReply HttpServer::answerLocally(const HttpRequest& req) const {
  const std::string raw = req.path();
  const bool get = req.method == "GET" || req.method == "HEAD";
  auto notFound = [&] { return jsonReply(404, errorBody(404, "Cannot " + req.method.substr(0, 16) + " " + raw.substr(0, 200))); };
  if (req.method == "OPTIONS") {
    const std::string* origin = req.header("Origin");
    if (!origin || origin->empty() || !corsAllows(*origin)) {
      return jsonReply(403, errorBody(403, !origin || origin->empty() ? "OPTIONS is answered only to a CORS preflight (no Origin)"
                                                                     : "Origin " + origin->substr(0, 200) + " is not allowed (see --cors-origin)"));
    }
    HttpReply r;
    r.status = 204;
    r.set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
    r.set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key");
    r.set("Access-Control-Max-Age", "600");
    return r;
  }
  if (!get) return notFound();
  HttpReply r = answerGet(req, raw);
  r.headOnly = req.method == "HEAD";
  return r;
}

HttpReply HttpServer::answerGet(const HttpRequest& req, const std::string& raw) const {
  auto notFound = [&] { return jsonReply(404, errorBody(404, "Cannot " + req.method + " " + raw.substr(0, 200))); };
  if (raw == "/healthz") return jsonReply(200, {{"status", "ok"}});
  if (raw == "/openapi.json") return jsonReply(200, openApi());
  if (raw == "/dev/token" && !options_.devToken.empty()) {
    std::map<std::string, std::string> q;
    try {
      q = parseQuery(req.query());
    } catch (const ApiError& e) {
      return jsonReply(400, errorBody(400, e.what(), errc::kValidation));
    }
    if (!q.count("role") && !q.count("sub")) return jsonReply(200, {{"token", options_.devToken}});
    const std::string role = q.count("role") ? q["role"] : "admin";
    const std::string sub = q.count("sub") ? q["sub"] : "dev-user";
    static const std::regex name("[A-Za-z0-9_.-]{1,64}");
    if (role != "customer" && role != "cashier" && role != "manager" && role != "admin") {
      return jsonReply(400, errorBody(400, "role must be customer, cashier, manager or admin", errc::kValidation));
    }
    if (!std::regex_match(sub, name)) return jsonReply(400, errorBody(400, "sub must be 1-64 of A-Z a-z 0-9 _ . -", errc::kValidation));
    const auto now = nowSeconds();
    return jsonReply(200, {{"token", signJwt({{"sub", sub}, {"custom:tenant", "demo"}, {"custom:roles", {role}},
                                              {"iat", now}, {"exp", now + 7 * 86400}}, options_.jwtSecret)}});
  }
  // The static files' paths, decoded once (a name with a space is asked as %20).
  std::string path;
  try {
    path = percentDecode(raw, false);
  } catch (const ApiError&) {
    return notFound();
  }
  if (path == "/docs" && !options_.distDir.empty()) return redirect("/docs/");  // its relative links need the slash
  // A folder of the pages asked for without its slash (/till): its index page, at /till/, if
  // that is served. With one leading slash: "//till/" would send the browser to the host "till"
  // (a backslash is refused: a browser reads "/\till/" as "//till/").
  if (!options_.pagesDir.empty() && path.size() > 1 && path.back() != '/' && path.find_first_of(".\\") == std::string::npos) {
    struct stat st;
    const int fd = openStatic(options_.pagesDir, path + "/", &st);
    if (fd >= 0) {
      ::close(fd);
      return redirect("/" + path.substr(path.find_first_not_of('/')) + "/");
    }
  }
  // Static files, after every route above (a page cannot shadow the API): only regular files
  // inside the folders, no dotfiles, symlinks only while they stay inside.
  std::vector<std::pair<std::string, std::string>> mounts;  // path prefix, folder; the first that has the file
  if (!options_.distDir.empty()) {
    mounts.emplace_back("/dist", options_.distDir);
    // The API reference: Swagger UI (from npm, copied into the build) over /openapi.json.
    mounts.emplace_back("/docs", options_.distDir + "/docs");
  }
  if (!options_.pagesDir.empty()) mounts.emplace_back("", options_.pagesDir);
  for (const auto& [prefix, dir] : mounts) {
    if (path.compare(0, prefix.size(), prefix) != 0 || (path.size() > prefix.size() && path[prefix.size()] != '/')) {
      continue;
    }
    struct stat st;
    const int fd = openStatic(dir, path.substr(prefix.size()), &st);
    if (fd < 0) continue;
    HttpReply r = serveStatic(fd, st, path.substr(prefix.size()), req);
    ::close(fd);
    return r;
  }
  return notFound();
}

int HttpServer::bind() {
  if (metricsHttp_) options_.metricsPort = metricsHttp_->bind();
  return options_.port = http_->bind();
}

void HttpServer::run() {
  std::thread metrics;
  if (metricsHttp_) metrics = std::thread([this] { metricsHttp_->run(); });
  http_->run();
  if (metricsHttp_) metricsHttp_->stop();  // the main port stopped (stop() or a signal): so does this one
  if (metrics.joinable()) metrics.join();
}

void HttpServer::stop() {
  http_->stop();
  if (metricsHttp_) metricsHttp_->stop();
}

std::string HttpServer::storeDescription() const {
  const std::string d = cores_[0]->store->describe();
  return cores_.size() > 1 ? d + ", " + std::to_string(cores_.size()) + " connections" : d;
}

size_t HttpServer::connections() const { return http_->connections(); }

}  // namespace edgecart
