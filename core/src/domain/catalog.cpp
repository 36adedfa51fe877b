// Products and inventory (docs/design.md §4, §5).

#include "edgecart/domain/domain.h"

#include <algorithm>
#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"
#include "edgecart/api/validate.h"

namespace edgecart {
namespace {

constexpr size_t kMaxImages = 20;
constexpr size_t kMaxUrlLength = 2048;

// A product's own tax class: one of the shop's (docs/money.md).
std::string checkedTaxClass(const Transaction& tx, const Fields& f, const DomainOptions& options) {
  const std::string cls = f.code("taxClass");
  const ShopSettings settings = shopSettings(tx, options);
  if (!settings.taxClasses.count(cls)) {
    std::string known;
    for (const auto& [code, rate] : settings.taxClasses) known += (known.empty() ? "" : ", ") + code;
    badRequest("taxClass must be one of the shop's tax classes: " + known);
  }
  return cls;
}

json checkedImages(const Fields& f) {
  json out = json::array();
  const json& images = f.array("images", 0, kMaxImages);
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string label = "images[" + std::to_string(i) + "]";
    if (!images[i].is_string()) badRequest(label + " must be a string");
    const auto& url = images[i].get_ref<const std::string&>();
    if (url.empty() || url.size() > kMaxUrlLength) {
      badRequest(label + " must be between 1 and " + std::to_string(kMaxUrlLength) + " characters");
    }
    out.push_back(url);
  }
  return out;
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

Value createProduct(Transaction& tx, const json& body, const DomainOptions& options) {
  Fields f(body, "body", {"code", "name", "categoryCode", "sku", "price", "currency", "description",
                          "images", "isActive", "taxClass"});
  const std::string code = f.code("code");
  const std::string categoryCode = f.str("categoryCode", kMaxCodeLength);
  const std::string sku = f.str("sku", kMaxCodeLength);
  const Currency currency = currencyOf(f.str("currency", 3));
  json attributes(json::value_t::object);
  put(attributes, "categoryCode", categoryCode);
  put(attributes, "sku", sku);
  put(attributes, "price", moneyToJson(f.money("price", currency), currency));
  put(attributes, "currency", currency.code);
  put(attributes, "description", f.str("description", kMaxTextLength, false));
  put(attributes, "images", json::array());
  put(attributes, "isActive", f.boolean("isActive", true));
  const std::string name = f.str("name", kMaxNameLength);
  if (f.has("images")) attributes["images"] = checkedImages(f);
  if (f.has("taxClass")) attributes["taxClass"] = checkedTaxClass(tx, f, options);
  if (tx.getItem(std::string(kProduct) + "#" + code)) {
    conflict("Product " + code + " already exists", errc::kAlreadyExists);
  }
  return tx.publish(CommandInput{kProduct, code, name, 0, std::move(attributes)});
}

Value updateProduct(Transaction& tx, const std::string& code, const json& body, const DomainOptions& options) {
  Fields f(body, "body", {"name", "price", "description", "images", "categoryCode", "isActive", "taxClass", "version"});
  const auto version = f.optInteger("version", -1, INT64_MAX);
  const Value current = getProduct(tx, code);
  const int64_t latest = itemVersion(*current);
  checkVersion(current->at("sk").get<std::string>(), version.value_or(-1), latest);
  std::string name = current->at("name").get<std::string>();
  json a = attrs(*current);
  bool any = false;
  if (f.has("name")) name = f.str("name", kMaxNameLength), any = true;
  if (f.has("price")) {
    const Currency currency = currencyOf(a.value("currency", ""), "the currency of " + code);
    a["price"] = moneyToJson(f.money("price", currency), currency), any = true;
  }
  if (f.has("description")) a["description"] = f.str("description", kMaxTextLength, false), any = true;
  if (f.has("images")) a["images"] = checkedImages(f), any = true;
  if (f.has("categoryCode")) a["categoryCode"] = f.str("categoryCode", kMaxCodeLength), any = true;
  if (f.has("isActive")) a["isActive"] = f.boolean("isActive", true), any = true;
  if (f.present("taxClass")) {  // null: back to the category's or the shop's default class
    if (f.has("taxClass")) {
      a["taxClass"] = checkedTaxClass(tx, f, options);
    } else {
      a.erase("taxClass");
    }
    any = true;
  }
  if (!any) badRequest("one of name, price, description, images, categoryCode, isActive or taxClass is required");
  return tx.publish(CommandInput{kProduct, code, name, latest, std::move(a)});
}

Value getProduct(const Transaction& tx, const std::string& code) {
  Value p = tx.getItem(std::string(kProduct) + "#" + code);
  if (!p) notFound("Product " + code + " not found");
  return p;
}

}  // namespace edgecart
