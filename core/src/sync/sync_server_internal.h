#pragma once
// What the parts of SyncServer share (sync_server.cpp: push and the change feed; sync_pull.cpp;
// sync_lease.cpp): its bounds, the keys of its rows, and the checks every call makes.

#include <cstdint>
#include <string>

#include "edgecart/engine/engine.h"

namespace edgecart {

inline constexpr size_t kMaxCommands = 500;
inline constexpr int64_t kMaxLease = 1000;
// Leased codes a client may hold unused (leased, not yet sent back in a pushed order): enough for
// a long day offline, few enough that no client can run the tenant's sequence up.
inline constexpr int64_t kMaxOutstandingCodes = 5 * kMaxLease;
// The same bound per user, whatever its clientIds (a new clientId is free to make), and per
// tenant. A storefront leases 5 codes at a time: a shopper never needs more than a few dozen.
inline constexpr int64_t kMaxOutstandingPerCustomer = 50;
inline constexpr int64_t kMaxOutstandingPerStaffUser = 4 * kMaxOutstandingCodes;
inline constexpr int64_t kMaxOutstandingPerTenant = 100 * kMaxOutstandingCodes;
inline constexpr size_t kMaxPull = 1000;  // rows a pull page: ~40 ms of the server's core thread at most

// The sync rows of a tenant (Sequence table). A clientId is 16-64 characters without '#', so
// none of these keys can be a client's.
inline std::string clientPk(const std::string& tenant, const std::string& clientId) { return "SYNC#" + tenant + "#" + clientId; }
inline std::string userPk(const std::string& tenant, const std::string& user) { return "SYNC#" + tenant + "#user#" + user; }
inline std::string tenantLeasePk(const std::string& tenant) { return "SYNC#" + tenant + "#tenant"; }
// The change feeds: the tenant's (staff pull it), and the scoped feeds a customer's pull reads
// instead, under the same numbers: the rows every customer sees (catalogue, stock), and one per
// customer with its own orders and reservations. Row "scoped" of the tenant's feed marks a feed
// whose scoped feeds are complete (a store made before them is split at its next commit).
inline std::string feedPk(const std::string& tenant) { return "CHANGES#" + tenant; }
inline std::string sharedFeedPk(const std::string& tenant) { return "CHANGES#" + tenant + "#shared"; }
inline std::string customerFeedPk(const std::string& tenant, const std::string& user) { return "CHANGES#" + tenant + "#customer#" + user; }

// The shared functions have a namespace of their own: they link outside their files, and their
// names (normalized, intOr) are too general to claim in edgecart's.
namespace sync_detail {

json parseObject(const std::string& body);
std::string clientIdOf(const json& body);
// `field` of a row, or `fallback` without the row or the field.
int64_t intOr(const Value& v, const char* field, int64_t fallback);
// The tenant as the router would see it: lower-cased, and valid (docs/design.md §3).
Context normalized(const Context& caller);
// A client's sync record belongs to the user who first pushed or leased under its clientId (403
// for another user): checked outside a transaction (checkClientOwner), and inside the one that
// writes the client's record, claiming it if new (claimClient).
void checkClientOwner(const Store& store, const Context& ctx, const std::string& clientId);
void claimClient(Transaction& tx, const std::string& clientId);
// Leased order codes not yet used, counted per client, per user and per tenant (rows "leases").
void addOutstanding(Transaction& tx, const std::string& pk, int64_t delta);

}  // namespace sync_detail

}  // namespace edgecart
