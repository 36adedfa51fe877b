// Roles and what a caller may receive (access.h); the route table is api/routes.cpp.

#include "edgecart/api/access.h"

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

void authorize(const Context& ctx, const RouteRule& r) {
  const Role role = roleOf(ctx);
  if (role >= r.least) return;
  std::string able;
  for (int k = static_cast<int>(r.least); k <= static_cast<int>(Role::Admin); ++k) {
    able += std::string(able.empty() ? "" : k == static_cast<int>(Role::Admin) ? " or " : ", ") +
            roleName(static_cast<Role>(k));
  }
  forbidden(std::string("Forbidden: to ") + r.what + " a caller needs the role " + able +
            "; this caller is a " + roleName(role));
}

}  // namespace edgecart
