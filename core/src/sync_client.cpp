// The client's side of reconciliation (SPEC §7): the durable outbox, leased order codes with a
// device-series fallback, and applying push and pull answers, each in one local commit.

#include <cstdio>
#include <set>

#include "edgecart/error.h"
#include "edgecart/sequence.h"
#include "edgecart/sync.h"
#include "sync_rows.h"

namespace edgecart {
SyncClient::SyncClient(Shop& shop, std::string tenant, const std::string& clientId)
    : shop_(shop), tenant_(std::move(tenant)), pk_("SYNC#" + tenant_) {
  const Value s = shop_.store().get(Table::Sequence, pk_, "client");
  if (s) {
    clientId_ = s->at("clientId").get<std::string>();
    return;
  }
  if (!isValidClientId(clientId)) throw ApiError(400, "clientId must be 16-64 letters, digits, '_' or '-'");
  clientId_ = clientId;
  shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) {
    tx.putRow(Table::Sequence, pk_, "client",
              row({{"clientId", clientId_}, {"nextSeq", 1}, {"cursor", ""}, {"deviceNext", 1}}));
  });
}

json SyncClient::state() const { return *shop_.store().get(Table::Sequence, pk_, "client"); }

// The code the next order takes: a leased number if one is left (`leaseSk` names its lease),
// else the next of this device's own series (`leaseSk` empty). Taken only when the order commits.
std::string SyncClient::nextOrderCode(std::string* leaseSk) const {
  std::string code;
  shop_.store().scan(Table::Sequence, pk_, "lease#", "", [&](const std::string& sk, const Value& l) {
    const int64_t next = l->at("next").get<int64_t>();
    if (next > l->at("end").get<int64_t>()) return true;
    code = formatSequence(shop_.options().orderCodeFormat, next);
    *leaseSk = sk;
    return false;
  });
  if (!code.empty()) return code;
  leaseSk->clear();
  char num[24];
  std::snprintf(num, sizeof num, "%06lld", static_cast<long long>(state().at("deviceNext").get<int64_t>()));
  return "ORD-" + deviceOf(clientId_) + "-" + num;
}

Response SyncClient::request(const Context& ctx, const std::string& method, const std::string& target,
                             const std::string& body) {
  if ((method != "POST" && method != "PATCH") || ctx.tenantCode != tenant_) {
    return shop_.handle(ctx, method, target, body);
  }
  // Any POST may create an order (however its path is spelled): it gets the next leased code,
  // which is taken only if an order was in fact created.
  Context c = ctx;
  std::string leaseSk;
  if (method == "POST") c.orderCode = nextOrderCode(&leaseSk);
  return shop_.handle(c, method, target, body, [&](Transaction& tx, const Response& r) {
    if (r.changes.empty()) return;  // nothing changed: nothing to send
    const bool newOrder = method == "POST" && r.body.value("sk", "") == "ORDER#" + c.orderCode;
    json s = *tx.get(Table::Sequence, pk_, "client");
    const int64_t seq = s["nextSeq"].get<int64_t>();
    s["nextSeq"] = seq + 1;
    if (newOrder && leaseSk.empty()) s["deviceNext"] = s["deviceNext"].get<int64_t>() + 1;
    tx.putRow(Table::Sequence, pk_, "client", row(std::move(s)));
    if (newOrder && !leaseSk.empty()) {
      json lease = *tx.get(Table::Sequence, pk_, leaseSk);
      lease["next"] = lease["next"].get<int64_t>() + 1;
      tx.putRow(Table::Sequence, pk_, leaseSk, row(std::move(lease)));
    }
    json touched = json::array();
    for (const DataChange& ch : tx.changes()) touched.push_back(ch.sk);
    const DataChange& first = tx.changes().front();
    json entry = {{"seq", seq}, {"method", method}, {"path", target}, {"at", tx.now()}, {"touched", std::move(touched)},
                  {"body", body.empty() ? json() : json::parse(body)}};
    if (newOrder) entry["code"] = c.orderCode;
    if (first.oldItem) entry["baseVersion"] = itemVersion(*first.oldItem);
    tx.putRow(Table::Sequence, pk_, "outbox#" + padded(seq), row(std::move(entry)));
  });
}

json SyncClient::pushBody(size_t limit) const {
  // At most `limit` commands and about kMaxPushBytes of JSON (one command alone may be up to the
  // API's 1 MiB body limit): a push always fits the server's request limit.
  constexpr size_t kMaxPushBytes = 1 << 20;
  json commands = json::array();
  size_t bytes = 0;
  shop_.store().scan(Table::Sequence, pk_, "outbox#", "", [&](const std::string&, const Value& e) {
    json c = {{"seq", e->at("seq")}, {"method", e->at("method")}, {"path", e->at("path")},
              {"body", e->at("body")}, {"touched", e->at("touched")}};
    if (e->contains("code")) c["code"] = e->at("code");
    if (e->contains("baseVersion")) c["baseVersion"] = e->at("baseVersion");
    const size_t size = c.dump().size();
    if (!commands.empty() && bytes + size > kMaxPushBytes) return false;
    bytes += size;
    commands.push_back(std::move(c));
    return commands.size() < limit;
  });
  if (commands.empty()) return nullptr;
  return {{"clientId", clientId_}, {"commands", std::move(commands)}};
}

// Rows touched by commands still in the outbox: their local value is the one to keep for now.
std::set<std::string> SyncClient::pendingRows() const {
  std::set<std::string> pending;
  shop_.store().scan(Table::Sequence, pk_, "outbox#", "", [&](const std::string&, const Value& e) {
    for (const json& sk : e->at("touched")) pending.insert(sk.get<std::string>());
    return true;
  });
  return pending;
}

json SyncClient::applyPush(const json& answer) {
  const json& results = answer.at("results");
  json outcomes = json::array();
  const std::string pk = tenantPk(tenant_);
  shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) {
    std::vector<const json*> refresh;
    for (const json& r : results) {
      const int64_t seq = r.at("seq").get<int64_t>();
      const std::string key = "outbox#" + padded(seq);
      const Value entry = tx.get(Table::Sequence, pk_, key);
      if (!entry) continue;  // answered before
      tx.putRow(Table::Sequence, pk_, key, nullptr);
      const std::string outcome = r.at("outcome").get<std::string>();
      if (outcome == "conflict" || outcome == "rejected") {
        json problem = r;
        problem.erase("current");
        problem["command"] = *entry;
        tx.putRow(Table::Sequence, pk_, "problem#" + padded(seq), row(std::move(problem)));
      }
      if (r.contains("current")) refresh.push_back(&r);
      json outcomeOnly = r;
      outcomeOnly.erase("current");
      outcomes.push_back(std::move(outcomeOnly));
    }
    // A command that did not apply as this till saw it: its rows become the server's again,
    // unless a command still pending touched them too.
    std::set<std::string> pending;
    shop_.store().scan(Table::Sequence, pk_, "outbox#", "", [&](const std::string& k, const Value& e) {
      if (tx.get(Table::Sequence, pk_, k)) {
        for (const json& sk : e->at("touched")) pending.insert(sk.get<std::string>());
      }
      return true;
    });
    for (const json* r : refresh) {
      for (const auto& [sk, item] : r->at("current").items()) {
        if (pending.count(sk)) continue;
        tx.putRow(Table::Data, pk, sk, item.is_null() ? nullptr : row(item));
      }
    }
  });
  return outcomes;
}

std::string SyncClient::pullQuery(size_t limit) const {
  const std::string cursor = state().value("cursor", "");
  return "limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor);
}

bool SyncClient::applyPull(const json& answer) {
  // Rows a pending command touched keep their local value until that command is answered:
  // its effect is still to come on the server (the pending commands stay on top). If it then
  // does not apply as seen here, its answer brings the server's rows (applyPush).
  const std::set<std::string> pending = pendingRows();
  const std::string pk = tenantPk(tenant_);
  shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) {
    for (const json& item : answer.at("items")) {
      if (item.at("pk") != pk) throw ApiError(502, "the server sent another tenant's item");
      const std::string sk = item.at("sk").get<std::string>();
      if (!pending.count(sk)) tx.putRow(Table::Data, pk, sk, row(item));
    }
    json s = *tx.get(Table::Sequence, pk_, "client");
    s["cursor"] = answer.at("cursor");
    tx.putRow(Table::Sequence, pk_, "client", row(std::move(s)));
  });
  return answer.value("more", false);
}

json SyncClient::leaseBody(int64_t size) const { return {{"clientId", clientId_}, {"size", size}}; }

void SyncClient::applyLease(const json& answer) {
  const int64_t start = answer.at("start").get<int64_t>(), end = answer.at("end").get<int64_t>();
  shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) {
    tx.putRow(Table::Sequence, pk_, "lease#" + padded(start), row({{"start", start}, {"end", end}, {"next", start}}));
  });
}

json SyncClient::status() const {
  size_t pending = 0;
  json oldest;
  shop_.store().scan(Table::Sequence, pk_, "outbox#", "", [&](const std::string&, const Value& e) {
    if (pending++ == 0) oldest = e->at("at");
    return true;
  });
  int64_t left = 0;
  shop_.store().scan(Table::Sequence, pk_, "lease#", "", [&](const std::string&, const Value& l) {
    left += std::max<int64_t>(0, l->at("end").get<int64_t>() - l->at("next").get<int64_t>() + 1);
    return true;
  });
  return {{"clientId", clientId_}, {"tenant", tenant_}, {"pending", pending}, {"oldestPendingAt", oldest},
          {"leasedCodesLeft", left}, {"cursor", state().value("cursor", "")}};
}

json SyncClient::problems() const {
  json out = json::array();
  shop_.store().scan(Table::Sequence, pk_, "problem#", "", [&](const std::string&, const Value& p) {
    out.push_back(*p);
    return true;
  });
  return out;
}

Response SyncClient::resolve(const Context& ctx, int64_t seq, const std::string& action) {
  const std::string key = "problem#" + padded(seq);
  const Value p = shop_.store().get(Table::Sequence, pk_, key);
  if (!p) return Response{404, errorBody(404, "No conflict or rejection for command " + std::to_string(seq)), {}, {}};
  if (action != "retry" && action != "discard") {
    return Response{400, errorBody(400, "action must be retry or discard"), {}, {}};
  }
  json entry = p->at("command");
  shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) {
    tx.putRow(Table::Sequence, pk_, key, nullptr);
    if (action == "discard") return;
    // Queued again as a new command; a strict conflict is retried on the server's version.
    json s = *tx.get(Table::Sequence, pk_, "client");
    const int64_t next = s["nextSeq"].get<int64_t>();
    s["nextSeq"] = next + 1;
    tx.putRow(Table::Sequence, pk_, "client", row(std::move(s)));
    entry["seq"] = next;
    entry["at"] = tx.now();
    if (p->contains("item") && entry["body"].is_object() && entry["body"].contains("version")) {
      entry["body"]["version"] = p->at("item").at("version");
      entry.erase("baseVersion");
    }
    tx.putRow(Table::Sequence, pk_, "outbox#" + padded(next), row(std::move(entry)));
  });
  (void)ctx;
  return Response{200, {{"seq", seq}, {"action", action}}, {}, {}};
}

}  // namespace edgecart
