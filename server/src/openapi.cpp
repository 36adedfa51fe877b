// GET /openapi.json: the routes of SPEC §5 and the server's own, as OpenAPI 3.0.

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
           {"403", "The token has no tenant"},
           {"404", "Unknown item or route"},
           {"409", "Conflict: stale version, existing item, insufficient inventory"},
           {"413", "Body over 1 MiB"}}) {
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

json pathParam(const std::string& name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
}

json queryParam(const std::string& name, const json& schema) {
  return {{"name", name}, {"in", "query"}, {"required", false}, {"schema", schema}};
}

}  // namespace

json openApi() {
  const json money = {{"type", "number"}, {"minimum", 0}, {"multipleOf", 0.01}};
  const json page = {{"type", "object"},
                     {"properties", {{"items", {{"type", "array"}, {"items", ref("Item")}}},
                                     {"lastSk", {{"type", "string"}}}}}};
  const json listParams = json::array({queryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 20}}),
                                       queryParam("cursor", {{"type", "string"}})});
  json orderParams = listParams;
  orderParams.push_back(queryParam("status", ref("OrderStatus")));
  json spec = {
      {"openapi", "3.0.3"},
      {"info", {{"title", "EdgeCart"}, {"version", "0.1.0"},
                {"description", "The EdgeCart API (SPEC §5). The tenant comes only from the token's custom:tenant claim."}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT (HS256)"}}}}},
        {"schemas",
         {{"Error", {{"type", "object"}, {"required", {"statusCode", "error", "message"}},
                     {"properties", {{"statusCode", {{"type", "integer"}}}, {"error", {{"type", "string"}}},
                                     {"message", {{"type", "string"}}}}}}},
          {"Item", {{"type", "object"},
                    {"required", {"pk", "sk", "id", "code", "name", "version", "tenantCode", "type", "isDeleted", "attributes"}},
                    {"properties", {{"pk", {{"type", "string"}}}, {"sk", {{"type", "string"}}}, {"id", {{"type", "string"}}},
                                    {"code", {{"type", "string"}}}, {"name", {{"type", "string"}}},
                                    {"version", {{"type", "integer"}}}, {"tenantCode", {{"type", "string"}}},
                                    {"type", {{"type", "string"}}}, {"isDeleted", {{"type", "boolean"}}},
                                    {"attributes", {{"type", "object"}}}, {"createdAt", {{"type", "string"}}},
                                    {"createdBy", {{"type", "string"}}}, {"updatedAt", {{"type", "string"}}},
                                    {"updatedBy", {{"type", "string"}}}}}}},
          {"OrderStatus", {{"type", "string"}, {"enum", {"pending", "confirmed", "processing", "shipped", "delivered", "cancelled"}}}},
          {"ProductInput", {{"type", "object"}, {"additionalProperties", false},
                            {"required", {"code", "name", "categoryCode", "sku", "price", "currency"}},
                            {"properties", {{"code", {{"type", "string"}}}, {"name", {{"type", "string"}}},
                                            {"categoryCode", {{"type", "string"}}}, {"sku", {{"type", "string"}}},
                                            {"price", money}, {"currency", {{"type", "string"}}},
                                            {"description", {{"type", "string"}}},
                                            {"images", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                                            {"isActive", {{"type", "boolean"}}}}}}},
          {"InventoryUpdate", {{"type", "object"}, {"additionalProperties", false},
                               {"properties", {{"quantity", {{"type", "integer"}, {"minimum", 0}}},
                                               {"quantityDelta", {{"type", "integer"}}},
                                               {"warehouseCode", {{"type", "string"}}},
                                               {"version", {{"type", "integer"}}}}}}},
          {"OrderInput", {{"type", "object"}, {"additionalProperties", false},
                          {"required", {"customerId", "items", "shippingAddress", "paymentMethod"}},
                          {"properties", {{"customerId", {{"type", "string"}}},
                                          {"items", {{"type", "array"}, {"minItems", 1},
                                                     {"items", {{"type", "object"}, {"required", {"productCode", "name", "quantity", "price"}},
                                                                {"properties", {{"productCode", {{"type", "string"}}}, {"name", {{"type", "string"}}},
                                                                                {"quantity", {{"type", "integer"}, {"minimum", 1}}}, {"price", money}}}}}}},
                                          {"shippingAddress", {{"type", "object"}, {"required", {"street", "city", "postalCode", "country"}}}},
                                          {"paymentMethod", {{"type", "string"}}}}}}},
          {"StatusUpdate", {{"type", "object"}, {"additionalProperties", false}, {"required", {"status"}},
                            {"properties", {{"status", ref("OrderStatus")}, {"version", {{"type", "integer"}}}}}}}}}}},
      {"paths",
       {{"/products", {{"post", operation("Create a product", {{"201", answer("The product", ref("Item"))}}, ref("ProductInput"))},
                       {"get", operation("List products", {{"200", answer("A page", page)}}, nullptr, listParams)}}},
        {"/products/{code}", {{"get", operation("Get a product", {{"200", answer("The product", ref("Item"))}}, nullptr,
                                                json::array({pathParam("code")}))}}},
        {"/inventory/{productCode}",
         {{"patch", operation("Set or adjust stock (created on first use)", {{"200", answer("The inventory", ref("Item"))}},
                              ref("InventoryUpdate"), json::array({pathParam("productCode")}))},
          {"get", operation("Get stock", {{"200", answer("The inventory", ref("Item"))}}, nullptr,
                            json::array({pathParam("productCode")}))}}},
        {"/orders", {{"post", operation("Create an order (reserves stock)", {{"201", answer("The order", ref("Item"))}}, ref("OrderInput"))},
                     {"get", operation("List orders", {{"200", answer("A page", page)}}, nullptr, orderParams)}}},
        {"/orders/{code}", {{"get", operation("Get an order", {{"200", answer("The order", ref("Item"))}}, nullptr,
                                              json::array({pathParam("code")}))}}},
        {"/orders/{code}/status", {{"patch", operation("Change an order's status", {{"200", answer("The order", ref("Item"))}},
                                                       ref("StatusUpdate"), json::array({pathParam("code")}))}}},
        {"/sync/push", {{"post", operation("Push a client's outbox (SPEC §7): one outcome per command, exactly once",
                                           {{"200", answer("Outcomes", {{"type", "object"}})}},
                                           {{"type", "object"}, {"required", {"clientId", "commands"}}})}}},
        {"/sync/pull", {{"get", operation("The tenant's items changed after a cursor", {{"200", answer("Items, cursor, more", {{"type", "object"}})}},
                                          nullptr, json::array({queryParam("cursor", {{"type", "string"}}),
                                                                queryParam("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}})}))}}},
        {"/sync/lease", {{"post", operation("Lease a block of order numbers for offline orders",
                                            {{"200", answer("The block", {{"type", "object"}})}},
                                            {{"type", "object"}, {"required", {"clientId"}}})}}},
        {"/healthz", {{"get", {{"summary", "Liveness"}, {"responses", {{"200", answer("ok", {{"type", "object"}})}}}}}}},
        {"/openapi.json", {{"get", {{"summary", "This document"}, {"responses", {{"200", answer("OpenAPI 3", {{"type", "object"}})}}}}}}}}}};
  return spec;
}

}  // namespace edgecart
