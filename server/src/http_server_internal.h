#pragma once
// What the parts of HttpServer share (http_server.cpp, core_loop.cpp, live_updates.cpp): the
// queue of requests waiting for a core, and the JSON answer.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "edgecart_server/http_server.h"

namespace edgecart {

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
