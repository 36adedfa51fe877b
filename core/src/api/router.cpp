// The router (router.h): matches a request to its row of the route table (routes.cpp), checks
// the caller against it, and runs its handler.

#include "edgecart/api/router.h"

#include <algorithm>
#include <cctype>

#include "edgecart/api/access.h"
#include "edgecart/engine/digest.h"
#include "edgecart/engine/error.h"
#include "edgecart/api/validate.h"
#include "routes.h"

namespace edgecart {
namespace {

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

json parseBody(const std::string& body) {
  if (body.empty()) badRequest("body must be a JSON object");
  json j = parseJsonKeepingCents(body);
  if (j.is_discarded()) badRequest("Malformed JSON in request body");
  if (!j.is_object()) badRequest("body must be a JSON object");
  return j;
}

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
  // Each route's path split once: "{…}" segments match any code.
  static const std::vector<std::vector<std::string>> patterns = [] {
    std::vector<std::vector<std::string>> all;
    for (const RouteRule& r : routeRules()) all.push_back(splitPath(r.path));
    return all;
  }();
  const std::vector<RouteRule>& rules = routeRules();
  for (size_t i = 0; i < rules.size(); ++i) {
    const RouteRule& r = rules[i];
    const std::vector<std::string>& pattern = patterns[i];
    if (method != r.method || pattern.size() != p.size()) continue;
    bool match = true;
    for (size_t k = 0; k < p.size() && match; ++k) match = pattern[k][0] == '{' || pattern[k] == p[k];
    if (!match) continue;
    RouteCall call{engine_, options_, ctx, method, target, query, body, hook, roleOf(ctx), {}, {}};
    for (size_t k = 0; k < p.size(); ++k) {
      if (pattern[k][0] == '{') call.params.push_back(pathCode(p[k]));
    }
    authorize(ctx, r);
    if (!r.query) noQuery(query);
    if (r.own && call.role == Role::Customer) {
      if (ctx.userId.empty()) forbidden(std::string("Forbidden: a customer without a user id cannot ") + r.what);
      call.owner = ctx.userId;
      // /orders/{code}…: the order must be the caller's before anything else is read or parsed.
      if (!call.params.empty()) {
        Transaction tx(engine_, ctx);
        const Value order = getOrder(tx, call.params[0]);
        if (attrs(*order).value("customerId", "") != call.owner) {
          forbidden("Forbidden: order " + call.params[0] + " belongs to another customer");
        }
      }
    }
    return r.handler(call);
  }
  notFound(cannot());
}

OrderCaller RouteCall::orderCaller() const {
  return OrderCaller{role == Role::Customer ? Pricing::Catalogue : Pricing::AsSent,
                     role == Role::Customer ? Discounts::None
                     : role == Role::Cashier ? Discounts::UpToLimit : Discounts::Any};
}

Response RouteCall::read(const std::function<json(Transaction&)>& work) const {
  Transaction tx(engine, ctx);
  return Response{200, work(tx), {}, {}};
}

// Writes run in one transaction and report what the handlers did. With an Idempotency-Key the
// answer is kept in the same transaction, and a retry of the same request gets it again.
Response RouteCall::write(int status, const std::function<json(Transaction&, const json&)>& work) const {
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
  engine.run(ctx, [&](Transaction& tx) {
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
}

}  // namespace edgecart
