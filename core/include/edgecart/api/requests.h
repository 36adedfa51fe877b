#pragma once
// Request bodies into the domain's typed inputs. Each parser checks the body's form (unknown
// fields, types, ranges, which fields go together) and throws a 400 naming the field; the domain
// then checks the input against the shop's data (an amount's decimals against its currency
// included: SentAmount). Every route's body is parsed here.

#include <nlohmann/json.hpp>

#include "edgecart/domain/inventory.h"
#include "edgecart/domain/till.h"

namespace edgecart {

// PATCH /inventory/{productCode} {quantity? | quantityDelta?, warehouseCode?, version?}: one of
// them at least; quantity and quantityDelta not together.
InventoryChange parseInventoryChange(const json& body);

// POST /products {code, name, categoryCode, sku, price, currency, description?, images?,
// isActive?, taxClass?}.
ProductInput parseProductInput(const json& body);
// PATCH /products/{code} {name?, price?, description?, images?, categoryCode?, isActive?,
// taxClass? (null: back to the default), version?}: one of them at least.
ProductChange parseProductChange(const json& body);

// POST /products/import {csv | jsonl}: upserts products (and their stock, column `quantity`) by
// code. A CSV's first line names its columns (code, name, categoryCode, sku, price, currency;
// optional quantity, description, isActive); a JSON line is an object with the same fields. Each
// row is checked as its create or update would be; a refused row (or a repeated code) is reported
// {line, code?, message} and writes nothing, the valid rows are applied. An existing product's
// sku and currency cannot change. Answers {rows, created, updated, unchanged, rejectedCount,
// rejected (the first 1,000)}. A wrong or missing column, a quote never closed, or no rows: 400.
json importProducts(Transaction& tx, const json& body, const DomainOptions& options);
// (api/import.cpp: the rows are parsed here, each applied by the domain's createProduct,
// updateProduct and updateInventory.)

// POST /orders {customerId, items: [{productCode, name?, quantity, price?, discount?}],
// shippingAddress, paymentMethod?, discount?, payments?, session?}; with `quote` (POST
// /orders/quote) customerId, shippingAddress, paymentMethod and session are neither needed nor read.
OrderInput parseOrderInput(const json& body, bool quote);
// PATCH /orders/{code}/status {status, version?}.
StatusChange parseStatusChange(const json& body);

// PATCH /settings: one of its fields at least (domain.h, SettingsChange).
SettingsChange parseSettingsChange(const json& body);

// POST /sessions {till, float? | denominations?}.
SessionOpening parseSessionOpening(const json& body);
// POST /sessions/{code}/movements {type: in | out, amount, reason}.
Movement parseMovement(const json& body);
// POST /sessions/{code}/close {counted? | denominations?, note?}.
SessionClosing parseSessionClosing(const json& body);
// POST /returns {orderCode, lines: [{productCode, quantity, restock?}], refundMethod?, session?, reason?}.
ReturnRequest parseReturnRequest(const json& body);

}  // namespace edgecart
