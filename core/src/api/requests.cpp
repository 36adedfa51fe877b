// The request parsers of requests.h.

#include "edgecart/api/requests.h"

#include "edgecart/api/validate.h"
#include "edgecart/domain/domain.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr int64_t kMaxDenominationCount = 1'000'000;

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

}  // namespace

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
