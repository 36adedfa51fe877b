// The server's side of reconciliation (SPEC §7): push with exactly-once effects, the change feed
// and pull, and leases of order numbers.

#include <cstdio>

#include "edgecart/error.h"
#include "edgecart/money.h"
#include "edgecart/sequence.h"
#include "edgecart/sync.h"
#include "edgecart/validate.h"

namespace edgecart {
namespace {

constexpr size_t kMaxCommands = 500;
constexpr int64_t kMaxLease = 1000;
constexpr size_t kMaxPull = 500;

std::string padded(int64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(n));
  return buf;
}

Value row(json j) { return std::make_shared<const json>(std::move(j)); }

json parseObject(const std::string& body) {
  if (body.size() > (8u << 20)) throw ApiError(413, "Request body exceeds 8388608 bytes");
  json j = parseJsonKeepingCents(body);
  if (j.is_discarded()) badRequest("Malformed JSON in request body");
  if (!j.is_object()) badRequest("body must be a JSON object");
  return j;
}

std::string clientIdOf(const json& body) {
  const json& id = body.contains("clientId") ? body["clientId"] : json();
  if (!id.is_string() || !isValidClientId(id.get<std::string>())) {
    badRequest("clientId must be 16-64 letters, digits, '_' or '-'");
  }
  return id.get<std::string>();
}

int64_t intOr(const Value& v, const char* field, int64_t fallback) {
  return v && v->contains(field) ? v->at(field).get<int64_t>() : fallback;
}

// The item a command targets, for its version before the command ran.
std::string targetSk(const std::string& path) {
  if (path.rfind("/inventory/", 0) == 0) return "INVENTORY#" + path.substr(11);
  if (path.rfind("/orders/", 0) == 0) {
    const size_t slash = path.find('/', 8);
    return "ORDER#" + path.substr(8, slash == std::string::npos ? std::string::npos : slash - 8);
  }
  return "";
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

SyncServer::SyncServer(Shop& shop) : shop_(shop) {
  // The change feed: each changed item moves to the end of its tenant's feed.
  shop_.engine().addCommitHook([](Transaction& tx) {
    const std::string feed = "CHANGES#" + tx.context().tenantCode;
    const std::string index = "CHANGEIDX#" + tx.context().tenantCode;
    int64_t n = intOr(tx.get(Table::Sequence, feed, "counter"), "value", 0);
    for (const DataChange& c : tx.changes()) {
      const Value old = tx.get(Table::Sequence, index, c.sk);
      if (old) tx.putRow(Table::Sequence, feed, padded(old->at("n").get<int64_t>()), nullptr);
      ++n;
      tx.putRow(Table::Sequence, feed, padded(n), row({{"sk", c.sk}}));
      tx.putRow(Table::Sequence, index, c.sk, row({{"n", n}}));
    }
    tx.putRow(Table::Sequence, feed, "counter", row({{"value", n}}));
  });
}

Response SyncServer::push(const Context& ctx, const std::string& body) {
  try {
    const json req = parseObject(body);
    const std::string clientId = clientIdOf(req);
    for (const auto& [k, v] : req.items()) {
      if (k != "clientId" && k != "commands") badRequest("property " + echo(k) + " should not exist");
    }
    const json& commands = req.contains("commands") ? req["commands"] : json();
    if (!commands.is_array() || commands.size() > kMaxCommands) {
      badRequest("commands must be an array of at most " + std::to_string(kMaxCommands));
    }
    const std::string pk = "SYNC#" + ctx.tenantCode + "#" + clientId;
    const std::string tenantPk = edgecart::tenantPk(ctx.tenantCode);
    Store& store = shop_.store();
    json results = json::array();
    for (const json& cmd : commands) {
      if (!cmd.is_object() || !cmd.contains("seq") || !cmd["seq"].is_number_integer() || cmd["seq"].get<int64_t>() < 1) {
        badRequest("each command needs an integer seq of at least 1");
      }
      const int64_t seq = cmd["seq"].get<int64_t>();
      const int64_t last = intOr(store.get(Table::Sequence, pk, "last"), "seq", 0);
      if (seq <= last) {  // answered before: the same answer, nothing applied again
        const Value rec = store.get(Table::Sequence, pk, "result#" + padded(seq));
        json r = rec ? *rec : json{{"seq", seq}, {"outcome", "rejected"}, {"status", 409},
                                   {"body", errorBody(409, "Command " + std::to_string(seq) + " was answered before")}};
        r["replayed"] = true;
        results.push_back(std::move(r));
        continue;
      }
      const std::string method = cmd.value("method", "");
      const std::string path = cmd.value("path", "");
      const json& cmdBody = cmd.contains("body") ? cmd["body"] : json();
      json result = {{"seq", seq}};
      Context c = ctx;
      int status = 0;
      json answer;
      if ((method != "POST" && method != "PATCH") || path.empty() || path[0] != '/' ||
          !(cmdBody.is_object() || cmdBody.is_null())) {
        status = 400;
        answer = errorBody(400, "a command needs method POST or PATCH, a path and an object body");
      } else if (cmd.contains("code")) {
        const std::string code = cmd["code"].is_string() ? cmd["code"].get<std::string>() : "";
        bool leased = code.rfind("ORD-" + deviceOf(clientId) + "-", 0) == 0 && isValidCode(code);
        if (!leased) {  // a number from one of this client's blocks?
          size_t digits = code.size();
          while (digits > 0 && std::isdigit(static_cast<unsigned char>(code[digits - 1]))) --digits;
          const int64_t n = digits < code.size() && code.size() - digits <= 15 ? std::stoll(code.substr(digits)) : -1;
          store.scan(Table::Sequence, pk, "lease#", "", [&](const std::string&, const Value& l) {
            leased = leased || (n >= l->at("start").get<int64_t>() && n <= l->at("end").get<int64_t>() &&
                                formatSequence(shop_.options().orderCodeFormat, n) == code);
            return !leased;
          });
        }
        if (!leased || method != "POST" || path != "/orders") {
          status = 409;
          answer = errorBody(409, "Order code " + echo(code) + " is not leased to this client");
        }
        c.orderCode = code;
      }
      const std::string sk = targetSk(path);
      const Value before = sk.empty() ? nullptr : store.get(Table::Data, tenantPk, sk);
      const int64_t beforeVersion = before ? itemVersion(*before) : 0;
      const bool rebased = cmd.contains("baseVersion") && cmd["baseVersion"].is_number_integer() &&
                           cmd["baseVersion"].get<int64_t>() != beforeVersion;
      if (status == 0) {
        const Response r = shop_.handle(c, method, path, cmdBody.is_null() ? "" : cmdBody.dump(),
                                        [&](Transaction& tx, const Response& ok) {
          // An applied command is answered with its item's key and version, not the item: the
          // client gets the items themselves from the pull that follows.
          json rec = {{"seq", seq}, {"outcome", rebased ? "rebased" : "accepted"}, {"status", ok.status},
                      {"sk", ok.body.value("sk", "")}, {"version", ok.body.value("version", 0)}};
          if (!ok.notifications.empty()) rec["notifications"] = ok.notifications;
          tx.putRow(Table::Sequence, pk, "result#" + padded(seq), row(rec));
          tx.putRow(Table::Sequence, pk, "last", row({{"seq", seq}}));
          result = std::move(rec);
        });
        status = r.status;
        answer = r.body;
        if (status < 400 && !result.contains("outcome")) {
          // A write that changed nothing (no commit, no hook): still answered and recorded.
          result = {{"seq", seq}, {"outcome", rebased ? "rebased" : "accepted"}, {"status", status},
                    {"sk", answer.value("sk", "")}, {"version", answer.value("version", 0)}};
          status = 0;
        } else if (status < 400) {
          status = -1;  // recorded with its effects
        }
      }
      if (status != -1) {
        if (status >= 400) {
          const bool strict = cmdBody.is_object() && cmdBody.contains("version") && status == 409;
          result = {{"seq", seq}, {"outcome", strict ? "conflict" : "rejected"}, {"status", status}, {"body", answer}};
          if (strict && before) result["item"] = *before;
        }
        shop_.engine().run(ctx, [&](Transaction& tx) {
          tx.putRow(Table::Sequence, pk, "result#" + padded(seq), row(result));
          tx.putRow(Table::Sequence, pk, "last", row({{"seq", seq}}));
        });
      }
      results.push_back(std::move(result));
    }
    return Response{200, {{"results", std::move(results)}, {"lastSeq", intOr(store.get(Table::Sequence, pk, "last"), "seq", 0)}}, {}, {}};
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what()), {}, {}};
  } catch (const std::exception& e) {
    return Response{500, errorBody(500, std::string("Internal error: ") + e.what()), {}, {}};
  }
}

Response SyncServer::pull(const Context& ctx, const std::string& query) {
  try {
    std::string cursor;
    size_t limit = kMaxPull;
    size_t at = 0;
    while (at <= query.size()) {
      const size_t amp = std::min(query.find('&', at), query.size());
      const std::string pair = query.substr(at, amp - at);
      at = amp + 1;
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string key = pair.substr(0, eq), value = eq == std::string::npos ? "" : pair.substr(eq + 1);
      if (key == "cursor") {
        if (value.size() > 12 || value.find_first_not_of("0123456789") != std::string::npos) {
          badRequest("cursor must be a cursor returned by /sync/pull");
        }
        cursor = value;
      } else if (key == "limit") {
        if (value.empty() || value.size() > 4 || value.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(value) < 1 || std::stoul(value) > kMaxPull) {
          badRequest("limit must be an integer between 1 and " + std::to_string(kMaxPull));
        }
        limit = std::stoul(value);
      } else {
        badRequest("query parameter " + echo(key) + " is not supported");
      }
    }
    Store& store = shop_.store();
    const std::string tenantPk = edgecart::tenantPk(ctx.tenantCode);
    json items = json::array();
    std::string last = cursor;
    bool more = false;
    store.scan(Table::Sequence, "CHANGES#" + ctx.tenantCode, "0", cursor.empty() ? "" : padded(std::stoll(cursor)),
               [&](const std::string& n, const Value& change) {
                 if (items.size() >= limit) {
                   more = true;
                   return false;
                 }
                 if (Value item = store.get(Table::Data, tenantPk, change->at("sk").get<std::string>())) items.push_back(*item);
                 last = n;
                 return true;
               });
    return Response{200, {{"items", std::move(items)}, {"cursor", last}, {"more", more}}, {}, {}};
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what()), {}, {}};
  }
}

Response SyncServer::lease(const Context& ctx, const std::string& body) {
  try {
    const json req = parseObject(body);
    const std::string clientId = clientIdOf(req);
    int64_t size = 100;
    for (const auto& [k, v] : req.items()) {
      if (k == "size") {
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxLease) {
          badRequest("size must be an integer between 1 and " + std::to_string(kMaxLease));
        }
        size = v.get<int64_t>();
      } else if (k != "clientId") {
        badRequest("property " + echo(k) + " should not exist");
      }
    }
    const std::string device = deviceOf(clientId);
    json answer;
    shop_.engine().run(ctx, [&](Transaction& tx) {
      const std::string devices = "SYNC#" + ctx.tenantCode + "#devices";
      const Value owner = tx.get(Table::Sequence, devices, device);
      if (owner && owner->at("clientId") != clientId) {
        conflict("device series " + device + " belongs to another client; choose another clientId");
      }
      const std::string tenantPk = edgecart::tenantPk(ctx.tenantCode);
      const int64_t start = intOr(tx.get(Table::Sequence, tenantPk, "ORDER"), "value", 0) + 1;
      const int64_t end = start + size - 1;
      tx.putRow(Table::Sequence, tenantPk, "ORDER", row({{"value", end}, {"updatedAt", tx.now()}}));
      tx.putRow(Table::Sequence, "SYNC#" + ctx.tenantCode + "#" + clientId, "lease#" + padded(start),
                row({{"start", start}, {"end", end}, {"at", tx.now()}}));
      tx.putRow(Table::Sequence, devices, device, row({{"clientId", clientId}}));
      answer = {{"clientId", clientId}, {"device", device}, {"start", start}, {"end", end},
                {"format", shop_.options().orderCodeFormat}};
    });
    return Response{200, std::move(answer), {}, {}};
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what()), {}, {}};
  }
}

}  // namespace edgecart
