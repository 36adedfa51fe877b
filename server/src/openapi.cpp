// GET /openapi.json: the routes of docs/design.md §5 and the server's own, as OpenAPI 3.0.

#include <cctype>

#include "edgecart/api/access.h"
#include "edgecart/domain/domain.h"
#include "edgecart/engine/error.h"
#include "edgecart_server/webhooks.h"
#include "edgecart_server/http_server.h"

namespace edgecart {
namespace {

json ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json answer(const std::string& description, const json& schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json errors() {
  json e = json::object();
  for (const auto& [code, text] : std::vector<std::pair<std::string, std::string>>{
           {"400", "Bad input or a refused status transition"},
           {"401", "Missing or invalid bearer token"},
           {"403", "The token has no tenant, or its role may not make this call (code FORBIDDEN)"},
           {"404", "Unknown item or route"},
           {"409", "Conflict: stale version, existing item, insufficient inventory; 'Inventory was modified, please retry' when other server processes' commits won 10 times in a row (nothing written)"},
           {"413", "Body over 1 MiB"},
           {"422", "The Idempotency-Key was used with another request (code IDEMPOTENCY_KEY_REUSED)"}}) {
    e[code] = answer(text, ref("Error"));
  }
  return e;
}

json operation(const std::string& summary, const json& ok, const json& body = nullptr,
               const json& parameters = json::array()) {
  json op = {{"summary", summary}, {"security", json::array({{{"bearer", json::array()}}})},
             {"parameters", parameters}, {"responses", errors()}};
  for (const auto& [code, resp] : ok.items()) op["responses"][code] = resp;
  if (!body.is_null()) {
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", body}}}}}};
  }
  return op;
}

// Who may call each route (the router's rule table, access.h), as an x-roles list and a sentence.
void addRoles(json& paths) {
  for (const RouteRule& r : routeRules()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json& op = paths[r.path][method];
    json roles = json::array();
    for (int k = static_cast<int>(r.least); k <= static_cast<int>(Role::Admin); ++k) roles.push_back(roleName(static_cast<Role>(k)));
    op["x-roles"] = roles;
    op["description"] = "Roles: " + roles.dump() + (r.own ? " (a customer: its own orders only)" : "") + ".";
  }
}

json idempotencyHeader() {
  return {{"name", "Idempotency-Key"}, {"in", "header"}, {"required", false},
          {"description", "The same key with the same request within 24 hours answers the first answer again "
                          "(header Idempotent-Replayed: true); with another request it is 422."},
          {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 255}}}};
}

json pathParam(const std::string& name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
}

json queryParam(const std::string& name, const json& schema) {
  return {{"name", name}, {"in", "query"}, {"required", false}, {"schema", schema}};
}

}  // namespace

// A webhook route: the server's own, an admin's only.
json admin(json op) {
  op["x-roles"] = json::array({"admin"});
  op["description"] = "Roles: [\"admin\"].";
  return op;
}

json openApi() {
  json eventNames = webhookEventTypes();
  eventNames.push_back("*");
  const json webhookEvents = {{"type", "array"}, {"minItems", 1}, {"maxItems", 16}, {"uniqueItems", true},
                              {"items", {{"type", "string"}, {"enum", eventNames}}}};
  const json money = {{"type", "number"}, {"minimum", 0},
                      {"description", "a decimal with at most the currency's ISO 4217 minor unit of decimals (JPY 0, USD 2, KWD 3)"}};
  const json percent = {{"type", "number"}, {"minimum", 0}, {"maximum", 100}, {"multipleOf", 0.001}};
  const json discount = {{"type", "object"}, {"additionalProperties", false}, {"required", {"reason"}},
                         {"description", "one of percent or amount; a cashier's discounts add up to at most the shop's cashierDiscountLimit of the subtotal"},
                         {"properties", {{"percent", percent}, {"amount", money}, {"reason", {{"type", "string"}, {"maxLength", 256}}}}}};
  const json settingsFields = {
      {"currency", {{"type", "string"}, {"description", "an active ISO 4217 code; the currency of lines outside the catalogue"}}},
      {"taxClasses", {{"type", "object"}, {"additionalProperties", percent}, {"minProperties", 1}, {"maxProperties", 16},
                      {"description", "tax class code -> rate in percent"}}},
      {"defaultTaxClass", {{"type", "string"}}},
      {"categoryTaxClasses", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}},
                              {"description", "categoryCode -> tax class"}}},
      {"pricesIncludeTax", {{"type", "boolean"}}},
      {"receiptHeader", {{"type", "string"}, {"maxLength", 1000}}},
      {"cashierDiscountLimit", percent},
      {"pendingOrderExpiryMinutes", {{"type", "integer"}, {"minimum", 1}, {"nullable", true}}},
      {"tenders", {{"type", "array"}, {"minItems", 1}, {"maxItems", 16}, {"items", {{"type", "string"}}},
                   {"description", "what a sale may be paid with (default cash, card)"}}},
      {"returnWindowDays", {{"type", "integer"}, {"minimum", 0}, {"maximum", 3660}, {"default", 30},
                            {"description", "a cashier refunds orders placed within it; a manager any"}}}};
  const json tenders = {{"type", "array"}, {"minItems", 1}, {"maxItems", 8},
                        {"description", "staff only: what the customer gave; only cash may come to more than the total, the change is given from it"},
                        {"items", {{"type", "object"}, {"required", {"method", "amount"}},
                                   {"properties", {{"method", {{"type", "string"}}}, {"amount", money}}}}}};
  json settingsUpdate = settingsFields;
  settingsUpdate["version"] = {{"type", "integer"}};
  const json page = {{"type", "object"},
                     {"properties", {{"items", {{"type", "array"}, {"items", ref("Item")}}},
                                     {"lastSk", {{"type", "string"}}}}}};
  const json listParams = json::array({queryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}}),
                                       queryParam("cursor", {{"type", "string"}})});
  const json orderBy = queryParam("order", {{"type", "string"}, {"enum", {"asc", "desc"}}, {"default", "asc"}});
  json orderParams = listParams;
  orderParams.push_back(queryParam("status", ref("OrderStatus")));
  orderParams.push_back(queryParam("customerId", {{"type", "string"}}));
  orderParams.push_back(orderBy);
  json productParams = listParams;
  productParams.push_back(queryParam("categoryCode", {{"type", "string"}}));
  productParams.push_back(queryParam("isActive", {{"type", "boolean"}}));
  productParams.push_back(queryParam("q", {{"type", "string"}, {"description", "words that begin words of the name, any order, any case"}}));
  productParams.push_back(queryParam("sku", {{"type", "string"}, {"description", "exactly this SKU (a barcode)"}}));
  productParams.push_back(queryParam("include", {{"type", "string"}, {"enum", {"stock"}},
                                                 {"description", "stock: each product with its `inventory` (null if none)"}}));
  productParams.push_back(orderBy);
  json returnParams = listParams;
  returnParams.push_back(queryParam("orderCode", {{"type", "string"}}));
  returnParams.push_back(orderBy);
  json sessionParams = listParams;
  sessionParams.push_back(queryParam("till", {{"type", "string"}}));
  sessionParams.push_back(queryParam("status", {{"type", "string"}, {"enum", {"open", "closed"}}}));
  sessionParams.push_back(orderBy);
  const json denominations = {{"type", "array"}, {"maxItems", 30},
                              {"items", {{"type", "object"}, {"required", {"value", "count"}},
                                         {"properties", {{"value", money}, {"count", {{"type", "integer"}, {"minimum", 0}}}}}}}};
  json errorCodes = json::array();  // the core's list (engine/error.h)
  for (const ErrorCodeRule& r : errorCodeRules()) errorCodes.push_back(r.code);
  const json writeParams = json::array({idempotencyHeader()});
  auto withCode = [&](const std::string& name) { return json::array({pathParam(name), idempotencyHeader()}); };
  json orderPost = writeParams;
  orderPost.push_back(queryParam("stock", {{"type", "string"}, {"enum", {"accept", "strict"}}, {"default", "accept"},
                                           {"description", "strict: refuse (409 INSUFFICIENT_INVENTORY) an order whose stock cannot be reserved"}}));
  json spec = {
      {"openapi", "3.0.3"},
      {"info", {{"title", "EdgeCart"}, {"version", "0.1.0"},
                {"description", "The EdgeCart API (docs/design.md §5). The tenant comes only from the token's custom:tenant "
                                "claim, the roles from custom:roles (customer, cashier, manager, admin; none: customer)."}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT (HS256)"}}}}},
        {"schemas",
         {{"Error", {{"type", "object"}, {"required", {"statusCode", "error", "message", "code"}},
                     {"properties", {{"statusCode", {{"type", "integer"}}}, {"error", {{"type", "string"}}},
                                     {"message", {{"type", "string"}}},
                                     {"code", {{"type", "string"}, {"enum", errorCodes}}}}}}},
          {"Order", {{"allOf", json::array({ref("Item"), {{"type", "object"},
              {"properties", {{"reservation", {{"type", "object"}, {"required", {"state"}},
                  {"properties", {{"state", {{"type", "string"}, {"enum", {"held", "none", "released", "deducted"}}}},
                                  {"error", {{"type", "string"}}}, {"errorCode", {{"type", "string"}}}}}}}}}}})}}},
          {"Item", {{"type", "object"},
                    {"required", {"pk", "sk", "id", "code", "name", "version", "tenantCode", "type", "isDeleted", "attributes"}},
                    {"properties", {{"pk", {{"type", "string"}}}, {"sk", {{"type", "string"}}}, {"id", {{"type", "string"}}},
                                    {"code", {{"type", "string"}}}, {"name", {{"type", "string"}}},
                                    {"version", {{"type", "integer"}}}, {"tenantCode", {{"type", "string"}}},
                                    {"type", {{"type", "string"}}}, {"isDeleted", {{"type", "boolean"}}},
                                    {"attributes", {{"type", "object"}}}, {"createdAt", {{"type", "string"}}},
                                    {"createdBy", {{"type", "string"}}}, {"updatedAt", {{"type", "string"}}},
                                    {"updatedBy", {{"type", "string"}}}}}}},
          {"OrderStatus", {{"type", "string"}, {"enum", orderStatuses()}}},
          {"ProductInput", {{"type", "object"}, {"additionalProperties", false},
                            {"required", {"code", "name", "categoryCode", "sku", "price", "currency"}},
                            {"properties", {{"code", {{"type", "string"}}}, {"name", {{"type", "string"}}},
                                            {"categoryCode", {{"type", "string"}}}, {"sku", {{"type", "string"}}},
                                            {"price", money}, {"currency", {{"type", "string"}}},
                                            {"description", {{"type", "string"}}},
                                            {"images", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                                            {"isActive", {{"type", "boolean"}}}, {"taxClass", {{"type", "string"}}}}}}},
          {"ProductUpdate", {{"type", "object"}, {"additionalProperties", false}, {"minProperties", 1},
                             {"properties", {{"name", {{"type", "string"}}}, {"price", money},
                                             {"description", {{"type", "string"}}},
                                             {"images", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                                             {"categoryCode", {{"type", "string"}}}, {"isActive", {{"type", "boolean"}}},
                                             {"taxClass", {{"type", "string"}, {"nullable", true}}},
                                             {"version", {{"type", "integer"}}}}}}},
          {"InventoryUpdate", {{"type", "object"}, {"additionalProperties", false},
                               {"properties", {{"quantity", {{"type", "integer"}, {"minimum", 0}}},
                                               {"quantityDelta", {{"type", "integer"}}},
                                               {"warehouseCode", {{"type", "string"}}},
                                               {"version", {{"type", "integer"}}}}}}},
          {"OrderInput", {{"type", "object"}, {"additionalProperties", false},
                          {"required", {"items", "shippingAddress"}},
                          {"description", "customerId is required of staff; a customer's is its own (it may be left out)"},
                          {"properties", {{"customerId", {{"type", "string"}}},
                                          {"items", {{"type", "array"}, {"minItems", 1},
                                                     {"items", {{"type", "object"}, {"required", {"productCode", "quantity"}},
                                                                {"properties", {{"productCode", {{"type", "string"}}}, {"name", {{"type", "string"}}},
                                                                                {"quantity", {{"type", "integer"}, {"minimum", 1}}}, {"price", money},
                                                                                {"discount", discount}}}}}}},
                                          {"shippingAddress", {{"type", "object"}, {"required", {"street", "city", "postalCode", "country"}}}},
                                          {"paymentMethod", {{"type", "string"}, {"description", "required without payments"}}},
                                          {"discount", discount}, {"payments", tenders},
                                          {"session", {{"type", "string"}, {"description", "staff only: the till's open drawer session the sale counts in"}}}}}}},
          {"Quote", {{"type", "object"},
                     {"required", {"currency", "items", "subtotal", "discountTotal", "taxes", "tax", "total", "pricesIncludeTax"}},
                     {"properties", {{"currency", {{"type", "string"}}}, {"items", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                                     {"discount", {{"type", "object"}}}, {"subtotal", money}, {"discountTotal", money},
                                     {"taxes", {{"type", "array"}, {"items", {{"type", "object"}, {"required", {"rate", "base", "tax"}},
                                                                            {"properties", {{"rate", percent}, {"base", money}, {"tax", money}}}}}}},
                                     {"tax", money}, {"total", money}, {"pricesIncludeTax", {{"type", "boolean"}}}}}}},
          {"Settings", {{"type", "object"}, {"properties", settingsFields}}},
          {"ReturnInput", {{"type", "object"}, {"additionalProperties", false}, {"required", {"orderCode", "lines"}},
                           {"properties", {{"orderCode", {{"type", "string"}}},
                                           {"lines", {{"type", "array"}, {"minItems", 1}, {"maxItems", 100},
                                                      {"items", {{"type", "object"}, {"required", {"productCode", "quantity"}},
                                                                 {"properties", {{"productCode", {{"type", "string"}}}, {"quantity", {{"type", "integer"}, {"minimum", 1}}},
                                                                                 {"restock", {{"type", "boolean"}, {"default", true}}}}}}}}},
                                           {"refundMethod", {{"type", "string"}, {"default", "cash"}, {"description", "one of the shop's tenders"}}},
                                           {"session", {{"type", "string"}, {"description", "the open drawer session it counts in"}}},
                                           {"reason", {{"type", "string"}, {"maxLength", 256}}}}}}},
          {"SessionInput", {{"type", "object"}, {"additionalProperties", false}, {"required", {"till"}},
                            {"description", "float, or denominations [{value, count}] adding up to it"},
                            {"properties", {{"till", {{"type", "string"}}}, {"float", money}, {"denominations", denominations}}}}},
          {"MovementInput", {{"type", "object"}, {"additionalProperties", false}, {"required", {"type", "amount", "reason"}},
                             {"properties", {{"type", {{"type", "string"}, {"enum", {"in", "out"}}}}, {"amount", money},
                                             {"reason", {{"type", "string"}, {"maxLength", 256}}}}}}},
          {"CloseInput", {{"type", "object"}, {"additionalProperties", false},
                          {"description", "counted, or denominations [{value, count}] adding up to it"},
                          {"properties", {{"counted", money}, {"denominations", denominations}, {"note", {{"type", "string"}, {"maxLength", 256}}}}}}},
          {"SettingsUpdate", {{"type", "object"}, {"additionalProperties", false}, {"minProperties", 1}, {"properties", settingsUpdate}}},
          {"WebhookInput", {{"type", "object"}, {"additionalProperties", false}, {"required", {"url", "events"}},
                            {"properties", {{"url", {{"type", "string"}, {"maxLength", 2048}, {"description", "https:// or http://; no private address unless --webhook-allow-private"}}},
                                            {"events", webhookEvents}, {"description", {{"type", "string"}, {"maxLength", 500}}}}}}},
          {"WebhookChange", {{"type", "object"}, {"additionalProperties", false},
                             {"properties", {{"url", {{"type", "string"}, {"maxLength", 2048}}}, {"events", webhookEvents},
                                             {"description", {{"type", "string"}, {"maxLength", 500}}}, {"enabled", {{"type", "boolean"}}}}}}},
          {"Webhook", {{"type", "object"},
                       {"properties", {{"id", {{"type", "string"}}}, {"url", {{"type", "string"}}}, {"events", webhookEvents},
                                       {"description", {{"type", "string"}}}, {"enabled", {{"type", "boolean"}}},
                                       {"secret", {{"type", "string"}, {"description", "Only in the answer to POST /webhooks"}}},
                                       {"createdAt", {{"type", "string"}}}, {"failingSince", {{"type", "string"}}},
                                       {"disabledAt", {{"type", "string"}}}, {"disabledReason", {{"type", "string"}}}}}}},
          {"StatusUpdate", {{"type", "object"}, {"additionalProperties", false}, {"required", {"status"}},
                            {"properties", {{"status", ref("OrderStatus")}, {"version", {{"type", "integer"}}}}}}}}}}},
      {"paths",
       {{"/products", {{"post", operation("Create a product", {{"201", answer("The product", ref("Item"))}}, ref("ProductInput"), writeParams)},
                       {"get", operation("List products", {{"200", answer("A page", page)}}, nullptr, productParams)}}},
        {"/categories", {{"get", operation("The categories of the catalogue, in code order ({items: [{code}]})",
                                           {{"200", answer("Categories", {{"type", "object"}})}}, nullptr, json::array())}}},
        {"/products/{code}", {{"get", operation("Get a product", {{"200", answer("The product", ref("Item"))}}, nullptr,
                                                json::array({pathParam("code")}))},
                              {"patch", operation("Change a product (name, price, description, images, category, active)",
                                                  {{"200", answer("The product", ref("Item"))}}, ref("ProductUpdate"), withCode("code"))}}},
        {"/inventory/{productCode}",
         {{"patch", operation("Set or adjust stock (created on first use)", {{"200", answer("The inventory", ref("Item"))}},
                              ref("InventoryUpdate"), withCode("productCode"))},
          {"get", operation("Get stock", {{"200", answer("The inventory", ref("Item"))}}, nullptr,
                            json::array({pathParam("productCode")}))}}},
        {"/orders", {{"post", operation("Create an order (reserves stock; reservation tells whether it did)",
                                        {{"201", answer("The order", ref("Order"))}}, ref("OrderInput"), orderPost)},
                     {"get", operation("List orders", {{"200", answer("A page", page)}}, nullptr, orderParams)}}},
        {"/orders/quote", {{"post", operation("An order's figures without placing it (lines, discounts, tax per rate, total), as POST /orders would make them",
                                              {{"200", answer("The figures", ref("Quote"))}}, ref("OrderInput"), json::array())}}},
        {"/currencies", {{"get", operation("Every active ISO 4217 currency with its minor unit ({items: [{code, decimals}]}): what amounts in it may have",
                                           {{"200", answer("Currencies", {{"type", "object"}})}}, nullptr, json::array())}}},
        {"/settings", {{"get", operation("The shop's settings (version 0: never changed, the defaults)",
                                         {{"200", answer("The settings item; attributes as Settings", ref("Item"))}}, nullptr, json::array())},
                       {"patch", operation("Change the shop's settings (optimistic lock: version)",
                                           {{"200", answer("The settings item", ref("Item"))}}, ref("SettingsUpdate"), writeParams)}}},
        {"/orders/{code}", {{"get", operation("Get an order", {{"200", answer("The order", ref("Order"))}}, nullptr,
                                              json::array({pathParam("code")}))}}},
        {"/orders/{code}/status", {{"patch", operation("Change an order's status", {{"200", answer("The order", ref("Order"))}},
                                                       ref("StatusUpdate"), withCode("code"))}}},
        {"/returns", {{"post", operation("Return units of a sale (docs/till.md): the refund is their part of the order's total; restocked lines go back to stock",
                                         {{"201", answer("The return", ref("Item"))}}, ref("ReturnInput"), writeParams)},
                      {"get", operation("List returns", {{"200", answer("A page", page)}}, nullptr, returnParams)}}},
        {"/returns/{code}", {{"get", operation("Get a return", {{"200", answer("The return", ref("Item"))}}, nullptr, json::array({pathParam("code")}))}}},
        {"/sessions", {{"post", operation("Open a till's drawer session with its counted float (one open session per till)",
                                          {{"201", answer("The session", ref("Item"))}}, ref("SessionInput"), writeParams)},
                       {"get", operation("List drawer sessions (each with its running figures: the X report; closed: the Z report)",
                                         {{"200", answer("A page", page)}}, nullptr, sessionParams)}}},
        {"/sessions/{code}", {{"get", operation("A drawer session: its figures so far (X report), or as closed (Z report)",
                                                {{"200", answer("The session", ref("Item"))}}, nullptr, json::array({pathParam("code")}))}}},
        {"/sessions/{code}/movements", {{"post", operation("A paid-in (type in) or paid-out (type out) with its reason",
                                                           {{"200", answer("The session", ref("Item"))}}, ref("MovementInput"), withCode("code"))}}},
        {"/sessions/{code}/close", {{"post", operation("Close a session with the cash counted: expected, counted and the difference",
                                                       {{"200", answer("The session", ref("Item"))}}, ref("CloseInput"), withCode("code"))}}},
        {"/sync/push", {{"post", operation("Push a client's outbox (docs/design.md §7): one outcome per command, exactly once",
                                           {{"200", answer("Outcomes", {{"type", "object"}})}},
                                           {{"type", "object"}, {"required", {"clientId", "commands"}}})}}},
        {"/sync/pull", {{"get", operation("The tenant's items changed after a cursor", {{"200", answer("Items, cursor, more", {{"type", "object"}})}},
                                          nullptr, json::array({queryParam("cursor", {{"type", "string"}}),
                                                                queryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}})}))}}},
        {"/sync/lease", {{"post", operation("Lease a block of order numbers for offline orders",
                                            {{"200", answer("The block", {{"type", "object"}})}},
                                            {{"type", "object"}, {"required", {"clientId"}}})}}},
        {"/sync/events", {{"get", {{"summary", "Live updates: Server-Sent Events, `event: changed` with data {cursor} whenever the caller's feed moved (scoped as the pull)"},
                                   {"security", json::array({{{"bearer", json::array()}}})},
                                   {"responses", {{"200", {{"description", "An event stream that stays open"},
                                                           {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}}},
                                                  {"401", {{"description", "No valid token"}}}}}}}}},
        {"/webhooks", {{"post", admin(operation("Subscribe a URL to events (docs/webhooks.md); the answer is the only one that shows the secret",
                                                {{"201", answer("The subscription with its secret", ref("Webhook"))}}, ref("WebhookInput")))},
                       {"get", admin(operation("The shop's webhooks (without their secrets)", {{"200", answer("{items}", {{"type", "object"}})}}))}}},
        {"/webhooks/{id}", {{"get", admin(operation("A webhook", {{"200", answer("The subscription", ref("Webhook"))}}, nullptr, json::array({pathParam("id")})))},
                            {"patch", admin(operation("Change a webhook; enabled: true resumes a disabled one",
                                                      {{"200", answer("The subscription", ref("Webhook"))}}, ref("WebhookChange"), json::array({pathParam("id")})))},
                            {"delete", admin(operation("Delete a webhook and its queue", {{"200", answer("{id, deleted}", {{"type", "object"}})}}, nullptr,
                                                       json::array({pathParam("id")})))}}},
        {"/webhooks/{id}/deliveries", {{"get", admin(operation("Its deliveries, newest first, each attempt with time, status, latency and error",
                                                               {{"200", answer("{items, before?}", {{"type", "object"}})}}, nullptr,
                                                               json::array({pathParam("id"), queryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}),
                                                                            queryParam("before", {{"type", "string"}})})))}}},
        {"/webhooks/{id}/deliveries/{deliveryId}/redeliver",
         {{"post", admin(operation("Send a delivery's event again (same id and body), at the end of the queue",
                                   {{"202", answer("The new delivery", {{"type", "object"}})}}, nullptr,
                                   json::array({pathParam("id"), pathParam("deliveryId")})))}}},
        {"/healthz", {{"get", {{"summary", "Liveness"}, {"responses", {{"200", answer("ok", {{"type", "object"}})}}}}}}},
        {"/openapi.json", {{"get", {{"summary", "This document"}, {"responses", {{"200", answer("OpenAPI 3", {{"type", "object"}})}}}}}}}}}};
  addRoles(spec["paths"]);
  return spec;
}

}  // namespace edgecart
