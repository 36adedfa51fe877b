// edgecart-server: the EdgeCart API over HTTP, on SQLite, for tenants named by HS256 tokens.
//
//   edgecart-server [--port N] [--host H] [--db FILE | --pg URL [--pg-connections N]] [--pages DIR] [--dist DIR] [--threads N]
//                   [--cors-origin ORIGIN]... [--seed FILE] [--dev]

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "edgecart/engine/error.h"
#include "edgecart_server/http_server.h"
#include "edgecart_server/jwt.h"
#include "edgecart_server/sqlite_store.h"

namespace {

constexpr char kUsage[] =
    "usage: edgecart-server [--port N] [--host H] [--db FILE | --pg URL] [--pages DIR] [--dist DIR] [--threads N]\n"
    "                       [--max-connections N] [--metrics-port N] [--no-group-commit] [--cors-origin ORIGIN]... [--seed FILE] [--dev]\n"
    "                       [--webhook-allow-private] [--webhook-ca FILE] [--webhook-timeout S]\n"
    "                       [--webhook-retry S] [--webhook-give-up S] [--expiry-sweep S]\n"
    "  --port N     port to listen on (default 8080; 0 = any free port)\n"
    "  --host H     address to bind (default 127.0.0.1)\n"
    "    --db FILE    SQLite database (default ./data/edgecart.db, created if needed)\n"
    "  --pg URL     PostgreSQL instead of SQLite (libpq URL, e.g. postgresql://user@host/db; also\n"
    "               EDGECART_PG): any number of server processes may share one database\n"
    "  --pg-connections N  PostgreSQL connections of this process (default 4): requests run on\n"
    "               them at once\n"
    "  --pages DIR  web pages served at / (default: ../share/edgecart/pages beside the binary's\n"
    "               directory if installed there, else none)\n"
    "  --dist DIR   the built web package served at /dist (default: ../share/edgecart/dist, likewise)\n"
    "  --threads N  event-loop threads serving every connection (default 2); requests enter the\n"
    "               core one at a time on its own thread\n"
    "  --max-connections N  open connections (default 20000; one more is answered 503); a request\n"
    "               must arrive whole within 10 s of its first byte, an idle connection is closed\n"
    "               after 5 s, headers are at most 16 KiB, bodies 2 MiB\n"
    "  --metrics-port N  GET /metrics (Prometheus text) on port N of --metrics-host (default\n"
    "               127.0.0.1); none unless given\n"
    "  --no-group-commit  one commit (and fsync) per request on SQLite, instead of one for the\n"
    "               requests that reach the core together (to measure against)\n"
    "  --cors-origin ORIGIN  let pages of ORIGIN (https://shop.example) call the API; repeatable\n"
    "  --seed FILE  on first start, create the products (with stock) of FILE, a JSON\n"
    "               {tenant, products: [{code, name, categoryCode, sku, price, currency, quantity}]},\n"
    "               if that tenant has none yet\n"
    "  --webhook-allow-private  deliver webhooks to loopback and private addresses too (a receiver\n"
    "               on this host or network); refused by default\n"
    "  --webhook-ca FILE  also trust these PEM certificates for https receivers\n"
    "  --webhook-timeout S  seconds one attempt may take (default 10)\n"
    "  --webhook-retry S  seconds before the first retry (default 30; doubled each time, at most 1 h)\n"
    "  --webhook-give-up S  seconds after which a delivery is failed and a subscription failing\n"
    "               that long is disabled (default 86400, 24 h)\n"
    "  --expiry-sweep S  every S seconds (default 30; 0 = never) cancel the pending orders older\n"
    "               than their shop's pendingOrderExpiryMinutes setting (docs/money.md)\n"
    "  --dev        development: make a JWT secret if EDGECART_JWT_SECRET is unset, print an\n"
    "               admin token for tenant \"demo\" and serve it at GET /dev/token (which also\n"
    "               signs ?role=customer|cashier|manager|admin&sub=NAME tokens); CORS from\n"
    "               http://localhost:* and http://127.0.0.1:*\n"
    "       edgecart-server backup FILE [--db DB]   a consistent copy of the SQLite database, also\n"
    "               while a server runs on it\n"
    "The JWT secret comes from the EDGECART_JWT_SECRET environment variable.\n";

int usage(const std::string& problem) {
  std::cerr << "edgecart-server: " << problem << "\n" << kUsage;
  return 2;
}

}  // namespace

// edgecart-server backup FILE [--db DB]: a consistent copy of the SQLite database, while a server
// may be running on it (PostgreSQL: pg_dump, see docs/operations.md).
int backupCommand(int argc, char** argv) {
  std::string db = "data/edgecart.db", to;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--db" && i + 1 < argc) {
      db = argv[++i];
    } else if (to.empty() && a.rfind("--", 0) != 0) {
      to = a;
    } else {
      return usage("usage: edgecart-server backup FILE [--db DB]");
    }
  }
  if (to.empty()) return usage("usage: edgecart-server backup FILE [--db DB]");
  try {
    const int pages = edgecart::SqliteStore::backup(db, to);
    std::cerr << "edgecart-server: backed up " << db << " to " << to << " (" << pages << " pages)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "edgecart-server: " << e.what() << "\n";
    return 1;
  }
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "backup") return backupCommand(argc, argv);
  edgecart::ServerOptions o;
  o.handleSignals = true;
  bool dev = false;
  std::string seedFile;
  bool pagesGiven = false;  // --pages or --dist (even empty: none)
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    // The next argument as an integer in [lo, hi], or nothing (the caller answers with usage).
    auto intFlag = [&](long lo, long hi) -> std::optional<long> {
      const std::string v = value();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < lo || n > hi) return std::nullopt;
      return n;
    };
    if (a == "--port") {
      const auto p = intFlag(0, 65535);
      if (!p) return usage("--port needs 0-65535");
      o.port = static_cast<int>(*p);
    } else if (a == "--host") {
      o.host = value();
    } else if (a == "--db") {
      o.dbPath = value();
    } else if (a == "--pg") {
      o.pgUrl = value();
      if (o.pgUrl.empty()) return usage("--pg needs a PostgreSQL URL");
    } else if (a == "--pg-connections") {
      const auto n = intFlag(1, 64);
      if (!n) return usage("--pg-connections needs 1-64");
      o.pgConnections = static_cast<size_t>(*n);
    } else if (a == "--pages") {
      o.pagesDir = value();
      pagesGiven = true;
    } else if (a == "--dist") {
      o.distDir = value();
      pagesGiven = true;
    } else if (a == "--threads") {
      const auto n = intFlag(1, 64);
      if (!n) return usage("--threads needs 1-64");
      o.threads = static_cast<size_t>(*n);
    } else if (a == "--metrics-port") {
      const auto p = intFlag(0, 65535);
      if (!p) return usage("--metrics-port needs 0-65535");
      o.metricsPort = static_cast<int>(*p);
    } else if (a == "--metrics-host") {
      o.metricsHost = value();
      if (o.metricsHost.empty()) return usage("--metrics-host needs an address");
    } else if (a == "--no-group-commit") {
      o.groupCommit = false;
    } else if (a == "--max-connections") {
      const auto n = intFlag(1, 1000000);
      if (!n) return usage("--max-connections needs 1-1000000");
      o.maxConnections = static_cast<size_t>(*n);
    } else if (a == "--expiry-sweep") {
      const auto n = intFlag(0, 86400);
      if (!n) return usage("--expiry-sweep needs 0-86400 seconds");
      o.expirySweepMs = *n * 1000;
    } else if (a == "--cors-origin") {
      const std::string v = value();
      if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
        return usage("--cors-origin needs an origin such as https://shop.example");
      }
      o.corsOrigins.push_back(v.back() == '/' ? v.substr(0, v.size() - 1) : v);
    } else if (a == "--webhook-allow-private") {
      o.webhooks.allowPrivate = true;
    } else if (a == "--webhook-ca") {
      o.webhooks.caFile = value();
      if (o.webhooks.caFile.empty()) return usage("--webhook-ca needs a PEM file");
    } else if (a == "--webhook-timeout" || a == "--webhook-retry" || a == "--webhook-give-up") {
      const std::string v = value();
      char* end = nullptr;
      const double n = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(n > 0) || n > 30 * 86400) return usage(a + " needs a number of seconds");
      if (a == "--webhook-timeout") o.webhooks.timeoutSeconds = std::max(1, static_cast<int>(n));
      if (a == "--webhook-retry") o.webhooks.firstRetrySeconds = n;
      if (a == "--webhook-give-up") o.webhooks.giveUpSeconds = n;
    } else if (a == "--seed") {
      seedFile = value();
      if (seedFile.empty()) return usage("--seed needs a file");
    } else if (a == "--dev") {
      dev = true;
      o.corsLocalhost = true;
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      return usage("unknown argument " + a);
    }
  }
  // Installed (cmake --install): the pages and the web package under ../share/edgecart beside
  // the binary's own directory serve unless --pages / --dist say otherwise.
  if (o.pagesDir.empty() && o.distDir.empty() && !pagesGiven) {
    std::error_code ec;
    const std::filesystem::path share = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().parent_path() / "share" / "edgecart";
    if (!ec && std::filesystem::is_directory(share / "pages", ec)) o.pagesDir = (share / "pages").string();
    if (!ec && std::filesystem::is_directory(share / "dist", ec)) o.distDir = (share / "dist").string();
  }
  if (const char* secret = std::getenv("EDGECART_JWT_SECRET")) o.jwtSecret = secret;
  if (const char* pg = std::getenv("EDGECART_PG"); pg && o.pgUrl.empty()) o.pgUrl = pg;
  if (o.jwtSecret.empty()) {
    if (!dev) return usage("set EDGECART_JWT_SECRET (or use --dev)");
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return usage("no randomness for a dev secret");
    o.jwtSecret = edgecart::base64url(std::string(reinterpret_cast<char*>(bytes), sizeof bytes));
  }
  if (dev) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    o.devToken = edgecart::signJwt({{"sub", "dev-user"}, {"custom:tenant", "demo"},
                                    {"custom:roles", {"admin"}}, {"iat", now}, {"exp", now + 7 * 86400}},
                                   o.jwtSecret);
  }
  try {
    const std::filesystem::path db(o.dbPath);
    if (o.pgUrl.empty() && db.has_parent_path()) std::filesystem::create_directories(db.parent_path());
    edgecart::HttpServer server(o, std::cout);
    if (!seedFile.empty()) {
      std::ifstream in(seedFile);
      if (!in) throw std::runtime_error("cannot read the seed " + seedFile);
      const nlohmann::json seed = nlohmann::json::parse(in, nullptr, false);
      if (seed.is_discarded()) throw std::runtime_error("the seed " + seedFile + " is not JSON");
      try {
        const int n = server.seed(seed);
        if (n > 0) std::cerr << "edgecart-server: seeded tenant " << seed["tenant"].get<std::string>() << " with " << n << " products\n";
      } catch (const edgecart::ApiError& e) {
        if (e.status() != 503) throw;
        std::cerr << "edgecart-server: not seeded, the database is unavailable (" << e.what() << ")\n";
      }
    }
    const int port = server.bind();
    std::cerr << "edgecart-server: listening on http://" << o.host << ":" << port << "/ (" << server.storeDescription() << ")\n";
    if (server.metricsPort() >= 0) {
      std::cerr << "edgecart-server: metrics on http://" << o.metricsHost << ":" << server.metricsPort() << "/metrics\n";
    }
    if (dev) std::cerr << "edgecart-server: dev token for tenant demo:\n" << o.devToken << "\n";
    // SIGTERM or SIGINT: nothing new is taken, what is in flight is answered, then exit 0.
    server.run();
    std::cerr << "edgecart-server: stopped\n";
  } catch (const std::exception& e) {
    std::cerr << "edgecart-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
