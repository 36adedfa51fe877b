// Products and inventory (docs/design.md §4, §5).

#include "edgecart/domain/domain.h"

#include <algorithm>
#include <stdexcept>

#include "edgecart/domain/money.h"
#include "edgecart/engine/error.h"
#include "stored.h"

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


Product productFrom(const json& item) {
  constexpr auto text = json::value_t::string;
  const std::string& sk = storedField(item, "sk", text, "a product").get_ref<const std::string&>();
  const json& a = storedField(item, "attributes", json::value_t::object, sk);
  Product p;
  p.code = storedField(item, "code", text, sk).get<std::string>();
  p.name = storedField(item, "name", text, sk).get<std::string>();
  p.categoryCode = storedField(a, "categoryCode", text, sk).get<std::string>();
  p.sku = storedField(a, "sku", text, sk).get<std::string>();
  p.currency = storedField(a, "currency", text, sk).get<std::string>();
  const auto price = a.find("price");  // an integer or a decimal: either is a JSON number
  if (price == a.end() || !price->is_number()) throw std::runtime_error("stored item " + sk + " has no price of the right type");
  p.price = *price;
  p.description = storedField(a, "description", text, sk).get<std::string>();
  for (const json& image : storedField(a, "images", json::value_t::array, sk)) {
    if (!image.is_string()) throw std::runtime_error("stored item " + sk + " has an image that is not a string");
    p.images.push_back(image.get<std::string>());
  }
  p.isActive = storedField(a, "isActive", json::value_t::boolean, sk).get<bool>();
  if (a.contains("taxClass")) p.taxClass = storedField(a, "taxClass", text, sk).get<std::string>();
  // The attributes Product has a field for; any other is kept in `others`.
  static const FieldNames known{"categoryCode", "sku", "price", "currency", "description", "images", "isActive", "taxClass"};
  p.others = unknownFields(a, known);
  return p;
}

json productAttributes(const Product& p) {
  json a = withOthers(p.others);
  put(a, "categoryCode", p.categoryCode);
  put(a, "sku", p.sku);
  put(a, "price", p.price);
  put(a, "currency", p.currency);
  put(a, "description", p.description);
  put(a, "images", p.images);
  put(a, "isActive", p.isActive);
  if (p.taxClass) put(a, "taxClass", *p.taxClass);
  return a;
}

Value createProduct(Transaction& tx, const ProductInput& in, const DomainOptions& options) {
  if (in.taxClass) checkedTaxClass(tx, *in.taxClass, options);
  if (tx.getItem(std::string(kProduct) + "#" + in.code)) {
    conflict("Product " + in.code + " already exists", errc::kAlreadyExists);
  }
  Product p;
  p.code = in.code;
  p.name = in.name;
  p.categoryCode = in.categoryCode;
  p.sku = in.sku;
  p.currency = in.currency.code;
  p.price = moneyToJson(in.price, in.currency);
  p.description = in.description;
  p.images = in.images;
  p.isActive = in.isActive;
  p.taxClass = in.taxClass;
  return tx.publish(CommandInput{kProduct, in.code, in.name, 0, productAttributes(p)});
}

Value updateProduct(Transaction& tx, const std::string& code, const ProductChange& change, const DomainOptions& options) {
  const Value current = getProduct(tx, code);
  const int64_t latest = itemVersion(*current);
  checkVersion(current->at("sk").get<std::string>(), change.version.value_or(-1), latest);
  Product p = productFrom(*current);
  if (change.name) p.name = *change.name;
  if (change.price) {
    const Currency currency = currencyOf(p.currency, "the currency of " + code);
    p.price = moneyToJson(change.price->minor(currency), currency);
  }
  if (change.description) p.description = *change.description;
  if (change.images) p.images = *change.images;
  if (change.categoryCode) p.categoryCode = *change.categoryCode;
  if (change.isActive) p.isActive = *change.isActive;
  if (change.taxClass) {
    p.taxClass = *change.taxClass;
    if (p.taxClass) checkedTaxClass(tx, *p.taxClass, options);
  }
  return tx.publish(CommandInput{kProduct, code, p.name, latest, productAttributes(p)});
}

Value getProduct(const Transaction& tx, const std::string& code) {
  Value p = tx.getItem(std::string(kProduct) + "#" + code);
  if (!p) notFound("Product " + code + " not found");
  return p;
}

std::optional<Product> readProduct(const Transaction& tx, const std::string& code) {
  const Value item = tx.getItem(std::string(kProduct) + "#" + code);
  if (!item) return std::nullopt;
  return productFrom(*item);
}

}  // namespace edgecart
