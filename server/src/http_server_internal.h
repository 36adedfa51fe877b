#pragma once
// What the parts of HttpServer share (http_server.cpp, core_loop.cpp, live_updates.cpp,
// metrics.cpp, seed.cpp): the metrics, the queue of requests waiting for a core, the JSON answer.

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "edgecart_server/http_server.h"

namespace edgecart {

// The request-duration histogram's bucket bounds, in seconds.
inline constexpr double kBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
inline constexpr size_t kBucketCount = sizeof kBuckets / sizeof kBuckets[0];

// The request counts and durations served at /metrics (metrics.cpp).
struct HttpServer::Metrics {
  struct Route {
    std::map<int, uint64_t> byStatus;
    uint64_t buckets[kBucketCount] = {};
    uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mu;
  std::map<std::string, Route> routes;
};

// True if `path` is `prefix` or goes on below it: "/orders" and "/orders/1", not "/ordersx".
inline bool startsWith(const std::string& path, const char* prefix) {
  const size_t n = std::strlen(prefix);
  return path.compare(0, n, prefix) == 0 && (path.size() == n || path[n] == '/');
}

// A JSON answer: `body` with its status and Content-Type.
HttpReply jsonReply(int status, const json& body);

// The requests waiting for a core; every core takes from it.
struct HttpServer::CoreQueue {
  struct Job {
    HttpRequest req;
    std::function<void(HttpReply)> done;
    std::string tenant;  // with several cores: its tenant ("" if its token is refused)
  };
  std::mutex mu;
  std::condition_variable ready;
  std::deque<Job> jobs;
  // With several cores, a tenant's requests run on one core at a time, in the order they came: a
  // tenant's hot rows (its order counter, its change feed) would otherwise make its requests
  // conflict and re-run. Different tenants run at once.
  std::set<std::string> busy;
  bool closing = false;
  // The first job whose tenant no core is running, or end().
  std::deque<Job>::iterator takeable() {
    return std::find_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.tenant.empty() || !busy.count(j.tenant); });
  }
};


}  // namespace edgecart
