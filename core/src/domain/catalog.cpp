// Products and inventory (docs/design.md §4, §5).

#include "edgecart/domain/domain.h"

#include <algorithm>

#include "edgecart/domain/money.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

// A product's own tax class: one of the shop's (docs/money.md).
const std::string& checkedTaxClass(const Transaction& tx, const std::string& cls, const DomainOptions& options) {
  const ShopSettings settings = shopSettings(tx, options);
  if (!settings.taxClasses.count(cls)) {
    std::string known;
    for (const auto& [code, rate] : settings.taxClasses) known += (known.empty() ? "" : ", ") + code;
    badRequest("taxClass must be one of the shop's tax classes: " + known);
  }
  return cls;
}

constexpr size_t kMaxWordBytes = 32;
constexpr size_t kMaxWords = 16;

bool hasControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> searchWords(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (word.size() > kMaxWordBytes) {
      size_t cut = kMaxWordBytes;
      while (cut > 0 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
      word.resize(cut);
    }
    if (std::find(words.begin(), words.end(), word) == words.end() && words.size() < kMaxWords) words.push_back(word);
    word.clear();
  };
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
      word.push_back(ch);
    } else if (c >= 'A' && c <= 'Z') {
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

void productLookupKeys(const json& product, std::vector<std::string>& keys) {
  const json& a = attrs(product);
  for (const auto& [field, tag] : {std::pair{"categoryCode", "cat:"}, std::pair{"sku", "sku:"}}) {
    auto it = a.find(field);
    if (it == a.end() || !it->is_string()) continue;
    const auto& value = it->get_ref<const std::string&>();
    if (!value.empty() && !hasControl(value)) keys.push_back(tag + value);
  }
  for (std::string& word : searchWords(product.value("name", ""))) keys.push_back("w:" + std::move(word));
}

Value createProduct(Transaction& tx, const ProductInput& in, const DomainOptions& options) {
  json attributes(json::value_t::object);
  put(attributes, "categoryCode", in.categoryCode);
  put(attributes, "sku", in.sku);
  put(attributes, "price", moneyToJson(in.price, in.currency));
  put(attributes, "currency", in.currency.code);
  put(attributes, "description", in.description);
  put(attributes, "images", in.images);
  put(attributes, "isActive", in.isActive);
  if (in.taxClass) attributes["taxClass"] = checkedTaxClass(tx, *in.taxClass, options);
  if (tx.getItem(std::string(kProduct) + "#" + in.code)) {
    conflict("Product " + in.code + " already exists", errc::kAlreadyExists);
  }
  return tx.publish(CommandInput{kProduct, in.code, in.name, 0, std::move(attributes)});
}

Value updateProduct(Transaction& tx, const std::string& code, const ProductChange& change, const DomainOptions& options) {
  const Value current = getProduct(tx, code);
  const int64_t latest = itemVersion(*current);
  checkVersion(current->at("sk").get<std::string>(), change.version.value_or(-1), latest);
  std::string name = change.name.value_or(current->at("name").get<std::string>());
  json a = attrs(*current);
  if (change.price) {
    const Currency currency = currencyOf(a.value("currency", ""), "the currency of " + code);
    a["price"] = moneyToJson(change.price->minor(currency), currency);
  }
  if (change.description) a["description"] = *change.description;
  if (change.images) a["images"] = *change.images;
  if (change.categoryCode) a["categoryCode"] = *change.categoryCode;
  if (change.isActive) a["isActive"] = *change.isActive;
  if (change.taxClass) {
    if (*change.taxClass) {
      a["taxClass"] = checkedTaxClass(tx, **change.taxClass, options);
    } else {
      a.erase("taxClass");
    }
  }
  return tx.publish(CommandInput{kProduct, code, name, latest, std::move(a)});
}

Value getProduct(const Transaction& tx, const std::string& code) {
  Value p = tx.getItem(std::string(kProduct) + "#" + code);
  if (!p) notFound("Product " + code + " not found");
  return p;
}

}  // namespace edgecart
