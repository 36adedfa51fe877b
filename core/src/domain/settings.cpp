// A shop's settings (docs/money.md): one versioned item, SETTINGS#shop, synced to every device.

#include <algorithm>

#include "edgecart/domain/domain.h"
#include "edgecart/domain/expiry.h"
#include "edgecart/engine/error.h"
#include "edgecart/engine/text.h"

namespace edgecart {
namespace {

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

// `change` over `s`; then every class named must be one of the classes.
void apply(const SettingsChange& c, ShopSettings& s) {
  if (c.currency) s.currency = *c.currency;
  if (c.taxClasses) s.taxClasses = *c.taxClasses;
  if (c.defaultTaxClass) s.defaultTaxClass = *c.defaultTaxClass;
  if (c.categoryTaxClasses) s.categoryTaxClasses = *c.categoryTaxClasses;
  if (c.pricesIncludeTax) s.pricesIncludeTax = *c.pricesIncludeTax;
  if (c.receiptHeader) s.receiptHeader = *c.receiptHeader;
  if (c.cashierDiscountLimit) s.cashierDiscountLimit = *c.cashierDiscountLimit;
  if (c.pendingOrderExpiryMinutes) s.pendingOrderExpiryMinutes = *c.pendingOrderExpiryMinutes;
  if (c.tenders) s.tenders = *c.tenders;
  if (c.returnWindowDays) s.returnWindowDays = *c.returnWindowDays;
  auto known = [&](const std::string& cls, const std::string& where) {
    if (!s.taxClasses.count(cls)) {
      badRequest(where + " names the tax class " + echo(cls) + ", which is not one of taxClasses");
    }
  };
  known(s.defaultTaxClass, "defaultTaxClass");
  for (const auto& [category, cls] : s.categoryTaxClasses) known(cls, "categoryTaxClasses." + echo(category));
}

// The stored item's settings (written by updateSettings, so of the form toJson gives) over the
// defaults. A field of another type is named, not a "[json.exception…]".
ShopSettings fromItem(const json& a, ShopSettings s) {
  try {
    if (a.contains("currency")) s.currency = currencyOf(a.at("currency").get<std::string>());
    if (a.contains("taxClasses")) {
      s.taxClasses.clear();
      for (const auto& [code, rate] : a.at("taxClasses").items()) s.taxClasses.emplace(code, parseRate(rate, "taxClasses." + code));
    }
    if (a.contains("defaultTaxClass")) s.defaultTaxClass = a.at("defaultTaxClass").get<std::string>();
    if (a.contains("categoryTaxClasses")) s.categoryTaxClasses = a.at("categoryTaxClasses").get<std::map<std::string, std::string>>();
    if (a.contains("pricesIncludeTax")) s.pricesIncludeTax = a.at("pricesIncludeTax").get<bool>();
    if (a.contains("receiptHeader")) s.receiptHeader = a.at("receiptHeader").get<std::string>();
    if (a.contains("cashierDiscountLimit")) s.cashierDiscountLimit = parseRate(a.at("cashierDiscountLimit"), "cashierDiscountLimit");
    const json expiry = a.value("pendingOrderExpiryMinutes", json());
    s.pendingOrderExpiryMinutes = expiry.is_null() ? std::nullopt : std::optional<int64_t>(expiry.get<int64_t>());
    if (a.contains("tenders")) s.tenders = a.at("tenders").get<std::vector<std::string>>();
    if (a.contains("returnWindowDays")) s.returnWindowDays = a.at("returnWindowDays").get<int64_t>();
  } catch (const json::exception& e) {
    throw std::runtime_error("stored item " + std::string(kSettings) + "#" + kSettingsCode + " is not of this version's form: " + e.what());
  }
  return s;
}

}  // namespace

int64_t ShopSettings::taxRateOf(const Product* product) const {
  std::string cls = defaultTaxClass;
  if (product) {
    auto category = categoryTaxClasses.find(product->categoryCode);
    if (product->taxClass) {
      cls = *product->taxClass;
    } else if (category != categoryTaxClasses.end()) {
      cls = category->second;
    }
  }
  auto it = taxClasses.find(cls);
  if (it == taxClasses.end()) {
    conflict("The tax class " + echo(cls) + " of " + (product ? product->code : std::string("this line")) +
             " is not in the shop's settings: add it to taxClasses, or change the product's taxClass");
  }
  return it->second;
}

ShopSettings shopSettings(const Transaction& tx, const DomainOptions& options) {
  ShopSettings s = defaults(tx, options);
  if (const Value item = tx.getItem(settingsSk())) return fromItem(attrs(*item), std::move(s));
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

Value updateSettings(Transaction& tx, const SettingsChange& change, const DomainOptions& options) {
  const Value current = tx.getItem(settingsSk());
  const int64_t latest = current ? itemVersion(*current) : 0;
  checkVersion(settingsSk(), change.version.value_or(-1), latest);
  ShopSettings s = shopSettings(tx, options);
  const std::optional<int64_t> expiryBefore = s.pendingOrderExpiryMinutes;
  apply(change, s);
  // The servers' sweep finds the shops that expire orders here (expiry.h).
  if (s.pendingOrderExpiryMinutes != expiryBefore) {
    tx.putRow(Table::Sequence, kExpiringPk, tx.context().tenantCode,
              s.pendingOrderExpiryMinutes ? std::make_shared<const json>(json{{"minutes", *s.pendingOrderExpiryMinutes}}) : nullptr);
  }
  return tx.publish(CommandInput{kSettings, kSettingsCode, "Shop settings", latest, toJson(s)});
}

}  // namespace edgecart
