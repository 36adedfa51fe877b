// The route table (access.h): each route of the API with its least role, its ownership rule and
// its handler. The router dispatches and authorizes from it, /openapi.json and web/src/rules.ts
// are generated from it, and tests/roles.json checks every row for every role.

#include "edgecart/api/requests.h"
#include "edgecart/api/validate.h"
#include "edgecart/domain/reservation.h"
#include "edgecart/domain/till.h"
#include "edgecart/engine/error.h"
#include "routes.h"

namespace edgecart {
namespace {

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

Response createOrderRoute(RouteCall& c) {
  const bool strict = strictStock(c.query);
  return c.write(201, [&](Transaction& tx, const json& b) {
    const json* request = &b;
    json own;
    if (!c.owner.empty()) {  // a customer orders for itself: customerId is the caller
      if (b.contains("customerId") && b["customerId"] != c.owner) {
        forbidden("Forbidden: a customer orders only for itself: customerId must be " + echo(c.owner) +
                  " or left out");
      }
      own = b;
      own["customerId"] = c.owner;
      request = &own;
    }
    const Value order = createOrder(tx, parseOrderInput(*request, false), c.options, c.orderCaller());
    if (strict) {
      const auto held = readReservation(tx, order->at("code").get<std::string>());
      if (held && held->reservation.state == ReservationState::None) {
        const Reservation& r = held->reservation;
        throw ApiError(409, r.error, r.errorCode == errc::kUnknownProduct ? errc::kUnknownProduct
                                                                          : errc::kInsufficientInventory);
      }
    }
    return orderAnswer(tx, order);
  });
}

Response changeOrderStatusRoute(RouteCall& c) {
  const std::string& code = c.params[0];
  return c.write(200, [&](Transaction& tx, const json& b) {
    if (!c.owner.empty()) {  // its own order (checked before the handler), and only a cancel
      if (b.value("status", json()) != "cancelled" || attrs(*getOrder(tx, code)).at("status") != "pending") {
        forbidden("Forbidden: a customer may only cancel its own order, and only while it is pending");
      }
    }
    return orderAnswer(tx, updateOrderStatus(tx, code, parseStatusChange(b)));
  });
}

Response readInventoryRoute(RouteCall& c) {
  const std::string& code = c.params[0];
  return c.read([&](Transaction& tx) {
    Value inv = tx.getItem(std::string(kInventory) + "#" + code);
    if (!inv) notFound("Inventory for " + code + " not found");
    return forCaller(c.ctx, *inv);
  });
}

Response list(RouteCall& c, const char* prefix) {
  return Response{200, listItems(c.engine, c.ctx, prefix, c.query, c.owner), {}, {}};
}

constexpr bool kOwn = true;    // a customer: its own orders only
constexpr bool kQuery = true;  // takes query parameters

}  // namespace

const std::vector<RouteRule>& routeRules() {
  static const std::vector<RouteRule> rules = {
      {"POST", "/products", Role::Manager, false, "create products", [](RouteCall& c) {
         return c.write(201, [&](Transaction& tx, const json& b) { return *createProduct(tx, parseProductInput(b), c.options); });
       }},
      {"POST", "/products/import", Role::Manager, false, "import products", [](RouteCall& c) {
         return c.write(200, [&](Transaction& tx, const json& b) { return importProducts(tx, b, c.options); });
       }},
      {"GET", "/products", Role::Customer, false, "list products", [](RouteCall& c) { return list(c, "PRODUCT#"); }, kQuery},
      {"GET", "/products/{code}", Role::Customer, false, "read products", [](RouteCall& c) {
         return c.read([&](Transaction& tx) { return forCaller(c.ctx, *getProduct(tx, c.params[0])); });
       }},
      {"GET", "/categories", Role::Customer, false, "list categories", [](RouteCall& c) {
         return Response{200, categoryList(c.engine, c.ctx), {}, {}};
       }},
      {"PATCH", "/products/{code}", Role::Manager, false, "change products", [](RouteCall& c) {
         return c.write(200, [&](Transaction& tx, const json& b) {
           return *updateProduct(tx, c.params[0], parseProductChange(b), c.options);
         });
       }},
      {"PATCH", "/inventory/{productCode}", Role::Manager, false, "change inventory", [](RouteCall& c) {
         return c.write(200, [&](Transaction& tx, const json& b) {
           return *updateInventory(tx, c.params[0], parseInventoryChange(b));
         });
       }},
      {"GET", "/inventory/{productCode}", Role::Customer, false, "read inventory", readInventoryRoute},
      {"POST", "/orders", Role::Customer, kOwn, "create orders", createOrderRoute, kQuery},
      {"POST", "/orders/quote", Role::Customer, false, "quote orders", [](RouteCall& c) {
         const json b = parseBody(c.body);
         const OrderInput in = parseOrderInput(b, true);
         return c.read([&](Transaction& tx) { return quoteOrder(tx, in, c.options, c.orderCaller()); });
       }},
      {"GET", "/orders", Role::Customer, kOwn, "list orders", [](RouteCall& c) { return list(c, "ORDER#"); }, kQuery},
      {"GET", "/orders/{code}", Role::Customer, kOwn, "read orders", [](RouteCall& c) {
         return c.read([&](Transaction& tx) { return orderAnswer(tx, getOrder(tx, c.params[0])); });
       }},
      {"PATCH", "/orders/{code}/status", Role::Customer, kOwn, "change order status", changeOrderStatusRoute},
      {"GET", "/settings", Role::Customer, false, "read the shop's settings", [](RouteCall& c) {
         return c.read([&](Transaction& tx) { return settingsAnswer(tx, c.options); });
       }},
      {"GET", "/currencies", Role::Customer, false, "list currencies", [](RouteCall&) {
         return Response{200, currencyList(), {}, {}};
       }},
      {"PATCH", "/settings", Role::Admin, false, "change the shop's settings", [](RouteCall& c) {
         return c.write(200, [&](Transaction& tx, const json& b) { return *updateSettings(tx, parseSettingsChange(b), c.options); });
       }},
      {"POST", "/returns", Role::Cashier, false, "make returns", [](RouteCall& c) {
         const ReturnWindow window = c.role >= Role::Manager ? ReturnWindow::Any : ReturnWindow::Within;
         return c.write(201, [&](Transaction& tx, const json& b) { return *createReturn(tx, parseReturnRequest(b), c.options, window); });
       }},
      {"GET", "/returns", Role::Cashier, false, "list returns", [](RouteCall& c) { return list(c, "RETURN#"); }, kQuery},
      {"GET", "/returns/{code}", Role::Cashier, false, "read returns", [](RouteCall& c) {
         return c.read([&](Transaction& tx) { return *getReturn(tx, c.params[0]); });
       }},
      {"POST", "/sessions", Role::Cashier, false, "open drawer sessions", [](RouteCall& c) {
         return c.write(201, [&](Transaction& tx, const json& b) { return *openSession(tx, parseSessionOpening(b), c.options); });
       }},
      {"GET", "/sessions", Role::Cashier, false, "list drawer sessions", [](RouteCall& c) { return list(c, "SESSION#"); }, kQuery},
      {"GET", "/sessions/{code}", Role::Cashier, false, "read drawer sessions", [](RouteCall& c) {
         return c.read([&](Transaction& tx) { return *getSession(tx, c.params[0]); });
       }},
      {"POST", "/sessions/{code}/movements", Role::Cashier, false, "pay in or out of a drawer", [](RouteCall& c) {
         return c.write(200, [&](Transaction& tx, const json& b) { return *addMovement(tx, c.params[0], parseMovement(b)); });
       }},
      {"POST", "/sessions/{code}/close", Role::Cashier, false, "close drawer sessions", [](RouteCall& c) {
         return c.write(200, [&](Transaction& tx, const json& b) { return *closeSession(tx, c.params[0], parseSessionClosing(b)); });
       }},
  };
  return rules;
}

}  // namespace edgecart
