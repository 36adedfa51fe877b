// A shop's settings (docs/money.md): one versioned item, SETTINGS#shop, synced to every device.

#include <algorithm>

#include "edgecart/api/validate.h"
#include "edgecart/domain/domain.h"
#include "edgecart/domain/expiry.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr size_t kMaxTaxClasses = 16;
constexpr size_t kMaxCategoryTaxClasses = 1000;
constexpr size_t kMaxReceiptHeader = 1000;
constexpr int64_t kMaxExpiryMinutes = 366 * 24 * 60;
constexpr size_t kMaxTenderMethods = 16;
constexpr int64_t kMaxReturnWindowDays = 3660;

const std::string& settingsSk() {
  static const std::string sk = std::string(kSettings) + "#" + kSettingsCode;
  return sk;
}

ShopSettings defaults(const Transaction& tx, const DomainOptions& options) {
  ShopSettings s;
  s.taxClasses.emplace("standard", options.taxFor(tx.context().tenantCode) * 10);  // basis points -> rate
  return s;
}

json toJson(const ShopSettings& s) {
  json classes(json::value_t::object);
  for (const auto& [code, rate] : s.taxClasses) classes[code] = rateToJson(rate);
  json a(json::value_t::object);
  put(a, "currency", s.currency.code);
  put(a, "taxClasses", std::move(classes));
  put(a, "defaultTaxClass", s.defaultTaxClass);
  put(a, "categoryTaxClasses", s.categoryTaxClasses);
  put(a, "pricesIncludeTax", s.pricesIncludeTax);
  put(a, "receiptHeader", s.receiptHeader);
  put(a, "cashierDiscountLimit", rateToJson(s.cashierDiscountLimit));
  put(a, "pendingOrderExpiryMinutes", s.pendingOrderExpiryMinutes ? json(*s.pendingOrderExpiryMinutes) : json());
  put(a, "tenders", s.tenders);
  put(a, "returnWindowDays", s.returnWindowDays);
  return a;
}

// Reads the fields `f` has over `s` (a PATCH, or a stored item over the defaults).
void apply(const Fields& f, ShopSettings& s) {
  if (f.has("currency")) s.currency = currencyOf(f.str("currency", 3));
  if (f.has("taxClasses")) {
    const json& classes = f.object("taxClasses");
    if (classes.empty() || classes.size() > kMaxTaxClasses) {
      badRequest("taxClasses must have between 1 and " + std::to_string(kMaxTaxClasses) + " classes");
    }
    s.taxClasses.clear();
    for (const auto& [code, rate] : classes.items()) {
      if (!isValidCode(code)) badRequest("taxClasses: " + echo(code) + " is not a code (letters, digits, '_', '-', '.')");
      s.taxClasses.emplace(code, parseRate(rate, "taxClasses." + code));
    }
  }
  if (f.has("defaultTaxClass")) s.defaultTaxClass = f.code("defaultTaxClass");
  if (f.has("categoryTaxClasses")) {
    const json& map = f.object("categoryTaxClasses");
    if (map.size() > kMaxCategoryTaxClasses) {
      badRequest("categoryTaxClasses must have at most " + std::to_string(kMaxCategoryTaxClasses) + " categories");
    }
    s.categoryTaxClasses.clear();
    for (const auto& [category, cls] : map.items()) {
      if (category.empty() || category.size() > kMaxCodeLength || !isValidUtf8(category)) {
        badRequest("categoryTaxClasses: " + echo(category) + " is not a category code");
      }
      if (!cls.is_string()) badRequest("categoryTaxClasses." + echo(category) + " must be the code of a tax class");
      s.categoryTaxClasses.emplace(category, cls.get<std::string>());
    }
  }
  s.pricesIncludeTax = f.boolean("pricesIncludeTax", s.pricesIncludeTax);
  if (f.has("receiptHeader")) s.receiptHeader = f.str("receiptHeader", kMaxReceiptHeader, false);
  if (f.has("cashierDiscountLimit")) s.cashierDiscountLimit = parseRate(f.raw("cashierDiscountLimit"), "cashierDiscountLimit");
  if (f.present("pendingOrderExpiryMinutes")) {
    s.pendingOrderExpiryMinutes = f.has("pendingOrderExpiryMinutes")
        ? std::optional<int64_t>(f.integer("pendingOrderExpiryMinutes", 1, kMaxExpiryMinutes)) : std::nullopt;
  }
  if (f.has("tenders")) {
    const json& list = f.array("tenders", 1, kMaxTenderMethods);
    s.tenders.clear();
    for (const json& m : list) {
      if (!m.is_string() || !isValidCode(m.get<std::string>())) {
        badRequest("tenders must be codes such as cash, card or gift_card (letters, digits, '_', '-', '.')");
      }
      if (std::find(s.tenders.begin(), s.tenders.end(), m.get<std::string>()) != s.tenders.end()) {
        badRequest("tenders names " + m.get<std::string>() + " twice");
      }
      s.tenders.push_back(m.get<std::string>());
    }
  }
  if (f.has("returnWindowDays")) s.returnWindowDays = f.integer("returnWindowDays", 0, kMaxReturnWindowDays);
  // Every class named must be one of the classes.
  auto known = [&](const std::string& cls, const std::string& where) {
    if (!s.taxClasses.count(cls)) {
      badRequest(where + " names the tax class " + echo(cls) + ", which is not one of taxClasses");
    }
  };
  known(s.defaultTaxClass, "defaultTaxClass");
  for (const auto& [category, cls] : s.categoryTaxClasses) known(cls, "categoryTaxClasses." + echo(category));
}

constexpr std::initializer_list<const char*> kFields = {
    "currency", "taxClasses", "defaultTaxClass", "categoryTaxClasses", "pricesIncludeTax",
    "receiptHeader", "cashierDiscountLimit", "pendingOrderExpiryMinutes", "tenders", "returnWindowDays"};

}  // namespace

int64_t ShopSettings::taxRateOf(const json* product) const {
  std::string cls = defaultTaxClass;
  if (product) {
    const json& a = attrs(*product);
    auto own = a.find("taxClass");
    auto category = categoryTaxClasses.find(a.value("categoryCode", ""));
    if (own != a.end() && own->is_string()) {
      cls = own->get<std::string>();
    } else if (category != categoryTaxClasses.end()) {
      cls = category->second;
    }
  }
  auto it = taxClasses.find(cls);
  if (it == taxClasses.end()) {
    conflict("The tax class " + echo(cls) + " of " + (product ? product->value("code", "") : std::string("this line")) +
             " is not in the shop's settings: add it to taxClasses, or change the product's taxClass");
  }
  return it->second;
}

ShopSettings shopSettings(const Transaction& tx, const DomainOptions& options) {
  ShopSettings s = defaults(tx, options);
  if (const Value item = tx.getItem(settingsSk())) {
    apply(Fields(attrs(*item), "settings", kFields), s);
  }
  return s;
}

json settingsAnswer(const Transaction& tx, const DomainOptions& options) {
  if (const Value item = tx.getItem(settingsSk())) return *item;
  json out(json::value_t::object);
  put(out, "pk", tenantPk(tx.context().tenantCode));
  put(out, "sk", settingsSk());
  put(out, "code", kSettingsCode);
  put(out, "name", "Shop settings");
  put(out, "version", 0);
  put(out, "attributes", toJson(defaults(tx, options)));
  return out;
}

Value updateSettings(Transaction& tx, const json& body, const DomainOptions& options) {
  std::initializer_list<const char*> allowed = {
      "currency", "taxClasses", "defaultTaxClass", "categoryTaxClasses", "pricesIncludeTax",
      "receiptHeader", "cashierDiscountLimit", "pendingOrderExpiryMinutes", "tenders", "returnWindowDays", "version"};
  Fields f(body, "body", allowed);
  const auto version = f.optInteger("version", -1, INT64_MAX);
  const Value current = tx.getItem(settingsSk());
  const int64_t latest = current ? itemVersion(*current) : 0;
  checkVersion(settingsSk(), version.value_or(-1), latest);
  bool any = false;
  for (const char* field : kFields) any = any || body.contains(field);
  if (!any) badRequest("one of " + [] {
    std::string names;
    for (const char* field : kFields) names += std::string(names.empty() ? "" : ", ") + field;
    return names;
  }() + " is required");
  ShopSettings s = shopSettings(tx, options);
  const std::optional<int64_t> expiryBefore = s.pendingOrderExpiryMinutes;
  apply(f, s);
  // The servers' sweep finds the shops that expire orders here (expiry.h).
  if (s.pendingOrderExpiryMinutes != expiryBefore) {
    tx.putRow(Table::Sequence, kExpiringPk, tx.context().tenantCode,
              s.pendingOrderExpiryMinutes ? std::make_shared<const json>(json{{"minutes", *s.pendingOrderExpiryMinutes}}) : nullptr);
  }
  return tx.publish(CommandInput{kSettings, kSettingsCode, "Shop settings", latest, toJson(s)});
}

}  // namespace edgecart
