// The server's pull (docs/design.md §7): a page of the change feed, scoped by the caller's role.

#include <algorithm>
#include <cctype>

#include "edgecart/api/access.h"
#include "edgecart/api/validate.h"
#include "edgecart/engine/error.h"
#include "edgecart/engine/sequence.h"
#include "edgecart/sync/sync.h"
#include "sync_rows.h"
#include "sync_server_internal.h"

namespace edgecart {

using namespace sync_detail;  // the helpers the sync server's files share

// What a caller's device may hold (the pull is scoped by role, see access.h): staff get the whole
// tenant; a customer the catalogue, stock, and its own orders with their reservations. Another
// customer's name or address never reaches a customer's device.
bool SyncServer::visibleTo(const Context& ctx, const json& item) const {
  if (roleOf(ctx) != Role::Customer) return true;
  const std::string& sk = item.at("sk").get_ref<const std::string&>();
  if (isShopWide(sk)) return true;
  if (sk.rfind("ORDER#", 0) == 0) return attrs(item).value("customerId", "") == ctx.userId;
  if (sk.rfind("RESERVATION#", 0) == 0) {
    const Value order = shop_.store().get(Table::Data, item.at("pk").get<std::string>(),
                                          "ORDER#" + attrs(item).value("orderCode", ""));
    return order && attrs(*order).value("customerId", "") == ctx.userId;
  }
  return false;
}

Response SyncServer::pull(const Context& caller, const std::string& query) {
  try {
    const Context ctx = normalized(caller);
    std::string cursor, clientId;
    size_t limit = kMaxPull;
    for (const auto& [key, value] : parseQuery(query)) {
      if (key == "clientId") {
        if (!isValidClientId(value)) badRequest("clientId must be 16-64 letters, digits, '_' or '-'");
        clientId = value;
      } else if (key == "cursor") {
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
    if (!clientId.empty()) checkClientOwner(store, ctx, clientId);
    const std::string tenantPk = edgecart::tenantPk(ctx.tenantCode);
    const std::string from = cursor.empty() ? "" : padded(std::stoll(cursor));
    std::string last = cursor;
    bool more = false;
    std::vector<std::pair<std::string, std::string>> rows;  // n, sk: the page's feed rows
    const std::string feed = feedPk(ctx.tenantCode);
    if (roleOf(ctx) == Role::Customer && store.get(Table::Sequence, feed, "scoped")) {
      // A customer reads only its scoped feeds, merged by number: O(limit), whatever the tenant sold.
      for (const std::string& pk : {sharedFeedPk(ctx.tenantCode), customerFeedPk(ctx.tenantCode, ctx.userId)}) {
        size_t taken = 0;
        store.scan(Table::Sequence, pk, "0", from, [&](const std::string& n, const Value& v) {
          rows.emplace_back(n, v->at("sk").get<std::string>());
          return ++taken <= limit;  // one more than a page: tells whether there is more
        });
      }
      std::sort(rows.begin(), rows.end());
      more = rows.size() > limit;
      if (more) rows.resize(limit);
    } else {
      store.scan(Table::Sequence, feed, "0", from, [&](const std::string& n, const Value& change) {
        if (rows.size() >= limit) {
          more = true;
          return false;
        }
        rows.emplace_back(n, change->at("sk").get<std::string>());
        return true;
      });
    }
    // The page's items in one read of the store (one query on SQLite and PostgreSQL).
    std::vector<std::string> sks;
    sks.reserve(rows.size());
    for (const auto& row : rows) sks.push_back(row.second);
    const std::vector<Value> found = store.getMany(Table::Data, tenantPk, sks);
    json items = json::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (found[i] && visibleTo(ctx, *found[i])) items.push_back(forCaller(ctx, *found[i]));
      last = rows[i].first;
    }
    json answer = {{"items", std::move(items)}, {"cursor", last}, {"more", more}};
    // The client's last answered command, read after the items: every command up to it has its
    // effect in the state pulled (the client then re-runs only the later ones on top).
    if (!clientId.empty()) {
      answer["lastSeq"] = intOr(store.get(Table::Sequence, "SYNC#" + ctx.tenantCode + "#" + clientId, "last"), "seq", 0);
    }
    return Response{200, std::move(answer), {}, {}};
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what(), e.code()), {}, {}, e.code()};
  }
}

}  // namespace edgecart
