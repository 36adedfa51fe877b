#pragma once
// The sync suites' fixture: client shops (Till) and a server shop in process, the JSON bodies
// travelling as they would over HTTP.

#include "edgecart/sync/sync.h"
#include "test_util.h"

namespace edgecart::testing {

inline const Context kCtx{"shop-a", "till", {"admin"}};

struct Till {
  Till(const std::string& id) : shop(Shop::inMemory({}, std::make_unique<ManualClock>(kSeedTime))), sync(*shop, "shop-a", id) {}
  Response call(const std::string& method, const std::string& path, const json& body = nullptr) {
    return sync.request(kCtx, method, path, body.is_null() ? "" : body.dump());
  }
  std::unique_ptr<Shop> shop;
  SyncClient sync;
};

class Sync : public ::testing::Test {
 protected:
  Sync() : server_(Shop::inMemory({}, std::make_unique<ManualClock>(kSeedTime))), sync_(*server_) {}

  Response serverCall(const std::string& method, const std::string& path, const json& body = nullptr) {
    return server_->handle(kCtx, method, path, body.is_null() ? "" : body.dump());
  }
  json push(Till& t, json* sent = nullptr) {
    const json body = t.sync.pushBody(100);
    if (body.is_null()) return json::array();
    if (sent) *sent = body;
    const Response r = sync_.push(kCtx, body.dump());
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return t.sync.applyPush(r.body);
  }
  void pull(Till& t) {
    for (;;) {
      const Response r = sync_.pull(kCtx, t.sync.pullQuery(2));
      ASSERT_EQ(r.status, 200) << r.body.dump();
      if (!t.sync.applyPull(r.body)) break;
    }
  }
  void lease(Till& t, int64_t size) {
    const Response r = sync_.lease(kCtx, t.sync.leaseBody(size).dump());
    ASSERT_EQ(r.status, 200) << r.body.dump();
    t.sync.applyLease(r.body);
  }
  void stockServer(int quantity) {
    ASSERT_EQ(serverCall("POST", "/products", productRequest("PRD-001")).status, 201);
    ASSERT_EQ(serverCall("PATCH", "/inventory/PRD-001", {{"quantity", quantity}}).status, 200);
  }
  // One PRD-001 and five PRD-002 on the server; B sells the PRD-001 and pushes, then A, offline,
  // sells a PRD-001 and a PRD-002: on the server A's order can reserve neither (all or nothing).
  void sellTheLastPrd001Twice(Till& a, Till& b) {
    stockServer(1);
    ASSERT_EQ(serverCall("POST", "/products", productRequest("PRD-002")).status, 201);
    ASSERT_EQ(serverCall("PATCH", "/inventory/PRD-002", {{"quantity", 5}}).status, 200);
    for (Till* t : {&a, &b}) {
      pull(*t);
      lease(*t, 5);
    }
    ASSERT_EQ(b.call("POST", "/orders", orderRequest({{"PRD-001", 1}})).status, 201);
    push(b);  // the last PRD-001 is B's on the server
    ASSERT_EQ(a.call("POST", "/orders", orderRequest({{"PRD-001", 1}, {"PRD-002", 1}})).status, 201);
  }
  int64_t serverReserved() { return serverCall("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"]; }
  size_t serverOrders() { return serverCall("GET", "/orders?limit=100").body["items"].size(); }

  std::unique_ptr<Shop> server_;
  SyncServer sync_;
};

}  // namespace edgecart::testing
