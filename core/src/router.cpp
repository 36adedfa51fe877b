#include "edgecart/router.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "edgecart/error.h"
#include "edgecart/money.h"
#include "edgecart/validate.h"

namespace edgecart {
namespace {

constexpr int64_t kDefaultLimit = 20;
constexpr int64_t kMaxLimit = 100;
constexpr size_t kMaxCursorLength = 256;

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t at = 1;
  while (at <= path.size()) {
    const size_t slash = std::min(path.find('/', at), path.size());
    parts.push_back(percentDecode(path.substr(at, slash - at), false));
    at = slash + 1;
  }
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();  // one trailing slash
  return parts;
}

std::string pathCode(const std::string& raw) {
  if (!isValidCode(raw)) {
    badRequest("code in the path must be 1-64 letters, digits, '_', '-' or '.'");
  }
  return raw;
}

json parseBody(const std::string& body) {
  if (body.empty()) badRequest("body must be a JSON object");
  json j = parseJsonKeepingCents(body);
  if (j.is_discarded()) badRequest("Malformed JSON in request body");
  if (!j.is_object()) badRequest("body must be a JSON object");
  return j;
}

Response ok(int status, const Value& item) { return Response{status, *item, {}, {}}; }

}  // namespace

json errorBody(int status, const std::string& message) {
  return {{"statusCode", status}, {"error", statusText(status)}, {"message", message}};
}

Response Router::handle(const Context& context, const std::string& method,
                        const std::string& target, const std::string& body, const WriteHook& hook) {
  try {
    if (body.size() > options_.maxBodyBytes) {
      throw ApiError(413, "Request body exceeds " + std::to_string(options_.maxBodyBytes) + " bytes");
    }
    Context ctx = context;
    std::transform(ctx.tenantCode.begin(), ctx.tenantCode.end(), ctx.tenantCode.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ctx.tenantCode.empty()) throw ApiError(403, "No tenant in the caller's context");
    if (!isValidTenantCode(ctx.tenantCode)) {
      badRequest("tenant code must match [a-z0-9][a-z0-9_-]{0,63}");
    }
    return route(ctx, method, target, body, hook);
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what()), {}, {}, e.reason()};
  } catch (const std::exception& e) {
    return Response{500, errorBody(500, std::string("Internal error: ") + e.what()), {}, {}};
  }
}

Response Router::route(const Context& ctx, const std::string& method, const std::string& target,
                       const std::string& body, const WriteHook& hook) {
  const size_t qmark = target.find('?');
  const std::string path = target.substr(0, qmark);
  const std::string query = qmark == std::string::npos ? "" : target.substr(qmark + 1);
  // The 404 message, built only when needed: most requests match a route.
  auto cannot = [&] { return "Cannot " + echo(method, 16) + " " + echo(path, 200); };
  if (path.empty() || path[0] != '/') notFound(cannot());
  const std::vector<std::string> p = splitPath(path);
  const bool get = method == "GET", post = method == "POST", patch = method == "PATCH";

  // Writes: run in one transaction, report what the handlers did.
  auto write = [&](int status, auto&& work) {
    const json parsed = parseBody(body);
    Response r;
    engine_.run(ctx, [&](Transaction& tx) {
      r = ok(status, work(tx, parsed));
      r.notifications = tx.notifications();  // copied: commit hooks may keep them too
      r.changes.reserve(tx.changes().size());
      for (const DataChange& c : tx.changes()) {
        json change(json::value_t::object);
        change.emplace("sk", c.sk);
        change.emplace("version", c.newItem->at("version"));
        r.changes.push_back(std::move(change));
      }
      if (hook) hook(tx, r);
    });
    return r;
  };
  // Reads: a transaction that is never committed.
  auto read = [&](auto&& work) {
    Transaction tx(engine_, ctx);
    return ok(200, work(tx));
  };

  if (p.size() == 1 && p[0] == "products") {
    if (post) return write(201, [](Transaction& tx, const json& b) { return createProduct(tx, b); });
    if (get) return Response{200, list(ctx, "PRODUCT#", query, false), {}, {}};
  } else if (p.size() == 2 && p[0] == "products" && get) {
    const std::string code = pathCode(p[1]);
    return read([&](Transaction& tx) { return getProduct(tx, code); });
  } else if (p.size() == 2 && p[0] == "inventory") {
    const std::string code = pathCode(p[1]);
    if (patch) {
      return write(200, [&](Transaction& tx, const json& b) { return updateInventory(tx, code, b); });
    }
    if (get) {
      return read([&](Transaction& tx) {
        Value inv = tx.getItem(std::string(kInventory) + "#" + code);
        if (!inv) notFound("Inventory for " + code + " not found");
        return inv;
      });
    }
  } else if (p.size() == 1 && p[0] == "orders") {
    if (post) {
      return write(201, [&](Transaction& tx, const json& b) { return createOrder(tx, b, options_); });
    }
    if (get) return Response{200, list(ctx, "ORDER#", query, true), {}, {}};
  } else if (p.size() == 2 && p[0] == "orders" && get) {
    const std::string code = pathCode(p[1]);
    return read([&](Transaction& tx) { return getOrder(tx, code); });
  } else if (p.size() == 3 && p[0] == "orders" && p[2] == "status" && patch) {
    const std::string code = pathCode(p[1]);
    return write(200, [&](Transaction& tx, const json& b) { return updateOrderStatus(tx, code, b); });
  }
  notFound(cannot());
}

json Router::list(const Context& ctx, const std::string& prefix, const std::string& query,
                  bool withStatus) {
  std::map<std::string, std::string> q = parseQuery(query);
  int64_t limit = kDefaultLimit;
  std::string cursor, status;
  for (const auto& [key, value] : q) {
    if (key == "limit") {
      const bool digits = !value.empty() && value.size() <= 3 &&
                          std::all_of(value.begin(), value.end(), ::isdigit);
      limit = digits ? std::stoll(value) : 0;
      if (limit < 1 || limit > kMaxLimit) {
        badRequest("limit must be an integer between 1 and " + std::to_string(kMaxLimit));
      }
    } else if (key == "cursor") {
      if (value.size() > kMaxCursorLength || value.rfind(prefix, 0) != 0) {
        badRequest("cursor must be a lastSk returned by this list");
      }
      cursor = value;
    } else if (key == "status" && withStatus) {
      if (!isOrderStatus(value)) {
        badRequest("status must be one of the following values: pending, confirmed, processing, "
                   "shipped, delivered, cancelled");
      }
      status = value;
    } else {
      badRequest("property " + echo(key) + " should not exist");
    }
  }
  json items = json::array();
  bool more = false;
  auto take = [&](const Value& v) {
    if (!status.empty() && attrs(*v).at("status") != status) return true;
    if (static_cast<int64_t>(items.size()) == limit) {
      more = true;
      return false;
    }
    items.push_back(*v);
    return true;
  };
  Store& store = engine_.store();
  const std::string pk = tenantPk(ctx.tenantCode);
  if (engine_.hasListIndex(pk, prefix)) {
    // In number order (see naturalKey): each index row names its item.
    store.scan(Table::Sequence, indexPk(pk), prefix, cursor.empty() ? "" : naturalKey(prefix, cursor),
               [&](const std::string&, const Value& entry) {
                 const Value v = store.get(Table::Data, pk, entry->at("sk").get<std::string>());
                 return v ? take(v) : true;
               });
  } else {
    store.scan(Table::Data, pk, prefix, cursor, [&](const std::string&, const Value& v) { return take(v); });
  }
  json out = {{"items", std::move(items)}};
  if (more) out["lastSk"] = out["items"].back().at("sk");
  return out;
}

}  // namespace edgecart
