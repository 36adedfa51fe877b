// The rule table of access.h.

#include "edgecart/api/access.h"

#include <cstring>

#include "edgecart/engine/error.h"

namespace edgecart {

Role roleOf(const Context& ctx) {
  Role best = Role::Customer;
  for (const std::string& r : ctx.roles) {
    const Role role = r == "admin" ? Role::Admin : r == "manager" ? Role::Manager
                      : r == "cashier" ? Role::Cashier : Role::Customer;
    if (role > best) best = role;
  }
  return best;
}

const char* roleName(Role role) {
  switch (role) {
    case Role::Customer: return "customer";
    case Role::Cashier: return "cashier";
    case Role::Manager: return "manager";
    case Role::Admin: return "admin";
  }
  return "?";
}

const std::vector<RouteRule>& routeRules() {
  static const std::vector<RouteRule> rules = {
      {"POST", "/products", Role::Manager, false, "create products"},
      {"POST", "/products/import", Role::Manager, false, "import products"},
      {"GET", "/products", Role::Customer, false, "list products"},
      {"GET", "/products/{code}", Role::Customer, false, "read products"},
      {"GET", "/categories", Role::Customer, false, "list categories"},
      {"PATCH", "/products/{code}", Role::Manager, false, "change products"},
      {"PATCH", "/inventory/{productCode}", Role::Manager, false, "change inventory"},
      {"GET", "/inventory/{productCode}", Role::Customer, false, "read inventory"},
      {"POST", "/orders", Role::Customer, true, "create orders"},
      {"POST", "/orders/quote", Role::Customer, false, "quote orders"},
      {"GET", "/orders", Role::Customer, true, "list orders"},
      {"GET", "/orders/{code}", Role::Customer, true, "read orders"},
      {"PATCH", "/orders/{code}/status", Role::Customer, true, "change order status"},
      {"GET", "/settings", Role::Customer, false, "read the shop's settings"},
      {"GET", "/currencies", Role::Customer, false, "list currencies"},
      {"PATCH", "/settings", Role::Admin, false, "change the shop's settings"},
      {"POST", "/returns", Role::Cashier, false, "make returns"},
      {"GET", "/returns", Role::Cashier, false, "list returns"},
      {"GET", "/returns/{code}", Role::Cashier, false, "read returns"},
      {"POST", "/sessions", Role::Cashier, false, "open drawer sessions"},
      {"GET", "/sessions", Role::Cashier, false, "list drawer sessions"},
      {"GET", "/sessions/{code}", Role::Cashier, false, "read drawer sessions"},
      {"POST", "/sessions/{code}/movements", Role::Cashier, false, "pay in or out of a drawer"},
      {"POST", "/sessions/{code}/close", Role::Cashier, false, "close drawer sessions"},
  };
  return rules;
}

json forCaller(const Context& ctx, json item) {
  if (roleOf(ctx) != Role::Customer || !item.is_object()) return item;
  const auto sk = item.find("sk");
  if (sk == item.end() || !sk->is_string()) return item;
  const std::string& key = sk->get_ref<const std::string&>();
  if (isShopWide(key)) {
    for (const char* who : {"createdBy", "updatedBy"}) {
      if (item.contains(who)) item[who] = "";
    }
  }
  return item;
}

void authorize(const Context& ctx, const std::string& method, const char* path) {
  const Role role = roleOf(ctx);
  for (const RouteRule& r : routeRules()) {
    if (method != r.method || std::strcmp(path, r.path) != 0) continue;
    if (role >= r.least) return;
    std::string able;
    for (int k = static_cast<int>(r.least); k <= static_cast<int>(Role::Admin); ++k) {
      able += std::string(able.empty() ? "" : k == static_cast<int>(Role::Admin) ? " or " : ", ") +
              roleName(static_cast<Role>(k));
    }
    forbidden(std::string("Forbidden: to ") + r.what + " a caller needs the role " + able +
              "; this caller is a " + roleName(role));
  }
  forbidden("Forbidden: " + method + " " + path + " has no access rule");
}

}  // namespace edgecart
