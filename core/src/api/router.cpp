#include "edgecart/api/router.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "edgecart/api/access.h"
#include "edgecart/engine/digest.h"
#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"
#include "edgecart/api/validate.h"
#include "edgecart/domain/till.h"

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

// An order a customer calls about must be its own.
Value ownOrder(const Context& ctx, Value order) {
  if (roleOf(ctx) == Role::Customer && attrs(*order).value("customerId", "") != ctx.userId) {
    forbidden("Forbidden: order " + order->at("code").get<std::string>() + " belongs to another customer");
  }
  return order;
}

// POST /orders?stock=accept|strict: strict refuses an order whose stock cannot be reserved.
bool strictStock(const std::string& query) {
  bool strict = false;
  for (const auto& [key, value] : parseQuery(query)) {
    if (key != "stock") badRequest("query parameter " + echo(key) + " is not supported");
    if (value != "accept" && value != "strict") badRequest("stock must be accept or strict");
    strict = value == "strict";
  }
  return strict;
}

// A route that takes no query parameters: any given is refused (design §5: unknown input is 400).
void noQuery(const std::string& query) {
  for (const auto& [key, value] : parseQuery(query)) {
    badRequest("query parameter " + echo(key) + " is not supported");
  }
}

// An Idempotency-Key: 1-255 printable ASCII characters (no spaces).
void checkIdempotencyKey(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 255;
  for (char c : key) ok = ok && c > 0x20 && c < 0x7f;
  if (!ok) badRequest("Idempotency-Key must be 1-255 printable ASCII characters without spaces");
}

// What an Idempotency-Key's request was: method, target and the parsed body, as a SHA-256.
std::string requestPrint(const std::string& method, const std::string& target, const json& body) {
  return sha256Hex(method + " " + target + " " + body.dump());
}

}  // namespace

json errorBody(int status, const std::string& message, const char* errorCode) {
  return {{"statusCode", status}, {"error", statusText(status)}, {"message", message},
          {"code", errorCode ? errorCode : defaultErrorCode(status)}};
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
  } catch (const CommitConflict&) {
    throw;  // only inside Engine::attempt (run() retries its own): the attempt re-runs the request
  } catch (const ApiError& e) {
    return Response{e.status(), errorBody(e.status(), e.what(), e.code()), {}, {}, e.code()};
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

  // Writes: run in one transaction, report what the handlers did. With an Idempotency-Key the
  // answer is kept in the same transaction, and a retry of the same request gets it again.
  auto write = [&](int status, auto&& work) {
    const json parsed = parseBody(body);
    const std::string& key = ctx.idempotencyKey;
    std::string keySk, print;
    if (!key.empty()) {
      checkIdempotencyKey(key);
      // The user's id first, by its length: "alice#x" + "y" and "alice" + "x#y" are two keys.
      keySk = std::to_string(ctx.userId.size()) + ":" + ctx.userId + "#" + key;
      print = requestPrint(method, target, parsed);
    }
    const std::string keyPk = "IDEMPOTENCY#" + ctx.tenantCode;
    Response r;
    engine_.run(ctx, [&](Transaction& tx) {
      if (!key.empty()) {
        const Value prior = tx.get(Table::Sequence, keyPk, keySk);
        if (prior && tx.nowMs() - prior->at("atMs").get<int64_t>() < kIdempotencyWindowMs) {
          if (prior->at("request") != print) {
            throw ApiError(422, "Idempotency-Key " + echo(key) + " was used with another request; "
                                "use a new key for a new request", errc::kIdempotencyKeyReused);
          }
          r = Response{prior->at("status").get<int>(), prior->at("body"), {}, {}};
          r.replayed = true;
          return;
        }
      }
      r = Response{status, work(tx, parsed), {}, {}};
      r.notifications = tx.notifications();  // copied: commit hooks may keep them too
      r.changes.reserve(tx.changes().size());
      for (const DataChange& c : tx.changes()) {
        json change(json::value_t::object);
        change.emplace("sk", c.sk);
        change.emplace("version", c.newItem->at("version"));
        r.changes.push_back(std::move(change));
      }
      if (!key.empty()) {
        tx.putRow(Table::Sequence, keyPk, keySk, std::make_shared<const json>(json{
            {"request", print}, {"status", r.status}, {"body", r.body}, {"atMs", tx.nowMs()}}));
      }
      if (hook) hook(tx, r);
    });
    return r;
  };
  // Reads: a transaction that is never committed.
  auto read = [&](auto&& work) {
    Transaction tx(engine_, ctx);
    return Response{200, work(tx), {}, {}};
  };
  auto allow = [&](const char* route) { authorize(ctx, method, route); };
  const bool customer = roleOf(ctx) == Role::Customer;
  // What the caller may do to an order's prices (docs/money.md).
  const OrderCaller caller{customer ? Pricing::Catalogue : Pricing::AsSent,
                           customer ? Discounts::None : roleOf(ctx) == Role::Cashier ? Discounts::UpToLimit : Discounts::Any};

  if (p.size() == 1 && p[0] == "products") {
    if (post) {
      allow("/products");
      noQuery(query);
      return write(201, [&](Transaction& tx, const json& b) { return *createProduct(tx, b, options_); });
    }
    if (get) return allow("/products"), Response{200, list(ctx, "PRODUCT#", query), {}, {}};
  } else if (p.size() == 2 && p[0] == "products" && p[1] == "import" && post) {
    allow("/products/import");
    noQuery(query);
    return write(200, [&](Transaction& tx, const json& b) { return importProducts(tx, b, options_); });
  } else if (p.size() == 1 && p[0] == "categories" && get) {
    allow("/categories");
    noQuery(query);
    return Response{200, categories(ctx), {}, {}};
  } else if (p.size() == 2 && p[0] == "products" && (get || patch)) {
    const std::string code = pathCode(p[1]);
    allow("/products/{code}");
    noQuery(query);
    if (patch) return write(200, [&](Transaction& tx, const json& b) { return *updateProduct(tx, code, b, options_); });
    return read([&](Transaction& tx) { return forCaller(ctx, *getProduct(tx, code)); });
  } else if (p.size() == 2 && p[0] == "inventory" && (get || patch)) {
    const std::string code = pathCode(p[1]);
    allow("/inventory/{productCode}");
    noQuery(query);
    if (patch) {
      return write(200, [&](Transaction& tx, const json& b) { return *updateInventory(tx, code, b); });
    }
    return read([&](Transaction& tx) {
      Value inv = tx.getItem(std::string(kInventory) + "#" + code);
      if (!inv) notFound("Inventory for " + code + " not found");
      return forCaller(ctx, *inv);
    });
  } else if (p.size() == 1 && p[0] == "orders") {
    if (post) {
      allow("/orders");
      const bool strict = strictStock(query);
      return write(201, [&](Transaction& tx, const json& b) {
        const json* request = &b;
        json own;
        if (customer) {  // a customer orders for itself: customerId is the caller
          if (ctx.userId.empty()) forbidden("Forbidden: a customer without a user id cannot order");
          if (b.contains("customerId") && b["customerId"] != ctx.userId) {
            forbidden("Forbidden: a customer orders only for itself: customerId must be " + echo(ctx.userId) +
                      " or left out");
          }
          own = b;
          own["customerId"] = ctx.userId;
          request = &own;
        }
        json order = orderAnswer(tx, createOrder(tx, *request, options_, caller));
        const json& reservation = order["reservation"];
        if (strict && reservation.at("state") == "none") {
          throw ApiError(409, reservation.at("error").get<std::string>(),
                         reservation.at("errorCode").get_ref<const std::string&>() == errc::kUnknownProduct
                             ? errc::kUnknownProduct : errc::kInsufficientInventory);
        }
        return order;
      });
    }
    if (get) return allow("/orders"), Response{200, list(ctx, "ORDER#", query), {}, {}};
  } else if (p.size() == 2 && p[0] == "orders" && p[1] == "quote" && post) {
    allow("/orders/quote");
    noQuery(query);
    const json b = parseBody(body);
    return read([&](Transaction& tx) { return quoteOrder(tx, b, options_, caller); });
  } else if (p.size() == 1 && p[0] == "currencies" && get) {
    allow("/currencies");
    noQuery(query);
    return Response{200, currencyList(), {}, {}};
  } else if (p.size() == 1 && p[0] == "settings" && (get || patch)) {
    allow("/settings");
    noQuery(query);
    if (patch) return write(200, [&](Transaction& tx, const json& b) { return *updateSettings(tx, b, options_); });
    return read([&](Transaction& tx) { return settingsAnswer(tx, options_); });
  } else if (p.size() == 1 && p[0] == "returns" && (get || post)) {
    allow("/returns");
    if (get) return Response{200, list(ctx, "RETURN#", query), {}, {}};
    noQuery(query);
    const ReturnWindow window = roleOf(ctx) >= Role::Manager ? ReturnWindow::Any : ReturnWindow::Within;
    return write(201, [&](Transaction& tx, const json& b) { return *createReturn(tx, b, options_, window); });
  } else if (p.size() == 2 && p[0] == "returns" && get) {
    const std::string code = pathCode(p[1]);
    allow("/returns/{code}");
    noQuery(query);
    return read([&](Transaction& tx) { return *getReturn(tx, code); });
  } else if (p.size() == 1 && p[0] == "sessions" && (get || post)) {
    allow("/sessions");
    if (get) return Response{200, list(ctx, "SESSION#", query), {}, {}};
    noQuery(query);
    return write(201, [&](Transaction& tx, const json& b) { return *openSession(tx, b, options_); });
  } else if (p.size() == 2 && p[0] == "sessions" && get) {
    const std::string code = pathCode(p[1]);
    allow("/sessions/{code}");
    noQuery(query);
    return read([&](Transaction& tx) { return *getSession(tx, code); });
  } else if (p.size() == 3 && p[0] == "sessions" && (p[2] == "movements" || p[2] == "close") && post) {
    const std::string code = pathCode(p[1]);
    const bool close = p[2] == "close";
    allow(close ? "/sessions/{code}/close" : "/sessions/{code}/movements");
    noQuery(query);
    return write(200, [&](Transaction& tx, const json& b) { return close ? *closeSession(tx, code, b) : *addMovement(tx, code, b); });
  } else if (p.size() == 2 && p[0] == "orders" && get) {
    const std::string code = pathCode(p[1]);
    allow("/orders/{code}");
    noQuery(query);
    return read([&](Transaction& tx) { return orderAnswer(tx, ownOrder(ctx, getOrder(tx, code))); });
  } else if (p.size() == 3 && p[0] == "orders" && p[2] == "status" && patch) {
    const std::string code = pathCode(p[1]);
    allow("/orders/{code}/status");
    noQuery(query);
    return write(200, [&](Transaction& tx, const json& b) {
      if (customer) {
        const Value current = ownOrder(ctx, getOrder(tx, code));
        if (b.value("status", json()) != "cancelled" || attrs(*current).at("status") != "pending") {
          forbidden("Forbidden: a customer may only cancel its own order, and only while it is pending");
        }
      }
      return orderAnswer(tx, updateOrderStatus(tx, code, b));
    });
  }
  notFound(cannot());
}

// Every category a product has, in code order, from the look-ups: one short read per category
// (the read skips past each category's rows), never one per product.
json Router::categories(const Context& ctx) {
  Store& store = engine_.store();
  const std::string pk = tenantPk(ctx.tenantCode);
  json items = json::array();
  if (!engine_.hasLookup(pk, "PRODUCT#")) {
    std::set<std::string> seen;
    store.scan(Table::Data, pk, "PRODUCT#", "", [&](const std::string&, const Value& v) {
      const json& c = attrs(*v).value("categoryCode", json());
      if (c.is_string()) seen.insert(c.get<std::string>());
      return true;
    });
    for (const std::string& c : seen) items.push_back({{"code", c}});
    return {{"items", std::move(items)}};
  }
  const std::string tag = "cat:";
  std::string after;
  for (bool found = true; found;) {
    found = false;
    store.scan(Table::Sequence, lookupPk(pk), tag, after, [&](const std::string& row, const Value&) {
      const std::string code = row.substr(tag.size(), row.find(kLookupSep) - tag.size());
      items.push_back({{"code", code}});
      after = tag + code + kLookupSep + "\x7f";  // past every row of this category
      found = true;
      return false;
    });
  }
  return {{"items", std::move(items)}};
}

json Router::list(const Context& ctx, const std::string& prefix, const std::string& query) {
  const bool orders = prefix == "ORDER#", products = prefix == "PRODUCT#";
  const bool returns = prefix == "RETURN#", sessions = prefix == "SESSION#";
  std::map<std::string, std::string> q = parseQuery(query);
  int64_t limit = kDefaultLimit;
  std::string cursor;
  bool descending = false;
  bool withStock = false;
  std::vector<std::pair<const char*, json>> filters;  // attribute -> the value it must have
  std::string customerId, sku, category, till, sessionStatus;
  std::vector<std::string> words;  // of q: each must begin a word of the name
  auto checkLength = [](const char* name, const std::string& value) {
    if (value.empty() || value.size() > kMaxCodeLength) {
      badRequest(std::string(name) + " must be between 1 and " + std::to_string(kMaxCodeLength) + " characters");
    }
  };
  for (const auto& [key, value] : q) {
    if (key == "limit") {
      const bool digits = !value.empty() && value.size() <= 3 &&
                          std::all_of(value.begin(), value.end(), ::isdigit);
      limit = digits ? std::stoll(value) : 0;
      if (limit < 1 || limit > kMaxLimit) {
        badRequest("limit must be an integer between 1 and " + std::to_string(kMaxLimit));
      }
    } else if (key == "cursor") {
      if (value.empty() || value.size() > kMaxCursorLength) badRequest("cursor must be a lastSk returned by this list");
      cursor = value;
    } else if (key == "order") {
      if (value != "asc" && value != "desc") badRequest("order must be asc or desc");
      descending = value == "desc";
    } else if (key == "status" && orders) {
      checkOrderStatus(value);
      filters.emplace_back("status", value);
    } else if (key == "status" && sessions) {
      if (value != "open" && value != "closed") badRequest("status must be open or closed");
      sessionStatus = value;
      filters.emplace_back("status", value);
    } else if (key == "till" && sessions) {
      checkLength("till", value);
      till = value;
      filters.emplace_back("till", value);
    } else if (key == "orderCode" && returns) {
      checkLength("orderCode", value);
      filters.emplace_back("orderCode", value);
    } else if (key == "customerId" && orders) {
      checkLength("customerId", value);
      customerId = value;
    } else if (key == "categoryCode" && products) {
      checkLength("categoryCode", value);
      category = value;
      filters.emplace_back("categoryCode", value);
    } else if (key == "isActive" && products) {
      if (value != "true" && value != "false") badRequest("isActive must be true or false");
      filters.emplace_back("isActive", value == "true");
    } else if (key == "sku" && products) {
      checkLength("sku", value);
      sku = value;
      filters.emplace_back("sku", value);
    } else if (key == "q" && products) {
      if (value.size() > kMaxNameLength) badRequest("q must be at most " + std::to_string(kMaxNameLength) + " characters");
      words = searchWords(value);
      if (words.empty()) badRequest("q must contain a letter or a digit");
    } else if (key == "include" && products) {
      if (value != "stock") badRequest("include must be stock");
      withStock = true;
    } else {
      badRequest("property " + echo(key) + " should not exist");
    }
  }
  // A till's open session is the one its TILL item names: one read, however many sessions the
  // shop has had (every till asks after each of its sales).
  if (sessions && !till.empty() && sessionStatus == "open" && cursor.empty()) {
    json items = json::array();
    const std::string pk = tenantPk(ctx.tenantCode);
    const Value t = engine_.store().get(Table::Data, pk, std::string(kTill) + "#" + till);
    const json open = t ? attrs(*t).value("openSession", json()) : json();
    if (open.is_string()) {
      const Value session = engine_.store().get(Table::Data, pk, std::string(kSession) + "#" + open.get<std::string>());
      if (session) items.push_back(*session);
    }
    return {{"items", std::move(items)}};
  }
  if (orders && roleOf(ctx) == Role::Customer) {  // a customer lists its own orders only
    if (!customerId.empty() && customerId != ctx.userId) {
      forbidden("Forbidden: a customer lists only its own orders: customerId must be " + echo(ctx.userId) +
                " or left out");
    }
    customerId = ctx.userId;
  }
  if (!customerId.empty()) filters.emplace_back("customerId", customerId);
  Store& store = engine_.store();
  const std::string pk = tenantPk(ctx.tenantCode);
  // Products found through a look-up (see lookupPk): by barcode, else by the longest word of q,
  // else by category; the page's cursor is then the look-up row of its last item.
  std::string lookup;
  if (products && (!sku.empty() || !words.empty() || !category.empty()) && engine_.hasLookup(pk, prefix)) {
    if (!sku.empty()) {
      lookup = "sku:" + sku + kLookupSep;
    } else if (!words.empty()) {
      lookup = "w:" + *std::max_element(words.begin(), words.end(),
                                        [](const auto& a, const auto& b) { return a.size() < b.size(); });
    } else {
      lookup = "cat:" + category + kLookupSep;
    }
  }
  if (!cursor.empty() && cursor.rfind(lookup.empty() ? prefix : lookup, 0) != 0) {
    badRequest("cursor must be a lastSk returned by this list");
  }
  // Every word of q begins a word of the name (any order).
  auto found = [&](const json& item) {
    if (words.empty()) return true;
    const std::vector<std::string> have = searchWords(item.value("name", ""));
    return std::all_of(words.begin(), words.end(), [&](const std::string& w) {
      return std::any_of(have.begin(), have.end(), [&](const std::string& h) { return h.compare(0, w.size(), w) == 0; });
    });
  };
  json items = json::array();
  bool more = false;
  std::string lastSk;
  auto take = [&](const Value& v, const std::string& position) {
    const json& a = attrs(*v);
    for (const auto& [field, want] : filters) {
      auto it = a.find(field);
      if (it == a.end() || *it != want) return true;
    }
    if (!found(*v)) return true;
    if (static_cast<int64_t>(items.size()) == limit) {
      more = true;
      return false;
    }
    json item = forCaller(ctx, *v);
    if (withStock) {
      const Value inv = store.get(Table::Data, pk, std::string(kInventory) + "#" + v->at("code").get<std::string>());
      item["inventory"] = inv ? forCaller(ctx, *inv) : json(nullptr);
    }
    items.push_back(std::move(item));
    lastSk = position;
    return true;
  };
  if (!lookup.empty()) {
    const bool byWord = lookup.rfind("w:", 0) == 0;
    const std::string scanned = byWord ? lookup.substr(2) : "";
    auto visit = [&](const std::string& row, const Value&) {
      const size_t sep = row.rfind(kLookupSep);
      const Value v = sep == std::string::npos ? nullptr : store.get(Table::Data, pk, row.substr(sep + 1));
      if (!v) return true;
      if (byWord) {
        // An item with two words beginning with the scanned prefix is taken at the first only.
        const std::string word = row.substr(2, sep - 2);
        for (const std::string& w : searchWords(v->value("name", ""))) {
          if (w < word && w.compare(0, scanned.size(), scanned) == 0) return true;
        }
      }
      return take(v, row);
    };
    if (descending) {
      store.scanBackward(Table::Sequence, lookupPk(pk), lookup, cursor, visit);
    } else {
      store.scan(Table::Sequence, lookupPk(pk), lookup, cursor, visit);
    }
  } else if (engine_.hasListIndex(pk, prefix)) {
    // In number order (see naturalKey): each index row names its item.
    const std::string from = cursor.empty() ? "" : naturalKey(prefix, cursor);
    auto visit = [&](const std::string&, const Value& entry) {
      const Value v = store.get(Table::Data, pk, entry->at("sk").get<std::string>());
      return v ? take(v, v->at("sk").get<std::string>()) : true;
    };
    if (descending) {
      store.scanBackward(Table::Sequence, indexPk(pk), prefix, from, visit);
    } else {
      store.scan(Table::Sequence, indexPk(pk), prefix, from, visit);
    }
  } else {
    auto visit = [&](const std::string& sk, const Value& v) { return take(v, sk); };
    if (descending) {
      store.scanBackward(Table::Data, pk, prefix, cursor, visit);
    } else {
      store.scan(Table::Data, pk, prefix, cursor, visit);
    }
  }
  json out = {{"items", std::move(items)}};
  if (more) out["lastSk"] = lastSk;
  return out;
}

}  // namespace edgecart
