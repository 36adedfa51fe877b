// edgecart_load: a short, bounded load on a running edgecart-server over loopback.
//
//   edgecart_load --port N[,N...] --secret S [--threads 8] [--seconds 5] [--tenant load-<time>]
//                 [--tenants 1]
//
// Creates a product with ample stock (in each of --tenants tenants: T-1, T-2, ... when more than
// one), then every thread sends POST /orders (the seed's request) on its own keep-alive connection
// until the time is up; thread k talks to port k mod the ports given (several server processes on
// one database) for tenant k mod --tenants. Prints requests/s, latency percentiles and errors (a
// 409 "please retry" after the server's own retries counts apart, as "gave up"), then checks that
// no order was lost: per tenant, the orders listed and the units reserved match the 201 answers.
// The last line is the same figures as JSON. Exit status 1 on any error or lost order.

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "edgecart_server/jwt.h"

using nlohmann::json;
using Steady = std::chrono::steady_clock;

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

int main(int argc, char** argv) {
  std::vector<int> ports;
  int threads = 8, tenants = 1;
  double seconds = 5;
  std::string secret, tenant = "load-" + std::to_string(std::time(nullptr));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--port" || a == "--ports") {
      for (size_t at = 0; at <= v.size();) {
        const size_t comma = std::min(v.find(',', at), v.size());
        ports.push_back(std::atoi(v.substr(at, comma - at).c_str()));
        at = comma + 1;
      }
    }
    else if (a == "--tenants") tenants = std::atoi(v.c_str());
    else if (a == "--secret") secret = v;
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "--seconds") seconds = std::atof(v.c_str());
    else if (a == "--tenant") tenant = v;
  }
  const bool badPort = ports.empty() || std::any_of(ports.begin(), ports.end(), [](int p) { return p <= 0 || p > 65535; });
  if (badPort || secret.empty() || threads <= 0 || seconds <= 0 || tenants <= 0) {
    std::cerr << "usage: edgecart_load --port N[,N...] --secret S [--threads 8] [--seconds 5] [--tenant T] [--tenants 1]\n";
    return 2;
  }
  // A till run by a manager: the load creates the product and stocks it before selling.
  std::vector<httplib::Headers> auth;
  for (int k = 0; k < tenants; ++k) {
    const std::string name = tenants == 1 ? tenant : tenant + "-" + std::to_string(k + 1);
    auth.push_back({{"Authorization", "Bearer " + edgecart::signJwt({{"sub", "load"}, {"custom:tenant", name},
                                                                   {"custom:roles", {"manager"}}}, secret)}});
  }
  httplib::Client setup("127.0.0.1", ports[0]);
  auto must = [&](httplib::Result r, int status, const char* what) {
    if (!r || r->status != status) {
      std::cerr << "edgecart_load: " << what << " failed: " << (r ? r->body : httplib::to_string(r.error())) << "\n";
      std::exit(1);
    }
    return json::parse(r->body);
  };
  for (const httplib::Headers& a : auth) {
    must(setup.Post("/products", a,
                    R"({"code":"PRD-001","name":"Wireless Mouse","categoryCode":"ACC","sku":"WM-001","price":29.99,"currency":"USD"})",
                    "application/json"), 201, "create product");
    must(setup.Patch("/inventory/PRD-001", a, R"({"quantity":100000000})", "application/json"), 200, "stock");
  }
  const std::string order = json::parse(R"({"customerId":"CUST-001","items":[{"productCode":"PRD-001","name":"Wireless Mouse","quantity":2,"price":29.99}],
      "shippingAddress":{"street":"123 Main St","city":"Tokyo","postalCode":"100-0001","country":"JP"},"paymentMethod":"credit_card"})").dump();

  std::atomic<bool> stop{false};
  std::atomic<long> errors{0}, gaveUp{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::set<std::string>> codes(static_cast<size_t>(tenants));
  std::vector<std::thread> pool;
  const auto start = Steady::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const size_t mine_tenant = static_cast<size_t>(t % tenants);
      httplib::Client c("127.0.0.1", ports[static_cast<size_t>(t) % ports.size()]);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      std::vector<double> mine;
      std::vector<std::string> made;
      while (!stop) {
        const auto t0 = Steady::now();
        httplib::Result r = c.Post("/orders", auth[mine_tenant], order, "application/json");
        mine.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        if (r && r->status == 409 && r->body.find("please retry") != std::string::npos) {
          ++gaveUp;
          continue;
        }
        if (!r || r->status != 201) {
          if (++errors <= 3) {
            std::lock_guard<std::mutex> lock(mu);
            std::cerr << "edgecart_load: " << (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error())) << "\n";
          }
          continue;
        }
        made.push_back(json::parse(r->body)["code"].get<std::string>());
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      codes[mine_tenant].insert(made.begin(), made.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies.empty() ? 0 : latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))]; };
  // No lost order: every 201 is listed, and the stock reserved is exactly theirs.
  size_t created = 0, listed = 0;
  bool lost = false;
  for (size_t k = 0; k < auth.size(); ++k) {
    size_t here = 0;
    std::string cursor;
    do {
      const json page = must(setup.Get(("/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + encode(cursor))).c_str(), auth[k]),
                             200, "list orders");
      here += page["items"].size();
      cursor = page.value("lastSk", "");
    } while (!cursor.empty());
    const long reserved = must(setup.Get("/inventory/PRD-001", auth[k]), 200, "inventory")["attributes"]["reservedQuantity"];
    lost = lost || here != codes[k].size() || reserved != 2 * static_cast<long>(codes[k].size());
    created += codes[k].size();
    listed += here;
  }
  const long rps = static_cast<long>(static_cast<double>(created) / elapsed);
  std::cout << "threads " << threads << ", processes " << ports.size() << ", tenants " << tenants << ", " << elapsed
            << " s: " << latencies.size() << " requests, " << rps << " orders/s; latency ms p50 " << pct(0.5)
            << ", p90 " << pct(0.9) << ", p99 " << pct(0.99) << ", max " << (latencies.empty() ? 0 : latencies.back())
            << "; errors " << errors << ", gave up (409 please retry) " << gaveUp << "; orders created " << created
            << ", listed " << listed << "\n";
  if (lost) std::cout << "LOST ORDERS\n";
  std::cout << json{{"processes", ports.size()}, {"tenants", tenants}, {"threads", threads}, {"ordersPerSecond", rps},
                    {"p50", pct(0.5)}, {"p99", pct(0.99)}, {"errors", errors.load()}, {"gaveUp", gaveUp.load()},
                    {"created", created}, {"lost", lost}}.dump() << "\n";
  return errors == 0 && !lost ? 0 : 1;
}
