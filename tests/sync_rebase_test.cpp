// Reconciliation when the server moved on (docs/design.md §7): strict conflicts and their retries,
// pulls that rebase pending commands on the server's state, and who a rebased command runs as.

#include "sync_fixture.h"

namespace edgecart::testing {
namespace {

TEST_F(Sync, AStrictVersionConflictIsShownWithTheServersItemAndCanBeRetried) {
  stockServer(10);
  Till a("till-a-0000000000001"), b("till-b-0000000000001");
  pull(a);
  pull(b);
  const int64_t v = a.call("GET", "/inventory/PRD-001").body["version"];
  ASSERT_EQ(a.call("PATCH", "/inventory/PRD-001", {{"quantity", 20}, {"version", v}}).status, 200);
  ASSERT_EQ(b.call("PATCH", "/inventory/PRD-001", {{"quantity", 30}, {"version", v}}).status, 200);
  EXPECT_EQ(push(a)[0]["outcome"], "accepted");
  const json lost = push(b);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0]["outcome"], "conflict");
  EXPECT_EQ(lost[0]["item"]["attributes"]["quantity"], 20) << "the server's current item comes with it";
  EXPECT_EQ(serverCall("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 20) << "nothing overwritten";
  ASSERT_EQ(b.sync.problems().size(), 1u);
  const int64_t seq = b.sync.problems()[0]["seq"];
  EXPECT_EQ(b.sync.resolve(kCtx, seq, "retry").status, 200);
  EXPECT_EQ(push(b)[0]["outcome"], "accepted");
  EXPECT_EQ(serverCall("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 30);
  EXPECT_EQ(b.sync.problems().size(), 0u);
  EXPECT_EQ(b.sync.resolve(kCtx, seq, "discard").status, 404);
}

// The till's own later write moves the server's version past the conflict's item: a retry must be
// based on the version the server has now, or it conflicts again (it did, with a new seq each time).

TEST_F(Sync, ARetryIsBasedOnTheServersCurrentVersionNotTheConflictsItem) {
  stockServer(10);
  Till b("till-b-0000000000001");
  pull(b);
  const int64_t v = b.call("GET", "/inventory/PRD-001").body["version"];
  ASSERT_EQ(serverCall("PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}}).status, 200);  // server at v+1
  ASSERT_EQ(b.call("PATCH", "/inventory/PRD-001", {{"quantity", 50}, {"version", v}}).status, 200);  // stale
  ASSERT_EQ(b.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", 2}}).status, 200);  // the till's own later write
  const json first = push(b);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0]["outcome"], "conflict");
  EXPECT_NE(first[1]["outcome"], "conflict") << "a delta applies on any version";
  pull(b);
  const int64_t seq = first[0]["seq"];
  const Response retried = b.sync.resolve(kCtx, seq, "retry");
  ASSERT_EQ(retried.status, 200) << retried.body.dump();
  EXPECT_EQ(retried.body["item"]["attributes"]["quantity"], 50) << "applied locally at once";
  EXPECT_EQ(b.sync.problems().size(), 0u);
  const json again = push(b);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0]["outcome"], "accepted") << again[0].dump();
  EXPECT_EQ(serverCall("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 50);
  pull(b);
  EXPECT_EQ(b.call("GET", "/inventory/PRD-001").body, serverCall("GET", "/inventory/PRD-001").body);
}

TEST_F(Sync, DeltasAndTransitionsRebaseOnNewerServerState) {
  stockServer(10);
  Till a("till-a-0000000000001"), b("till-b-0000000000001");
  pull(a);
  pull(b);
  a.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", 5}});
  b.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", -3}});
  EXPECT_EQ(push(a)[0]["outcome"], "accepted");
  EXPECT_EQ(push(b)[0]["outcome"], "rebased");
  EXPECT_EQ(serverCall("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 12);
}

TEST_F(Sync, PullBringsOtherTillsChangesOnceAndKeepsPendingWorkOnTop) {
  stockServer(100);
  Till a("till-a-0000000000001"), b("till-b-0000000000001");
  pull(a);
  pull(b);
  lease(a, 5);
  lease(b, 5);
  a.call("POST", "/orders", seedOrderRequest());
  push(a);
  b.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}});  // pending on B
  pull(b);
  EXPECT_EQ(b.call("GET", "/orders/ORD-000001").status, 200) << "A's order reached B";
  EXPECT_EQ(b.call("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 101) << "B's pending delta stays on top";
  push(b);
  pull(b);
  EXPECT_EQ(b.call("GET", "/inventory/PRD-001").body, serverCall("GET", "/inventory/PRD-001").body);
  const std::string cursor = b.sync.status()["cursor"];
  pull(b);
  EXPECT_EQ(b.sync.status()["cursor"], cursor) << "nothing new";
}

// docs/design.md §7: a pull applies the server's state, then re-runs the still-pending commands on top, in
// one local commit. A till with pending work on a row sees the other tills' changes to it at once,
// not only after its own push is answered.

TEST_F(Sync, PullRebasesPendingCommandsOnTheServersState) {
  stockServer(100);
  Till a("till-a-0000000000001"), b("till-b-0000000000001");
  pull(b);
  lease(b, 5);
  // Offline, B sells 2 units (a pending order, 2 reserved locally) and restocks +1.
  ASSERT_EQ(b.call("POST", "/orders", seedOrderRequest()).body["code"], "ORD-000001");
  ASSERT_EQ(b.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}}).status, 200);
  // Meanwhile the server restocks +10 and another till's order reserves 3.
  ASSERT_EQ(serverCall("PATCH", "/inventory/PRD-001", {{"quantityDelta", 10}}).status, 200);
  pull(a);
  lease(a, 5);
  ASSERT_EQ(a.call("POST", "/orders", orderRequest({{"PRD-001", 3}})).status, 201);
  for (const json& o : push(a)) ASSERT_EQ(o["outcome"], "accepted");
  pull(b);
  const json inv = b.call("GET", "/inventory/PRD-001").body["attributes"];
  EXPECT_EQ(inv["quantity"], 111) << "server 110 + B's pending +1";
  EXPECT_EQ(inv["reservedQuantity"], 5) << "A's 3 from the server + B's pending 2";
  EXPECT_EQ(b.call("GET", "/orders/ORD-000006").status, 200) << "A's order reached B";
  EXPECT_EQ(b.call("GET", "/orders/ORD-000001").status, 200) << "B's pending order is still shown";
  EXPECT_EQ(b.sync.status()["pending"], 2);
  push(b);
  pull(b);
  EXPECT_EQ(b.call("GET", "/inventory/PRD-001").body, serverCall("GET", "/inventory/PRD-001").body);
  EXPECT_EQ(serverCall("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 111);
}

// A push the server applied whose answer was lost: the pull says which commands the server has
// answered, and the rebase does not count them twice.

TEST_F(Sync, ARebaseNeverCountsACommandTheServerAlreadyApplied) {
  stockServer(100);
  Till b("till-b-0000000000001");
  pull(b);
  ASSERT_EQ(b.call("PATCH", "/inventory/PRD-001", {{"quantityDelta", 1}}).status, 200);
  ASSERT_EQ(sync_.push(kCtx, b.sync.pushBody(100).dump()).status, 200);  // answer lost on the way
  ASSERT_EQ(serverCall("PATCH", "/inventory/PRD-001", {{"quantityDelta", 10}}).status, 200);
  pull(b);
  EXPECT_EQ(b.call("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 111) << "not 112";
  EXPECT_EQ(b.sync.status()["pending"], 1) << "still waiting for its answer";
  const json out = push(b);  // answered from the record
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].value("replayed", false));
  pull(b);
  EXPECT_EQ(b.call("GET", "/inventory/PRD-001").body, serverCall("GET", "/inventory/PRD-001").body);
}

// A refused command's outcome is recorded like an applied one: the same push again (its answer
// was lost) is answered from the record, even once the command would now succeed.

TEST_F(Sync, ACustomersPendingOrderSurvivesTheRebaseOfAPullAsItsOwn) {
  stockServer(100);
  Till t("cust-a-0000000000001");
  pull(t);
  lease(t, 5);
  const Context customer{"shop-a", "cust-1", {"customer"}};
  json order = seedOrderRequest();
  order.erase("customerId");  // a customer's order is its own
  const Response sold = t.sync.request(customer, "POST", "/orders", order.dump());
  ASSERT_EQ(sold.status, 201) << sold.body.dump();
  EXPECT_EQ(sold.body["attributes"]["customerId"], "cust-1");
  ASSERT_EQ(serverCall("PATCH", "/inventory/PRD-001", {{"quantityDelta", 5}}).status, 200);
  pull(t);  // the inventory the order touched changed on the server: the pending order is rebased
  const Response mine = t.sync.request(customer, "GET", "/orders", "");
  ASSERT_EQ(mine.body["items"].size(), 1u) << "the pending order is still there after the rebase";
  EXPECT_EQ(mine.body["items"][0]["attributes"]["customerId"], "cust-1");
  const json inv = t.sync.request(customer, "GET", "/inventory/PRD-001", "").body["attributes"];
  EXPECT_EQ(inv["quantity"], 105);
  EXPECT_EQ(inv["reservedQuantity"], 2) << "its reservation replayed on the server's stock";
  EXPECT_EQ(t.sync.status()["pending"], 1);
}

}  // namespace
}  // namespace edgecart::testing
