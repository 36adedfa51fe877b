#pragma once
// Who may do what (docs/design.md §3): the one rule table of the API, enforced by the router in
// every host. Roles come from the caller's context (a token's custom:roles, openShop's roles).
//
//   customer  reads the catalogue and availability; creates orders for itself (customerId is
//             the caller); reads its own orders and cancels them while pending
//   cashier   sells (any customerId), reads every order, moves orders through their transitions
//   manager   everything a cashier does, plus products and inventory
//   admin     the same as manager
//
// A caller with several roles has the most able one; unknown role names are ignored; a caller
// with no known role is a customer (the least able role that can still shop).

#include <string>
#include <vector>

#include "edgecart/engine/engine.h"

namespace edgecart {

enum class Role { Customer = 0, Cashier = 1, Manager = 2, Admin = 3 };

Role roleOf(const Context& ctx);
const char* roleName(Role role);

struct RouteCall;  // api/routes.h: one matched call of a route
struct Response;   // api/router.h
using RouteHandler = Response (*)(RouteCall&);

// One route of the API: the router matches it, checks the caller's role against `least`, refuses
// a query unless `query`, establishes a customer's ownership when `own`, then runs `handler`.
// `own` marks a route a customer may call only for its own orders: on /orders/{code}… the order
// must be the caller's (else 403), on /orders the caller's are the only ones it lists or creates.
struct RouteRule {
  const char* method;
  const char* path;  // OpenAPI form: /orders/{code}/status; each {…} segment is a code
  Role least;
  bool own;
  const char* what;  // "create products": for the 403 message
  RouteHandler handler;
  bool query = false;
};

// Every route of the router, in the order of the OpenAPI document (api/routes.cpp).
const std::vector<RouteRule>& routeRules();

// An item as the caller may receive it (an answer, a pull, a push's answer). A customer gets the
// rows every customer shares — the catalogue and the stock — without who made or changed them:
// the order handler reserves stock in the buyer's name, so `updatedBy` would name another
// customer. Staff get items as stored. (Which items a customer may receive at all is the sync
// server's visibleTo and the router's own-order rule.)
json forCaller(const Context& ctx, json item);

// The items every device of a shop holds, a customer's too: the catalogue, the stock and the
// shop's settings (the sync feed they go to is the shared one).
inline bool isShopWide(const std::string& sk) {
  return sk.rfind("PRODUCT#", 0) == 0 || sk.rfind("INVENTORY#", 0) == 0 || sk.rfind("SETTINGS#", 0) == 0;
}

// Throws 403 (FORBIDDEN) unless the caller's role may call the route.
void authorize(const Context& ctx, const RouteRule& route);

}  // namespace edgecart
