#pragma once
// What a route's handler gets (the route table, routes.cpp) and the list reads it shares.

#include <functional>
#include <string>
#include <vector>

#include "edgecart/api/access.h"
#include "edgecart/api/router.h"

namespace edgecart {

// One call of one route, matched and authorized: the path's codes checked, its query refused
// unless the route takes one, and a customer's ownership established (RouteRule::own).
struct RouteCall {
  Engine& engine;
  const RouterOptions& options;
  const Context& ctx;
  const std::string& method;
  const std::string& target;
  const std::string& query;
  const std::string& body;
  const WriteHook& hook;
  Role role;
  std::vector<std::string> params;  // the values of the path's {…} segments, in order

  // A write: parses the body, runs `work` in one transaction and answers `status` with what it
  // returns, keeping the answer under the caller's Idempotency-Key.
  Response write(int status, const std::function<json(Transaction&, const json&)>& work) const;
  // A read: a transaction that is never committed.
  Response read(const std::function<json(Transaction&)>& work) const;
  // What the caller may do to an order's prices and discounts (docs/money.md).
  OrderCaller orderCaller() const;
  // The customer whose orders alone the call may touch (RouteRule::own): the caller's id for a
  // customer on an `own` route, else empty (staff: any customer's).
  std::string owner;
};

// The JSON object of a request body; 400 for anything else.
json parseBody(const std::string& body);

// GET /products, /orders, /returns, /sessions: a page of the items whose sort keys begin with
// `prefix`, filtered by the query (docs/api.md, "Lists"). `owner`: a customer's own orders only.
json listItems(Engine& engine, const Context& ctx, const std::string& prefix, const std::string& query,
               const std::string& owner);
// GET /categories: every category a product has, in code order.
json categoryList(Engine& engine, const Context& ctx);

}  // namespace edgecart
