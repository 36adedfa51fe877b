#pragma once
// Pending orders that expire (docs/money.md): when a shop sets pendingOrderExpiryMinutes, its
// server cancels a pending order older than that through the seed's cancel path (the order
// handler releases its stock), marks it expired and adds an `order_expired` notification. Each
// cancel runs in a transaction of its own that reads the order again: an order confirmed
// meanwhile is never touched, and of several processes sweeping at once one cancels each order
// (the others' commits conflict and find it cancelled).

#include <cstddef>
#include <string>
#include <vector>

#include "edgecart/engine/engine.h"

namespace edgecart {

// The look-up a server keeps for expiry (Engine::addLookup on "ORDER#"): "pending:<placedAt>"
// while an order is pending, none after. Only hosts that expire orders register it.
void pendingOrderKeys(const json& order, std::vector<std::string>& keys);

// Sequence rows naming the tenants whose settings expire orders: pk kExpiringPk, sk the tenant,
// value {minutes}. updateSettings keeps them.
inline constexpr char kExpiringPk[] = "EXPIRING";

// One sweep over every tenant that expires orders: cancels at most `limit` expired pending orders
// per tenant (the oldest first) and returns how many it cancelled. The engine must keep the
// pendingOrderKeys look-up.
size_t expirePendingOrders(Engine& engine, size_t limit = 100);

// Cancels pending order `code` as expired if it is still pending and was placed before
// `cutoffIso` (else does nothing: false). Inside a transaction of the order's tenant.
bool expireOrder(Transaction& tx, const std::string& code, const std::string& cutoffIso);

}  // namespace edgecart
