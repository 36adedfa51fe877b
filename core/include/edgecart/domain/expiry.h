#pragma once
// Pending orders that expire (docs/money.md): when a shop sets pendingOrderExpiryMinutes, its
// server cancels a pending order older than that through the seed's cancel path (the order
// handler releases its stock), marks it expired and adds an `order_expired` notification. Each
// cancel runs in a transaction of its own that reads the order again: an order confirmed
// meanwhile is never touched, and of several processes sweeping at once one cancels each order
// (the others' commits conflict and find it cancelled).

#include <cstddef>
#include <map>
#include <set>
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

// The sweeps a host runs, one after another (edgecart-server: every expirySweepMs). Each sweep
// goes over every tenant that expires orders and tries at most `limit` of its expired pending
// orders, the oldest first, and returns how many it cancelled. The engine must keep the
// pendingOrderKeys look-up.
//
// An order a sweep cannot cancel (one this version cannot read, a conflict, a store error) is
// passed over by the sweeps after it, which go on to the orders behind it, and is tried again
// every kRetryEvery-th sweep (mended, it expires then). So such orders, however many, never stop
// the others from expiring, and every sweep still starts from the oldest order (one synced late
// from a till sorts where its placedAt puts it).
class ExpirySweeper {
 public:
  explicit ExpirySweeper(size_t limit = 100) : limit_(limit > 0 ? limit : 1) {}
  size_t sweep(Engine& engine);
  static constexpr size_t kRetryEvery = 10;

 private:
  size_t limit_;
  size_t sweeps_ = 0;
  std::map<std::string, std::set<std::string>> failed_;  // tenant -> the codes passed over
};

// One sweep from the oldest expired orders (a new ExpirySweeper's first).
size_t expirePendingOrders(Engine& engine, size_t limit = 100);

// Cancels pending order `code` as expired if it is still pending and was placed before
// `cutoffIso` (else does nothing: false). Inside a transaction of the order's tenant.
bool expireOrder(Transaction& tx, const std::string& code, const std::string& cutoffIso);

}  // namespace edgecart
