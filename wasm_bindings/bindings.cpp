// embind registration of the EdgeCart shop handle: value conversion only, no business rule.
//
// Plain data crosses as JSON strings. No C++ exception ever reaches JavaScript (Emscripten 3.1.6
// would hand it over as a bare pointer): every failure becomes an error value.

#include <emscripten/bind.h>

#include <memory>
#include <string>

#include "edgecart/error.h"
#include "edgecart/shop.h"

namespace {

using edgecart::json;

// A shop over a directory (an IDBFS mount in the browser) or in memory, driven from JS.
class ShopHandle {
 public:
  // Opens the store in `dir` ("" = in memory), archiving to `archiveDir` ("" = <dir>/archive),
  // with `optionsJson` {segmentBytes?, compactMinBytes?, chunkBytes?} ("" = the core's
  // defaults); returns "" or an error JSON {"statusCode", "error", "message"}.
  std::string open(const std::string& dir, const std::string& archiveDir,
                   const std::string& optionsJson) {
    try {
      edgecart::FileStoreOptions options;
      options.fsync = false;  // durability in the browser is the JS side's syncfs
      options.archiveDir = archiveDir;
      const json o = optionsJson.empty() ? json::object() : json::parse(optionsJson);
      options.segmentBytes = o.value("segmentBytes", options.segmentBytes);
      options.compactMinBytes = o.value("compactMinBytes", options.compactMinBytes);
      options.chunkBytes = o.value("chunkBytes", options.chunkBytes);
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
                      const std::string& target, const std::string& body) {
    if (!shop_) {
      return json{{"status", 503}, {"body", edgecart::errorBody(503, "The shop is closed")}}.dump();
    }
    edgecart::Context ctx{tenant, user, {}};
    const json roles = json::parse(rolesJson, nullptr, false);
    if (roles.is_array()) {
      for (const json& r : roles) {
        if (r.is_string()) ctx.roles.push_back(r.get<std::string>());
      }
    }
    edgecart::Response r = shop_->handle(ctx, method, target, body);
    json out = {{"status", r.status},
                {"body", std::move(r.body)},
                {"notifications", std::move(r.notifications)},
                {"changes", std::move(r.changes)},
                {"lsn", lsn()}};
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

  // Releases the store (closes its files); later calls answer 503.
  void close() { shop_.reset(); }

 private:
  double lsn() const {
    edgecart::FileStore* fs = shop_ ? shop_->fileStore() : nullptr;
    return fs ? static_cast<double>(fs->stats().lastLsn) : 0;
  }

  std::unique_ptr<edgecart::Shop> shop_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(edgecart) {
  emscripten::class_<ShopHandle>("ShopHandle")
      .constructor<>()
      .function("open", &ShopHandle::open)
      .function("request", &ShopHandle::request)
      .function("stats", &ShopHandle::stats)
      .function("close", &ShopHandle::close);
}
