// Stock (inventory.h): the typed INVENTORY item, and PATCH /inventory.

#include "edgecart/domain/inventory.h"

#include "edgecart/domain/domain.h"
#include "edgecart/engine/error.h"
#include "stored.h"

namespace edgecart {
namespace {

std::string inventorySk(const std::string& productCode) { return std::string(kInventory) + "#" + productCode; }

}  // namespace

Inventory inventoryFrom(const json& item) {
  const std::string& sk = item.at("sk").get_ref<const std::string&>();
  const json& a = attrs(item);
  constexpr auto integer = json::value_t::number_integer;
  constexpr auto text = json::value_t::string;
  Inventory s;
  s.productCode = storedField(a, "productCode", text, sk).get<std::string>();
  s.quantity = storedField(a, "quantity", integer, sk).get<int64_t>();
  s.reservedQuantity = storedField(a, "reservedQuantity", integer, sk).get<int64_t>();
  s.warehouseCode = storedField(a, "warehouseCode", text, sk).get<std::string>();
  if (a.contains("lastRestockedAt")) s.lastRestockedAt = storedField(a, "lastRestockedAt", text, sk).get<std::string>();
  static const FieldNames known{"productCode", "quantity", "reservedQuantity", "warehouseCode", "lastRestockedAt"};
  s.others = unknownFields(a, known);
  return s;
}

json inventoryAttributes(const Inventory& s) {
  json a = withOthers(s.others);
  a.emplace("productCode", s.productCode);
  a.emplace("quantity", s.quantity);
  a.emplace("reservedQuantity", s.reservedQuantity);
  a.emplace("warehouseCode", s.warehouseCode);
  if (!s.lastRestockedAt.empty()) a.emplace("lastRestockedAt", s.lastRestockedAt);
  return a;
}

Stock readStock(const Transaction& tx, const std::string& productCode) {
  const Value item = tx.getItem(inventorySk(productCode));
  Stock stock;
  if (!item) {
    stock.inventory.productCode = productCode;
    return stock;
  }
  stock.inventory = inventoryFrom(*item);
  stock.version = itemVersion(*item);
  stock.name = item->at("name").get<std::string>();
  return stock;
}

Value writeStock(Transaction& tx, const Stock& stock, const std::string& name) {
  return tx.publish(CommandInput{kInventory, stock.inventory.productCode, name, stock.version,
                                 inventoryAttributes(stock.inventory)});
}

void checkCoversReserved(const Inventory& s, int64_t quantity) {
  if (quantity < s.reservedQuantity) {
    conflict("Cannot set quantity of " + s.productCode + " to " + std::to_string(quantity) + ": " +
             std::to_string(s.reservedQuantity) + " units are reserved", errc::kBelowReserved);
  }
}

Value updateInventory(Transaction& tx, const std::string& productCode, const InventoryChange& change) {
  const Product product = productFrom(*getProduct(tx, productCode));
  Stock stock = readStock(tx, productCode);
  checkVersion(inventorySk(productCode), change.version.value_or(-1), stock.version);
  Inventory& s = stock.inventory;
  if (!stock.exists()) s.lastRestockedAt = tx.now();
  const int64_t quantity = change.quantity ? *change.quantity : s.quantity + change.quantityDelta;
  if (quantity > kMaxStock) {
    badRequest("quantity of " + productCode + " would exceed " + std::to_string(kMaxStock));
  }
  checkCoversReserved(s, quantity);
  if (quantity > s.quantity) s.lastRestockedAt = tx.now();
  s.quantity = quantity;
  if (!change.warehouseCode.empty()) s.warehouseCode = change.warehouseCode;
  return writeStock(tx, stock, product.name);
}

}  // namespace edgecart
