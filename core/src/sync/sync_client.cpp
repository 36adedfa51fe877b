// The client's side of reconciliation (docs/design.md §7): the durable outbox, leased order codes with a
// device-series fallback, and applying push and pull answers, each in one local commit.

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "edgecart/engine/error.h"
#include "edgecart/engine/sequence.h"
#include "edgecart/sync/sync.h"
#include "sync_rows.h"

namespace edgecart {
namespace {

// A store over a transaction with some rows replaced: what a rebase re-runs the pending commands
// on. Reads see the replaced rows, then the transaction (its writes, then the store); commits
// stay here. (No write path of the router scans, so scan only needs to be right, not fast.)
class OverlayStore : public Store {
 public:
  using Key = std::tuple<Table, std::string, std::string>;
  explicit OverlayStore(const Transaction& under) : under_(under) {}

  void set(Table t, const std::string& pk, const std::string& sk, Value v) { rows_[{t, pk, sk}] = std::move(v); }
  const std::map<Key, Value>& rows() const { return rows_; }

  Value get(Table t, const std::string& pk, const std::string& sk) const override {
    auto it = rows_.find(Key{t, pk, sk});
    return it != rows_.end() ? it->second : under_.get(t, pk, sk);
  }
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override {
    std::map<std::string, Value> merged;
    under_.engine().store().scan(t, pk, prefix, after, [&](const std::string& sk, const Value&) {
      merged[sk] = under_.get(t, pk, sk);  // the transaction's own write wins over the store's row
      return true;
    });
    for (const auto& [key, v] : rows_) {
      const auto& [table, rowPk, sk] = key;
      if (table == t && rowPk == pk && sk.rfind(prefix, 0) == 0 && sk > after) merged[sk] = v;
    }
    for (const auto& [sk, v] : merged) {
      if (v && !visit(sk, v)) return;
    }
  }
  void commit(const Batch& batch) override {
    for (const Put& p : batch) rows_[{p.table, p.pk, p.sk}] = p.value;
  }

 private:
  const Transaction& under_;
  std::map<Key, Value> rows_;
};

constexpr char kBase[] = "base#";

// A notification's identity across hosts: its type and order ("order_confirmation#ORD-000001").
std::string notificationKey(const json& n) { return n.value("type", "") + "#" + n.value("orderId", ""); }

// Who took an outbox command: a rebase or a retry runs it again as that caller (a customer's
// order keeps its customer). Commands recorded before callers were kept run with every right.
Context callerOf(const std::string& tenant, const json& entry) {
  Context c{tenant, entry.value("user", "sync"), {}};
  if (!entry.contains("roles")) c.roles = {"admin"};
  for (const json& r : entry.value("roles", json::array())) c.roles.push_back(r.get<std::string>());
  return c;
}

}  // namespace

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

// The code the next order takes: a leased number if one is left (`leaseSk` names its lease,
// `number` the number), else the next of this device's own series (`leaseSk` empty). Taken only
// when the order commits. A leased number the tenant's local sequence has already given (orders
// this store made before it synced, retained or evicted) is passed over: a code is never reused.
std::string SyncClient::nextOrderCode(std::string* leaseSk, int64_t* number) const {
  std::string code;
  const Value local = shop_.store().get(Table::Sequence, tenantPk(tenant_), "ORDER");
  const int64_t usedLocally = local ? local->value("value", int64_t{0}) : 0;
  shop_.store().scan(Table::Sequence, pk_, "lease#", "", [&](const std::string& sk, const Value& l) {
    const int64_t next = std::max(l->at("next").get<int64_t>(), usedLocally + 1);
    if (next > l->at("end").get<int64_t>()) return true;
    code = formatSequence(shop_.options().orderCodeFormat, next);
    *leaseSk = sk;
    *number = next;
    return false;
  });
  if (!code.empty()) return code;
  leaseSk->clear();
  char num[24];
  std::snprintf(num, sizeof num, "%06lld", static_cast<long long>(state().at("deviceNext").get<int64_t>()));
  return "ORD-" + deviceOf(clientId_) + "-" + num;
}

std::string SyncClient::deviceCode(const DeviceSeries& series) const {
  char num[24];
  std::snprintf(num, sizeof num, "%06lld", static_cast<long long>(state().value(series.counter, int64_t{1})));
  return std::string(series.prefix) + deviceOf(clientId_) + "-" + num;
}

Response SyncClient::request(const Context& ctx, const std::string& method, const std::string& target,
                             const std::string& body) {
  return request(ctx, method, target, body, nullptr);
}

Response SyncClient::request(const Context& ctx, const std::string& method, const std::string& target,
                             const std::string& body, const std::function<void(Transaction&)>& alsoInCommit) {
  if ((method != "POST" && method != "PATCH") || ctx.tenantCode != tenant_) {
    return shop_.handle(ctx, method, target, body);
  }
  // Any POST may create an order (however its path is spelled): it gets the next leased code,
  // which is taken only if an order was in fact created. A return or a drawer session takes the
  // next of this device's own series of its kind (RET-<device>-000001, SES-<device>-000001).
  Context c = ctx;
  std::string leaseSk;
  int64_t leased = 0;
  const std::string path = target.substr(0, target.find('?'));
  const DeviceSeries* series = nullptr;
  for (const DeviceSeries& d : kDeviceSeries) {
    if (path == d.path) series = &d;
  }
  if (method == "POST") c.orderCode = series ? deviceCode(*series) : nextOrderCode(&leaseSk, &leased);
  return shop_.handle(c, method, target, body, [&](Transaction& tx, const Response& r) {
    if (alsoInCommit) alsoInCommit(tx);
    if (r.changes.empty()) return;  // nothing changed: nothing to send
    const bool newOrder = method == "POST" && r.body.value("sk", "") ==
                                                  std::string(series ? series->type : "ORDER") + "#" + c.orderCode;
    json s = *tx.get(Table::Sequence, pk_, "client");
    const int64_t seq = s["nextSeq"].get<int64_t>();
    s["nextSeq"] = seq + 1;
    if (newOrder && series) s[series->counter] = s.value(series->counter, int64_t{1}) + 1;
    if (newOrder && !series && leaseSk.empty()) s["deviceNext"] = s["deviceNext"].get<int64_t>() + 1;
    tx.putRow(Table::Sequence, pk_, "client", row(std::move(s)));
    if (newOrder && !leaseSk.empty()) {
      json lease = *tx.get(Table::Sequence, pk_, leaseSk);
      lease["next"] = leased + 1;
      tx.putRow(Table::Sequence, pk_, leaseSk, row(std::move(lease)));
    }
    json touched = json::array();
    for (const DataChange& ch : tx.changes()) {
      touched.push_back(ch.sk);
      // The server's copy of the row, kept while a pending command has changed it locally: the
      // first change of a row not yet based is made on the server's copy (nothing pending on it).
      const std::string base = kBase + ch.sk;
      if (!tx.get(Table::Sequence, pk_, base)) {
        tx.putRow(Table::Sequence, pk_, base, row({{"item", ch.oldItem ? *ch.oldItem : json()}}));
      }
    }
    const DataChange& first = tx.changes().front();
    json entry = {{"seq", seq}, {"method", method}, {"path", target}, {"at", tx.now()}, {"touched", std::move(touched)},
                  {"body", body.empty() ? json() : json::parse(body)}, {"user", ctx.userId}, {"roles", ctx.roles}};
    if (newOrder) entry["code"] = c.orderCode;
    // The notifications this till already gave for the command (a receipt, an alert): the
    // server's answer repeats them, and they must not be given twice.
    json notified = json::array();
    for (const json& n : r.notifications) notified.push_back(notificationKey(n));
    if (!notified.empty()) entry["notified"] = std::move(notified);
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
      if (outcomeOnly.contains("notifications") && entry->contains("notified")) {
        json fresh = json::array();
        const json& notified = entry->at("notified");
        for (const json& n : outcomeOnly["notifications"]) {
          if (std::find(notified.begin(), notified.end(), notificationKey(n)) == notified.end()) fresh.push_back(n);
        }
        outcomeOnly["notifications"] = std::move(fresh);
      }
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
        if (pending.count(sk)) {
          tx.putRow(Table::Sequence, pk_, kBase + sk, row({{"item", item}}));  // the next pull rebases
          continue;
        }
        tx.putRow(Table::Data, pk, sk, item.is_null() ? nullptr : row(item));
      }
    }
    // A row no pending command touches needs no base: the local row is the truth as far as this
    // till knows (an accepted command's effect is in it; the pull that follows brings the rest).
    shop_.store().scan(Table::Sequence, pk_, kBase, "", [&](const std::string& key, const Value&) {
      if (!pending.count(key.substr(sizeof kBase - 1))) tx.putRow(Table::Sequence, pk_, key, nullptr);
      return true;
    });
  });
  return outcomes;
}

std::set<std::string> rowsWithSyncWork(const Store& store, const std::string& tenant) {
  std::set<std::string> rows;
  const std::string pk = "SYNC#" + tenant;
  store.scan(Table::Sequence, pk, kBase, "", [&](const std::string& key, const Value&) {
    rows.insert(key.substr(sizeof kBase - 1));
    return true;
  });
  store.scan(Table::Sequence, pk, "problem#", "", [&](const std::string&, const Value& p) {
    for (const json& sk : p->at("command").value("touched", json::array())) rows.insert(sk.get<std::string>());
    return true;
  });
  return rows;
}

std::string SyncClient::pullQuery(size_t limit) const {
  const std::string cursor = state().value("cursor", "");
  return "limit=" + std::to_string(limit) + "&clientId=" + clientId_ + (cursor.empty() ? "" : "&cursor=" + cursor);
}

bool SyncClient::applyPull(json answer) {
  const std::string pk = tenantPk(tenant_);
  const bool more = answer.value("more", false);
  json& items = answer.at("items");
  for (const json& item : items) {
    if (item.at("pk") != pk) throw ApiError(502, "the server sent another tenant's item");
  }
  shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) {
    // The rows pending commands touched (few, usually none): read once, not once per item.
    std::set<std::string> based;
    shop_.store().scan(Table::Sequence, pk_, kBase, "", [&](const std::string& key, const Value&) {
      based.insert(key.substr(sizeof kBase - 1));
      return true;
    });
    for (json& item : items) {
      std::string sk = item.at("sk").get<std::string>();
      if (based.count(sk) && tx.get(Table::Sequence, pk_, kBase + sk)) {
        tx.putRow(Table::Sequence, pk_, kBase + sk, row({{"item", std::move(item)}}));  // pending work goes on top
      } else {
        tx.putRow(Table::Data, pk, std::move(sk), std::make_shared<const json>(std::move(item)));
      }
    }
    json s = *tx.get(Table::Sequence, pk_, "client");
    s["cursor"] = answer.at("cursor");
    tx.putRow(Table::Sequence, pk_, "client", row(std::move(s)));
    // On the last page every row changed on the server is in: the projection is rebuilt once.
    if (!more) rebase(tx, answer.contains("lastSeq") ? answer["lastSeq"].get<int64_t>() : 0);
  });
  return more;
}

// The local rows a pending command touched := their server copy, then every pending command the
// server has not answered yet, re-run in order (through the same router, on an overlay, so a
// command that no longer applies leaves nothing half-done). Commands up to `answeredUpTo` have
// their effect in the server's rows already: re-running them would count them twice.
void SyncClient::rebase(Transaction& tx, int64_t answeredUpTo) {
  const std::string pk = tenantPk(tenant_);
  OverlayStore overlay(tx);
  bool any = false;
  shop_.store().scan(Table::Sequence, pk_, kBase, "", [&](const std::string& key, const Value&) {
    const Value base = tx.get(Table::Sequence, pk_, key);  // as this transaction left it
    if (!base) return true;
    const json& item = base->at("item");
    overlay.set(Table::Data, pk, key.substr(sizeof kBase - 1), item.is_null() ? nullptr : row(item));
    any = true;
    return true;
  });
  if (!any) return;
  Engine engine(overlay, shop_.engine().clock());
  registerDomainHandlers(engine);
  Router router(engine, shop_.options());
  shop_.store().scan(Table::Sequence, pk_, "outbox#", "", [&](const std::string&, const Value& e) {
    if (e->at("seq").get<int64_t>() <= answeredUpTo) return true;
    Context c = callerOf(tenant_, *e);
    if (e->contains("code")) c.orderCode = e->at("code").get<std::string>();
    const json& body = e->at("body");
    (void)router.handle(c, e->at("method").get<std::string>(), e->at("path").get<std::string>(),
                        body.is_null() ? "" : body.dump());
    return true;
  });
  for (const auto& [key, value] : overlay.rows()) {
    const auto& [table, rowPk, sk] = key;
    if (table == Table::Data && rowPk == pk) tx.putRow(Table::Data, pk, sk, value);
  }
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
  const Value local = shop_.store().get(Table::Sequence, tenantPk(tenant_), "ORDER");
  const int64_t usedLocally = local ? local->value("value", int64_t{0}) : 0;  // passed over: see nextOrderCode
  shop_.store().scan(Table::Sequence, pk_, "lease#", "", [&](const std::string&, const Value& l) {
    const int64_t next = std::max(l->at("next").get<int64_t>(), usedLocally + 1);
    left += std::max<int64_t>(0, l->at("end").get<int64_t>() - next + 1);
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
  if (action == "discard") {
    shop_.engine().run(Context{tenant_, "sync", {}}, [&](Transaction& tx) { tx.putRow(Table::Sequence, pk_, key, nullptr); });
    return Response{200, {{"seq", seq}, {"action", action}}, {}, {}};
  }
  // A retry is the command made again now, as a new write: applied locally and queued with a new
  // seq, in one commit with the problem's removal. A strict write is based on the newest version
  // of its item this till knows the server has: the conflict's item, or what a later pull or
  // answer brought (the till's own later writes move the server's version on too).
  const json& cmd = p->at("command");
  json body = cmd.at("body");
  if (p->contains("item") && body.is_object() && body.contains("version")) {
    const json& item = p->at("item");
    int64_t version = itemVersion(item);
    const std::string sk = item.at("sk").get<std::string>();
    const Value base = shop_.store().get(Table::Sequence, pk_, kBase + sk);
    const Value local = shop_.store().get(Table::Data, tenantPk(tenant_), sk);
    if (base && base->at("item").is_object()) {
      version = std::max(version, itemVersion(base->at("item")));
    } else if (!base && local) {
      version = std::max(version, itemVersion(*local));  // nothing pending on it: the server's copy
    }
    body["version"] = version;
  }
  // Retried as the caller who took it (as `ctx` for a command recorded before callers were kept).
  Context c = cmd.contains("user") ? callerOf(tenant_, cmd) : ctx;
  c.tenantCode = tenant_;
  Response r = request(c, cmd.at("method").get<std::string>(), cmd.at("path").get<std::string>(),
                       body.is_null() ? "" : body.dump(),
                       [&](Transaction& tx) { tx.putRow(Table::Sequence, pk_, key, nullptr); });
  if (r.status >= 400) return r;  // refused here too: the problem stays for the app
  return Response{200, {{"seq", seq}, {"action", action}, {"item", r.body}}, {}, {}};
}

}  // namespace edgecart
