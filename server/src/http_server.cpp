#include "edgecart_server/http_server.h"

#include <httplib.h>

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
#include <random>
#include <regex>
#include <thread>
#include <stdexcept>

#include "edgecart/engine/error.h"
#include "edgecart/api/router.h"
#include "edgecart_server/jwt.h"
#include "edgecart_server/pg_store.h"
#include "edgecart_server/sqlite_store.h"

namespace edgecart {
namespace {

using Steady = std::chrono::steady_clock;
thread_local Steady::time_point requestStart;
thread_local std::string requestTenant;

void sendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// The static files' types: cpp-httplib's table, plus the apps' manifest (a browser installs an
// app only from application/manifest+json) and CommonJS; anything else goes out as text/plain.
const char* contentType(const std::string& path) {
  static const std::pair<const char*, const char*> types[] = {
      {"html", "text/html"}, {"htm", "text/html"}, {"css", "text/css"}, {"csv", "text/csv"},
      {"js", "text/javascript"}, {"mjs", "text/javascript"}, {"cjs", "text/javascript"},
      {"txt", "text/plain"}, {"vtt", "text/vtt"}, {"json", "application/json"},
      {"webmanifest", "application/manifest+json"}, {"wasm", "application/wasm"},
      {"xml", "application/xml"}, {"xht", "application/xhtml+xml"}, {"xhtml", "application/xhtml+xml"},
      {"xslt", "application/xslt+xml"}, {"atom", "application/atom+xml"}, {"rss", "application/rss+xml"},
      {"pdf", "application/pdf"}, {"zip", "application/zip"}, {"gz", "application/gzip"},
      {"tar", "application/x-tar"}, {"7z", "application/x-7z-compressed"},
      {"apng", "image/apng"}, {"avif", "image/avif"}, {"bmp", "image/bmp"}, {"gif", "image/gif"},
      {"png", "image/png"}, {"svg", "image/svg+xml"}, {"webp", "image/webp"}, {"ico", "image/x-icon"},
      {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
      {"mp4", "video/mp4"}, {"mpeg", "video/mpeg"}, {"webm", "video/webm"}, {"mp3", "audio/mp3"},
      {"mpga", "audio/mpeg"}, {"weba", "audio/webm"}, {"wav", "audio/wave"}, {"otf", "font/otf"},
      {"ttf", "font/ttf"}, {"woff", "font/woff"}, {"woff2", "font/woff2"}};
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return nullptr;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [e, type] : types) {
    if (ext == e) return type;
  }
  return nullptr;
}

// The file that `sub` (a decoded request path below a mount: "", "/" or "/till/app.js") names in
// the folder `root`, opened, or -1 if it is not one to serve: a segment starting with '.' (a
// dotfile, "..") is refused, symlinks are followed only while they stay inside the folder (one to
// /etc does not publish /etc/shadow), and only a regular file is served.
int openStatic(const std::string& root, std::string sub, struct stat* st) {
  namespace fs = std::filesystem;
  if (sub.empty() || sub.back() == '/') sub += "index.html";
  if (sub.find('\0') != std::string::npos) return -1;
  for (size_t at = 0; at < sub.size();) {
    const size_t end = std::min(sub.find('/', at), sub.size());
    if (end > at && sub[at] == '.') return -1;
    at = end + 1;
  }
  const size_t first = sub.find_first_not_of('/');
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return -1;
  const fs::path file = fs::canonical(base / sub.substr(first), ec);
  if (ec) return -1;
  if (std::mismatch(base.begin(), base.end(), file.begin(), file.end()).first != base.end()) return -1;
  // O_NOFOLLOW: the resolved path must not have become a symlink since; O_NONBLOCK: opening a FIFO
  // would wait for a writer.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return -1;
  if (::fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string httpDate(time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// Whether an If-None-Match list ("*", or tags, weak or strong) names `etag`: the weak
// comparison of RFC 9110 §13.1.2, as for a GET.
bool etagListMatches(const std::string& list, const std::string& etag) {
  size_t at = 0;
  while (at < list.size()) {
    at = list.find_first_not_of(" \t,", at);
    if (at == std::string::npos) break;
    if (list[at] == '*') return true;
    if (list.compare(at, 2, "W/") == 0) at += 2;
    if (at >= list.size() || list[at] != '"') return false;
    const size_t end = list.find('"', at + 1);
    if (end == std::string::npos) return false;
    if (list.compare(at, end - at + 1, etag) == 0) return true;
    at = end + 1;
  }
  return false;
}

// A static file's answer, with the validators a browser (and the service worker's install, which
// fills its cache through the HTTP cache) revalidates with: a 304 when its copy is current.
void serveStatic(int fd, const struct stat& st, const std::string& path, const httplib::Request& req,
                 httplib::Response& res) {
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  res.set_header("ETag", etag);
  res.set_header("Last-Modified", httpDate(st.st_mtim.tv_sec));
  // no-cache: stored, but always revalidated. Without it a browser may reuse a page or sw.js
  // heuristically (from Last-Modified) after an update, and a new build's cache fill with old files.
  res.set_header("Cache-Control", "no-cache");
  bool current = false;
  if (req.has_header("If-None-Match")) {
    current = etagListMatches(req.get_header_value("If-None-Match"), etag);
  } else if (req.has_header("If-Modified-Since")) {
    std::tm tm{};
    const std::string since = req.get_header_value("If-Modified-Since");
    const char* end = strptime(since.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    current = end != nullptr && *end == '\0' && st.st_mtim.tv_sec <= timegm(&tm);
  }
  if (current) {
    res.status = 304;
    return;
  }
  std::string body(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < body.size()) {
    const ssize_t n = ::read(fd, &body[got], body.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  body.resize(got);
  res.body = std::move(body);
  if (const char* type = contentType(path.empty() || path.back() == '/' ? path + "index.html" : path)) {
    res.set_header("Content-Type", type);
  }
  // The status is left to cpp-httplib: 200, or 206 for a Range request.
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, std::ostream& log)
    : options_(std::move(options)), log_(log), http_(std::make_unique<httplib::Server>()) {
  if (options_.jwtSecret.empty()) throw std::runtime_error("a JWT secret is required");
  std::unique_ptr<ServerStore> store;
  if (options_.pgUrl.empty()) {
    store = SqliteStore::open(options_.dbPath);
  } else {
    store = PgStore::open(options_.pgUrl);
  }
  store_ = store.get();
  shop_ = std::make_unique<Shop>(std::move(store), RouterOptions{}, nullptr);
  // A request whose commit met another process's re-runs after a random pause that grows with
  // each attempt (1-2 ms, 2-4 ms, ... at most 64 ms), so that racing processes fall apart.
  shop_->engine().setBackoff([](int attempt) {
    thread_local std::mt19937 rng{std::random_device{}()};
    const int ceiling = 1 << std::min(attempt, 6);
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<int>(ceiling * 500, ceiling * 1000)(rng)));
  });
  sync_ = std::make_unique<SyncServer>(*shop_);
  // The outbox of handler notifications (docs/design.md §4), written in the transaction that caused them.
  shop_->engine().addCommitHook([](Transaction& tx) {
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
  });
  routes();
}

HttpServer::~HttpServer() = default;

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

bool HttpServer::authenticate(const httplib::Request& req, httplib::Response& res, Claims* claims) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) != 0) {
    res.set_header("WWW-Authenticate", "Bearer");
    sendJson(res, 401, errorBody(401, "Missing bearer token"));
    return false;
  }
  try {
    *claims = verifyJwt(auth.substr(7), options_.jwtSecret, nowSeconds());
  } catch (const ApiError& e) {
    res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    sendJson(res, e.status(), errorBody(e.status(), e.what(), e.code()));
    return false;
  }
  if (claims->tenant.empty()) {
    sendJson(res, 403, errorBody(403, "The token has no custom:tenant claim"));
    return false;
  }
  // Tenant codes are lower-case (docs/design.md §3): "Shop-A" in a token is tenant shop-a everywhere.
  std::transform(claims->tenant.begin(), claims->tenant.end(), claims->tenant.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  requestTenant = claims->tenant;
  return true;
}


int HttpServer::seed(const json& seed) {
  if (!seed.is_object() || !seed.contains("tenant") || !seed["tenant"].is_string() ||
      !seed.contains("products") || !seed["products"].is_array()) {
    throw ApiError(400, "a seed is {tenant, products: [...]}", errc::kValidation);
  }
  const Context ctx{seed["tenant"].get<std::string>(), "seed", {"admin"}};
  std::lock_guard<std::mutex> lock(shopMu_);
  const Response first = shop_->handle(ctx, "GET", "/products?limit=1", "");
  if (first.status != 200) throw ApiError(first.status, first.body.value("message", "cannot read the tenant"));
  if (!first.body.at("items").empty()) return 0;
  store_->beginGroup();  // all products or none
  int created = 0;
  try {
    for (const json& p : seed["products"]) {
      if (!p.is_object() || !p.contains("quantity")) {
        throw ApiError(400, "each seed product needs a quantity", errc::kValidation);
      }
      json product = p;
      product.erase("quantity");
      const std::string code = product.value("code", "");
      const Response made = shop_->handle(ctx, "POST", "/products", product.dump());
      if (made.status == 409 && (made.code == errc::kAlreadyExists || made.code == errc::kConflict)) {
        // Another server process on the same database is seeding it at this moment: its seed wins.
        store_->endGroup(false);
        return 0;
      }
      if (made.status != 201) throw ApiError(made.status, "seed product " + code + ": " + made.body.value("message", ""));
      const Response stock = shop_->handle(ctx, "PATCH", "/inventory/" + code, json{{"quantity", p["quantity"]}}.dump());
      if (stock.status != 200) throw ApiError(stock.status, "seed stock of " + code + ": " + stock.body.value("message", ""));
      ++created;
    }
  } catch (...) {
    store_->endGroup(false);
    throw;
  }
  store_->endGroup(true);
  return created;
}

int HttpServer::bind() {
  if (options_.port == 0) {
    const int port = http_->bind_to_any_port(options_.host);
    if (port < 0) throw std::runtime_error("cannot bind " + options_.host);
    options_.port = port;
  } else if (!http_->bind_to_port(options_.host, options_.port)) {
    throw std::runtime_error("cannot bind " + options_.host + ":" + std::to_string(options_.port));
  }
  return options_.port;
}

void HttpServer::run() { http_->listen_after_bind(); }

void HttpServer::stop() { http_->stop(); }

void HttpServer::routes() {
  httplib::Server& s = *http_;
  // Answers go out at once: with Nagle's algorithm a response written in two parts waits for the
  // client's delayed ACK (40 ms on Linux).
  s.set_tcp_nodelay(true);
  // cpp-httplib serves each connection on one pool thread for as long as it stays open, so the
  // pool and the timeouts decide how many idle or slow clients it takes to starve the others
  // (its default, 8 threads and 5 s keep-alive, was stalled by 8 idle browsers).
  const size_t workers = options_.workers;
  s.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  s.set_keep_alive_timeout(options_.keepAliveSeconds);
  s.set_keep_alive_max_count(100);
  s.set_read_timeout(options_.readTimeoutSeconds, 0);
  s.set_write_timeout(options_.readTimeoutSeconds, 0);
  // Bodies up to twice the API's limit reach the router, which answers 413 in its own words.
  s.set_payload_max_length(2 * RouterOptions{}.maxBodyBytes);
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    requestStart = Steady::now();
    requestTenant.clear();
    // CORS: an allowed origin gets its headers on every answer, errors included; a preflight
    // (OPTIONS) is answered here. Any other origin gets no CORS header: its browser refuses.
    const std::string origin = req.get_header_value("Origin");
    const bool allowed = !origin.empty() && corsAllows(origin);
    if (allowed) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Access-Control-Expose-Headers", "Idempotent-Replayed, WWW-Authenticate");
    }
    res.set_header("Vary", "Origin");
    if (req.path == "/docs" && req.method == "GET" && !options_.distDir.empty()) {
      res.set_redirect("/docs/");  // its page's relative links need the slash
      return httplib::Server::HandlerResponse::Handled;
    }
    // A folder of the pages asked for without its slash (/till): its index page, at /till/, if
    // that is served. With one leading slash: "//till/" would send the browser to the host "till"
    // (a backslash is refused: a browser reads "/\till/" as "//till/").
    if (req.method == "GET" && !options_.pagesDir.empty() && req.path.size() > 1 && req.path.back() != '/' &&
        req.path.find_first_of(".\\") == std::string::npos) {
      struct stat st;
      const int fd = openStatic(options_.pagesDir, req.path + "/", &st);
      if (fd >= 0) {
        ::close(fd);
        res.set_redirect("/" + req.path.substr(req.path.find_first_not_of('/')) + "/");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.method == "OPTIONS") {
      if (!allowed) {
        sendJson(res, 403, errorBody(403, origin.empty() ? "OPTIONS is answered only to a CORS preflight (no Origin)"
                                                         : "Origin " + origin.substr(0, 200) + " is not allowed (see --cors-origin)"));
        return httplib::Server::HandlerResponse::Handled;
      }
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key");
      res.set_header("Access-Control-Max-Age", "600");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double ms = std::chrono::duration<double, std::milli>(Steady::now() - requestStart).count();
    json line = {{"time", formatIsoTime(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count())},
                 {"method", req.method}, {"path", req.path}, {"status", res.status},
                 {"ms", static_cast<double>(static_cast<int64_t>(ms * 100)) / 100},
                 {"bytes", res.body.size()}, {"remote", req.remote_addr}};
    if (!requestTenant.empty()) line["tenant"] = requestTenant;
    std::lock_guard<std::mutex> lock(logMu_);
    log_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n" << std::flush;
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already answered
    const std::string message = res.status == 404 ? "Cannot " + req.method + " " + req.path.substr(0, 200)
                              : res.status == 413 ? "Request body too large"
                                                  : std::string(statusText(res.status));
    sendJson(res, res.status, errorBody(res.status, message));
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    sendJson(res, 500, errorBody(500, "Internal error"));
  });

  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, {{"status", "ok"}});
  });
  s.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    sendJson(res, 200, openApi());
  });
  if (!options_.devToken.empty()) {
    s.Get("/dev/token", [this](const httplib::Request& req, httplib::Response& res) {
      if (!req.has_param("role") && !req.has_param("sub")) {
        sendJson(res, 200, {{"token", options_.devToken}});
        return;
      }
      const std::string role = req.has_param("role") ? req.get_param_value("role") : "admin";
      const std::string sub = req.has_param("sub") ? req.get_param_value("sub") : "dev-user";
      static const std::regex name("[A-Za-z0-9_.-]{1,64}");
      if (role != "customer" && role != "cashier" && role != "manager" && role != "admin") {
        sendJson(res, 400, errorBody(400, "role must be customer, cashier, manager or admin", errc::kValidation));
        return;
      }
      if (!std::regex_match(sub, name)) {
        sendJson(res, 400, errorBody(400, "sub must be 1-64 of A-Z a-z 0-9 _ . -", errc::kValidation));
        return;
      }
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
      sendJson(res, 200, {{"token", signJwt({{"sub", sub}, {"custom:tenant", "demo"}, {"custom:roles", {role}},
                                             {"iat", now}, {"exp", now + 7 * 86400}}, options_.jwtSecret)}});
    });
  }

  // The API of docs/design.md §5: every method on these paths goes to the core router.
  auto api = [this](const httplib::Request& req, httplib::Response& res) {
    Claims claims;
    if (!authenticate(req, res, &claims)) return;
    // The target as sent: the router decodes it, once, as in every other host (cpp-httplib's
    // decoded req.path would make /products/%2542 the product "B").
    const std::string& target = req.target;
    Context ctx{claims.tenant, claims.sub, claims.roles};
    if (req.method == "POST" || req.method == "PATCH") ctx.idempotencyKey = req.get_header_value("Idempotency-Key");
    if (req.has_header("Idempotency-Key") && ctx.idempotencyKey.empty() && (req.method == "POST" || req.method == "PATCH")) {
      sendJson(res, 400, errorBody(400, "Idempotency-Key must be 1-255 printable ASCII characters without spaces"));
      return;
    }
    Response r;
    {
      std::lock_guard<std::mutex> lock(shopMu_);
      r = shop_->handle(ctx, req.method, target, req.body);
    }
    if (r.replayed) res.set_header("Idempotent-Replayed", "true");
    sendJson(res, r.status, r.body);
  };
  // Reconciliation (docs/design.md §7).
  auto sync = [this](const httplib::Request& req, httplib::Response& res) {
    Claims claims;
    if (!authenticate(req, res, &claims)) return;
    const Context ctx{claims.tenant, claims.sub, claims.roles};
    Response r;
    {
      std::lock_guard<std::mutex> lock(shopMu_);
      if (req.path == "/sync/push" && req.method == "POST") {
        // One durable commit for the whole push: the answer is sent only after it, so a crash
        // before it loses only work whose answer the client never saw (and will push again).
        // (On PostgreSQL each command commits on its own: see ServerStore::groupsPushes.)
        const bool group = store_->groupsPushes();
        if (group) store_->beginGroup();
        try {
          r = sync_->push(ctx, req.body);
          if (group) store_->endGroup(r.status < 500);  // a storage failure undoes the whole push
        } catch (const ApiError& e) {
          if (group) store_->endGroup(false);
          r = Response{e.status(), errorBody(e.status(), e.what(), e.code()), {}, {}};
        }
      } else if (req.path == "/sync/lease" && req.method == "POST") {
        r = sync_->lease(ctx, req.body);
      } else if (req.path == "/sync/pull" && req.method == "GET") {
        const size_t q = req.target.find('?');
        r = sync_->pull(ctx, q == std::string::npos ? "" : req.target.substr(q + 1));
      } else {
        r = Response{404, errorBody(404, "Cannot " + req.method + " " + req.path.substr(0, 200)), {}, {}};
      }
    }
    sendJson(res, r.status, r.body);
  };
  const char* syncPattern = R"(/sync/(push|pull|lease))";
  s.Get(syncPattern, sync);
  s.Post(syncPattern, sync);

  const char* pattern = R"(/(products|inventory|orders)(/.*)?)";
  s.Get(pattern, api);
  s.Post(pattern, api);
  s.Patch(pattern, api);
  s.Put(pattern, api);
  s.Delete(pattern, api);

  // Static files, after every route above (a page cannot shadow the API). Not cpp-httplib's
  // mount points: those follow symlinks out of the folder and serve dotfiles.
  std::vector<std::pair<std::string, std::string>> mounts;  // path prefix, folder; the first that has the file
  if (!options_.distDir.empty()) {
    mounts.emplace_back("/dist", options_.distDir);
    // The API reference: Swagger UI (from npm, copied into the build) over /openapi.json.
    mounts.emplace_back("/docs", options_.distDir + "/docs");
  }
  if (!options_.pagesDir.empty()) mounts.emplace_back("", options_.pagesDir);
  if (!mounts.empty()) {
    s.Get("/.*", [mounts](const httplib::Request& req, httplib::Response& res) {
      for (const auto& [prefix, dir] : mounts) {
        if (req.path.compare(0, prefix.size(), prefix) != 0 ||
            (req.path.size() > prefix.size() && req.path[prefix.size()] != '/')) {
          continue;
        }
        struct stat st;
        const int fd = openStatic(dir, req.path.substr(prefix.size()), &st);
        if (fd < 0) continue;
        serveStatic(fd, st, req.path.substr(prefix.size()), req, res);
        ::close(fd);
        return;
      }
      res.status = 404;  // the error handler words it
    });
  }
}

}  // namespace edgecart
