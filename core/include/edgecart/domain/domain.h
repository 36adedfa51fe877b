#pragma once
// The e-commerce domain of the seed (docs/design.md §4): products, inventory, orders, and the order
// handler that reserves, releases and deducts stock. Each function runs inside a Transaction
// and throws ApiError on bad input or a refused change (the transaction then writes nothing).

#include <cstdint>
#include <string>
#include <vector>

#include "edgecart/engine/engine.h"

namespace edgecart {

struct DomainOptions {
  int64_t taxBasisPoints = 1000;                 // 10 %; see taxFor for per-tenant rates
  std::string orderCodeFormat = "ORD-%%no#:0>6%%";
  std::map<std::string, int64_t> tenantTaxBasisPoints;  // overrides by tenant code
  int64_t taxFor(const std::string& tenant) const {
    auto it = tenantTaxBasisPoints.find(tenant);
    return it == tenantTaxBasisPoints.end() ? taxBasisPoints : it->second;
  }
};

// Item types (the part of the sort key before '#').
inline constexpr char kProduct[] = "PRODUCT";
inline constexpr char kInventory[] = "INVENTORY";
inline constexpr char kOrder[] = "ORDER";
// Which units an order holds: {orderCode, lines[{productCode, quantity}], state}, where state is
// held | none | released | deducted. Kept beside the order so release/deduct touch only its units.
inline constexpr char kReservation[] = "RESERVATION";

constexpr int64_t kMaxQuantity = 1'000'000;         // per order line
constexpr int64_t kMaxStock = 1'000'000'000;        // units of one product
constexpr size_t kMaxOrderLines = 100;

// Products.
Value createProduct(Transaction& tx, const json& body);
Value getProduct(const Transaction& tx, const std::string& code);  // 404 if absent
// PATCH body {name?, price?, description?, images?, categoryCode?, isActive?, version?}.
Value updateProduct(Transaction& tx, const std::string& code, const json& body);

// A product's look-up keys (Engine::addLookup): "cat:<categoryCode>", "sku:<sku>" and "w:<word>"
// for each word of its name (see searchWords); none holds a control character.
void productLookupKeys(const json& product, std::vector<std::string>& keys);
// The words of a text as search matches them: runs of letters, digits and non-ASCII bytes,
// ASCII lower-cased, each at most 32 bytes (cut at a character boundary), at most 16, in order.
std::vector<std::string> searchWords(const std::string& text);

// POST /products/import {csv | jsonl}: upserts products (and their stock, column `quantity`) by
// code. A CSV's first line names its columns (code, name, categoryCode, sku, price, currency;
// optional quantity, description, isActive); a JSON line is an object with the same fields. Each
// row is checked as its create or update would be; a refused row (or a repeated code) is reported
// {line, code?, message} and writes nothing, the valid rows are applied. An existing product's
// sku and currency cannot change. Answers {rows, created, updated, unchanged, rejectedCount,
// rejected (the first 1,000)}. A wrong or missing column, a quote never closed, or no rows: 400.
json importProducts(Transaction& tx, const json& body);

// Inventory: PATCH body {quantity? | quantityDelta?, warehouseCode?, version?}.
Value updateInventory(Transaction& tx, const std::string& productCode, const json& body);

// Orders.
// Whose prices an order's lines carry. A customer pays the catalogue's: every line's product must
// exist and be active (else 409 UNKNOWN_PRODUCT), its name and price are the catalogue's, a line
// may leave them out, and a line that sends another price is refused with 409 PRICE_CHANGED
// naming the current one. Staff charge what the till showed (the seed's contract; perhaps an
// older price while offline): a line whose price is not the catalogue's when the order is
// applied records that price as `catalogPrice`, so a report can find sales below it.
enum class Pricing { Catalogue, AsSent };
Value createOrder(Transaction& tx, const json& body, const DomainOptions& options, Pricing pricing);
Value getOrder(const Transaction& tx, const std::string& code);  // 404 if absent
// An order as the API answers it: the stored item plus `reservation` {state, error?, errorCode?}
// (held | none | released | deducted), so a caller sees whether its stock was reserved.
json orderAnswer(const Transaction& tx, const Value& order);
Value updateOrderStatus(Transaction& tx, const std::string& code, const json& body);
bool isOrderStatus(const std::string& s);
bool isAllowedTransition(const std::string& from, const std::string& to);

// The seed's OrderDataSyncHandler, all-or-nothing and idempotent.
void orderHandler(Transaction& tx, const DataChange& change);
// Registers orderHandler with the engine.
void registerDomainHandlers(Engine& engine);

}  // namespace edgecart
