// Pending orders that expire (docs/money.md, expiry.h): in the core with a clock the test moves.

#include "edgecart/domain/expiry.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

class Expiry : public ::testing::Test {
 protected:
  void SetUp() override {
    auto clock = std::make_unique<ManualClock>(kSeedTime);
    clock_ = clock.get();
    shop_ = Shop::inMemory({}, std::move(clock));
    shop_->engine().addLookup("ORDER#", pendingOrderKeys);  // as edgecart-server does
    shop_->engine().addCommitHook([this](Transaction& tx) {
      for (const json& n : tx.notifications()) notes_.push_back(n);
    });
    ASSERT_EQ(req("POST", "/products", productRequest("PRD-001")).status, 201);
    ASSERT_EQ(req("PATCH", "/inventory/PRD-001", {{"quantity", 100}}).status, 200);
  }
  Response req(const std::string& method, const std::string& path, const json& body = nullptr) {
    return shop_->handle({"shop-a", "user-1", {"admin"}}, method, path, body.is_null() ? "" : body.dump());
  }
  std::string order() {
    const Response r = req("POST", "/orders", seedOrderRequest());
    EXPECT_EQ(r.status, 201);
    return r.body["code"];
  }
  void minutes(int64_t m) { clock_->set(clock_->nowMs() + m * 60'000); }
  json attributes(const std::string& code) { return req("GET", "/orders/" + code).body["attributes"]; }
  int64_t reserved() { return req("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"]; }
  int expiredNotes(const std::string& code) {
    int n = 0;
    for (const json& note : notes_) n += note["type"] == "order_expired" && note["orderId"] == code;
    return n;
  }

  ManualClock* clock_ = nullptr;
  std::unique_ptr<Shop> shop_;
  std::vector<json> notes_;
};

TEST_F(Expiry, OnlyPendingOrdersOlderThanTheShopsSettingAreCancelledReleasingTheirStock) {
  const std::string old = order(), confirmed = order();
  ASSERT_EQ(req("PATCH", "/orders/" + confirmed + "/status", {{"status", "confirmed"}}).status, 200);
  EXPECT_EQ(expirePendingOrders(shop_->engine()), 0u) << "no shop expires orders by default";
  ASSERT_EQ(req("PATCH", "/settings", {{"pendingOrderExpiryMinutes", 30}}).status, 200);
  minutes(20);
  const std::string young = order();
  EXPECT_EQ(reserved(), 6);
  minutes(11);  // old and confirmed are 31 minutes old, young 11
  EXPECT_EQ(expirePendingOrders(shop_->engine()), 1u);
  const json a = attributes(old);
  EXPECT_EQ(a["status"], "cancelled");
  EXPECT_EQ(a["cancelReason"], "expired");
  EXPECT_EQ(req("GET", "/orders/" + old).body["reservation"]["state"], "released");
  EXPECT_EQ(attributes(confirmed)["status"], "confirmed");
  EXPECT_EQ(attributes(young)["status"], "pending");
  EXPECT_EQ(reserved(), 4);
  EXPECT_EQ(expiredNotes(old), 1);
  EXPECT_EQ(expirePendingOrders(shop_->engine()), 0u) << "a second sweep finds nothing";
  minutes(20);
  EXPECT_EQ(expirePendingOrders(shop_->engine()), 1u);
  EXPECT_EQ(attributes(young)["status"], "cancelled");
  EXPECT_EQ(reserved(), 2);
  // The shop turns expiry off: nothing expires any more.
  ASSERT_EQ(req("PATCH", "/settings", {{"pendingOrderExpiryMinutes", nullptr}}).status, 200);
  const std::string later = order();
  minutes(600);
  EXPECT_EQ(expirePendingOrders(shop_->engine()), 0u);
  EXPECT_EQ(attributes(later)["status"], "pending");
}

TEST_F(Expiry, AnOrderConfirmedAfterTheSweepLookedIsNeverTouchedAndAnExpiredOneCannotBeConfirmed) {
  ASSERT_EQ(req("PATCH", "/settings", {{"pendingOrderExpiryMinutes", 30}}).status, 200);
  const std::string a = order(), b = order();
  minutes(31);
  const std::string cutoff = formatIsoTime(clock_->nowMs() - 30 * 60'000);
  // The sweep saw both pending at version 1; a cashier confirms a before its cancel runs.
  ASSERT_EQ(req("PATCH", "/orders/" + a + "/status", {{"status", "confirmed"}, {"version", 1}}).status, 200);
  bool cancelled = true;
  shop_->engine().run(Context{"shop-a", "system:expiry", {"admin"}},
                      [&](Transaction& tx) { cancelled = expireOrder(tx, a, cutoff); });
  EXPECT_FALSE(cancelled);
  EXPECT_EQ(attributes(a)["status"], "confirmed");
  EXPECT_EQ(expiredNotes(a), 0);
  // b is cancelled first; the cashier's confirmation, carrying the version it read, is refused.
  shop_->engine().run(Context{"shop-a", "system:expiry", {"admin"}},
                      [&](Transaction& tx) { cancelled = expireOrder(tx, b, cutoff); });
  EXPECT_TRUE(cancelled);
  const Response late = req("PATCH", "/orders/" + b + "/status", {{"status", "confirmed"}, {"version", 1}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.body["code"], "VERSION_CONFLICT");
  EXPECT_EQ(attributes(b)["status"], "cancelled");
  EXPECT_EQ(reserved(), 2);  // a's units only
  // An order placed after the cutoff is not expired, whoever asks.
  const std::string young = order();
  shop_->engine().run(Context{"shop-a", "system:expiry", {"admin"}},
                      [&](Transaction& tx) { cancelled = expireOrder(tx, young, cutoff); });
  EXPECT_FALSE(cancelled);
  EXPECT_EQ(attributes(young)["status"], "pending");
}

// A sale paid at a till is the customer's: the shop's expiry of unpaid pending orders leaves it.
TEST_F(Expiry, APaidSaleNeverExpires) {
  ASSERT_EQ(req("PATCH", "/settings", {{"pendingOrderExpiryMinutes", 30}}).status, 200);
  json sale = seedOrderRequest();  // 65.98
  sale.erase("paymentMethod");
  sale["payments"] = {{{"method", "cash"}, {"amount", 70}}};
  const Response r = req("POST", "/orders", sale);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string paid = r.body["code"], unpaid = order();
  minutes(31);
  EXPECT_EQ(expirePendingOrders(shop_->engine(), 100), 1u);
  EXPECT_EQ(attributes(paid)["status"], "pending");
  EXPECT_EQ(attributes(unpaid)["status"], "cancelled");
}

// Pending orders this version cannot read (another version's, or damaged) are passed over, not
// tried again at the front of every sweep: with as many of them as a sweep's limit, the sweeps
// still reach the orders behind them, and every tenth tries them again (mended, one expires then).
TEST_F(Expiry, OrdersThatCannotBeReadDoNotStopTheOnesBehindThemFromExpiring) {
  ASSERT_EQ(req("PATCH", "/settings", {{"pendingOrderExpiryMinutes", 30}}).status, 200);
  const std::string bad1 = order(), bad2 = order();
  minutes(1);
  const std::string good = order();
  const Context ctx{"shop-a", "user-1", {"admin"}};
  auto store = [&](const std::string& code, const json& item) {
    shop_->engine().run(ctx, [&](Transaction& tx) {
      tx.putRow(Table::Data, tx.pk(), "ORDER#" + code, std::make_shared<const json>(item));
    });
  };
  const json intact = *shop_->store().get(Table::Data, tenantPk("shop-a"), "ORDER#" + bad1);
  for (const std::string& code : {bad1, bad2}) {
    json damaged = *shop_->store().get(Table::Data, tenantPk("shop-a"), "ORDER#" + code);
    damaged["attributes"]["items"] = "A";  // still pending, not an order this version can read
    store(code, damaged);
  }
  minutes(31);
  ExpirySweeper sweeper(2);
  EXPECT_EQ(sweeper.sweep(shop_->engine()), 0u) << "the two it tried cannot be read";
  EXPECT_EQ(sweeper.sweep(shop_->engine()), 1u) << "the next sweep passes them over";
  EXPECT_EQ(attributes(good)["status"], "cancelled");
  store(bad1, intact);
  size_t meanwhile = 0;
  for (size_t n = 3; n < ExpirySweeper::kRetryEvery; ++n) meanwhile += sweeper.sweep(shop_->engine());
  EXPECT_EQ(meanwhile, 0u) << "passed over until the retry";
  EXPECT_EQ(sweeper.sweep(shop_->engine()), 1u) << "the tenth sweep tries them again: the mended one expires";
  EXPECT_EQ(attributes(bad1)["status"], "cancelled");
  EXPECT_EQ(expiredNotes(bad1), 1);
  EXPECT_EQ(attributes(bad2)["status"], "pending");
}

}  // namespace
}  // namespace edgecart::testing
