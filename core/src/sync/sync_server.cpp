// The server's side of reconciliation (docs/design.md §7): push with exactly-once effects and the
// change feed. The pull is in sync_pull.cpp, the leases of order numbers in sync_lease.cpp.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <utility>

#include "edgecart/api/access.h"
#include "edgecart/engine/digest.h"
#include "edgecart/engine/error.h"
#include "edgecart/storage/log_format.h"
#include "edgecart/domain/money.h"
#include "edgecart/engine/sequence.h"
#include "edgecart/sync/sync.h"
#include "edgecart/api/validate.h"
#include "sync_rows.h"
#include "sync_server_internal.h"

namespace edgecart {

using namespace sync_detail;  // the helpers the sync server's files share

json sync_detail::parseObject(const std::string& body) {
  if (body.size() > (8u << 20)) throw ApiError(413, "Request body exceeds 8388608 bytes");
  json j = parseJsonKeepingCents(body);
  if (j.is_discarded()) badRequest("Malformed JSON in request body");
  if (!j.is_object()) badRequest("body must be a JSON object");
  return j;
}

std::string sync_detail::clientIdOf(const json& body) {
  const json& id = body.contains("clientId") ? body["clientId"] : json();
  if (!id.is_string() || !isValidClientId(id.get<std::string>())) {
    badRequest("clientId must be 16-64 letters, digits, '_' or '-'");
  }
  return id.get<std::string>();
}

int64_t sync_detail::intOr(const Value& v, const char* field, int64_t fallback) {
  return v && v->contains(field) ? v->at(field).get<int64_t>() : fallback;
}

namespace {

// The item a command targets, for its version before the command ran.
std::string targetSk(const std::string& path) {
  if (path.rfind("/inventory/", 0) == 0) return "INVENTORY#" + path.substr(11);
  if (path == "/settings") return "SETTINGS#shop";
  if (path.rfind("/sessions/", 0) == 0) return "SESSION#" + path.substr(10, path.find('/', 10) - 10);
  if (path.rfind("/orders/", 0) == 0) {
    const size_t slash = path.find('/', 8);
    return "ORDER#" + path.substr(8, slash == std::string::npos ? std::string::npos : slash - 8);
  }
  return "";
}

// A command's outcome, kept once: the record must be new (a second process running the same
// command conflicts here and then answers from the record), and "last" only moves forward.
void recordResult(Transaction& tx, const std::string& pk, int64_t seq, Value record) {
  tx.insertRow(Table::Sequence, pk, "result#" + padded(seq), std::move(record));
  const int64_t last = intOr(tx.get(Table::Sequence, pk, "last"), "seq", 0);
  if (seq > last) tx.putRow(Table::Sequence, pk, "last", row({{"seq", seq}}));
}

}  // namespace

bool isValidClientId(const std::string& id) {
  if (id.size() < 16 || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string deviceOf(const std::string& clientId) { return clientId.substr(0, 12); }

namespace {

// The scoped feed a changed item goes to besides the tenant's ("" for none): the catalogue and
// the stock to the shared feed, an order and its reservation to their customer's. An item keeps
// its feed for life (an order's customer never changes).
std::string scopedFeedOf(const Transaction& tx, const std::string& tenant, const json& item) {
  const std::string& sk = item.at("sk").get_ref<const std::string&>();
  if (isShopWide(sk)) return sharedFeedPk(tenant);
  if (sk.rfind("ORDER#", 0) == 0) return customerFeedPk(tenant, attrs(item).value("customerId", ""));
  if (sk.rfind("RESERVATION#", 0) == 0) {
    const Value order = tx.getItem("ORDER#" + attrs(item).value("orderCode", ""));
    return order ? customerFeedPk(tenant, attrs(*order).value("customerId", "")) : "";
  }
  return "";
}

}  // namespace

SyncServer::SyncServer(Shop& shop) : shop_(shop) {
  // The change feed: each changed item moves to the end of its tenant's feed (and of its scoped feed).
  shop_.engine().addCommitHook([this](Transaction& tx) {
    const std::string& tenant = tx.context().tenantCode;
    const std::string feed = feedPk(tenant);
    const std::string index = "CHANGEIDX#" + tenant;
    if (!tx.get(Table::Sequence, feed, "scoped")) {
      // The first commit since scoped feeds exist: split the feed as it stands.
      std::vector<std::pair<std::string, std::string>> rows;  // n, sk
      shop_.store().scan(Table::Sequence, feed, "0", "", [&](const std::string& n, const Value& v) {
        rows.emplace_back(n, v->at("sk").get<std::string>());
        return true;
      });
      for (const auto& [n, sk] : rows) {
        const Value item = tx.getItem(sk);
        const std::string scoped = item ? scopedFeedOf(tx, tenant, *item) : "";
        if (!scoped.empty()) tx.putRow(Table::Sequence, scoped, n, row({{"sk", sk}}));
      }
      tx.putRow(Table::Sequence, feed, "scoped", row(json::object()));
    }
    int64_t n = intOr(tx.get(Table::Sequence, feed, "counter"), "value", 0);
    FeedMove move;
    move.tenant = tenant;
    const std::string customerPrefix = customerFeedPk(tenant, "");
    for (const DataChange& c : tx.changes()) {
      const std::string scoped = scopedFeedOf(tx, tenant, c.newItem ? *c.newItem : *c.oldItem);
      if (scoped == sharedFeedPk(tenant)) move.shared = true;
      if (scoped.rfind(customerPrefix, 0) == 0) move.customers.insert(scoped.substr(customerPrefix.size()));
      const Value old = tx.get(Table::Sequence, index, c.sk);
      if (old) {
        const std::string at = padded(old->at("n").get<int64_t>());
        tx.putRow(Table::Sequence, feed, at, nullptr);
        if (!scoped.empty()) tx.putRow(Table::Sequence, scoped, at, nullptr);
      }
      ++n;
      tx.putRow(Table::Sequence, feed, padded(n), row({{"sk", c.sk}}));
      if (!scoped.empty()) tx.putRow(Table::Sequence, scoped, padded(n), row({{"sk", c.sk}}));
      tx.putRow(Table::Sequence, index, c.sk, row({{"n", n}}));
    }
    tx.putRow(Table::Sequence, feed, "counter", row({{"value", n}}));
    if (!tx.changes().empty()) {  // merged per tenant until taken: bounded by the tenants
      FeedMove& m = moves_[tenant];
      m.tenant = tenant;
      m.cursor = padded(n);
      m.shared = m.shared || move.shared;
      m.customers.insert(move.customers.begin(), move.customers.end());
    }
  });
}

std::vector<SyncServer::FeedMove> SyncServer::takeFeedMoves() {
  std::vector<FeedMove> out;
  for (auto& [tenant, m] : moves_) out.push_back(std::move(m));
  moves_.clear();
  return out;
}

namespace {

// A command's identity beyond its seq: a seq answered before but sent with another command is
// a client that lost its state (it must never be answered with the old command's outcome).
std::string commandText(const json& cmd) {
  return cmd.value("method", "") + " " + cmd.value("path", "") + " " + (cmd.contains("body") ? cmd["body"].dump() : "") +
         " " + (cmd.contains("code") ? cmd["code"].dump() : "");
}
std::string fingerprint(const json& cmd) { return sha256Hex(commandText(cmd)); }
// Whether a recorded fingerprint is this command's. Records written before SHA-256 hold a CRC-32
// (8 hex digits): compared as such, so a till whose answer was lost across the upgrade is still
// answered from its record.
bool samePrint(const std::string& recorded, const json& cmd, const std::string& print) {
  if (recorded.size() != 8) return recorded == print;
  const std::string text = commandText(cmd);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(logfmt::crc32(text.data(), text.size())));
  return recorded == buf;
}

void checkCommands(const json& commands) {
  for (const json& cmd : commands) {
    if (!cmd.is_object() || !cmd.contains("seq") || !cmd["seq"].is_number_integer() || cmd["seq"].get<int64_t>() < 1) {
      badRequest("each command needs an integer seq of at least 1");
    }
  }
}

}  // namespace

// The tenant as the router would see it: lower-cased, and valid (docs/design.md §3).
Context sync_detail::normalized(const Context& caller) {
  Context ctx = caller;
  std::transform(ctx.tenantCode.begin(), ctx.tenantCode.end(), ctx.tenantCode.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ctx.tenantCode.empty()) throw ApiError(403, "No tenant in the caller's context");
  if (!isValidTenantCode(ctx.tenantCode)) badRequest("tenant code must match [a-z0-9][a-z0-9_-]{0,63}");
  return ctx;
}

// A client's sync record belongs to the user who first pushed or leased under its clientId: no
// other user may push, lease or read its last seq under it (a customer pushing under a till's
// clientId would take the till's sequence numbers). Read outside a transaction: the check before
// anything runs or is answered from the record.
void sync_detail::checkClientOwner(const Store& store, const Context& ctx, const std::string& clientId) {
  const Value owner = store.get(Table::Sequence, clientPk(ctx.tenantCode, clientId), "owner");
  if (owner && owner->at("userId") != ctx.userId) {
    forbidden("Forbidden: clientId " + clientId + " belongs to another user; choose another clientId");
  }
}
// The same inside the transaction that writes the client's record, claiming it if new (a row that
// must be new: two users racing for one clientId cannot both commit).
void sync_detail::claimClient(Transaction& tx, const std::string& clientId) {
  const std::string pk = clientPk(tx.context().tenantCode, clientId);
  const Value owner = tx.get(Table::Sequence, pk, "owner");
  if (!owner) {
    tx.insertRow(Table::Sequence, pk, "owner", row({{"userId", tx.context().userId}}));
  } else if (owner->at("userId") != tx.context().userId) {
    forbidden("Forbidden: clientId " + clientId + " belongs to another user; choose another clientId");
  }
}

// Leased order codes not yet used, counted per client, per user and per tenant (rows "leases").
void sync_detail::addOutstanding(Transaction& tx, const std::string& pk, int64_t delta) {
  const int64_t out = intOr(tx.get(Table::Sequence, pk, "leases"), "outstanding", 0);
  tx.putRow(Table::Sequence, pk, "leases", row({{"outstanding", std::max<int64_t>(0, out + delta)}}));
}

Response SyncServer::push(const Context& caller, const std::string& body) {
  try {
    const Context ctx = normalized(caller);
    const json req = parseObject(body);
    const std::string clientId = clientIdOf(req);
    for (const auto& [k, v] : req.items()) {
      if (k != "clientId" && k != "commands") badRequest("property " + echo(k) + " should not exist");
    }
    const json& commands = req.contains("commands") ? req["commands"] : json();
    if (!commands.is_array() || commands.size() > kMaxCommands) {
      badRequest("commands must be an array of at most " + std::to_string(kMaxCommands));
    }
    checkCommands(commands);  // the whole request, before any command runs: a refused push changes nothing
    checkClientOwner(shop_.store(), ctx, clientId);
    json results = json::array();
    for (const json& cmd : commands) {
      // A command whose commit met another writer's runs again from its record check: the
      // other writer may have been this very push, sent to a second server process.
      try {
        results.push_back(shop_.engine().attempt([&] { return runCommand(ctx, clientId, cmd); }));
      } catch (const ApiError& e) {
        if (e.status() != 409) throw;
        throw ApiError(503, e.what(), errc::kUnavailable);  // the client sends the push again
      }
    }
    const std::string pk = "SYNC#" + ctx.tenantCode + "#" + clientId;
    return Response{200, {{"results", std::move(results)}, {"lastSeq", intOr(shop_.store().get(Table::Sequence, pk, "last"), "seq", 0)}}, {}, {}};
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what(), e.code()), {}, {}, e.code()};
  } catch (const std::exception& e) {
    return Response{500, errorBody(500, std::string("Internal error: ") + e.what()), {}, {}};
  }
}

// One command of a push: answered from the record if seen before, else run through the router
// with its outcome recorded in the same transaction. Throws ApiError (5xx) on a storage failure,
// so the host can roll the whole push back and the client retries it unchanged.
json SyncServer::runCommand(const Context& ctx, const std::string& clientId, const json& cmd) {
  Store& store = shop_.store();
  const std::string pk = "SYNC#" + ctx.tenantCode + "#" + clientId;
  const std::string tenantPk = edgecart::tenantPk(ctx.tenantCode);
  const int64_t seq = cmd["seq"].get<int64_t>();
  const std::string print = fingerprint(cmd);
  if (seq <= intOr(store.get(Table::Sequence, pk, "last"), "seq", 0)) {
    const Value rec = store.get(Table::Sequence, pk, "result#" + padded(seq));
    if (rec && samePrint(rec->value("fingerprint", ""), cmd, print)) {
      json r = *rec;
      r.erase("fingerprint");
      r["replayed"] = true;
      // The rows come as they are now, not as they were when it ran: the client may have pulled
      // newer copies since, and an old one would put its row back behind its pull cursor for good.
      if (r.contains("current") && r["current"].is_object()) {
        json keys = json::array();
        for (const auto& [key, item] : r["current"].items()) keys.push_back(key);
        const json code = cmd.value("code", json());
        r["current"] = serverRows(ctx, code.is_string() ? code.get<std::string>() : "", keys);
      }
      return r;
    }
    return {{"seq", seq}, {"outcome", "rejected"}, {"status", 409},
            {"body", errorBody(409, "Command " + std::to_string(seq) + " was answered before with another command: this client's state was lost; use a new clientId")}};
  }
  const std::string method = cmd.value("method", "");
  const std::string path = cmd.value("path", "");
  const json& cmdBody = cmd.contains("body") ? cmd["body"] : json();
  Context c = ctx;
  json refused;
  std::string reason;  // the refusal's code (VERSION_CONFLICT for a real optimistic-lock conflict)
  CodeUse codeUse = CodeUse::None;
  if ((method != "POST" && method != "PATCH") || path.empty() || path[0] != '/' ||
      !(cmdBody.is_object() || cmdBody.is_null())) {
    refused = errorBody(400, "a command needs method POST or PATCH, a path and an object body");
  } else if (cmd.contains("code")) {
    const std::string code = cmd["code"].is_string() ? cmd["code"].get<std::string>() : "";
    codeUse = codeUseOf(ctx, clientId, code);
    if (codeUse == CodeUse::None) refused = errorBody(409, "Order code " + echo(code) + " is not leased to this client");
    c.orderCode = code;
  }
  // Bookkeeping of an answered command that carried a code of this client's: a device series is
  // bound to the first client that uses it, and a leased code is no longer outstanding.
  auto recordCodeUse = [&](Transaction& tx) {
    if (codeUse == CodeUse::Device) {
      const std::string devices = "SYNC#" + ctx.tenantCode + "#devices";
      // Read again in the transaction: the series may have been bound to another client (another
      // server process) since codeUseOf; then the command runs again and is refused.
      const Value owner = tx.get(Table::Sequence, devices, deviceOf(clientId));
      if (owner && owner->at("clientId") != clientId) throw CommitConflict("device series " + deviceOf(clientId) + " was bound meanwhile");
      if (!owner) tx.putRow(Table::Sequence, devices, deviceOf(clientId), row({{"clientId", clientId}}));
    } else if (codeUse == CodeUse::Leased && !tx.get(Table::Sequence, pk, "used#" + c.orderCode)) {
      // A code is used once, whatever the commands that carry it: only its first use frees it.
      tx.insertRow(Table::Sequence, pk, "used#" + c.orderCode, row(json::object()));
      addOutstanding(tx, pk, -1);
      addOutstanding(tx, userPk(ctx.tenantCode, ctx.userId), -1);
      addOutstanding(tx, tenantLeasePk(ctx.tenantCode), -1);
    }
  };
  // The server's rows the client's command touched: sent back when the command did not apply as
  // the client saw it, so the client's copy of them is replaced by the truth. `changedHere`: rows
  // this run changed, left out (the pull that follows brings them).
  const json noKeys = json::array();
  auto current = [&](const std::set<std::string>& changedHere = {}) {
    return serverRows(ctx, c.orderCode, cmd.contains("touched") ? cmd["touched"] : noKeys, changedHere);
  };
  const std::string sk = targetSk(path);
  const Value before = sk.empty() ? nullptr : store.get(Table::Data, tenantPk, sk);
  const bool rebased = cmd.contains("baseVersion") && cmd["baseVersion"].is_number_integer() &&
                       cmd["baseVersion"].get<int64_t>() != (before ? itemVersion(*before) : 0);
  json result;
  if (refused.is_null()) {
    const Response r = shop_.handle(c, method, path, cmdBody.is_null() ? "" : cmdBody.dump(),
                                    [&](Transaction& tx, const Response& ok) {
      // An applied command is answered with its item's key and version, not the item: the
      // client gets the items themselves from the pull that follows.
      json rec = {{"seq", seq}, {"outcome", rebased ? "rebased" : "accepted"}, {"status", ok.status},
                  {"sk", ok.body.value("sk", "")}, {"version", ok.body.value("version", 0)}, {"fingerprint", print}};
      if (!ok.notifications.empty()) rec["notifications"] = ok.notifications;
      // Rows the client changed and this run did not (say, a reservation that held there but
      // failed here): no pull would bring them, so the answer does.
      std::set<std::string> changedHere;
      for (const json& ch : ok.changes) changedHere.insert(ch.at("sk").get<std::string>());
      json stale = current(changedHere);
      if (!stale.empty()) rec["current"] = std::move(stale);
      claimClient(tx, clientId);
      recordResult(tx, pk, seq, row(rec));
      recordCodeUse(tx);
      result = std::move(rec);
    });
    if (r.status >= 500) throw ApiError(r.status, r.body.value("message", "Storage error"));
    if (r.status < 400) {
      result.erase("fingerprint");
      return result;
    }
    refused = r.body;
    reason = r.code;
  }
  const int status = refused["statusCode"].get<int>();
  // A conflict is an optimistic lock that failed (the version given is not the server's); any
  // other refusal, a 409 "restock below reserved" included, is a rejection.
  const bool strict = isVersionConflict(reason);
  result = {{"seq", seq}, {"outcome", strict ? "conflict" : "rejected"}, {"status", status}, {"body", refused},
            {"current", current()}, {"fingerprint", print}};
  if (strict && before && visibleTo(ctx, *before)) result["item"] = forCaller(ctx, *before);
  shop_.engine().run(ctx, [&](Transaction& tx) {
    claimClient(tx, clientId);
    recordResult(tx, pk, seq, row(result));
    if (codeUse == CodeUse::Leased) recordCodeUse(tx);  // the code is spent either way
  });
  result.erase("fingerprint");
  return result;
}

json SyncServer::serverRows(const Context& ctx, const std::string& orderCode, const json& keys,
                            const std::set<std::string>& skip) const {
  // That a row is absent, a customer learns only of shared rows and of the order its command
  // carried (so its device drops a copy the server never had).
  auto mayLearnAbsent = [&](const std::string& key) {
    if (roleOf(ctx) != Role::Customer) return true;
    return isShopWide(key) || (!orderCode.empty() && (key == "ORDER#" + orderCode || key == "RESERVATION#" + orderCode));
  };
  json rows = json::object();
  if (!keys.is_array()) return rows;
  const std::string pk = tenantPk(ctx.tenantCode);
  for (const json& sk : keys) {
    if (!sk.is_string() || rows.size() >= 64 || skip.count(sk.get<std::string>())) continue;
    const Value item = shop_.store().get(Table::Data, pk, sk.get<std::string>());
    // Only rows the caller may read: a customer's command naming another's order gets nothing of it.
    if (item && !visibleTo(ctx, *item)) continue;
    if (!item && !mayLearnAbsent(sk.get<std::string>())) continue;
    rows[sk.get<std::string>()] = item ? forCaller(ctx, *item) : json();
  }
  return rows;
}

}  // namespace edgecart
