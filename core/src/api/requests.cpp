// The request parsers of requests.h.

#include "edgecart/api/requests.h"

#include <algorithm>

#include "edgecart/api/validate.h"
#include "edgecart/domain/domain.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr int64_t kMaxDenominationCount = 1'000'000;
constexpr size_t kMaxImages = 20;
constexpr size_t kMaxUrlLength = 2048;
constexpr size_t kMaxTaxClasses = 16;
constexpr size_t kMaxCategoryTaxClasses = 1000;
constexpr size_t kMaxReceiptHeader = 1000;
constexpr int64_t kMaxExpiryMinutes = 366 * 24 * 60;
constexpr size_t kMaxTenderMethods = 16;
constexpr int64_t kMaxReturnWindowDays = 3660;
constexpr std::initializer_list<const char*> kSettingsFields = {
    "currency", "taxClasses", "defaultTaxClass", "categoryTaxClasses", "pricesIncludeTax",
    "receiptHeader", "cashierDiscountLimit", "pendingOrderExpiryMinutes", "tenders", "returnWindowDays"};

// A number for an amount: whether it has the currency's decimals is for the domain to say.
SentAmount amount(const Fields& f, const char* name, const std::string& label) {
  const json& v = f.raw(name);
  if (!v.is_number()) badRequest(label + " must be a number");
  return SentAmount{v, label};
}

// `amountField` or denominations [{value, count}], or both.
CashCount cashCount(const Fields& f, const char* amountField) {
  CashCount cash;
  if (f.has("denominations")) {
    const json& list = f.array("denominations", 1, kMaxDenominations);
    cash.hasDenominations = true;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string what = "denominations[" + std::to_string(i) + "]";
      Fields d(list[i], what, {"value", "count"});
      SentAmount value = amount(d, "value", what + ".value");
      cash.denominations.emplace_back(std::move(value), d.integer("count", 0, kMaxDenominationCount));
    }
  }
  if (f.has(amountField)) cash.amount = amount(f, amountField, amountField);
  if (!cash.amount && !cash.hasDenominations) badRequest(std::string(amountField) + " or denominations is required");
  return cash;
}

std::vector<std::string> images(const Fields& f) {
  std::vector<std::string> out;
  const json& list = f.array("images", 0, kMaxImages);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string label = "images[" + std::to_string(i) + "]";
    if (!list[i].is_string()) badRequest(label + " must be a string");
    const auto& url = list[i].get_ref<const std::string&>();
    if (url.empty() || url.size() > kMaxUrlLength) {
      badRequest(label + " must be between 1 and " + std::to_string(kMaxUrlLength) + " characters");
    }
    out.push_back(url);
  }
  return out;
}

// A discount {percent | amount, reason}.
DiscountInput discount(const json& v, const std::string& what) {
  Fields d(v, what, {"percent", "amount", "reason"});
  if (d.has("percent") == d.has("amount")) badRequest(what + " must have one of percent or amount");
  DiscountInput in;
  if (d.has("percent")) {
    in.percent = parseRate(d.raw("percent"), what + ".percent");
  } else {
    in.amount = amount(d, "amount", what + ".amount");
  }
  in.reason = d.str("reason", kMaxNameLength);
  return in;
}

}  // namespace

OrderInput parseOrderInput(const json& body, bool quote) {
  Fields f(body, "body", {"customerId", "items", "shippingAddress", "paymentMethod", "discount", "payments", "session"});
  OrderInput in;
  if (!quote) in.customerId = f.str("customerId", kMaxCodeLength);
  const json& lines = f.array("items", 1, kMaxOrderLines);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string what = "items[" + std::to_string(i) + "]";
    Fields line(lines[i], what, {"productCode", "name", "quantity", "price", "discount"});
    OrderLineInput l;
    l.productCode = line.code("productCode");
    l.quantity = line.integer("quantity", 1, kMaxQuantity);
    if (line.has("price")) {
      l.price = amount(line, "price", what + ".price");
    } else if (lines[i].contains("price")) {
      badRequest(what + ".price must be a number");  // null: a NaN in JS
    }
    if (line.has("name")) l.name = line.str("name", kMaxNameLength);
    if (line.has("discount")) l.discount = discount(line.raw("discount"), what + ".discount");
    in.items.push_back(std::move(l));
  }
  if (f.has("discount")) in.discount = discount(f.raw("discount"), "discount");
  if (f.has("payments")) {
    const json& list = f.raw("payments");
    if (!list.is_array() || list.empty() || list.size() > kMaxTenders) {
      badRequest("payments must be a list of 1-" + std::to_string(kMaxTenders) + " {method, amount}");
    }
    in.payments.emplace();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string what = "payments[" + std::to_string(i) + "]";
      Fields p(list[i], what, {"method", "amount"});
      TenderInput t;
      t.method = p.code("method");
      t.amount = amount(p, "amount", what + ".amount");
      in.payments->push_back(std::move(t));
    }
  }
  if (quote) return in;
  Fields a(f.object("shippingAddress"), "shippingAddress", {"street", "city", "postalCode", "country"});
  in.shippingAddress.street = a.str("street", kMaxNameLength);
  in.shippingAddress.city = a.str("city", kMaxNameLength);
  in.shippingAddress.postalCode = a.str("postalCode", kMaxCodeLength);
  in.shippingAddress.country = a.str("country", kMaxCodeLength);
  // With payments the method is theirs (the domain checks one given is), else it is required.
  if (!in.payments || f.has("paymentMethod")) in.paymentMethod = f.str("paymentMethod", kMaxCodeLength);
  if (f.has("session")) in.session = f.code("session");
  return in;
}

StatusChange parseStatusChange(const json& body) {
  Fields f(body, "body", {"status", "version"});
  StatusChange c;
  c.status = f.str("status", 32);
  checkOrderStatus(c.status);
  c.version = f.optInteger("version", -1, INT64_MAX);
  return c;
}

ProductInput parseProductInput(const json& body) {
  Fields f(body, "body", {"code", "name", "categoryCode", "sku", "price", "currency", "description",
                          "images", "isActive", "taxClass"});
  ProductInput in;
  in.code = f.code("code");
  in.categoryCode = f.str("categoryCode", kMaxCodeLength);
  in.sku = f.str("sku", kMaxCodeLength);
  in.currency = currencyOf(f.str("currency", 3));
  in.price = f.money("price", in.currency);
  in.description = f.str("description", kMaxTextLength, false);
  in.isActive = f.boolean("isActive", true);
  in.name = f.str("name", kMaxNameLength);
  if (f.has("images")) in.images = images(f);
  if (f.has("taxClass")) in.taxClass = f.code("taxClass");
  return in;
}

ProductChange parseProductChange(const json& body) {
  Fields f(body, "body", {"name", "price", "description", "images", "categoryCode", "isActive", "taxClass", "version"});
  ProductChange c;
  c.version = f.optInteger("version", -1, INT64_MAX);
  if (f.has("name")) c.name = f.str("name", kMaxNameLength);
  if (f.has("price")) c.price = amount(f, "price", "price");
  if (f.has("description")) c.description = f.str("description", kMaxTextLength, false);
  if (f.has("images")) c.images = images(f);
  if (f.has("categoryCode")) c.categoryCode = f.str("categoryCode", kMaxCodeLength);
  if (f.has("isActive")) c.isActive = f.boolean("isActive", true);
  if (f.present("taxClass")) c.taxClass = f.has("taxClass") ? std::optional<std::string>(f.code("taxClass")) : std::nullopt;
  if (!c.name && !c.price && !c.description && !c.images && !c.categoryCode && !c.isActive && !c.taxClass) {
    badRequest("one of name, price, description, images, categoryCode, isActive or taxClass is required");
  }
  return c;
}

InventoryChange parseInventoryChange(const json& body) {
  Fields f(body, "body", {"quantity", "quantityDelta", "warehouseCode", "version"});
  InventoryChange change;
  change.quantity = f.optInteger("quantity", 0, kMaxStock);
  const auto delta = f.optInteger("quantityDelta", -kMaxStock, kMaxStock);
  change.version = f.optInteger("version", -1, INT64_MAX);
  if (f.has("warehouseCode")) change.warehouseCode = f.code("warehouseCode");
  if (change.quantity && delta) badRequest("quantity and quantityDelta cannot be used together");
  if (!change.quantity && !delta && change.warehouseCode.empty()) {
    badRequest("one of quantity, quantityDelta or warehouseCode is required");
  }
  change.quantityDelta = delta.value_or(0);
  return change;
}

SettingsChange parseSettingsChange(const json& body) {
  Fields f(body, "body", {"currency", "taxClasses", "defaultTaxClass", "categoryTaxClasses", "pricesIncludeTax",
                          "receiptHeader", "cashierDiscountLimit", "pendingOrderExpiryMinutes", "tenders",
                          "returnWindowDays", "version"});
  SettingsChange c;
  c.version = f.optInteger("version", -1, INT64_MAX);
  bool any = false;
  for (const char* field : kSettingsFields) any = any || body.contains(field);
  if (!any) {
    std::string names;
    for (const char* field : kSettingsFields) names += std::string(names.empty() ? "" : ", ") + field;
    badRequest("one of " + names + " is required");
  }
  if (f.has("currency")) c.currency = currencyOf(f.str("currency", 3));
  if (f.has("taxClasses")) {
    const json& classes = f.object("taxClasses");
    if (classes.empty() || classes.size() > kMaxTaxClasses) {
      badRequest("taxClasses must have between 1 and " + std::to_string(kMaxTaxClasses) + " classes");
    }
    c.taxClasses.emplace();
    for (const auto& [code, rate] : classes.items()) {
      if (!isValidCode(code)) badRequest("taxClasses: " + echo(code) + " is not a code (letters, digits, '_', '-', '.')");
      c.taxClasses->emplace(code, parseRate(rate, "taxClasses." + code));
    }
  }
  if (f.has("defaultTaxClass")) c.defaultTaxClass = f.code("defaultTaxClass");
  if (f.has("categoryTaxClasses")) {
    const json& map = f.object("categoryTaxClasses");
    if (map.size() > kMaxCategoryTaxClasses) {
      badRequest("categoryTaxClasses must have at most " + std::to_string(kMaxCategoryTaxClasses) + " categories");
    }
    c.categoryTaxClasses.emplace();
    for (const auto& [category, cls] : map.items()) {
      if (category.empty() || category.size() > kMaxCodeLength || !isValidUtf8(category)) {
        badRequest("categoryTaxClasses: " + echo(category) + " is not a category code");
      }
      if (!cls.is_string()) badRequest("categoryTaxClasses." + echo(category) + " must be the code of a tax class");
      c.categoryTaxClasses->emplace(category, cls.get<std::string>());
    }
  }
  if (f.has("pricesIncludeTax")) c.pricesIncludeTax = f.boolean("pricesIncludeTax", false);
  if (f.has("receiptHeader")) c.receiptHeader = f.str("receiptHeader", kMaxReceiptHeader, false);
  if (f.has("cashierDiscountLimit")) c.cashierDiscountLimit = parseRate(f.raw("cashierDiscountLimit"), "cashierDiscountLimit");
  if (f.present("pendingOrderExpiryMinutes")) {
    c.pendingOrderExpiryMinutes = f.has("pendingOrderExpiryMinutes")
        ? std::optional<int64_t>(f.integer("pendingOrderExpiryMinutes", 1, kMaxExpiryMinutes)) : std::nullopt;
  }
  if (f.has("tenders")) {
    const json& list = f.array("tenders", 1, kMaxTenderMethods);
    c.tenders.emplace();
    for (const json& m : list) {
      if (!m.is_string() || !isValidCode(m.get<std::string>())) {
        badRequest("tenders must be codes such as cash, card or gift_card (letters, digits, '_', '-', '.')");
      }
      if (std::find(c.tenders->begin(), c.tenders->end(), m.get<std::string>()) != c.tenders->end()) {
        badRequest("tenders names " + m.get<std::string>() + " twice");
      }
      c.tenders->push_back(m.get<std::string>());
    }
  }
  if (f.has("returnWindowDays")) c.returnWindowDays = f.integer("returnWindowDays", 0, kMaxReturnWindowDays);
  return c;
}

SessionOpening parseSessionOpening(const json& body) {
  Fields f(body, "body", {"till", "float", "denominations"});
  SessionOpening in;
  in.till = f.code("till");
  in.cash = cashCount(f, "float");
  return in;
}

Movement parseMovement(const json& body) {
  Fields f(body, "body", {"type", "amount", "reason"});
  const std::string type = f.str("type", 8);
  if (type != "in" && type != "out") badRequest("type must be in (a paid-in) or out (a paid-out)");
  Movement in;
  in.in = type == "in";
  in.amount = amount(f, "amount", "amount");
  in.reason = f.str("reason", kMaxNameLength);
  return in;
}

SessionClosing parseSessionClosing(const json& body) {
  Fields f(body, "body", {"counted", "denominations", "note"});
  SessionClosing in;
  in.cash = cashCount(f, "counted");
  if (f.has("note")) in.note = f.str("note", kMaxNameLength);
  return in;
}

ReturnRequest parseReturnRequest(const json& body) {
  Fields f(body, "body", {"orderCode", "lines", "refundMethod", "session", "reason"});
  ReturnRequest in;
  in.orderCode = f.code("orderCode");
  const json& lines = f.array("lines", 1, kMaxOrderLines);
  for (size_t j = 0; j < lines.size(); ++j) {
    Fields line(lines[j], "lines[" + std::to_string(j) + "]", {"productCode", "quantity", "restock"});
    ReturnLine l;
    l.productCode = line.code("productCode");
    l.quantity = line.integer("quantity", 1, kMaxQuantity);
    l.restock = line.boolean("restock", true);
    in.lines.push_back(std::move(l));
  }
  if (f.has("refundMethod")) in.refundMethod = f.code("refundMethod");
  if (f.has("session")) in.session = f.code("session");
  if (f.has("reason")) in.reason = f.str("reason", kMaxNameLength);
  return in;
}

}  // namespace edgecart
