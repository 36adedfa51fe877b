// Orders: creation with exact totals, status transitions (docs/design.md §4).

#include <algorithm>
#include <array>

#include "edgecart/domain/domain.h"
#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"
#include "edgecart/engine/sequence.h"
#include "edgecart/api/validate.h"

namespace edgecart {
namespace {

constexpr std::array<const char*, 6> kStatuses = {"pending",  "confirmed", "processing",
                                                  "shipped",  "delivered", "cancelled"};

// Objects on this path are filled with emplace: a braced initializer list would build and
// destroy a temporary [key, value] array per field.
json readAddress(const Fields& body) {
  Fields a(body.object("shippingAddress"), "shippingAddress",
           {"street", "city", "postalCode", "country"});
  json address(json::value_t::object);
  address.emplace("street", a.str("street", kMaxNameLength));
  address.emplace("city", a.str("city", kMaxNameLength));
  address.emplace("postalCode", a.str("postalCode", kMaxCodeLength));
  address.emplace("country", a.str("country", kMaxCodeLength));
  return address;
}

}  // namespace

bool isOrderStatus(const std::string& s) {
  return std::find(kStatuses.begin(), kStatuses.end(), s) != kStatuses.end();
}

bool isAllowedTransition(const std::string& from, const std::string& to) {
  if (from == "pending") return to == "confirmed" || to == "cancelled";
  if (from == "confirmed") return to == "processing" || to == "cancelled";
  if (from == "processing") return to == "shipped" || to == "cancelled";
  if (from == "shipped") return to == "delivered";
  return false;  // delivered and cancelled are final
}

Value createOrder(Transaction& tx, const json& body, const DomainOptions& options, Pricing pricing) {
  Fields f(body, "body", {"customerId", "items", "shippingAddress", "paymentMethod"});
  const std::string customerId = f.str("customerId", kMaxCodeLength);
  const json& lines = f.array("items", 1, kMaxOrderLines);
  json items = json::array();
  int64_t subtotal = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string what = "items[" + std::to_string(i) + "]";
    Fields line(lines[i], what, {"productCode", "name", "quantity", "price"});
    const std::string productCode = line.code("productCode");
    const int64_t quantity = line.integer("quantity", 1, kMaxQuantity);
    const bool hasPrice = line.has("price");
    if (!hasPrice && lines[i].contains("price")) badRequest(what + ".price must be a number");  // null: a NaN in JS
    const int64_t sent = hasPrice ? line.money("price") : 0;
    std::string name = line.has("name") ? line.str("name", kMaxNameLength) : "";
    // The catalogue's word on this line: a customer's must be there and for sale.
    const Value product = tx.getItem(std::string(kProduct) + "#" + productCode);
    const bool forSale = product && attrs(*product).value("isActive", true);
    if (pricing == Pricing::Catalogue && !forSale) {
      conflict(product ? "Product " + productCode + " is no longer for sale" : "Product " + productCode + " not found",
               errc::kUnknownProduct);
    }
    const int64_t listed = product ? parseMoney(attrs(*product).at("price"), "price") : -1;  // -1: none
    if (!product && (!hasPrice || name.empty())) {
      badRequest(what + (hasPrice ? ".name" : ".price") + " is required: " + productCode + " is not in the catalogue");
    }
    if (pricing == Pricing::Catalogue) {
      if (hasPrice && sent != listed) {
        conflict("The price of " + productCode + " is now " + moneyText(listed) + ", not " + moneyText(sent) +
                 ": nothing was ordered", errc::kPriceChanged);
      }
      name = product->at("name").get<std::string>();
    } else if (name.empty()) {
      name = product->at("name").get<std::string>();
    }
    const int64_t price = hasPrice ? sent : listed;
    json item(json::value_t::object);
    item.emplace("productCode", productCode);
    item.emplace("name", std::move(name));
    item.emplace("quantity", quantity);
    item.emplace("price", moneyToJson(price));
    if (product && listed != price) item.emplace("catalogPrice", moneyToJson(listed));
    items.push_back(std::move(item));
    subtotal += price * quantity;  // ≤ 10^12 × 10^6: fits in int64
    if (subtotal > kMaxMinorUnits) badRequest("order subtotal is too large");
  }
  json address = readAddress(f);
  const std::string paymentMethod = f.str("paymentMethod", kMaxCodeLength);
  const int64_t tax = percentOf(subtotal, options.taxFor(tx.context().tenantCode));

  // Only a valid request takes a number from the sequence (or uses the code a sync host checked).
  const std::string code = tx.context().orderCode.empty()
                               ? formatSequence(options.orderCodeFormat, tx.nextSequence(kOrder))
                               : tx.context().orderCode;
  json attributes(json::value_t::object);
  attributes.emplace("customerId", customerId);
  attributes.emplace("items", std::move(items));
  attributes.emplace("shippingAddress", std::move(address));
  attributes.emplace("paymentMethod", paymentMethod);
  attributes.emplace("subtotal", moneyToJson(subtotal));
  attributes.emplace("tax", moneyToJson(tax));
  attributes.emplace("total", moneyToJson(subtotal + tax));
  attributes.emplace("status", "pending");
  attributes.emplace("placedAt", tx.now());
  return tx.publish(CommandInput{kOrder, code, "Order " + code, 0, std::move(attributes)});
}

Value getOrder(const Transaction& tx, const std::string& code) {
  Value o = tx.getItem(std::string(kOrder) + "#" + code);
  if (!o) notFound("Order " + code + " not found");
  return o;
}

json orderAnswer(const Transaction& tx, const Value& order) {
  json out = *order;
  if (const Value r = tx.getItem(std::string(kReservation) + "#" + order->at("code").get<std::string>())) {
    const json& a = attrs(*r);
    json reservation = {{"state", a.at("state")}};
    if (a.contains("error")) reservation["error"] = a["error"], reservation["errorCode"] = a["errorCode"];
    out["reservation"] = std::move(reservation);
  }
  return out;
}

Value updateOrderStatus(Transaction& tx, const std::string& code, const json& body) {
  Fields f(body, "body", {"status", "version"});
  const std::string status = f.str("status", 32);
  if (!isOrderStatus(status)) {
    badRequest("status must be one of the following values: pending, confirmed, processing, "
               "shipped, delivered, cancelled");
  }
  const auto version = f.optInteger("version", -1, INT64_MAX);
  const Value current = getOrder(tx, code);
  const int64_t latest = itemVersion(*current);
  checkVersion(current->at("sk").get<std::string>(), version.value_or(-1), latest);
  const std::string from = attrs(*current).at("status").get<std::string>();
  if (!isAllowedTransition(from, status)) {
    throw ApiError(400, "Cannot transition from " + from + " to " + status, errc::kInvalidTransition);
  }
  json a = attrs(*current);
  a["status"] = status;
  if (status == "shipped") a["shippedAt"] = tx.now();
  if (status == "delivered") a["deliveredAt"] = tx.now();
  return tx.publish(CommandInput{kOrder, code, current->at("name").get<std::string>(), latest,
                                 std::move(a)});
}

}  // namespace edgecart
