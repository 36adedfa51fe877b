// The typed ORDER item (order.h).

#include "edgecart/domain/order.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "edgecart/domain/domain.h"
#include "stored.h"

namespace edgecart {
namespace {

constexpr auto kText = json::value_t::string;
constexpr auto kInteger = json::value_t::number_integer;

[[noreturn]] void malformed(const std::string& sk, const std::string& what) {
  throw std::runtime_error("stored item " + sk + " has " + what);
}

// An amount or a rate: an integer or a decimal, either a JSON number.
const json& number(const json& o, const char* name, const std::string& sk) {
  const auto it = o.find(std::string_view(name));
  if (it == o.end() || !it->is_number()) malformed(sk, std::string("no ") + name + " of the right type");
  return *it;
}

// The field readers and writers below take their target: called for every field of an order,
// they are each one call instead of a copy and a move inlined at every field (the module's size
// budget, docs/benchmarks.md).
void readNumber(const json& o, const char* name, const std::string& sk, json& out) { out = number(o, name, sk); }

void readOptionalNumber(const json& o, const char* name, const std::string& sk, std::optional<json>& out) {
  if (o.contains(std::string_view(name))) out = number(o, name, sk);
}

void readText(const json& o, const char* name, const std::string& sk, std::string& out) {
  out = storedField(o, name, kText, sk).get_ref<const std::string&>();
}

void readOptionalText(const json& o, const char* name, const std::string& sk, std::optional<std::string>& out) {
  if (o.contains(std::string_view(name))) out = storedField(o, name, kText, sk).get_ref<const std::string&>();
}

void putText(json& o, const char* name, const std::string& value) { put(o, name, json(value)); }

const json& object(const json& o, const char* what, const std::string& sk) {
  if (!o.is_object()) malformed(sk, std::string("a ") + what + " that is not an object");
  return o;
}

DiscountRecord discountFrom(const json& d, const std::string& sk) {
  object(d, "discount", sk);
  DiscountRecord r;
  readOptionalNumber(d, "percent", sk, r.percent);
  readNumber(d, "amount", sk, r.amount);
  readText(d, "reason", sk, r.reason);
  static const FieldNames known{"percent", "amount", "reason"};
  r.others = unknownFields(d, known);
  return r;
}

OrderLine lineFrom(const json& l, const std::string& sk) {
  object(l, "line", sk);
  OrderLine line;
  readText(l, "productCode", sk, line.productCode);
  readText(l, "name", sk, line.name);
  line.quantity = storedField(l, "quantity", kInteger, sk).get<int64_t>();
  readNumber(l, "price", sk, line.price);
  readOptionalNumber(l, "catalogPrice", sk, line.catalogPrice);
  readOptionalNumber(l, "amount", sk, line.amount);
  readOptionalNumber(l, "taxRate", sk, line.taxRate);
  if (l.contains("discount")) line.discount = discountFrom(l["discount"], sk);
  if (l.contains("returnedQuantity")) line.returnedQuantity = storedField(l, "returnedQuantity", kInteger, sk).get<int64_t>();
  static const FieldNames known{"productCode", "name",   "quantity", "price",           "catalogPrice",
                                "amount",      "taxRate", "discount", "returnedQuantity"};
  line.others = unknownFields(l, known);
  return line;
}

TaxRow taxRowFrom(const json& t, const std::string& sk) {
  object(t, "tax row", sk);
  TaxRow row;
  readNumber(t, "rate", sk, row.rate);
  readOptionalNumber(t, "base", sk, row.base);
  readNumber(t, "tax", sk, row.tax);
  static const FieldNames known{"rate", "base", "tax"};
  row.others = unknownFields(t, known);
  return row;
}

Payment paymentFrom(const json& p, const std::string& sk) {
  object(p, "payment", sk);
  Payment pay;
  readText(p, "method", sk, pay.method);
  readNumber(p, "amount", sk, pay.amount);
  readOptionalNumber(p, "given", sk, pay.given);
  static const FieldNames known{"method", "amount", "given"};
  pay.others = unknownFields(p, known);
  return pay;
}


}  // namespace

json discountJson(const DiscountRecord& d) {
  json out = withOthers(d.others);
  if (d.percent) put(out, "percent", *d.percent);
  put(out, "amount", d.amount);
  putText(out, "reason", d.reason);
  return out;
}

json orderLineJson(const OrderLine& l) {
  json out = withOthers(l.others);
  putText(out, "productCode", l.productCode);
  putText(out, "name", l.name);
  put(out, "quantity", l.quantity);
  put(out, "price", l.price);
  if (l.catalogPrice) put(out, "catalogPrice", *l.catalogPrice);
  if (l.amount) put(out, "amount", *l.amount);
  if (l.taxRate) put(out, "taxRate", *l.taxRate);
  if (l.discount) put(out, "discount", discountJson(*l.discount));
  if (l.returnedQuantity) put(out, "returnedQuantity", *l.returnedQuantity);
  return out;
}

json taxRowsJson(const std::vector<TaxRow>& rows) {
  json out = json::array();
  for (const TaxRow& t : rows) {
    json row = withOthers(t.others);
    put(row, "rate", t.rate);
    if (t.base) put(row, "base", *t.base);
    put(row, "tax", t.tax);
    out.push_back(std::move(row));
  }
  return out;
}

json paymentsJson(const std::vector<Payment>& payments) {
  json out = json::array();
  for (const Payment& p : payments) {
    json row = withOthers(p.others);
    putText(row, "method", p.method);
    put(row, "amount", p.amount);
    if (p.given) put(row, "given", *p.given);
    out.push_back(std::move(row));
  }
  return out;
}

// Fills `o` (a new Order) from a stored item: readOrder fills its answer in place, with no
// move of the order.
static void fillOrder(const json& item, Order& o) {
  const std::string& sk = storedField(item, "sk", kText, "an order").get_ref<const std::string&>();
  const json& a = storedField(item, "attributes", json::value_t::object, sk);
  readText(item, "code", sk, o.code);
  // writeOrder publishes under the code: one that is not its key's would write another order.
  if (sk != std::string(kOrder) + "#" + o.code) {
    malformed(sk, "a code that is not its key's: " + o.code);
  }
  readText(item, "name", sk, o.name);
  readText(a, "customerId", sk, o.customerId);
  for (const json& l : storedField(a, "items", json::value_t::array, sk)) o.items.push_back(lineFrom(l, sk));
  o.shippingAddress = storedField(a, "shippingAddress", json::value_t::object, sk);
  readText(a, "paymentMethod", sk, o.paymentMethod);
  readText(a, "status", sk, o.status);
  if (!isOrderStatus(o.status)) malformed(sk, "a status this version does not know: " + o.status);
  readText(a, "placedAt", sk, o.placedAt);
  readOptionalText(a, "currency", sk, o.currency);
  readNumber(a, "subtotal", sk, o.subtotal);
  readOptionalNumber(a, "discountTotal", sk, o.discountTotal);
  if (a.contains("discount")) o.discount = discountFrom(a["discount"], sk);
  if (a.contains("taxes")) {
    o.taxes.emplace();
    for (const json& t : storedField(a, "taxes", json::value_t::array, sk)) o.taxes->push_back(taxRowFrom(t, sk));
  }
  readNumber(a, "tax", sk, o.tax);
  readNumber(a, "total", sk, o.total);
  if (a.contains("pricesIncludeTax")) o.pricesIncludeTax = storedField(a, "pricesIncludeTax", json::value_t::boolean, sk).get<bool>();
  if (a.contains("payments")) {
    o.payments.emplace();
    for (const json& p : storedField(a, "payments", json::value_t::array, sk)) o.payments->push_back(paymentFrom(p, sk));
  }
  readOptionalNumber(a, "change", sk, o.change);
  readOptionalText(a, "session", sk, o.session);
  if (a.contains("returns")) {
    for (const json& r : storedField(a, "returns", json::value_t::array, sk)) {
      if (!r.is_string()) malformed(sk, "a return that is not a code");
      o.returns.push_back(r.get<std::string>());
    }
  }
  readOptionalNumber(a, "refunded", sk, o.refunded);
  readOptionalText(a, "shippedAt", sk, o.shippedAt);
  readOptionalText(a, "deliveredAt", sk, o.deliveredAt);
  readOptionalText(a, "cancelledAt", sk, o.cancelledAt);
  readOptionalText(a, "cancelReason", sk, o.cancelReason);
  static const FieldNames known{"customerId", "items",    "shippingAddress", "paymentMethod", "status",  "placedAt",
                                "currency",   "subtotal", "discountTotal",   "discount",      "taxes",   "tax",
                                "total",      "pricesIncludeTax", "payments", "change",       "session", "returns",
                                "refunded",   "shippedAt", "deliveredAt",    "cancelledAt",   "cancelReason"};
  o.others = unknownFields(a, known);
}

Order orderFrom(const json& item) {
  Order o;
  fillOrder(item, o);
  return o;
}

json orderAttributes(const Order& o) {
  // Filled with emplace: a braced initializer list would build and destroy a temporary
  // [key, value] array per field, and every order writes one of these.
  json a = withOthers(o.others);
  putText(a, "customerId", o.customerId);
  json items = json::array();
  for (const OrderLine& l : o.items) items.push_back(orderLineJson(l));
  put(a, "items", std::move(items));
  put(a, "shippingAddress", o.shippingAddress);
  putText(a, "paymentMethod", o.paymentMethod);
  putText(a, "status", o.status);
  putText(a, "placedAt", o.placedAt);
  if (o.currency) putText(a, "currency", *o.currency);
  put(a, "subtotal", o.subtotal);
  if (o.discountTotal) put(a, "discountTotal", *o.discountTotal);
  if (o.discount) put(a, "discount", discountJson(*o.discount));
  if (o.taxes) put(a, "taxes", taxRowsJson(*o.taxes));
  put(a, "tax", o.tax);
  put(a, "total", o.total);
  if (o.pricesIncludeTax) put(a, "pricesIncludeTax", *o.pricesIncludeTax);
  if (o.payments) put(a, "payments", paymentsJson(*o.payments));
  if (o.change) put(a, "change", *o.change);
  if (o.session) putText(a, "session", *o.session);
  if (!o.returns.empty()) put(a, "returns", o.returns);
  if (o.refunded) put(a, "refunded", *o.refunded);
  if (o.shippedAt) putText(a, "shippedAt", *o.shippedAt);
  if (o.deliveredAt) putText(a, "deliveredAt", *o.deliveredAt);
  if (o.cancelledAt) putText(a, "cancelledAt", *o.cancelledAt);
  if (o.cancelReason) putText(a, "cancelReason", *o.cancelReason);
  return a;
}

std::optional<StoredOrder> readOrder(const Transaction& tx, const std::string& code) {
  std::optional<StoredOrder> out;
  const Value item = tx.getItem(std::string(kOrder) + "#" + code);
  if (!item) return out;
  out.emplace();
  fillOrder(*item, out->order);
  out->version = itemVersion(*item);
  return out;
}

Value writeOrder(Transaction& tx, const Order& o, int64_t version) {
  CommandInput in{kOrder, o.code, o.name, version, orderAttributes(o)};
  in.typed = &o;  // the order handler takes it as written instead of reading the item back
  return tx.publish(std::move(in));
}

}  // namespace edgecart
