#pragma once
// Stock as a type: the attributes of an INVENTORY#<productCode> item (docs/design.md §4). The
// domain reads and writes stock only through these; JSON is met at the edges, in the stored item
// (inventoryFrom, inventoryAttributes) and in the request (api/requests.h).

#include <cstdint>
#include <optional>
#include <string>

#include "edgecart/engine/engine.h"

namespace edgecart {

struct Inventory {
  std::string productCode;
  int64_t quantity = 0;          // units on hand
  int64_t reservedQuantity = 0;  // of them, held by orders not yet shipped or cancelled
  std::string warehouseCode = "main";
  std::string lastRestockedAt;   // ISO 8601: when `quantity` last grew; empty: never
  json others;                   // attributes this version does not know, written back (null: none)
  int64_t available() const { return quantity - reservedQuantity; }
};

// A stored item's stock. A field missing or of the wrong type throws std::runtime_error naming
// the item and the field: the store holds something this version did not write.
Inventory inventoryFrom(const json& item);
// The item's attributes (lastRestockedAt left out while empty).
json inventoryAttributes(const Inventory& inventory);

// A product's stock as a transaction sees it.
struct Stock {
  Inventory inventory;
  int64_t version = 0;  // of its item; 0: the product has no stock item yet (nothing on hand)
  std::string name;     // the item's name (its product's); empty when there is no item
  bool exists() const { return version > 0; }
};
Stock readStock(const Transaction& tx, const std::string& productCode);
// Publishes `stock.inventory` as the product's stock item, based on the version read (a
// concurrent change is a commit conflict), under `name` (the product's).
Value writeStock(Transaction& tx, const Stock& stock, const std::string& name);

// PATCH /inventory/{productCode}: set the quantity, or add to it (a negative delta takes away),
// and/or move the stock to another warehouse. The request's form (one of them at least, not
// both of quantity and delta) is checked where it is parsed (api/requests.h).
struct InventoryChange {
  std::optional<int64_t> quantity;  // set to, in [0, kMaxStock]
  int64_t quantityDelta = 0;        // else add, in [-kMaxStock, kMaxStock]
  std::string warehouseCode;        // empty: unchanged
  std::optional<int64_t> version;   // the caller's version of the item (optimistic locking)
};
// 409 BELOW_RESERVED unless `quantity` units cover what orders hold of `inventory`.
void checkCoversReserved(const Inventory& inventory, int64_t quantity);
// 404 without the product; 409 VERSION_CONFLICT on a stale version; 400 past kMaxStock; 409
// BELOW_RESERVED when fewer units would remain than orders hold.
Value updateInventory(Transaction& tx, const std::string& productCode, const InventoryChange& change);

}  // namespace edgecart
