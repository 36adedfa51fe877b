// embind registration of the EdgeCart shop handle: value conversion only, no business rule.
//
// Plain data crosses as JSON strings. No C++ exception ever reaches JavaScript (Emscripten 3.1.6
// would hand it over as a bare pointer): every failure becomes an error value.

#include <emscripten/bind.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "edgecart/engine/error.h"
#include "edgecart/api/shop.h"
#include "edgecart/domain/retention.h"
#include "edgecart/sync/sync.h"

namespace {

using edgecart::json;

// A shop over a directory (in the browser kept in IndexedDB by web/src/idbfiles.ts) or in memory,
// driven from JS.
class ShopHandle {
 public:
  // Opens the store in `dir` ("" = in memory), archiving to `archiveDir` ("" = <dir>/archive),
  // with `optionsJson` {segmentBytes?, compactMinBytes?, chunkBytes?, chunksOnDemand?} ("" = the core's
  // defaults); returns "" or an error JSON {"statusCode", "error", "message"}. The open reads no
  // chunk, so with chunksOnDemand it needs none loaded.
  std::string open(const std::string& dir, const std::string& archiveDir,
                   const std::string& optionsJson) {
    try {
      edgecart::FileStoreOptions options;
      options.fsync = false;  // durability in the browser is the JS side's IndexedDB transaction
      options.archiveDir = archiveDir;
      const json o = optionsJson.empty() ? json::object() : json::parse(optionsJson);
      options.segmentBytes = o.value("segmentBytes", options.segmentBytes);
      options.compactMinBytes = o.value("compactMinBytes", options.compactMinBytes);
      options.chunkBytes = o.value("chunkBytes", options.chunkBytes);
      options.chunksOnDemand = o.value("chunksOnDemand", options.chunksOnDemand);
      shop_ = dir.empty() ? edgecart::Shop::inMemory()
                          : edgecart::Shop::openDirectory(dir, options);
      return "";
    } catch (const edgecart::ApiError& e) {
      return edgecart::errorBody(e.status(), e.what()).dump();
    } catch (const std::exception& e) {
      return edgecart::errorBody(500, e.what()).dump();
    }
  }

  // One API call. Returns {"status", "body", "notifications", "changes", "lsn"} as JSON; `lsn`
  // is the log position after the call, so the host knows whether anything was written.
  std::string request(const std::string& tenant, const std::string& user,
                      const std::string& rolesJson, const std::string& method,
                      const std::string& target, const std::string& body, const std::string& idempotencyKey) {
    if (!shop_) {
      return json{{"status", 503}, {"body", edgecart::errorBody(503, "The shop is closed")}}.dump();
    }
    edgecart::Context ctx{tenant, user, {}};
    ctx.idempotencyKey = idempotencyKey;
    const json roles = json::parse(rolesJson, nullptr, false);
    if (roles.is_array()) {
      for (const json& r : roles) {
        if (r.is_string()) ctx.roles.push_back(r.get<std::string>());
      }
    }
    edgecart::Response r = sync_ ? sync_->request(ctx, method, target, body)
                                 : shop_->handle(ctx, method, target, body);
    json out = {{"status", r.status},
                {"body", std::move(r.body)},
                {"notifications", std::move(r.notifications)},
                {"changes", std::move(r.changes)},
                {"lsn", lsn()}};
    if (r.replayed) out["replayed"] = true;
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  // Log statistics as JSON (all zero in memory).
  std::string stats() const {
    edgecart::FileStore* fs = shop_ ? shop_->fileStore() : nullptr;
    if (!fs) return "{}";
    const edgecart::FileStoreStats s = fs->stats();
    return json{{"lastLsn", s.lastLsn},
                {"segmentFiles", s.segmentFiles},
                {"logBytesSinceSnapshot", s.logBytesSinceSnapshot},
                {"snapshotBytes", s.snapshotBytes},
                {"compactions", s.compactions},
                {"snapshotChunks", s.snapshotChunks},
                {"lastCompactionBytes", s.lastCompactionBytes},
                {"stateRows", s.stateRows},
                {"snapshotLsn", fs->recovery().snapshotLsn},
                {"recordsReplayed", fs->recovery().recordsReplayed},
                {"tornBytesDropped", fs->recovery().tornBytesDropped}}
        .dump();
  }

  // Retention (edgecart/domain/retention.h): removes the final orders of `tenant` unchanged for
  // `finalForMs` and with no sync work pending, at most `limit`. JSON {evicted: [items]}.
  std::string evictFinalOrders(const std::string& tenant, double finalForMs, int limit) {
    return guard([&] {
      if (!shop_) throw edgecart::ApiError(503, "The shop is closed");
      edgecart::RetentionPolicy policy;
      policy.finalForMs = static_cast<int64_t>(finalForMs);
      policy.limit = static_cast<size_t>(limit);
      // Read from the store: a till reopened without its server still has its outbox.
      const std::set<std::string> pinned = edgecart::rowsWithSyncWork(shop_->store(), tenant);
      policy.keep = [&pinned](const std::string& sk) { return pinned.count(sk) > 0; };
      return json{{"evicted", edgecart::evictFinalOrders(shop_->engine(), tenant, policy)}};
    });
  }
  // Compacts the log now (a snapshot of the state; the next open reads that, not the log).
  std::string compact() {
    return guard([&] {
      edgecart::FileStore* fs = shop_ ? shop_->fileStore() : nullptr;
      if (fs) fs->compact();
      return json(fs != nullptr);
    });
  }

  // What the calls since the last take needed and found not loaded (chunks on demand): JSON
  // {"chunks": [names in the store's directory], "wrote": a commit landed meanwhile, "ahead":
  // [the chunks after them in key order, not loaded either: a scan's next]}. The host
  // loads them, and runs again a call that wrote nothing (docs/storage-format.md, "In the browser").
  std::string takeWantedChunks() {
    edgecart::FileStore* fs = shop_ ? shop_->fileStore() : nullptr;
    if (!fs) return R"({"chunks":[],"wrote":false,"ahead":[]})";
    edgecart::FileStore::WantedChunks w = fs->takeWantedChunks();
    return json{{"chunks", std::move(w.files)}, {"wrote", w.wrote}, {"ahead", std::move(w.ahead)}}.dump();
  }

  // The chunks whose range saw a write since the snapshot (JSON array of names): what the next
  // open's replay reads, which the host loads with the log.
  std::string chunksWrittenSinceSnapshot() {
    edgecart::FileStore* fs = shop_ ? shop_->fileStore() : nullptr;
    return json(fs ? fs->chunksWrittenSinceSnapshot() : std::vector<std::string>{}).dump();
  }

  // Releases the store (closes its files); later calls answer 503.
  void close() {
    sync_.reset();
    shop_.reset();
  }

  // Reconciliation (docs/design.md §7): every method returns JSON, {"error": {statusCode, error, message}}
  // on failure. enableSync makes request() record the tenant's writes in the outbox.
  std::string enableSync(const std::string& tenant, const std::string& clientId) {
    return guard([&] {
      sync_ = std::make_unique<edgecart::SyncClient>(*shop_, tenant, clientId);
      return json{{"clientId", sync_->clientId()}};
    });
  }
  // A store that synced `tenant` before, opened without its server: its writes still enter the
  // outbox (and take leased or device-series codes), to be pushed when it is next opened with
  // the server. {"clientId"} if the store has a client for the tenant, null (nothing done) if not.
  std::string resumeSync(const std::string& tenant) {
    return guard([&] {
      if (!shop_->store().get(edgecart::Table::Sequence, "SYNC#" + tenant, "client")) return json();
      sync_ = std::make_unique<edgecart::SyncClient>(*shop_, tenant, "");
      return json{{"clientId", sync_->clientId()}};
    });
  }
  // Every sync_ call below needs enableSync first (a 409 otherwise).
  edgecart::SyncClient& client() {
    if (!sync_) throw edgecart::ApiError(409, "Sync is not enabled for this shop");
    return *sync_;
  }
  std::string syncPushBody(int limit) {
    return guard([&] { return client().pushBody(static_cast<size_t>(limit)); });
  }
  std::string syncApplyPush(const std::string& answer) {
    return guard([&] { return client().applyPush(json::parse(answer)); });
  }
  std::string syncPullQuery(int limit) {
    return guard([&] { return json(client().pullQuery(static_cast<size_t>(limit))); });
  }
  // Applies a pull answer (its JSON text as the server sent it); returns {more, changes} with
  // the {sk, version} of each item, for the change events.
  std::string syncApplyPull(const std::string& answer) {
    return guard([&] {
      json parsed = json::parse(answer);
      json changes = json::array();
      for (const json& item : parsed.at("items")) changes.push_back({{"sk", item.at("sk")}, {"version", item.at("version")}});
      const bool more = client().applyPull(std::move(parsed));
      return json{{"more", more}, {"changes", std::move(changes)}};
    });
  }
  std::string syncLeaseBody(int size) {
    return guard([&] { return client().leaseBody(size); });
  }
  std::string syncApplyLease(const std::string& answer) {
    return guard([&] {
      client().applyLease(json::parse(answer));
      return json(true);
    });
  }
  std::string syncStatus() {
    return guard([&] { return client().status(); });
  }
  std::string syncProblems() {
    return guard([&] { return client().problems(); });
  }
  std::string syncResolve(const std::string& tenant, double seq, const std::string& action) {
    return guard([&] {
      // A retry re-runs a command this shop was allowed to take when it took it.
      const edgecart::Response r = client().resolve({tenant, "sync", {"admin"}}, static_cast<int64_t>(seq), action);
      return json{{"status", r.status}, {"body", r.body}};
    });
  }

 private:
  template <class F>
  std::string guard(F&& f) {
    try {
      if (!shop_) throw edgecart::ApiError(503, "The shop is closed");
      return f().dump(-1, ' ', false, json::error_handler_t::replace);
    } catch (const edgecart::ApiError& e) {
      return json{{"error", edgecart::errorBody(e.status(), e.what())}}.dump();
    } catch (const std::exception& e) {
      return json{{"error", edgecart::errorBody(500, e.what())}}.dump();
    }
  }

  double lsn() const {
    edgecart::FileStore* fs = shop_ ? shop_->fileStore() : nullptr;
    return fs ? static_cast<double>(fs->stats().lastLsn) : 0;
  }

  std::unique_ptr<edgecart::Shop> shop_;
  std::unique_ptr<edgecart::SyncClient> sync_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(edgecart) {
  emscripten::class_<ShopHandle>("ShopHandle")
      .constructor<>()
      .function("open", &ShopHandle::open)
      .function("request", &ShopHandle::request)
      .function("stats", &ShopHandle::stats)
      .function("close", &ShopHandle::close)
      .function("enableSync", &ShopHandle::enableSync)
      .function("resumeSync", &ShopHandle::resumeSync)
      .function("syncPushBody", &ShopHandle::syncPushBody)
      .function("syncApplyPush", &ShopHandle::syncApplyPush)
      .function("syncPullQuery", &ShopHandle::syncPullQuery)
      .function("syncApplyPull", &ShopHandle::syncApplyPull)
      .function("syncLeaseBody", &ShopHandle::syncLeaseBody)
      .function("syncApplyLease", &ShopHandle::syncApplyLease)
      .function("syncStatus", &ShopHandle::syncStatus)
      .function("syncProblems", &ShopHandle::syncProblems)
      .function("syncResolve", &ShopHandle::syncResolve)
      .function("evictFinalOrders", &ShopHandle::evictFinalOrders)
      .function("compact", &ShopHandle::compact)
      .function("takeWantedChunks", &ShopHandle::takeWantedChunks)
      .function("chunksWrittenSinceSnapshot", &ShopHandle::chunksWrittenSinceSnapshot);
}
