// Live updates (design §8): devices listening on GET /sync/events hear that their feed moved,
// from this process's commits and, through the store, from other processes'.

#include <algorithm>
#include <vector>

#include "edgecart/api/access.h"
#include "edgecart/api/router.h"
#include "edgecart_server/server_store.h"
#include "http_server_internal.h"

namespace edgecart {

// GET /sync/events: Server-Sent Events telling this device that its feed moved (`event: changed`,
// `data: {"cursor"}`), scoped by role as the pull is: staff hear of every change of the tenant,
// a customer of the catalogue, the stock and its own orders. The device pulls then; its timer
// stays the fallback. Other processes on the same database announce their commits (heard()).
HttpReply HttpServer::openEvents(const HttpRequest& req) {
  Claims claims;
  if (std::optional<HttpReply> refused = authenticate(req, &claims)) return *refused;
  if (req.method != "GET") return jsonReply(404, errorBody(404, "Cannot " + req.method.substr(0, 16) + " /sync/events"));
  if (!isValidTenantCode(claims.tenant)) return jsonReply(400, errorBody(400, "tenant code must match [a-z0-9][a-z0-9_-]{0,63}"));
  Subscriber sub{claims.tenant, claims.sub, roleOf(Context{claims.tenant, claims.sub, claims.roles}) == Role::Customer, nullptr};
  HttpReply r;
  r.tenant = claims.tenant;
  r.set("Content-Type", "text/event-stream");
  r.set("Cache-Control", "no-cache");
  r.set("X-Accel-Buffering", "no");  // a proxy must not hold the events back
  r.onStream = [this, sub](std::shared_ptr<HttpStream> stream) mutable {
    stream->write(": connected\n\n");
    sub.stream = std::move(stream);
    std::lock_guard<std::mutex> lock(hubMu_);
    // Devices that left are dropped here too, not only when a change is published (a quiet shop's
    // reconnecting devices would pile up).
    subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                      [](const Subscriber& s) { return !s.stream->isOpen(); }),
                       subscribers_.end());
    subscribers_.push_back(std::move(sub));
  };
  return r;
}

// What another process needs to tell its listeners: {"from": this process, "moves": [{tenant,
// cursor, shared, customers}]}. PostgreSQL takes at most 8,000 bytes: a larger one names no
// customers and marks every move shared (every device of the tenant hears; a spurious event costs
// a pull that brings nothing).
std::string HttpServer::announcement(const std::vector<SyncServer::FeedMove>& moves) const {
  auto encode = [&](bool all) {
    json list = json::array();
    for (const SyncServer::FeedMove& m : moves) {
      list.push_back({{"tenant", m.tenant}, {"cursor", m.cursor}, {"shared", all || m.shared},
                      {"customers", all ? std::set<std::string>{} : m.customers}});
    }
    return json{{"from", processId_}, {"moves", std::move(list)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::string text = encode(false);
  return text.size() < 7900 ? text : encode(true);
}

void HttpServer::heard(const std::string& payload) {
  const json j = json::parse(payload, nullptr, false);
  if (!j.is_object() || j.value("from", "") == processId_ || !j.contains("moves") || !j["moves"].is_array()) return;
  std::vector<SyncServer::FeedMove> moves;
  for (const json& m : j["moves"]) {
    if (!m.is_object()) continue;
    SyncServer::FeedMove move;
    move.tenant = m.value("tenant", "");
    move.cursor = m.value("cursor", "");
    move.shared = m.value("shared", false);
    for (const json& c : m.value("customers", json::array())) {
      if (c.is_string()) move.customers.insert(c.get<std::string>());
    }
    moves.push_back(std::move(move));
  }
  publish(moves);
}

void HttpServer::publish(const std::vector<SyncServer::FeedMove>& moves) {
  if (moves.empty()) return;
  std::lock_guard<std::mutex> lock(hubMu_);
  size_t kept = 0;
  for (Subscriber& s : subscribers_) {
    if (!s.stream->isOpen()) continue;  // gone: dropped below
    for (const SyncServer::FeedMove& m : moves) {
      if (m.tenant != s.tenant || (s.customer && !m.shared && !m.customers.count(s.user))) continue;
      s.stream->write("event: changed\ndata: {\"cursor\":\"" + m.cursor + "\"}\n\n");
    }
    if (&subscribers_[kept] != &s) subscribers_[kept] = std::move(s);
    ++kept;
  }
  subscribers_.resize(kept);
}

size_t HttpServer::subscribers() const {
  std::lock_guard<std::mutex> lock(hubMu_);
  size_t n = 0;
  for (const Subscriber& s : subscribers_) n += s.stream->isOpen();
  return n;
}

}  // namespace edgecart
