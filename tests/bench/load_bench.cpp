// edgecart_load: a short, bounded load on a running edgecart-server over loopback.
//
//   edgecart_load --port N --secret S [--threads 8] [--seconds 5] [--tenant load-<time>]
//
// Creates a product with ample stock, then every thread sends POST /orders (the seed's request)
// on its own keep-alive connection until the time is up. Prints requests/s, latency percentiles
// and errors, then checks that no order was lost: the orders listed and the units reserved match
// the 201 answers. Exit status 1 on any error or lost order.

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
  int port = 0, threads = 8;
  double seconds = 5;
  std::string secret, tenant = "load-" + std::to_string(std::time(nullptr));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--port") port = std::atoi(v.c_str());
    else if (a == "--secret") secret = v;
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "--seconds") seconds = std::atof(v.c_str());
    else if (a == "--tenant") tenant = v;
  }
  if (port <= 0 || secret.empty() || threads <= 0 || seconds <= 0) {
    std::cerr << "usage: edgecart_load --port N --secret S [--threads 8] [--seconds 5] [--tenant T]\n";
    return 2;
  }
  // A till run by a manager: the load creates the product and stocks it before selling.
  const std::string token = edgecart::signJwt({{"sub", "load"}, {"custom:tenant", tenant}, {"custom:roles", {"manager"}}}, secret);
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  httplib::Client setup("127.0.0.1", port);
  auto must = [&](httplib::Result r, int status, const char* what) {
    if (!r || r->status != status) {
      std::cerr << "edgecart_load: " << what << " failed: " << (r ? r->body : httplib::to_string(r.error())) << "\n";
      std::exit(1);
    }
    return json::parse(r->body);
  };
  must(setup.Post("/products", auth,
                  R"({"code":"PRD-001","name":"Wireless Mouse","categoryCode":"ACC","sku":"WM-001","price":29.99,"currency":"JPY"})",
                  "application/json"), 201, "create product");
  must(setup.Patch("/inventory/PRD-001", auth, R"({"quantity":100000000})", "application/json"), 200, "stock");
  const std::string order = json::parse(R"({"customerId":"CUST-001","items":[{"productCode":"PRD-001","name":"Wireless Mouse","quantity":2,"price":29.99}],
      "shippingAddress":{"street":"123 Main St","city":"Tokyo","postalCode":"100-0001","country":"JP"},"paymentMethod":"credit_card"})").dump();

  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::set<std::string> codes;
  std::vector<std::thread> pool;
  const auto start = Steady::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      std::vector<double> mine;
      std::vector<std::string> made;
      while (!stop) {
        const auto t0 = Steady::now();
        httplib::Result r = c.Post("/orders", auth, order, "application/json");
        mine.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        if (!r || r->status != 201) {
          ++errors;
          continue;
        }
        made.push_back(json::parse(r->body)["code"].get<std::string>());
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      codes.insert(made.begin(), made.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies.empty() ? 0 : latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))]; };
  // No lost order: every 201 is listed, and the stock reserved is exactly theirs.
  size_t listed = 0;
  std::string cursor;
  do {
    const json page = must(setup.Get(("/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + encode(cursor))).c_str(), auth),
                           200, "list orders");
    listed += page["items"].size();
    cursor = page.value("lastSk", "");
  } while (!cursor.empty());
  const long reserved = must(setup.Get("/inventory/PRD-001", auth), 200, "inventory")["attributes"]["reservedQuantity"];
  std::cout << "threads " << threads << ", " << elapsed << " s: " << latencies.size() << " requests, "
            << static_cast<long>(latencies.size() / elapsed) << " requests/s; latency ms p50 " << pct(0.5)
            << ", p90 " << pct(0.9) << ", p99 " << pct(0.99) << ", max " << (latencies.empty() ? 0 : latencies.back())
            << "; errors " << errors << "; orders created " << codes.size() << ", listed " << listed
            << ", units reserved " << reserved << "\n";
  const bool lost = listed != codes.size() || reserved != 2 * static_cast<long>(codes.size());
  if (lost) std::cout << "LOST ORDERS\n";
  return errors == 0 && !lost ? 0 : 1;
}
