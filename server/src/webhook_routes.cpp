// The admin routes under /webhooks (docs/webhooks.md): subscriptions and their deliveries, in
// the shop's store beside the queue the worker (webhooks.cpp) sends from.

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "edgecart/api/access.h"
#include "edgecart/api/validate.h"
#include "edgecart/engine/error.h"
#include "edgecart_server/webhooks.h"
#include "webhook_client.h"
#include "webhook_rows.h"

namespace edgecart {

using namespace webhook;

namespace {

// The body of POST /webhooks and PATCH /webhooks/:id, checked.
struct SubscriptionInput {
  std::optional<std::string> url, description;
  std::optional<json> events;
  std::optional<bool> enabled;
};

SubscriptionInput parseInput(const std::string& body, bool create, bool allowPrivate) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) throw ApiError(400, "The body must be a JSON object", errc::kValidation);
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (key != "url" && key != "events" && key != "description" && !(key == "enabled" && !create)) {
      throw ApiError(400, "Unknown field " + echo(key) + (create ? ": a webhook is {url, events, description?}" : ": a change is {url?, events?, description?, enabled?}"), errc::kValidation);
    }
  }
  SubscriptionInput in;
  if (j.contains("url")) {
    if (!j["url"].is_string()) throw ApiError(400, "url must be a string", errc::kValidation);
    std::string why;
    if (!parseWebhookUrl(j["url"].get<std::string>(), allowPrivate, &why)) throw ApiError(400, why, errc::kValidation);
    in.url = j["url"].get<std::string>();
  } else if (create) {
    throw ApiError(400, "url is required", errc::kValidation);
  }
  if (j.contains("events")) {
    const json& ev = j["events"];
    if (!ev.is_array() || ev.empty() || ev.size() > 16) throw ApiError(400, "events must be a list of 1-16 event types", errc::kValidation);
    std::set<std::string> seen;
    for (const json& t : ev) {
      const bool known = t.is_string() && (t == "*" || std::find(webhookEventTypes().begin(), webhookEventTypes().end(), t.get<std::string>()) != webhookEventTypes().end());
      if (!known) {
        std::string list;
        for (const std::string& name : webhookEventTypes()) list += name + ", ";
        throw ApiError(400, "Unknown event type " + echo(t.is_string() ? t.get<std::string>() : t.dump()) + ": the types are " + list + "or * for all", errc::kValidation);
      }
      if (!seen.insert(t.get<std::string>()).second) throw ApiError(400, "events names " + t.get<std::string>() + " twice", errc::kValidation);
    }
    in.events = ev;
  } else if (create) {
    throw ApiError(400, "events is required", errc::kValidation);
  }
  if (j.contains("description")) {
    if (!j["description"].is_string() || j["description"].get<std::string>().size() > 500) {
      throw ApiError(400, "description must be a string of at most 500 bytes", errc::kValidation);
    }
    in.description = j["description"].get<std::string>();
  }
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) throw ApiError(400, "enabled must be true or false", errc::kValidation);
    in.enabled = j["enabled"].get<bool>();
  }
  return in;
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t at = 1;
  while (at <= path.size()) {
    const size_t next = path.find('/', at);
    parts.push_back(path.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return parts;
}

}  // namespace

std::optional<Response> Webhooks::handle(Engine& engine, const Context& ctx, const std::string& method, const std::string& target,
                                         const std::string& body) {
  if (target.compare(0, 9, "/webhooks") != 0) return std::nullopt;  // every other request: at once
  const std::string path = target.substr(0, target.find('?'));
  const std::string query = target.size() > path.size() ? target.substr(path.size() + 1) : "";
  const std::vector<std::string> parts = split(path);
  if (parts.empty() || parts[0] != "webhooks") return std::nullopt;
  auto answer = [](int status, json body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  };
  try {
    if (roleOf(ctx) != Role::Admin) throw ApiError(403, "Only an admin may manage webhooks", errc::kForbidden);
    if (!isValidTenantCode(ctx.tenantCode)) throw ApiError(400, "tenant code must match [a-z0-9][a-z0-9_-]{0,63}", errc::kValidation);
    std::map<std::string, std::string> q = parseQuery(query);
    const bool listing = parts.size() == 3 && parts[2] == "deliveries" && method == "GET";
    for (const auto& [key, value] : q) {
      (void)value;
      if (!listing || (key != "limit" && key != "before")) throw ApiError(400, "Unknown query parameter " + echo(key), errc::kValidation);
    }
    const std::string tenant = ctx.tenantCode;
    auto subscription = [&](Transaction& tx, const std::string& id) {
      const Value sub = id == "active" ? nullptr : tx.get(Table::Sequence, subsPk(tenant), id);
      if (!sub) throw ApiError(404, "Webhook " + echo(id) + " not found", errc::kNotFound);
      return sub;
    };
    // POST /webhooks, GET /webhooks
    if (parts.size() == 1) {
      if (method == "GET") {
        json items = json::array();
        engine.store().scan(Table::Sequence, subsPk(tenant), "wh_", "", [&](const std::string&, const Value& v) {
          items.push_back(publicView(*v));
          return true;
        });
        return answer(200, {{"items", std::move(items)}});
      }
      if (method != "POST") throw ApiError(404, "Cannot " + echo(method, 16) + " /webhooks", errc::kNotFound);
      const SubscriptionInput in = parseInput(body, true, options_.allowPrivate);
      const std::string id = "wh_" + randomHex(8);
      const std::string secret = "whsec_" + randomHex(32);
      json sub = engine.run(contextOf(tenant), [&](Transaction& tx) {
        // Counted inside the transaction: two creates at once both write the "active" row, so the
        // second runs again and counts the first.
        size_t count = 0;
        engine.store().scan(Table::Sequence, subsPk(tenant), "wh_", "", [&](const std::string&, const Value&) {
          ++count;
          return true;
        });
        if (count >= options_.maxSubscriptions) {
          throw ApiError(409, "A shop has at most " + std::to_string(options_.maxSubscriptions) + " webhooks: delete one first", errc::kConflict);
        }
        json s = {{"id", id}, {"url", *in.url}, {"events", *in.events}, {"description", in.description.value_or("")},
                  {"enabled", true}, {"createdAt", tx.now()}, {"createdBy", ctx.userId}, {"secret", secret}};
        tx.insertRow(Table::Sequence, subsPk(tenant), id, row(s));
        setActive(tx, tenant, id, &s);
        return s;
      });
      return answer(201, sub);  // the only answer that shows the secret
    }
    const std::string id = parts[1];
    if (parts.size() == 2) {
      if (method == "GET") {
        return answer(200, engine.run(contextOf(tenant), [&](Transaction& tx) { return publicView(*subscription(tx, id)); }));
      }
      if (method == "PATCH") {
        const SubscriptionInput in = parseInput(body, false, options_.allowPrivate);
        return answer(200, engine.run(contextOf(tenant), [&](Transaction& tx) {
          json s = *subscription(tx, id);
          if (in.url) s["url"] = *in.url;
          if (in.events) s["events"] = *in.events;
          if (in.description) s["description"] = *in.description;
          if (in.enabled && *in.enabled != s.value("enabled", false)) {
            s["enabled"] = *in.enabled;
            s.erase("disabledAt");
            s.erase("disabledReason");
            s.erase("failingSince");
            s.erase("failingSinceMs");
            if (*in.enabled) {
              // What waited is sent now, each delivery with its full time again (the failing time
              // starts over, above); a claim under way is kept (its process is sending).
              s.erase("enabledAtMs");  // written by an older version; the failing time replaced it
              tx.putRow(Table::Sequence, kDuePk, dueSk(tenant, id), row(json{{"nextAtMs", 0}}));
              if (const Value h = tx.get(Table::Sequence, queuePk(tenant, id), "head"); h && h->contains("nextAtMs")) {
                json head = *h;
                head.erase("nextAtMs");
                tx.putRow(Table::Sequence, queuePk(tenant, id), "head", row(head));
              }
            }
          }
          s["updatedAt"] = tx.now();
          tx.putRow(Table::Sequence, subsPk(tenant), id, row(s));
          setActive(tx, tenant, id, s.value("enabled", false) ? &s : nullptr);
          return publicView(s);
        }));
      }
      if (method == "DELETE") {
        engine.run(contextOf(tenant), [&](Transaction& tx) {
          subscription(tx, id);
          // Read, so that a delivery queued meanwhile by another core or process makes this run
          // again and goes with the rest.
          tx.get(Table::Sequence, queuePk(tenant, id), "counter");
          tx.putRow(Table::Sequence, subsPk(tenant), id, nullptr);
          setActive(tx, tenant, id, nullptr);
          tx.putRow(Table::Sequence, kDuePk, dueSk(tenant, id), nullptr);
          std::vector<std::string> sks;
          engine.store().scan(Table::Sequence, queuePk(tenant, id), "", "", [&](const std::string& sk, const Value&) {
            sks.push_back(sk);
            return true;
          });
          for (const std::string& sk : sks) tx.putRow(Table::Sequence, queuePk(tenant, id), sk, nullptr);
        });
        return answer(200, {{"id", id}, {"deleted", true}});
      }
      throw ApiError(404, "Cannot " + echo(method, 16) + " " + echo(path, 200), errc::kNotFound);
    }
    if (parts[2] != "deliveries") throw ApiError(404, "Cannot " + echo(method, 16) + " " + echo(path, 200), errc::kNotFound);
    // GET /webhooks/:id/deliveries?limit=&before=: newest first.
    if (parts.size() == 3 && method == "GET") {
      int64_t limit = 50;
      if (q.count("limit")) {
        const std::string& l = q["limit"];
        if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos || std::stoi(l) < 1 || std::stoi(l) > 200) {
          throw ApiError(400, "limit must be 1-200", errc::kValidation);
        }
        limit = std::stoi(l);
      }
      std::string before;
      if (q.count("before")) {
        const std::string& b = q["before"];
        if (b.empty() || b.size() > 12 || b.find_first_not_of("0123456789") != std::string::npos) {
          throw ApiError(400, "before must be a delivery id", errc::kValidation);
        }
        before = seqSk(std::stoll(b));
      }
      engine.run(contextOf(tenant), [&](Transaction& tx) { subscription(tx, id); });
      json items = json::array();
      std::string last;
      bool more = false;
      engine.store().scanBackward(Table::Sequence, queuePk(tenant, id), "0", before, [&](const std::string& sk, const Value& v) {
        if (static_cast<int64_t>(items.size()) == limit) {
          more = true;
          return false;
        }
        items.push_back(deliveryView(sk, *v));
        last = sk;
        return true;
      });
      json out = {{"items", std::move(items)}};
      if (more) out["before"] = std::to_string(std::stoll(last));
      return answer(200, out);
    }
    // POST /webhooks/:id/deliveries/:deliveryId/redeliver: the same event again, at the queue's end.
    if (parts.size() == 5 && parts[4] == "redeliver" && method == "POST") {
      const std::string& did = parts[3];
      if (did.empty() || did.size() > 12 || did.find_first_not_of("0123456789") != std::string::npos) {
        throw ApiError(404, "Delivery " + echo(did) + " not found", errc::kNotFound);
      }
      json out = engine.run(contextOf(tenant), [&](Transaction& tx) {
        subscription(tx, id);
        const Value d = tx.get(Table::Sequence, queuePk(tenant, id), seqSk(std::stoll(did)));
        if (!d) throw ApiError(404, "Delivery " + did + " not found", errc::kNotFound);
        const json of = std::to_string(std::stoll(did));
        const int64_t n = append(tx, id, d->at("eventId").get<std::string>(), d->at("type").get<std::string>(),
                                       d->at("body").get<std::string>(), &of);
        return deliveryView(seqSk(n), *tx.get(Table::Sequence, queuePk(tenant, id), seqSk(n)));
      });
      queuedOnThisThread = true;
      return answer(202, out);
    }
    throw ApiError(404, "Cannot " + echo(method, 16) + " " + echo(path, 200), errc::kNotFound);
  } catch (const ApiError& e) {
    Response r = answer(e.status(), errorBody(e.status(), e.what(), e.code()));
    r.code = e.code();
    return r;
  }
}

}  // namespace edgecart
