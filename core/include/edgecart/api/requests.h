#pragma once
// Request bodies into the domain's typed inputs. Each parser checks the body's form (unknown
// fields, types, ranges, which fields go together) and throws a 400 naming the field; the domain
// then checks the input against the shop's data (an amount's decimals against its currency
// included: SentAmount). Converted so far: inventory, settings, drawer sessions, returns.

#include <nlohmann/json.hpp>

#include "edgecart/domain/inventory.h"
#include "edgecart/domain/till.h"

namespace edgecart {

// PATCH /inventory/{productCode} {quantity? | quantityDelta?, warehouseCode?, version?}: one of
// them at least; quantity and quantityDelta not together.
InventoryChange parseInventoryChange(const json& body);

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
