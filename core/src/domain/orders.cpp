// Orders: creation with exact totals, status transitions (docs/design.md §4).

#include <algorithm>
#include <array>
#include <map>
#include <optional>

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

namespace {

__extension__ typedef __int128 Wide;  // for amount × amount / amount

// One line's figures in minor units.
struct LineFigures {
  int64_t amount = 0;    // price × quantity
  int64_t discount = 0;  // its own discount
  int64_t rate = 0;      // its tax rate
};

// A discount {percent | amount, reason} of `base` (minor units): its amount, and the record the
// order keeps of it ({percent?, amount, reason}).
// `asked` gets the discount as asked, before rounding, in minor units × kRateScale.
int64_t readDiscount(const json& v, const std::string& what, const Currency& currency, int64_t base, json& record,
                     Wide& asked) {
  Fields d(v, what, {"percent", "amount", "reason"});
  if (d.has("percent") == d.has("amount")) badRequest(what + " must have one of percent or amount");
  record = json(json::value_t::object);
  int64_t amount = 0;
  if (d.has("percent")) {
    const int64_t rate = parseRate(d.raw("percent"), what + ".percent");
    amount = proportion(base, rate, kRateScale);
    asked += static_cast<Wide>(base) * rate;
    record.emplace("percent", rateToJson(rate));
  } else {
    amount = d.money("amount", currency);
    if (amount > base) {
      badRequest(what + ".amount " + moneyText(amount, currency) + " is more than the " +
                 moneyText(base, currency) + " it discounts");
    }
    asked += static_cast<Wide>(amount) * kRateScale;
  }
  record.emplace("amount", moneyToJson(amount, currency));
  record.emplace("reason", d.str("reason", kMaxNameLength));
  return amount;
}

// Splits `total` over parts in proportion to their weights (Σ weights > 0): each part gets the
// floor of its share, and what is left goes one unit each to the largest remainders (ties to the
// earlier part), so the shares add up to `total` exactly.
std::vector<int64_t> allocate(int64_t total, const std::vector<int64_t>& weights) {
  Wide sum = 0;
  for (int64_t w : weights) sum += w;
  std::vector<int64_t> shares(weights.size());
  std::vector<std::pair<Wide, size_t>> remainders;
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Wide scaled = static_cast<Wide>(total) * weights[i];
    shares[i] = static_cast<int64_t>(scaled / sum);
    given += shares[i];
    remainders.emplace_back(scaled % sum, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total; ++k, ++given) ++shares[remainders[k].second];
  return shares;
}

}  // namespace

json quoteOrder(const Transaction& tx, const json& body, const DomainOptions& options, OrderCaller caller) {
  Fields f(body, "body", {"customerId", "items", "shippingAddress", "paymentMethod", "discount"});
  const ShopSettings settings = shopSettings(tx, options);
  const json& lines = f.array("items", 1, kMaxOrderLines);
  json items = json::array();
  std::vector<LineFigures> figures;
  figures.reserve(lines.size());
  std::optional<Currency> currency;
  int64_t subtotal = 0;
  Wide asked = 0;  // every discount as asked (see readDiscount)
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string what = "items[" + std::to_string(i) + "]";
    Fields line(lines[i], what, {"productCode", "name", "quantity", "price", "discount"});
    const std::string productCode = line.code("productCode");
    const int64_t quantity = line.integer("quantity", 1, kMaxQuantity);
    const bool hasPrice = line.has("price");
    if (!hasPrice && lines[i].contains("price")) badRequest(what + ".price must be a number");  // null: a NaN in JS
    std::string name = line.has("name") ? line.str("name", kMaxNameLength) : "";
    // The catalogue's word on this line: a customer's must be there and for sale.
    const Value product = tx.getItem(std::string(kProduct) + "#" + productCode);
    const bool forSale = product && attrs(*product).value("isActive", true);
    if (caller.pricing == Pricing::Catalogue && !forSale) {
      conflict(product ? "Product " + productCode + " is no longer for sale" : "Product " + productCode + " not found",
               errc::kUnknownProduct);
    }
    if (!product && (!hasPrice || name.empty())) {
      badRequest(what + (hasPrice ? ".name" : ".price") + " is required: " + productCode + " is not in the catalogue");
    }
    // One currency per order: its products' (a line outside the catalogue is in the shop's).
    const Currency lineCurrency =
        product ? currencyOf(attrs(*product).value("currency", ""), "the currency of " + productCode)
                : settings.currency;
    if (!currency) currency = lineCurrency;
    if (lineCurrency.code != currency->code) {
      badRequest(what + " (" + productCode + ") is priced in " + lineCurrency.code + ", but this order is in " +
                 currency->code + ": an order has one currency");
    }
    const int64_t listed = product ? parseMoney(attrs(*product).at("price"), "the price of " + productCode, *currency) : -1;
    const int64_t sent = hasPrice ? line.money("price", *currency) : 0;
    if (caller.pricing == Pricing::Catalogue) {
      if (hasPrice && sent != listed) {
        conflict("The price of " + productCode + " is now " + moneyText(listed, *currency) + ", not " +
                     moneyText(sent, *currency) + ": nothing was ordered", errc::kPriceChanged);
      }
      name = product->at("name").get<std::string>();
    } else if (name.empty()) {
      name = product->at("name").get<std::string>();
    }
    const int64_t price = hasPrice ? sent : listed;
    LineFigures lf;
    lf.amount = price * quantity;  // ≤ 10^12 × 10^6: fits in int64
    lf.rate = settings.taxRateOf(product ? product.get() : nullptr);
    json item(json::value_t::object);
    item.emplace("productCode", productCode);
    item.emplace("name", std::move(name));
    item.emplace("quantity", quantity);
    item.emplace("price", moneyToJson(price, *currency));
    if (product && listed != price) item.emplace("catalogPrice", moneyToJson(listed, *currency));
    item.emplace("amount", moneyToJson(lf.amount, *currency));
    item.emplace("taxRate", rateToJson(lf.rate));
    if (line.has("discount")) {
      json record;
      lf.discount = readDiscount(line.raw("discount"), what + ".discount", *currency, lf.amount, record, asked);
      item.emplace("discount", std::move(record));
    }
    subtotal += lf.amount;
    if (subtotal > kMaxMinorUnits) badRequest("order subtotal is too large");
    items.push_back(std::move(item));
    figures.push_back(lf);
  }
  int64_t lineDiscounts = 0;
  for (const LineFigures& lf : figures) lineDiscounts += lf.discount;
  json orderDiscount;
  int64_t discount = 0;
  if (f.has("discount")) discount = readDiscount(f.raw("discount"), "discount", *currency, subtotal - lineDiscounts, orderDiscount, asked);
  const int64_t discountTotal = lineDiscounts + discount;
  if (discountTotal > 0) {
    if (caller.discounts == Discounts::None) forbidden("Forbidden: a customer cannot give a discount");
    // The discounts as asked (10 % of 59.98 is 5.998, given as 6.00) are at most the limit of the
    // subtotal, exactly.
    if (caller.discounts == Discounts::UpToLimit && asked > static_cast<Wide>(settings.cashierDiscountLimit) * subtotal) {
      forbidden("Forbidden: a cashier may give at most " + rateToJson(settings.cashierDiscountLimit).dump() +
                " % of the subtotal; this order's discounts are " + moneyText(discountTotal, *currency) + " of " +
                moneyText(subtotal, *currency) + ": a manager may give more");
    }
  }
  // Per rate (ascending): the lines' amounts after their own discounts, less the order discount
  // split over the rates in proportion; the tax rounded once per rate.
  std::map<int64_t, int64_t> byRate;
  for (const LineFigures& lf : figures) byRate[lf.rate] += lf.amount - lf.discount;
  std::vector<int64_t> weights;
  for (const auto& [rate, amount] : byRate) weights.push_back(amount);
  const std::vector<int64_t> shares =
      discount > 0 ? allocate(discount, weights) : std::vector<int64_t>(weights.size(), 0);
  json taxes = json::array();
  int64_t tax = 0, net = 0;
  size_t k = 0;
  for (const auto& [rate, amount] : byRate) {
    const int64_t charged = amount - shares[k++];
    const int64_t rateTax = settings.pricesIncludeTax ? taxIncludedIn(charged, rate) : taxOn(charged, rate);
    json row(json::value_t::object);
    row.emplace("rate", rateToJson(rate));
    row.emplace("base", moneyToJson(settings.pricesIncludeTax ? charged - rateTax : charged, *currency));
    row.emplace("tax", moneyToJson(rateTax, *currency));
    taxes.push_back(std::move(row));
    tax += rateTax;
    net += charged;
  }
  json out(json::value_t::object);
  out.emplace("currency", currency->code);
  out.emplace("items", std::move(items));
  if (!orderDiscount.is_null()) out.emplace("discount", std::move(orderDiscount));
  out.emplace("subtotal", moneyToJson(subtotal, *currency));
  out.emplace("discountTotal", moneyToJson(discountTotal, *currency));
  out.emplace("taxes", std::move(taxes));
  out.emplace("tax", moneyToJson(tax, *currency));
  out.emplace("total", moneyToJson(settings.pricesIncludeTax ? net : net + tax, *currency));
  out.emplace("pricesIncludeTax", settings.pricesIncludeTax);
  return out;
}

Value createOrder(Transaction& tx, const json& body, const DomainOptions& options, OrderCaller caller) {
  Fields f(body, "body", {"customerId", "items", "shippingAddress", "paymentMethod", "discount"});
  const std::string customerId = f.str("customerId", kMaxCodeLength);
  json figures = quoteOrder(tx, body, options, caller);
  json address = readAddress(f);
  const std::string paymentMethod = f.str("paymentMethod", kMaxCodeLength);

  // Only a valid request takes a number from the sequence (or uses the code a sync host checked).
  const std::string code = tx.context().orderCode.empty()
                               ? formatSequence(options.orderCodeFormat, tx.nextSequence(kOrder))
                               : tx.context().orderCode;
  json attributes(json::value_t::object);
  attributes.emplace("customerId", customerId);
  attributes.emplace("items", std::move(figures["items"]));
  attributes.emplace("shippingAddress", std::move(address));
  attributes.emplace("paymentMethod", paymentMethod);
  for (const char* field : {"currency", "discount", "subtotal", "discountTotal", "taxes", "tax", "total", "pricesIncludeTax"}) {
    auto it = figures.find(field);
    if (it != figures.end()) attributes.emplace(field, std::move(*it));
  }
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
