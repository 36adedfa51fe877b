// Cash drawer sessions (till.h, docs/till.md): opening float, paid-in and paid-out, the running
// figures every sale and return adds, and the counted close.

#include <algorithm>
#include <cstdio>

#include "edgecart/domain/till.h"
#include "edgecart/engine/error.h"
#include "edgecart/engine/text.h"

namespace edgecart {
namespace {

std::string sessionSk(const std::string& code) { return std::string(kSession) + "#" + code; }
std::string tillSk(const std::string& till) { return std::string(kTill) + "#" + till; }

// A session's amounts are in its currency, as the API writes them.
struct Amounts {
  Currency currency;
  int64_t get(const json& a, const char* field) const {
    auto it = a.find(field);
    return it == a.end() || it->is_null() ? 0 : parseMoney(*it, field, currency);
  }
  json put(int64_t minor) const { return moneyToJson(minor, currency); }
};

Amounts amountsOf(const json& a) { return Amounts{currencyOf(a.at("currency").get<std::string>())}; }

// The cash counted: the amount, or the sum of the denominations (both: they must agree).
// `amountField` names the amount in messages ("float", "counted").
int64_t countedCash(const CashCount& in, const char* amountField, const Currency& currency, json& denominations) {
  std::optional<int64_t> sum;
  if (in.hasDenominations) {
    denominations = json::array();
    int64_t total = 0;
    for (const auto& [sent, count] : in.denominations) {
      const int64_t value = sent.minor(currency);
      if (value == 0) badRequest(sent.field + " must be more than 0");
      total += value * count;  // ≤ 10^12 × 10^6 each, 30 of them: inside int64
      if (total > kMaxMinorUnits) badRequest("denominations add up to more than " + moneyText(kMaxMinorUnits, currency));
      json row(json::value_t::object);
      put(row, "value", moneyToJson(value, currency));
      put(row, "count", count);
      denominations.push_back(std::move(row));
    }
    sum = total;
  }
  if (in.amount) {
    const int64_t amount = in.amount->minor(currency);
    if (sum && *sum != amount) {
      badRequest(std::string(amountField) + " " + moneyText(amount, currency) + " is not the sum of the denominations, " +
                 moneyText(*sum, currency));
    }
    return amount;
  }
  if (!sum) badRequest(std::string(amountField) + " or denominations is required");
  return *sum;
}

// The session `code`, open: 409 SESSION_CLOSED otherwise.
Value openSessionItem(const Transaction& tx, const std::string& code) {
  const Value s = getSession(tx, code);
  if (attrs(*s).at("status") != "open") {
    conflict("Session " + code + " is closed: open a new session on till " + attrs(*s).at("till").get<std::string>(),
             errc::kSessionClosed);
  }
  return s;
}

// The cash the drawer should hold: the float, the cash taken less the cash refunded, paid-in less paid-out.
int64_t expectedCash(const json& a, const Amounts& m) {
  int64_t cash = m.get(a, "float") + m.get(a, "paidIn") - m.get(a, "paidOut");
  for (const json& t : a.at("tenders")) {
    if (t.at("method") == "cash") cash += m.get(t, "taken") - m.get(t, "refunded");
  }
  return cash;
}

// Adds `amount` to the tender `method`'s field ("taken" or "refunded"), keeping the list in method order.
void addTender(json& tenders, const std::string& method, const char* field, int64_t amount, const Amounts& m) {
  auto at = std::find_if(tenders.begin(), tenders.end(), [&](const json& t) { return t.at("method") == method; });
  if (at == tenders.end()) {
    json row(json::value_t::object);
    put(row, "method", method);
    put(row, "taken", m.put(0));
    put(row, "refunded", m.put(0));
    at = tenders.insert(std::lower_bound(tenders.begin(), tenders.end(), method,
                                         [](const json& t, const std::string& x) { return t.at("method").get<std::string>() < x; }),
                        std::move(row));
  }
  (*at)[field] = m.put(m.get(*at, field) + amount);
}

// Adds one tax row of a document (`sign` -1 for a refund) to the session's, in rate order.
void addTax(json& taxes, const json& rateJson, const json& taxJson, int sign, const Amounts& m) {
  const int64_t rate = parseRate(rateJson, "rate");
  auto at = std::find_if(taxes.begin(), taxes.end(), [&](const json& t) { return parseRate(t.at("rate"), "rate") == rate; });
  if (at == taxes.end()) {
    json t(json::value_t::object);
    put(t, "rate", rateJson);
    put(t, "sales", m.put(0));
    put(t, "refunded", m.put(0));
    at = taxes.insert(std::find_if(taxes.begin(), taxes.end(), [&](const json& x) { return parseRate(x.at("rate"), "rate") > rate; }),
                      std::move(t));
  }
  const char* field = sign > 0 ? "sales" : "refunded";
  (*at)[field] = m.put(m.get(*at, field) + parseMoney(taxJson, "tax", m.currency));
}

Value publishSession(Transaction& tx, const Value& current, json a, const Amounts& m) {
  a["expectedCash"] = m.put(expectedCash(a, m));
  return tx.publish(CommandInput{kSession, current->at("code").get<std::string>(), current->at("name").get<std::string>(),
                                 itemVersion(*current), std::move(a)});
}

// A document in another currency than its session's is refused (one without a currency is in
// the shop's, the session's).
void sameCurrency(const json& a, const std::optional<std::string>& documentCurrency, const std::string& what) {
  const std::string currency = documentCurrency.value_or(a.at("currency").get<std::string>());
  if (currency != a.at("currency")) {
    badRequest(what + " is in " + currency + ", but the drawer of till " + a.value("till", "") + " counts " +
               a.at("currency").get<std::string>() + ": a session has one currency");
  }
}

}  // namespace

std::string documentCode(Transaction& tx, const char* sequence, const char* prefix) {
  const std::string& given = tx.context().orderCode;
  if (!given.empty()) {
    if (given.rfind(prefix, 0) != 0) badRequest("the code " + echo(given) + " is not one of the " + prefix + " series");
    return given;
  }
  char number[32];
  std::snprintf(number, sizeof number, "%06lld", static_cast<long long>(tx.nextSequence(sequence)));
  return prefix + std::string(number);
}

Value openSession(Transaction& tx, const SessionOpening& in, const DomainOptions& options) {
  const std::string& till = in.till;
  const ShopSettings settings = shopSettings(tx, options);
  json denominations;
  const int64_t opening = countedCash(in.cash, "float", settings.currency, denominations);
  const Value tillItem = tx.getItem(tillSk(till));
  if (tillItem && attrs(*tillItem).value("openSession", json()).is_string()) {
    const std::string open = attrs(*tillItem).at("openSession").get<std::string>();
    conflict("Till " + till + " has session " + open + " open: close it before opening another", errc::kSessionOpen);
  }
  const std::string code = documentCode(tx, kSession, "SES-");
  const Amounts m{settings.currency};
  json a(json::value_t::object);
  put(a, "till", till);
  put(a, "status", "open");
  put(a, "currency", settings.currency.code);
  put(a, "openedAt", tx.now());
  put(a, "openedBy", tx.context().userId);
  put(a, "float", m.put(opening));
  if (!denominations.is_null()) put(a, "openingDenominations", std::move(denominations));
  put(a, "salesCount", 0);
  put(a, "gross", m.put(0));
  put(a, "discounts", m.put(0));
  put(a, "salesTotal", m.put(0));
  put(a, "returnsCount", 0);
  put(a, "refunds", m.put(0));
  put(a, "taxes", json::array());
  put(a, "tenders", json::array());
  put(a, "paidIn", m.put(0));
  put(a, "paidOut", m.put(0));
  put(a, "movements", json::array());
  put(a, "expectedCash", m.put(opening));
  // The session first: a command's first change is the item it is about (sync's baseVersion).
  Value opened = tx.publish(CommandInput{kSession, code, "Session " + code + " on till " + till, 0, std::move(a)});
  json t(json::value_t::object);
  put(t, "till", till);
  put(t, "openSession", code);
  tx.publish(CommandInput{kTill, till, "Till " + till, tillItem ? itemVersion(*tillItem) : 0, std::move(t)});
  return opened;
}

Value getSession(const Transaction& tx, const std::string& code) {
  Value s = tx.getItem(sessionSk(code));
  if (!s) notFound("Session " + code + " not found");
  return s;
}

Value addMovement(Transaction& tx, const std::string& code, const Movement& in) {
  const std::string type = in.in ? "in" : "out";
  const Value s = openSessionItem(tx, code);
  json a = attrs(*s);
  const Amounts m = amountsOf(a);
  const int64_t amount = in.amount.minor(m.currency);
  if (amount == 0) badRequest("amount must be more than 0");
  const std::string& reason = in.reason;
  if (a.at("movements").size() >= kMaxMovements) {
    conflict("Session " + code + " has " + std::to_string(kMaxMovements) + " paid-ins and paid-outs, the most it may have");
  }
  const int64_t expected = expectedCash(a, m);
  if (type == "out" && amount > expected) {
    conflict("A paid-out of " + moneyText(amount, m.currency) + " is more than the " + moneyText(expected, m.currency) +
             " the drawer should hold");
  }
  if (expected + amount > kMaxMinorUnits) badRequest("amount is too large");
  const char* total = type == "in" ? "paidIn" : "paidOut";
  a[total] = m.put(m.get(a, total) + amount);
  json row(json::value_t::object);
  put(row, "type", type);
  put(row, "amount", m.put(amount));
  put(row, "reason", reason);
  put(row, "at", tx.now());
  put(row, "by", tx.context().userId);
  a["movements"].push_back(std::move(row));
  return publishSession(tx, s, std::move(a), m);
}

Value closeSession(Transaction& tx, const std::string& code, const SessionClosing& in) {
  const Value s = openSessionItem(tx, code);
  json a = attrs(*s);
  const Amounts m = amountsOf(a);
  json denominations;
  const int64_t counted = countedCash(in.cash, "counted", m.currency, denominations);
  const int64_t expected = expectedCash(a, m);
  a["status"] = "closed";
  a["closedAt"] = tx.now();
  a["closedBy"] = tx.context().userId;
  a["countedCash"] = m.put(counted);
  if (!denominations.is_null()) a["countedDenominations"] = std::move(denominations);
  a["difference"] = m.put(counted - expected);  // a shortfall is negative
  if (in.note) a["note"] = *in.note;
  const std::string till = a.at("till").get<std::string>();
  Value closed = publishSession(tx, s, std::move(a), m);
  const Value tillItem = tx.getItem(tillSk(till));
  if (tillItem && attrs(*tillItem).value("openSession", json()) == code) {
    json t = attrs(*tillItem);
    t["openSession"] = nullptr;
    t["lastSession"] = code;
    tx.publish(CommandInput{kTill, till, tillItem->at("name").get<std::string>(), itemVersion(*tillItem), std::move(t)});
  }
  return closed;
}

void addSale(Transaction& tx, const Order& order) {
  const Value s = openSessionItem(tx, *order.session);
  json a = attrs(*s);
  const Amounts m = amountsOf(a);
  sameCurrency(a, order.currency, "This sale");
  auto money = [&](const json& amount, const char* field) { return parseMoney(amount, field, m.currency); };
  a["salesCount"] = a.at("salesCount").get<int64_t>() + 1;
  a["gross"] = m.put(m.get(a, "gross") + money(order.subtotal, "subtotal"));
  a["discounts"] = m.put(m.get(a, "discounts") + (order.discountTotal ? money(*order.discountTotal, "discountTotal") : 0));
  a["salesTotal"] = m.put(m.get(a, "salesTotal") + money(order.total, "total"));
  if (order.taxes) {
    for (const TaxRow& row : *order.taxes) addTax(a["taxes"], row.rate, row.tax, 1, m);
  }
  if (order.payments) {
    for (const Payment& p : *order.payments) addTender(a["tenders"], p.method, "taken", money(p.amount, "amount"), m);
  } else {
    addTender(a["tenders"], order.paymentMethod, "taken", money(order.total, "total"), m);
  }
  publishSession(tx, s, std::move(a), m);
}

void addReturn(Transaction& tx, const std::string& session, const json& ret) {
  const Value s = openSessionItem(tx, session);
  json a = attrs(*s);
  const Amounts m = amountsOf(a);
  sameCurrency(a, ret.contains("currency") ? std::optional<std::string>(ret["currency"].get<std::string>()) : std::nullopt,
               "This return");
  const int64_t refund = m.get(ret.at("refund"), "amount");
  const std::string method = ret.at("refund").at("method").get<std::string>();
  if (method == "cash" && refund > expectedCash(a, m)) {
    conflict("A cash refund of " + moneyText(refund, m.currency) + " is more than the " +
             moneyText(expectedCash(a, m), m.currency) + " the drawer should hold");
  }
  a["returnsCount"] = a.at("returnsCount").get<int64_t>() + 1;
  a["refunds"] = m.put(m.get(a, "refunds") + refund);
  for (const json& row : ret.value("taxes", json::array())) addTax(a["taxes"], row.at("rate"), row.at("tax"), -1, m);
  addTender(a["tenders"], method, "refunded", refund, m);
  publishSession(tx, s, std::move(a), m);
}

}  // namespace edgecart
