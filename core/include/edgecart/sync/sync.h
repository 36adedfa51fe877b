#pragma once
// Reconciliation (docs/design.md §7), host-free: the server's side (push, pull, lease) and the client's
// (the outbox, leased order codes, applying answers). Hosts move the JSON bodies over HTTP.
//
// Bookkeeping lives in the sequence table, beside the tenant's data, so it commits atomically
// with the effects it describes:
//   server  SYNC#<tenant>#<client>  last {seq}, result#<seq> {outcome...}, lease#<start> {start, end},
//                                   leases {outstanding: leased codes not yet used}
//           SYNC#<tenant>#devices   <device> {clientId}
//           CHANGES#<tenant>        <n> {sk}      (one row per item: its latest change)
//           CHANGEIDX#<tenant>      <sk> {n}
//   client  SYNC#<tenant>           client {clientId, nextSeq, cursor, deviceNext},
//                                   outbox#<seq> {...}, lease#<start> {start, end, next},
//                                   problem#<seq> {...},
//                                   base#<data sk> {item | null}: the server's copy of a row a
//                                   pending command touched (the local row is that copy with the
//                                   pending commands re-run on top)

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "edgecart/api/shop.h"

namespace edgecart {

// True for a client id the server accepts: [A-Za-z0-9_-]{16,64}.
bool isValidClientId(const std::string& id);
// The device series of a client (its first 12 characters): "ORD-<device>-000001", ...
std::string deviceOf(const std::string& clientId);

// The documents other than orders a device numbers itself, offline or not: returns and drawer
// sessions (docs/till.md), each created by a POST to `path`. The client's state keeps the next
// number of each in `counter`.
struct DeviceSeries {
  const char* path;
  const char* type;    // the item type it creates
  const char* prefix;  // "RET-": RET-<device>-000001
  const char* counter;
};
inline constexpr DeviceSeries kDeviceSeries[] = {{"/returns", "RETURN", "RET-", "deviceNextReturn"},
                                                 {"/sessions", "SESSION", "SES-", "deviceNextSession"}};

class SyncServer {
 public:
  // Installs the change feed on the shop's engine: every later commit records what it changed.
  explicit SyncServer(Shop& shop);

  // POST /sync/push {clientId, commands: [{seq, method, path, body, code?, baseVersion?}]}
  // -> {results: [...], lastSeq}; a result is {seq, outcome: accepted | rebased, status, sk,
  // version, notifications?} for an applied command, {seq, outcome: rejected | conflict, status,
  // body (the error), item? (the server's, for a conflict)} otherwise; `replayed` if answered
  // from the record; `current` {sk: item | null} for the rows the command touched when it did
  // not apply as the client saw it (rejected, conflict, or changed nothing). A storage failure
  // answers 5xx for the whole push (the host rolls it back).
  // Each command runs through the router; its outcome is recorded with its effects, so a retried
  // push is answered from the record and never applied twice.
  Response push(const Context& ctx, const std::string& body);
  // GET /sync/pull?cursor=&limit=&clientId= -> {items, cursor, more, lastSeq?}: items changed
  // after the cursor; with a clientId, the last seq of that client's commands the server answered.
  // Scoped by role: a customer's device gets the catalogue, stock and its own orders only.
  Response pull(const Context& ctx, const std::string& query);
  // POST /sync/lease {clientId, size?} -> {clientId, device, start, end}: a block of the
  // tenant's ORDER numbers for the client's offline orders. 429 once the client (5,000), its user
  // (50 for a customer, 20,000 for staff) or its tenant (500,000) would hold more leased codes
  // not yet used (a code is used once a pushed command carries it, whatever its outcome).
  // A clientId belongs to the user who first pushed or leased under it: push, lease and pull
  // with another user's clientId are 403.
  Response lease(const Context& ctx, const std::string& body);

  // What the change feed's commits moved since the last call (for live updates: a host tells the
  // devices whose scoped feed moved, once the commits are durable). Recorded in every commit,
  // refused or not, so a few may be spurious: a device that hears of one pulls and finds nothing.
  struct FeedMove {
    std::string tenant;
    std::string cursor;            // the feed's position after the commit, as a pull returns it
    bool shared = false;           // the catalogue or stock moved: every customer's feed
    std::set<std::string> customers;  // these customers' own orders moved
  };
  std::vector<FeedMove> takeFeedMoves();

 private:
  enum class CodeUse { None, Leased, Device };
  json runCommand(const Context& ctx, const std::string& clientId, const json& cmd);
  CodeUse codeUseOf(const Context& ctx, const std::string& clientId, const std::string& code);
  bool visibleTo(const Context& ctx, const json& item) const;
  // The server's copy of each row of `keys` (null if absent) that the caller may learn, skipping
  // `skip`; at most 64. `orderCode`: the order a command carried (its absence a customer may learn).
  json serverRows(const Context& ctx, const std::string& orderCode, const json& keys,
                  const std::set<std::string>& skip = {}) const;

  Shop& shop_;
  std::map<std::string, FeedMove> moves_;  // by tenant
};

// The data rows of `tenant` that sync work still concerns, read from the store whether or not a
// SyncClient is open: those a command not yet answered by the server touched (their base is kept),
// and those of commands the server refused that wait for the app (retry reads them).
std::set<std::string> rowsWithSyncWork(const Store& store, const std::string& tenant);

class SyncClient {
 public:
  // Loads the client's state from the store for `tenant`, creating it with `clientId` if new.
  SyncClient(Shop& shop, std::string tenant, const std::string& clientId);

  // An API call of the app: runs locally; a committed write enters the outbox in the same
  // transaction (and a new order takes a leased code, or one of the device series).
  Response request(const Context& ctx, const std::string& method, const std::string& target,
                   const std::string& body);

  // The next push body (up to `limit` commands), or null if nothing is pending.
  json pushBody(size_t limit) const;
  // Applies a push answer in one local commit; returns the outcomes.
  json applyPush(const json& answer);
  // The query of the next pull.
  std::string pullQuery(size_t limit) const;
  // Applies a pull answer and moves the cursor in one local commit; returns `more`. Rows a
  // pending command touched take the server's value as their base; on the last page the pending
  // commands the server has not answered are re-run on top of the bases (a rebase), in the same
  // commit, so the till shows the server's state plus its own pending work.
  bool applyPull(json answer);  // by value: its items are moved into the store
  // The lease request body, and applying its answer.
  json leaseBody(int64_t size) const;
  void applyLease(const json& answer);

  // {clientId, pending, oldestPendingAt, leasedCodesLeft, cursor}
  json status() const;
  // Commands the server answered with a conflict or a rejection, waiting for the app.
  json problems() const;
  // Resolves a problem: "retry" makes the command again now (applied locally and queued with a
  // new seq; a strict write on the newest server version of its item this till knows), "discard"
  // drops it. 404 if there is no such problem; a retry refused locally leaves the problem.
  Response resolve(const Context& ctx, int64_t seq, const std::string& action);

  const std::string& clientId() const { return clientId_; }
  const std::string& tenant() const { return tenant_; }

 private:
  Response request(const Context& ctx, const std::string& method, const std::string& target,
                   const std::string& body, const std::function<void(Transaction&)>& alsoInCommit);
  json state() const;
  // Re-runs the outbox commands after `answeredUpTo` over the base rows; writes the result in tx.
  void rebase(Transaction& tx, int64_t answeredUpTo);
  std::string nextOrderCode(std::string* leaseSk, int64_t* number) const;
  std::string deviceCode(const DeviceSeries& series) const;

  Shop& shop_;
  std::string tenant_;
  std::string pk_;
  std::string clientId_;
};

}  // namespace edgecart
