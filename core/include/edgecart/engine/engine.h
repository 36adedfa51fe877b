#pragma once
// The CQRS engine (docs/design.md §2): items with versions, the command / data / history tables,
// per-tenant sequences, data-change handlers, and atomic transactions over a Store.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "edgecart/engine/clock.h"
#include "edgecart/engine/error.h"
#include "edgecart/engine/store.h"

namespace edgecart {

// Who is calling: the tenant comes only from here, never from a request body.
struct Context {
  std::string tenantCode;
  std::string userId;
  std::vector<std::string> roles;
  // Set only by sync hosts: the code an order created by this call takes instead of the next
  // number of the tenant's ORDER sequence (a code leased to the calling client).
  std::string orderCode = {};
  // A write's Idempotency-Key (HTTP header; request() option in the module): the same key with
  // the same request answers the first answer again, for kIdempotencyWindowMs (see router.h).
  std::string idempotencyKey = {};
};

// True for a lower-case tenant code matching [a-z0-9][a-z0-9_-]{0,63}.
bool isValidTenantCode(const std::string& tenant);
inline std::string tenantPk(const std::string& tenant) { return "TENANT#" + tenant; }

// A command to publish: the item identified by type + code, based on `version`.
struct CommandInput {
  CommandInput(std::string type_, std::string code_, std::string name_, int64_t version_,
               json attributes_)
      : type(std::move(type_)),
        code(std::move(code_)),
        name(std::move(name_)),
        version(version_),
        attributes(std::move(attributes_)) {}
  std::string type;  // ORDER, PRODUCT, INVENTORY, ...
  std::string code;
  std::string name;
  int64_t version = 0;  // 0 = create, N = update based on N, -1 = based on the latest
  json attributes = json::object();
  bool isDeleted = false;
  std::optional<int64_t> seq;
  std::optional<int64_t> ttl;
  // The domain's typed value the attributes were made from, or null: handed to the handlers of this
  // write (DataChange::typed) so they need not read it back from the item. Opaque to the engine.
  const void* typed = nullptr;
};

// What a handler sees after each data change: `oldItem` is null for a new item.
struct DataChange {
  std::string sk;
  Value oldItem;
  Value newItem;
  // CommandInput::typed of the write, only while its handlers run (null in Transaction::changes()).
  const void* typed = nullptr;
};

// Lists in number order: a Data partition's items under an indexed prefix (ORDER#) are also kept
// in an index, Sequence table, pk "INDEX#<data pk>", sk = naturalKey(prefix, sk), value {sk}, in
// which every run of digits sorts by its length first: ORD-999999 < ORD-1000000, whatever the
// number of digits. Row "built#<prefix>" marks a partition whose index is complete (a store made
// before indexes existed is indexed whole at its first indexed write).
std::string indexPk(const std::string& dataPk);
std::string naturalKey(const std::string& prefix, const std::string& sk);

// Look-ups: a Data partition's items under a prefix given look-up keys (a category, a barcode, the
// words of a name) are also kept in the Sequence table, pk "LOOKUP#<data pk>", one row per key:
// sk = key + kLookupSep + the item's sk, value {} (the key names the item). They are written in
// the same commit as the item, so a reader never sees one without the other. Row
// "built#<prefix>" marks a partition whose look-ups are complete (a store made before them is
// indexed whole at its first write under the prefix). Keys hold no kLookupSep of their own.
inline constexpr char kLookupSep = '\x1f';
std::string lookupPk(const std::string& dataPk);
using LookupKeys = std::function<void(const json& item, std::vector<std::string>& keys)>;
struct Lookup {
  std::string prefix;  // of the items' sks
  LookupKeys keys;     // adds an item's keys
};

// Checks an input version against the latest (0 if the item does not exist), per docs/design.md §2:
// 409 for a stale version or a create of an existing item, 400 for a version ahead.
void checkVersion(const std::string& sk, int64_t requested, int64_t latest);

class Engine;

// One atomic unit of work. Reads see the transaction's own writes; nothing reaches the store
// until Engine::run commits, and nothing at all if the work throws. Every row read from the store
// is kept (a second read of it answers the same value) and goes to the commit as an expectation.
class Transaction {
 public:
  Transaction(Engine& engine, Context context);

  const Context& context() const { return context_; }
  const std::string& pk() const { return pk_; }
  Engine& engine() const { return engine_; }
  int64_t nowMs() const { return nowMs_; }
  // The transaction's timestamp, ISO-8601 (one value for every item it writes).
  const std::string& now() const { return nowIso_; }

  Value get(Table table, const std::string& pk, const std::string& sk) const;
  // The latest item `sk` of this tenant, or null.
  Value getItem(const std::string& sk) const { return get(Table::Data, pk_, sk); }

  // Publishes a command under the version rules; returns the stored (or unchanged) item.
  Value publish(CommandInput input);
  // The next value of this tenant's sequence `name` (1, 2, ...).
  int64_t nextSequence(const std::string& name);
  // Queues a notification {type, ..., at}; delivered only if the transaction commits.
  void notify(json notification);
  // Writes a row as it is, with no command, version or handler: for hosts' bookkeeping that must
  // commit with the work (sync records, the change feed). A null value deletes the row.
  void putRow(Table table, const std::string& pk, std::string sk, Value value) {
    put(table, pk, std::move(sk), std::move(value));
  }
  // A row that must not exist yet (a sync record, a lease block): written with that expectation,
  // so two writers racing for it cannot both commit. Command and history rows always are.
  void insertRow(Table table, const std::string& pk, std::string sk, Value value) {
    mustBeNew_.emplace(table, pk, sk);
    put(table, pk, std::move(sk), std::move(value));
  }
  bool hasWrites() const { return !writes_.empty(); }

  const std::vector<json>& notifications() const { return notifications_; }
  const std::vector<DataChange>& changes() const { return changes_; }
  // The rows to commit, in key order.
  Batch batch() const;
  // The same rows, moved out: the transaction holds no writes afterwards.
  Batch takeBatch();
  // What the commit expects of the store: each row read as it was seen, each row that must be
  // new as absent.
  Reads reads() const;

 private:
  // `sk` by value: most keys are built for the call and can be moved into the write set.
  void put(Table table, const std::string& pk, std::string sk, Value value);
  void write(Table table, const std::string& pk, std::string sk, Value value);
  // Keeps the list index of an indexed Data row (see naturalKey) in step with `put`.
  void index(const std::string& pk, const std::string& sk, const Value& value);
  // Keeps the look-up rows of a Data row (see lookupPk) in step with `put`.
  void lookup(const Lookup& l, const std::string& pk, const std::string& sk, const Value& value);

  Engine& engine_;
  Context context_;
  std::string pk_;
  int64_t nowMs_;
  std::string nowIso_;
  // std::less<> lets get() look up a tuple of references without copying the key.
  using Key = std::tuple<Table, std::string, std::string>;
  std::map<Key, Value, std::less<>> writes_;
  mutable std::map<Key, Value, std::less<>> reads_;  // rows as first read from the store
  std::set<Key> mustBeNew_;
  std::vector<json> notifications_;
  std::vector<DataChange> changes_;
  int depth_ = 0;
};

using Handler = std::function<void(Transaction&, const DataChange&)>;

class Engine {
 public:
  Engine(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Handlers run after every data change, inside the same transaction, in registration order.
  void addHandler(Handler handler) { handlers_.push_back(std::move(handler)); }
  // Keeps the items of Data rows whose sk starts with `prefix` listable in number order.
  void addListIndex(std::string prefix) { indexes_.push_back(std::move(prefix)); }
  const std::vector<std::string>& listIndexes() const { return indexes_; }
  // True if `prefix` is indexed and the index of `dataPk` is complete in the store.
  bool hasListIndex(const std::string& dataPk, const std::string& prefix) const;
  // Keeps look-up rows (see lookupPk) for the Data items under `prefix`: `keys` lists an item's.
  void addLookup(std::string prefix, LookupKeys keys) { lookups_.push_back({std::move(prefix), std::move(keys)}); }
  const std::vector<Lookup>& lookups() const { return lookups_; }
  // True if `prefix` has look-ups and those of `dataPk` are complete in the store.
  bool hasLookup(const std::string& dataPk, const std::string& prefix) const;
  // Runs just before every commit of a transaction that changed an item, in the order added
  // (e.g. a change feed, an outbox of notifications); what it writes commits with the rest.
  void addCommitHook(std::function<void(Transaction&)> hook) { commitHooks_.push_back(std::move(hook)); }

  // Runs `work` in a transaction and commits everything it wrote as one batch, if what it read
  // is still so. If another writer changed a row it read (CommitConflict), `work` runs again in
  // a new transaction on fresh state, up to kMaxAttempts times in all, then answers 409 "Inventory
  // was modified, please retry". So does a refusal (a 4xx ApiError) whose reads no longer hold:
  // reads are not a snapshot, and one taken half before and half after another writer's commit
  // can refuse what fresh state allows. Inside attempt() a conflict goes up to attempt() instead.
  template <class Work>
  auto run(const Context& context, Work&& work) {
    for (int n = 1;; ++n) {
      Transaction tx(*this, context);
      try {
        if constexpr (std::is_void_v<decltype(work(tx))>) {
          work(tx);
          commit(tx);
          return;
        } else {
          auto result = work(tx);
          commit(tx);
          return result;
        }
      } catch (const CommitConflict&) {
        if (attemptDepth_ > 0) throw;
        retryOrGiveUp(n);
      } catch (const ApiError& e) {
        if (!staleRefusal(tx, e)) throw;
        if (attemptDepth_ > 0) throw CommitConflict("a refusal rested on rows changed since they were read");
        retryOrGiveUp(n);
      }
    }
  }

  // Runs `fn` (which may read outside a transaction and run several) again from the start
  // whenever a commit inside it meets a conflict, up to kMaxAttempts times, then throws the 409
  // of run(). For work whose decision depends on more than one transaction's reads, such as one
  // command of a sync push (its record is checked before the command runs).
  template <class Fn>
  auto attempt(Fn&& fn) {
    for (int n = 1;; ++n) {
      ++attemptDepth_;
      try {
        if constexpr (std::is_void_v<decltype(fn())>) {
          fn();
          --attemptDepth_;
          return;
        } else {
          auto result = fn();
          --attemptDepth_;
          return result;
        }
      } catch (const CommitConflict&) {
        --attemptDepth_;
        if (attemptDepth_ > 0) throw;
        retryOrGiveUp(n);
      } catch (...) {
        --attemptDepth_;
        throw;
      }
    }
  }
  static constexpr int kMaxAttempts = 10;
  // Called before attempt n+1 (n >= 1) after a conflict: the host's back-off (the server sleeps a
  // random few milliseconds, growing with n). The core itself never sleeps.
  void setBackoff(std::function<void(int attempt)> backoff) { backoff_ = std::move(backoff); }
  // Conflicts met so far (each one re-ran a request).
  uint64_t conflicts() const { return conflicts_; }

  Store& store() { return store_; }
  const Clock& clock() const { return clock_; }
  const std::vector<Handler>& handlers() const { return handlers_; }

 private:
  Store& store_;
  const Clock& clock_;
  std::vector<Handler> handlers_;
  std::vector<std::string> indexes_;
  std::vector<Lookup> lookups_;
  std::vector<std::function<void(Transaction&)>> commitHooks_;
  std::function<void(int)> backoff_;
  int attemptDepth_ = 0;
  uint64_t conflicts_ = 0;

  void commit(Transaction& tx) {
    if (!tx.changes().empty()) {
      for (const auto& hook : commitHooks_) hook(tx);
    }
    if (store_.checksExpectations()) {
      const Reads expected = tx.reads();
      store_.commit(tx.takeBatch(), expected);
    } else {
      store_.commit(tx.takeBatch());
    }
  }
  // Throws the 409 after the last attempt, else backs off.
  void retryOrGiveUp(int attempt);
  // True if `e` refused the work of `tx` on reads that another writer has changed since.
  bool staleRefusal(const Transaction& tx, const ApiError& e) const;
};

// Field accessors for stored items.
inline int64_t itemVersion(const json& item) { return item.at("version").get<int64_t>(); }
// Adds `key`: `value` to a JSON object that has no such key yet. Out of line on purpose: inlined
// at each of the many fields the domain fills, the map insert costs the WebAssembly module
// kilobytes (its size budget, docs/benchmarks.md). A JSON value to copy is copied inside it, not
// at each caller.
void put(json& object, const char* key, json&& value);
void put(json& object, const char* key, const json& value);
inline const json& attrs(const json& item) { return item.at("attributes"); }

}  // namespace edgecart
