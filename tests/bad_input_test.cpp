// Bad input (docs/design.md §5): every malformed, mistyped, out-of-range, over-long or unknown request is
// refused with a NestJS-shaped 4xx naming the problem. It never crashes, never writes a byte to
// the store, and never consumes an order number.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "edgecart/engine/error.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

struct BadRequest {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  int status;
  std::string message;  // a substring the error message must contain
  std::string tenant = "shop-a";
};

std::string with(json j, const std::string& pointer, const json& value) {
  j[json::json_pointer(pointer)] = value;
  return j.dump();
}
std::string without(json j, const std::string& pointer) {
  const json::json_pointer p(pointer);
  j[p.parent_pointer()].erase(p.back());
  return j.dump();
}
std::string orderWith(const std::string& pointer, const json& value) {
  return with(seedOrderRequest(), pointer, value);
}
std::string orderWithout(const std::string& pointer) { return without(seedOrderRequest(), pointer); }
std::string productWith(const std::string& pointer, const json& value) {
  return with(productRequest("PRD-NEW"), pointer, value);
}
std::string productWithout(const std::string& pointer) {
  return without(productRequest("PRD-NEW"), pointer);
}
// The seed's order with the price written verbatim (for numbers json cannot round-trip).
std::string orderWithRawPrice(const std::string& literal) {
  std::string body = orderWith("/items/0/price", 12345.67);
  return body.replace(body.find("12345.67"), 8, literal);
}
std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const std::string kMalformed = "Malformed JSON in request body";
const std::string kNotObject = "body must be a JSON object";
const std::string kLineQuantity = "items[0].quantity must be an integer between 1 and 1000000";
const std::string kLinePrice = "items[0].price must be a number between 0 and 10000000000";
const std::string kStock = "quantity must be an integer between 0 and 1000000000";
const std::string kVersion = "version must be an integer between -1 and 9223372036854775807";
const std::string kUtf8 = "URL must percent-decode to valid UTF-8";
const std::string kStatuses = "status must be one of the following values: pending, confirmed, "
                              "processing, shipped, delivered, cancelled";
const std::string kPathCode = "code in the path must be 1-64 letters, digits, '_', '-' or '.'";
const std::string kLimit = "limit must be an integer between 1 and 100";
const std::string kCursor = "cursor must be a lastSk returned by this list";

std::vector<BadRequest> badRequests() {
  const std::string S = "/orders/ORD-000001/status", I = "/inventory/PRD-001";
  json manyLines = seedOrderRequest();
  manyLines["items"] = json::array();
  for (int i = 0; i < 101; ++i) manyLines["items"].push_back(seedOrderRequest()["items"][0]);
  return {
      // The body is not a JSON object.
      {"malformed_json", "POST", "/orders", R"({"customerId": "CUST-001",)", 400, kMalformed},
      {"trailing_garbage", "POST", "/orders", seedOrderRequest().dump() + " x", 400, kMalformed},
      {"body_is_array", "POST", "/orders", "[1, 2]", 400, kNotObject},
      {"body_is_string", "POST", "/orders", R"("order")", 400, kNotObject},
      {"body_is_number", "POST", "/products", "42", 400, kNotObject},
      {"body_is_null", "PATCH", I, "null", 400, kNotObject},
      {"empty_body_on_post", "POST", "/orders", "", 400, kNotObject},
      {"empty_body_on_patch", "PATCH", S, "", 400, kNotObject},
      {"nan_literal", "PATCH", I, R"({"quantity": NaN})", 400, kMalformed},
      {"infinity_literal", "POST", "/orders", orderWithRawPrice("Infinity"), 400, kMalformed},
      {"minus_infinity_literal", "POST", "/orders", orderWithRawPrice("-Infinity"), 400, kMalformed},
      {"invalid_utf8_in_string", "POST", "/orders", "{\"customerId\": \"\xff\xfe\"}", 400, kMalformed},
      {"deeply_nested_value", "POST", "/orders",
       R"({"customerId": )" + repeat("[", 200000) + repeat("]", 200000) + "}", 400,
       "customerId must be a string"},
      // POST /orders: wrong types.
      {"order_customer_id_number", "POST", "/orders", orderWith("/customerId", 7), 400,
       "customerId must be a string"},
      {"order_items_object", "POST", "/orders", orderWith("/items", json::object()), 400,
       "items must be an array"},
      {"order_line_string", "POST", "/orders", orderWith("/items/0", "PRD-001"), 400,
       "items[0] must be a JSON object"},
      {"order_line_product_number", "POST", "/orders", orderWith("/items/0/productCode", 1), 400,
       "items[0].productCode must be a string"},
      {"order_line_name_bool", "POST", "/orders", orderWith("/items/0/name", true), 400,
       "items[0].name must be a string"},
      {"order_line_quantity_string", "POST", "/orders", orderWith("/items/0/quantity", "2"), 400,
       kLineQuantity},
      {"order_line_quantity_bool", "POST", "/orders", orderWith("/items/0/quantity", true), 400,
       kLineQuantity},
      {"order_line_price_string", "POST", "/orders", orderWith("/items/0/price", "29.99"), 400,
       "items[0].price must be a number"},
      {"order_address_string", "POST", "/orders", orderWith("/shippingAddress", "Tokyo"), 400,
       "shippingAddress must be an object"},
      {"order_address_city_number", "POST", "/orders", orderWith("/shippingAddress/city", 3), 400,
       "shippingAddress.city must be a string"},
      {"order_payment_array", "POST", "/orders", orderWith("/paymentMethod", json::array()), 400,
       "paymentMethod must be a string"},
      // POST /orders: quantities and prices.
      {"quantity_zero", "POST", "/orders", orderWith("/items/0/quantity", 0), 400, kLineQuantity},
      {"quantity_negative", "POST", "/orders", orderWith("/items/0/quantity", -1), 400, kLineQuantity},
      {"quantity_fractional", "POST", "/orders", orderWith("/items/0/quantity", 2.5), 400, kLineQuantity},
      {"quantity_1e12", "POST", "/orders", orderWith("/items/0/quantity", 1e12), 400, kLineQuantity},
      {"quantity_1e30", "POST", "/orders", orderWith("/items/0/quantity", 1e30), 400, kLineQuantity},
      {"quantity_above_max", "POST", "/orders", orderWith("/items/0/quantity", 1000001), 400, kLineQuantity},
      {"quantity_beyond_uint64", "POST", "/orders",
       R"({"customerId": "C", "items": [{"productCode": "PRD-001", "name": "M", "quantity": 99999999999999999999999, "price": 1}]})",
       400, kLineQuantity},
      {"price_three_decimals", "POST", "/orders", orderWith("/items/0/price", 29.999), 400,
       "items[0].price must have at most 2 decimal places"},
      {"price_negative", "POST", "/orders", orderWith("/items/0/price", -1), 400, kLinePrice},
      {"price_negative_cent", "POST", "/orders", orderWith("/items/0/price", -0.01), 400, kLinePrice},
      {"price_1e30", "POST", "/orders", orderWith("/items/0/price", 1e30), 400, kLinePrice},
      {"subtotal_too_large", "POST", "/orders",
       with(json::parse(orderWith("/items/0/price", 10000000000LL)), "/items/0/quantity", 2), 400,
       "order subtotal is too large"},
      // POST /orders: structure, required fields, lengths.
      {"items_empty", "POST", "/orders", orderWith("/items", json::array()), 400,
       "items must contain at least 1 element"},
      {"items_over_100", "POST", "/orders", manyLines.dump(), 400,
       "items must contain no more than 100 elements"},
      {"unknown_top_level_field", "POST", "/orders", orderWith("/foo", 1), 400,
       "property foo should not exist"},
      {"unknown_line_field", "POST", "/orders", orderWith("/items/0/foo", 1), 400,
       "property items[0].foo should not exist"},
      {"unknown_address_field", "POST", "/orders", orderWith("/shippingAddress/foo", 1), 400,
       "property shippingAddress.foo should not exist"},
      {"tenant_in_order_body", "POST", "/orders", orderWith("/tenantCode", "shop-b"), 400,
       "property tenantCode should not exist"},
      {"missing_customer_id", "POST", "/orders", orderWithout("/customerId"), 400, "customerId is required"},
      {"null_customer_id", "POST", "/orders", orderWith("/customerId", nullptr), 400, "customerId is required"},
      {"missing_items", "POST", "/orders", orderWithout("/items"), 400, "items is required"},
      {"missing_address", "POST", "/orders", orderWithout("/shippingAddress"), 400,
       "shippingAddress is required"},
      {"missing_payment_method", "POST", "/orders", orderWithout("/paymentMethod"), 400,
       "paymentMethod is required"},
      {"null_line_price", "POST", "/orders", orderWith("/items/0/price", nullptr), 400,
       "items[0].price must be a number"},
      {"missing_line_product", "POST", "/orders", orderWithout("/items/0/productCode"), 400,
       "items[0].productCode is required"},
      {"missing_postal_code", "POST", "/orders", orderWithout("/shippingAddress/postalCode"), 400,
       "shippingAddress.postalCode is required"},
      {"empty_customer_id", "POST", "/orders", orderWith("/customerId", ""), 400,
       "customerId should not be empty"},
      {"customer_id_1000_chars", "POST", "/orders", orderWith("/customerId", std::string(1000, 'c')),
       400, "customerId must be shorter than or equal to 64 characters"},
      {"line_name_257_chars", "POST", "/orders", orderWith("/items/0/name", std::string(257, 'n')), 400,
       "items[0].name must be shorter than or equal to 256 characters"},
      {"line_product_code_with_space", "POST", "/orders", orderWith("/items/0/productCode", "PRD 001"),
       400, "items[0].productCode must contain only letters, digits"},
      // POST /products.
      {"product_code_number", "POST", "/products", productWith("/code", 1), 400, "code must be a string"},
      {"product_code_65_chars", "POST", "/products", productWith("/code", std::string(65, 'P')), 400,
       "code must be shorter than or equal to 64 characters"},
      {"product_code_with_slash", "POST", "/products", productWith("/code", "a/b"), 400,
       "code must contain only letters, digits"},
      {"product_name_257_chars", "POST", "/products", productWith("/name", std::string(257, 'n')), 400,
       "name must be shorter than or equal to 256 characters"},
      {"product_name_number", "POST", "/products", productWith("/name", 5), 400, "name must be a string"},
      {"product_category_array", "POST", "/products", productWith("/categoryCode", json::array()), 400,
       "categoryCode must be a string"},
      {"product_missing_sku", "POST", "/products", productWithout("/sku"), 400, "sku is required"},
      {"product_missing_price", "POST", "/products", productWithout("/price"), 400, "price is required"},
      {"product_price_string", "POST", "/products", productWith("/price", "29.99"), 400,
       "price must be a number"},
      {"product_price_three_decimals", "POST", "/products", productWith("/price", 29.999), 400,
       "price must have at most 2 decimal places"},
      {"product_price_negative", "POST", "/products", productWith("/price", -5), 400,
       "price must be a number between 0 and 10000000000"},
      {"product_currency_lowercase", "POST", "/products", productWith("/currency", "yen"), 400,
       "currency must be an active ISO 4217 currency code"},
      {"product_currency_number", "POST", "/products", productWith("/currency", 392), 400,
       "currency must be a string"},
      {"product_images_string", "POST", "/products", productWith("/images", "a.png"), 400,
       "images must be an array"},
      {"product_image_number", "POST", "/products", productWith("/images", json::array({1})), 400,
       "images[0] must be a string"},
      {"product_is_active_string", "POST", "/products", productWith("/isActive", "yes"), 400,
       "isActive must be a boolean value"},
      {"product_description_number", "POST", "/products", productWith("/description", 1), 400,
       "description must be a string"},
      {"product_tenant_in_body", "POST", "/products", productWith("/tenantCode", "shop-b"), 400,
       "property tenantCode should not exist"},
      {"product_already_exists", "POST", "/products", productRequest("PRD-001").dump(), 409,
       "Product PRD-001 already exists"},
      // PATCH /inventory/:productCode.
      {"stock_quantity_string", "PATCH", I, R"({"quantity": "5"})", 400, kStock},
      {"stock_quantity_negative", "PATCH", I, R"({"quantity": -1})", 400, kStock},
      {"stock_quantity_fractional", "PATCH", I, R"({"quantity": 2.5})", 400, kStock},
      {"stock_quantity_1e12", "PATCH", I, R"({"quantity": 1e12})", 400, kStock},
      {"stock_quantity_1e30", "PATCH", I, R"({"quantity": 1e30})", 400, kStock},
      {"stock_quantity_above_max", "PATCH", I, R"({"quantity": 1000000001})", 400, kStock},
      {"stock_delta_string", "PATCH", I, R"({"quantityDelta": "x"})", 400,
       "quantityDelta must be an integer between -1000000000 and 1000000000"},
      {"stock_warehouse_number", "PATCH", I, R"({"warehouseCode": 5})", 400,
       "warehouseCode must be a string"},
      {"stock_version_string", "PATCH", I, R"({"quantity": 5, "version": "2"})", 400, kVersion},
      {"stock_version_below_minus_one", "PATCH", I, R"({"quantity": 5, "version": -2})", 400, kVersion},
      {"stock_quantity_and_delta", "PATCH", I, R"({"quantity": 5, "quantityDelta": 1})", 400,
       "quantity and quantityDelta cannot be used together"},
      {"stock_nothing_to_change", "PATCH", I, "{}", 400,
       "one of quantity, quantityDelta or warehouseCode is required"},
      {"stock_tenant_in_body", "PATCH", I, R"({"quantity": 5, "tenantCode": "shop-b"})", 400,
       "property tenantCode should not exist"},
      {"stock_below_reserved", "PATCH", I, R"({"quantity": 1})", 409,
       "Cannot set quantity of PRD-001 to 1: 2 units are reserved"},
      {"stock_delta_below_reserved", "PATCH", I, R"({"quantityDelta": -99})", 409,
       "Cannot set quantity of PRD-001 to 1: 2 units are reserved"},
      {"stock_delta_above_max", "PATCH", "/inventory/PRD-002", R"({"quantityDelta": 1000000000})", 400,
       "quantity of PRD-002 would exceed 1000000000"},
      {"stock_version_ahead", "PATCH", I, R"({"quantity": 5, "version": 99})", 400,
       "version 99 of INVENTORY#PRD-001 is ahead of the latest version 2"},
      {"stock_version_stale", "PATCH", I, R"({"quantity": 5, "version": 1})", 409,
       "INVENTORY#PRD-001 was modified: version 1 is stale, the latest is 2"},
      {"stock_version_zero_on_existing", "PATCH", I, R"({"quantity": 5, "version": 0})", 409,
       "INVENTORY#PRD-001 already exists"},
      {"stock_unknown_product", "PATCH", "/inventory/PRD-404", R"({"quantity": 5})", 404,
       "Product PRD-404 not found"},
      {"stock_path_code_space", "PATCH", "/inventory/%20bad", R"({"quantity": 5})", 400, kPathCode},
      {"stock_path_code_slash", "PATCH", "/inventory/a%2Fb", R"({"quantity": 5})", 400, kPathCode},
      {"stock_path_code_65_chars", "PATCH", "/inventory/" + std::string(65, 'P'), R"({"quantity": 5})",
       400, kPathCode},
      {"stock_path_bad_percent", "PATCH", "/inventory/%zz", R"({"quantity": 5})", 400,
       "Malformed percent-encoding in URL"},
      // PATCH /orders/:code/status.
      {"status_number", "PATCH", S, R"({"status": 1})", 400, "status must be a string"},
      {"status_unknown", "PATCH", S, R"({"status": "shipping"})", 400, kStatuses},
      {"status_missing", "PATCH", S, R"({"version": 1})", 400, "status is required"},
      {"status_empty", "PATCH", S, R"({"status": ""})", 400, "status should not be empty"},
      {"status_version_string", "PATCH", S, R"({"status": "confirmed", "version": "1"})", 400, kVersion},
      {"status_version_fractional", "PATCH", S, R"({"status": "confirmed", "version": 1.5})", 400, kVersion},
      {"status_unknown_field", "PATCH", S, R"({"status": "confirmed", "reason": "x"})", 400,
       "property reason should not exist"},
      {"pending_to_delivered", "PATCH", S, R"({"status": "delivered"})", 400,
       "Cannot transition from pending to delivered"},
      {"pending_to_shipped", "PATCH", S, R"({"status": "shipped"})", 400,
       "Cannot transition from pending to shipped"},
      {"status_version_ahead", "PATCH", S, R"({"status": "confirmed", "version": 5})", 400,
       "version 5 of ORDER#ORD-000001 is ahead of the latest version 1"},
      {"status_version_zero_on_existing", "PATCH", S, R"({"status": "confirmed", "version": 0})", 409,
       "ORDER#ORD-000001 already exists"},
      {"status_of_unknown_order", "PATCH", "/orders/ORD-999999/status", R"({"status": "confirmed"})",
       404, "Order ORD-999999 not found"},
      {"status_path_code_space", "PATCH", "/orders/%20x/status", R"({"status": "confirmed"})", 400,
       kPathCode},
      {"status_path_code_empty", "PATCH", "/orders//status", R"({"status": "confirmed"})", 400, kPathCode},
      // Reads of unknown items and bad path codes.
      {"get_unknown_product", "GET", "/products/PRD-404", "", 404, "Product PRD-404 not found"},
      {"get_unknown_order", "GET", "/orders/ORD-999999", "", 404, "Order ORD-999999 not found"},
      {"get_unknown_inventory", "GET", "/inventory/PRD-404", "", 404, "Inventory for PRD-404 not found"},
      {"get_product_code_space", "GET", "/products/%20bad", "", 400, kPathCode},
      {"get_product_code_slash", "GET", "/products/a%2Fb", "", 400, kPathCode},
      // Unknown routes.
      {"get_nope", "GET", "/nope", "", 404, "Cannot GET /nope"},
      {"delete_orders", "DELETE", "/orders", "", 404, "Cannot DELETE /orders"},
      {"put_product", "PUT", "/products/PRD-001", productRequest("PRD-001").dump(), 404,
       "Cannot PUT /products/PRD-001"},
      {"delete_product", "DELETE", "/products/PRD-001", "", 404, "Cannot DELETE /products/PRD-001"},
      // Changing a product.
      {"patch_product_nothing", "PATCH", "/products/PRD-001", "{}", 400,
       "one of name, price, description, images, categoryCode, isActive or taxClass is required"},
      {"patch_product_sku", "PATCH", "/products/PRD-001", R"({"sku": "X"})", 400, "property sku should not exist"},
      {"patch_product_price", "PATCH", "/products/PRD-001", R"({"price": 1.234})", 400,
       "price must have at most 2 decimal places"},
      {"patch_product_active", "PATCH", "/products/PRD-001", R"({"isActive": "yes"})", 400,
       "isActive must be a boolean value"},
      {"patch_product_ahead", "PATCH", "/products/PRD-001", R"({"name": "N", "version": 9})", 400,
       "version 9 of PRODUCT#PRD-001 is ahead of the latest version 1"},
      {"patch_product_missing", "PATCH", "/products/PRD-404", R"({"name": "N"})", 404, "Product PRD-404 not found"},
      {"post_to_order", "POST", "/orders/ORD-000001", "{}", 404, "Cannot POST /orders/ORD-000001"},
      {"get_order_status", "GET", S, "", 404, "Cannot GET /orders/ORD-000001/status"},
      {"target_without_slash", "GET", "orders", "", 404, "Cannot GET orders"},
      // List queries.
      {"limit_zero", "GET", "/orders?limit=0", "", 400, kLimit},
      {"limit_101", "GET", "/orders?limit=101", "", 400, kLimit},
      {"limit_abc", "GET", "/products?limit=abc", "", 400, kLimit},
      {"limit_negative", "GET", "/orders?limit=-1", "", 400, kLimit},
      {"limit_fractional", "GET", "/orders?limit=2.5", "", 400, kLimit},
      {"limit_empty", "GET", "/orders?limit=", "", 400, kLimit},
      {"limit_repeated", "GET", "/orders?limit=1&limit=2", "", 400, "query parameter limit is repeated"},
      {"unknown_query_param", "GET", "/orders?foo=1", "", 400, "property foo should not exist"},
      {"status_filter_on_products", "GET", "/products?status=pending", "", 400,
       "property status should not exist"},
      {"bad_status_filter", "GET", "/orders?status=lost", "", 400, kStatuses},
      {"cursor_of_another_list", "GET", "/orders?cursor=PRODUCT%23PRD-001", "", 400, kCursor},
      {"cursor_too_long", "GET", "/orders?cursor=ORDER%23" + std::string(300, 'x'), "", 400, kCursor},
      {"query_bad_percent", "GET", "/orders?limit=%zz", "", 400, "Malformed percent-encoding in URL"},
      // Size and context.
      {"body_over_1_mib", "POST", "/orders", std::string((1 << 20) + 1, ' '), 413,
       "Request body exceeds 1048576 bytes"},
      {"no_tenant", "GET", "/orders", "", 403, "No tenant in the caller's context", ""},
      {"bad_tenant", "GET", "/orders", "", 400, "tenant code must match", "shop a!"},
      // Echoed input is cut to a length; the message must stay valid UTF-8 (serializable JSON).
      {"unknown_multibyte_field", "POST", "/orders", orderWith("/a" + repeat("\xc3\xa9", 40), 1), 400,
       "should not exist"},
      {"unknown_query_param_bytes", "GET", "/orders?%FF=1", "", 400, kUtf8},
      // Percent-escapes that decode to bytes no UTF-8 text has (an overlong '/', a surrogate).
      {"query_key_overlong_utf8", "GET", "/orders?%C0%AF=1", "", 400, kUtf8},
      {"query_value_overlong_utf8", "GET", "/orders?status=%C0%AF", "", 400, kUtf8},
      {"path_overlong_utf8", "GET", "/products/%C0%AF", "", 400, kUtf8},
      {"path_surrogate", "GET", "/orders/%ED%A0%80", "", 400, kUtf8},
      {"path_above_unicode", "GET", "/orders/%F4%90%80%80", "", 400, kUtf8},
      // One decoding only: %2542 is the code "%42", not "B".
      {"path_decoded_once", "GET", "/products/%2542", "", 400, "code in the path must be"},
      // nlohmann's parser stops at a NUL byte: what follows must not be ignored.
      {"body_nul_then_garbage", "POST", "/products",
       productRequest("PRD-009").dump() + std::string("\0 not json {{{", 14), 400, "Malformed JSON"},
      {"unknown_multibyte_route", "GET", "/" + repeat("\xc3\xa9", 150), "", 404, "Cannot GET /"},
  };
}

TEST(BadInput, EveryBadRequestIsRefusedWithoutTouchingTheStoreOrTheOrderSequence) {
  TempDir dir;
  std::unique_ptr<Shop> shop = Shop::openDirectory(dir.path(), FileStoreOptions{}, {},
                                                   std::make_unique<ManualClock>(kSeedTime));
  auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                  const std::string& tenant = "shop-a") {
    return shop->handle({tenant, "user-1", {"admin"}}, method, target, body);
  };
  ASSERT_EQ(call("POST", "/products", productRequest("PRD-001").dump()).status, 201);
  ASSERT_EQ(call("POST", "/products", productRequest("PRD-002").dump()).status, 201);
  ASSERT_EQ(call("PATCH", "/inventory/PRD-001", R"({"quantity": 100})").status, 200);
  ASSERT_EQ(call("PATCH", "/inventory/PRD-002", R"({"quantity": 50})").status, 200);
  ASSERT_EQ(call("POST", "/orders", seedOrderRequest().dump()).body["code"], "ORD-000001");

  const std::vector<BadRequest> rows = badRequests();
  ASSERT_GE(rows.size(), 45u);
  std::set<std::string> names;
  for (const BadRequest& row : rows) {
    SCOPED_TRACE(row.name + ": " + row.method + " " + row.target.substr(0, 60));
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate row name";
    const auto before = dirBytes(dir.path());
    Response r;
    ASSERT_NO_THROW(r = call(row.method, row.target, row.body, row.tenant));
    const std::string shown = r.body.dump(-1, ' ', false, json::error_handler_t::replace);
    EXPECT_EQ(r.status, row.status) << shown;
    ASSERT_TRUE(r.body.is_object()) << shown;
    EXPECT_EQ(r.body.value("statusCode", 0), row.status) << shown;
    EXPECT_EQ(r.body.value("error", ""), statusText(row.status)) << shown;
    ASSERT_TRUE(r.body.contains("message") && r.body["message"].is_string()) << shown;
    EXPECT_NE(r.body["message"].get<std::string>().find(row.message), std::string::npos) << shown;
    EXPECT_NO_THROW((void)r.body.dump()) << "the error body is not valid UTF-8: " << shown;
    EXPECT_TRUE(r.notifications.empty() && r.changes.empty());
    EXPECT_TRUE(dirBytes(dir.path()) == before) << "the store directory changed";
  }

  // None of the refused requests consumed an order number or left anything behind.
  Response next = call("POST", "/orders", seedOrderRequest().dump());
  ASSERT_EQ(next.status, 201);
  EXPECT_EQ(next.body["code"], "ORD-000002");
  EXPECT_EQ(call("GET", "/orders", "").body["items"].size(), 2u);
  EXPECT_EQ(call("GET", "/products", "").body["items"].size(), 2u);
  const json stock = call("GET", "/inventory/PRD-001", "").body;
  EXPECT_EQ(stock["version"], 3);
  EXPECT_EQ(stock["attributes"]["quantity"], 100);
  EXPECT_EQ(stock["attributes"]["reservedQuantity"], 4);
  EXPECT_EQ(call("GET", "/orders/ORD-000001", "").body["version"], 1);
}

// 29.9900000000000000001 has 19 decimals but parses to the very double of 29.99: a check made on
// the parsed double cannot see the extra digits, yet they must still be refused, not rounded away.
TEST(BadInput, PriceDigitsBeyondDoublePrecisionAreStillRefused) {
  TempDir dir;
  std::unique_ptr<Shop> shop = Shop::openDirectory(dir.path(), FileStoreOptions{}, {},
                                                   std::make_unique<ManualClock>(kSeedTime));
  const Context ctx{"shop-a", "user-1", {"admin"}};
  ASSERT_EQ(shop->handle(ctx, "POST", "/products", productRequest("PRD-001").dump()).status, 201);
  std::string product = productRequest("PRD-002", 12345.67).dump();
  product.replace(product.find("12345.67"), 8, "0.1000000000000000001");
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"/orders", orderWithRawPrice("29.9900000000000000001")},
      {"/orders", orderWithRawPrice("100.000000000000000001")},
      {"/products", product}};
  for (const auto& [path, body] : requests) {
    SCOPED_TRACE(body);
    const auto before = dirBytes(dir.path());
    const Response r = shop->handle(ctx, "POST", path, body);
    EXPECT_EQ(r.status, 400) << r.body.dump();
    EXPECT_NE(r.body.value("message", "").find("must have at most 2 decimal places"),
              std::string::npos) << r.body.dump();
    EXPECT_TRUE(dirBytes(dir.path()) == before) << "the store directory changed";
  }
  EXPECT_EQ(shop->handle(ctx, "POST", "/orders", seedOrderRequest().dump()).body["code"], "ORD-000001");
}

}  // namespace
}  // namespace edgecart::testing
