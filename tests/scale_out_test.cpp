// Two server processes on one database, as plain unit tests: two shops, each over its own
// connection (SqliteStore or PgStore) to the same database. Shop A's store pauses between the
// reads of a request and its commit, and there shop B runs a whole request: every race of
// docs/scale-out.md happens in a fixed order, and the database must refuse A's stale commit, A
// must re-run on fresh state, and nothing is sold twice, numbered twice or applied twice.

#include <functional>
#include <memory>
#include <set>

#include "edgecart/engine/error.h"
#include "edgecart/sync/sync.h"
#include "edgecart_server/pg_store.h"
#include "edgecart_server/sqlite_store.h"
#include "pg_util.h"
#include "test_util.h"

namespace edgecart::testing {
namespace {

// A store that runs `beforeCommit` (once per arming, or every time) just before it forwards a
// commit: the moment another process's request can slip in between a read and its commit.
class PausingStore : public ServerStore {
 public:
  explicit PausingStore(std::unique_ptr<ServerStore> under) : under_(std::move(under)) {}
  std::function<void()> beforeCommit;
  bool everyTime = false;
  int commits = 0;

  // Runs once, just before a read of `beforeReadOf` (after `readsToSkip` reads of it): another
  // writer between two reads.
  std::function<void()> beforeRead;
  std::string beforeReadOf;
  mutable int readsToSkip = 0;

  Value get(Table t, const std::string& pk, const std::string& sk) const override {
    if (beforeRead && sk == beforeReadOf && readsToSkip-- <= 0) {
      auto hook = beforeRead;
      const_cast<PausingStore*>(this)->beforeRead = nullptr;
      hook();
    }
    return under_->get(t, pk, sk);
  }
  void scan(Table t, const std::string& pk, const std::string& prefix, const std::string& after,
            const RowVisitor& visit) const override {
    under_->scan(t, pk, prefix, after, visit);
  }
  using ServerStore::commit;
  void commit(const Batch& batch, const Reads& expected) override {
    ++commits;
    if (beforeCommit) {
      auto hook = beforeCommit;
      if (!everyTime) beforeCommit = nullptr;
      hook();
    }
    under_->commit(batch, expected);
  }
  void beginGroup() override { under_->beginGroup(); }
  void endGroup(bool commit) override { under_->endGroup(commit); }
  bool groupsPushes() const override { return under_->groupsPushes(); }
  std::string describe() const override { return under_->describe(); }
  ServerStore& under() { return *under_; }

 private:
  std::unique_ptr<ServerStore> under_;
};

struct Backend {
  const char* name;
  bool pg;
};
std::ostream& operator<<(std::ostream& os, const Backend& b) { return os << b.name; }

const Context kAdmin{"chain", "u", {"admin"}};

class ScaleOut : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().pg && !testPg()) GTEST_SKIP() << "EDGECART_TEST_PG is not set (run through ctest)";
    if (GetParam().pg) url_ = pgDatabase(dir_.path());
    auto pausing = std::make_unique<PausingStore>(open());
    a_ = pausing.get();
    shopA_ = std::make_unique<Shop>(std::move(pausing), RouterOptions{}, nullptr);
    shopB_ = std::make_unique<Shop>(open(), RouterOptions{}, nullptr);
    syncA_ = std::make_unique<SyncServer>(*shopA_);
    syncB_ = std::make_unique<SyncServer>(*shopB_);
  }
  std::unique_ptr<ServerStore> open() {
    if (GetParam().pg) return PgStore::open(url_);
    return SqliteStore::open(dir_.path() + "/edgecart.db");
  }
  Response A(const std::string& method, const std::string& target, const json& body = nullptr) {
    return shopA_->handle(kAdmin, method, target, body.is_null() ? "" : body.dump());
  }
  Response B(const std::string& method, const std::string& target, const json& body = nullptr) {
    return shopB_->handle(kAdmin, method, target, body.is_null() ? "" : body.dump());
  }
  void product(const std::string& code, int quantity) {
    ASSERT_EQ(B("POST", "/products", productRequest(code)).status, 201);
    ASSERT_EQ(B("PATCH", "/inventory/" + code, {{"quantity", quantity}}).status, 200);
  }
  // Runs `other` on shop B the next time shop A is about to commit.
  void between(std::function<void()> other) { a_->beforeCommit = std::move(other); }
  json pullAll(SyncServer& sync) {
    json items = json::array();
    std::string cursor;
    for (;;) {
      const Response r = sync.pull(kAdmin, "limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body.dump();
      for (const json& i : r.body["items"]) items.push_back(i);
      cursor = r.body["cursor"].get<std::string>();
      if (!r.body["more"].get<bool>()) return items;
    }
  }

  TempDir dir_;
  std::string url_;
  PausingStore* a_ = nullptr;
  std::unique_ptr<Shop> shopA_, shopB_;
  std::unique_ptr<SyncServer> syncA_, syncB_;
};

TEST_P(ScaleOut, TheLastUnitIsReservedOnceWhenTwoProcessesSellItAtOnce) {
  product("PRD-001", 1);
  const json one = orderRequest({{"PRD-001", 1}});
  Response second;
  between([&] { second = B("POST", "/orders", one); });
  const Response first = A("POST", "/orders", one);
  ASSERT_EQ(first.status, 201) << first.body.dump();
  ASSERT_EQ(second.status, 201) << second.body.dump();
  EXPECT_NE(first.body["code"], second.body["code"]) << "one code for two orders: the second replaced the first";
  EXPECT_EQ(shopA_->engine().conflicts(), 1u) << "A's stale commit was refused once, then re-run";
  const json inv = B("GET", "/inventory/PRD-001").body;
  EXPECT_EQ(inv["attributes"]["quantity"], 1);
  EXPECT_EQ(inv["attributes"]["reservedQuantity"], 1);
  int reservations = 0;
  shopB_->store().scan(Table::Data, "TENANT#chain", "RESERVATION#", "", [&](const std::string&, const Value& r) {
    reservations += attrs(*r).at("state") == "held" ? 1 : 0;
    return true;
  });
  EXPECT_EQ(reservations, 1) << "the unit is held by one order only";
  EXPECT_EQ(B("GET", "/orders").body["items"].size(), 2u) << "both orders are kept";
}

// Reads are not a snapshot: A reads the ORDER counter, B commits order 1, A reads "ORDER#1" and
// finds it taken. That refusal rests on a read that no longer holds, so A runs again (order 2)
// instead of answering 409 "already exists" for an order nobody sent twice.
TEST_P(ScaleOut, ARefusalThatRestsOnAStaleReadRunsAgain) {
  product("PRD-001", 5);
  Response other;
  a_->beforeReadOf = "ORDER#ORD-000001";
  a_->beforeRead = [&] { other = B("POST", "/orders", orderRequest({{"PRD-001", 1}})); };
  const Response mine = A("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  ASSERT_EQ(other.status, 201) << other.body.dump();
  EXPECT_EQ(other.body["code"], "ORD-000001");
  ASSERT_EQ(mine.status, 201) << mine.body.dump();
  EXPECT_EQ(mine.body["code"], "ORD-000002");
  EXPECT_EQ(B("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 2);
}

// A till's device series is checked when its push arrives, and again in the command's
// transaction: bound to another client in between (through another process), the command is
// refused, not recorded under a series that is no longer this client's.
TEST_P(ScaleOut, ADeviceSeriesBoundToAnotherClientMeanwhileRefusesTheCommand) {
  product("PRD-001", 5);
  const std::string mine = "dev000000001-a-0000", theirs = "dev000000001-b-0000";
  const json push = {{"clientId", mine},
                     {"commands", {{{"seq", 1}, {"method", "POST"}, {"path", "/orders"}, {"code", "ORD-dev000000001-000001"},
                                    {"body", orderRequest({{"PRD-001", 1}})}}}}};
  Response lease;
  a_->beforeReadOf = "dev000000001";
  a_->readsToSkip = 1;  // the first read is the check on arrival; the second, in the transaction
  a_->beforeRead = [&] { lease = syncB_->lease(kAdmin, json{{"clientId", theirs}, {"size", 5}}.dump()); };
  const Response r = syncA_->push(kAdmin, push.dump());
  ASSERT_EQ(lease.status, 200) << lease.body.dump();
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["results"][0]["outcome"], "rejected") << r.body.dump();
  EXPECT_EQ(B("GET", "/orders/ORD-dev000000001-000001").status, 404);
  EXPECT_EQ(shopB_->store().get(Table::Sequence, "SYNC#chain#devices", "dev000000001")->at("clientId"), theirs);
}

TEST_P(ScaleOut, AStrictOrderForTheLastUnitIsRefusedAfterTheOtherProcessSoldIt) {
  product("PRD-001", 1);
  const json strict = orderRequest({{"PRD-001", 1}});
  Response other;
  between([&] { other = B("POST", "/orders?stock=strict", strict); });
  const Response mine = A("POST", "/orders?stock=strict", strict);
  EXPECT_EQ(other.status, 201) << other.body.dump();
  EXPECT_EQ(mine.status, 409) << mine.body.dump();
  EXPECT_EQ(mine.code, errc::kInsufficientInventory);
  const json orders = B("GET", "/orders").body["items"];
  ASSERT_EQ(orders.size(), 1u);
  // The refused order consumed no number: the next order takes the next code.
  const Response next = B("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  EXPECT_EQ(next.body["code"], "ORD-000002");
}

TEST_P(ScaleOut, AVersionedPatchLosesToTheOtherProcessesPatchWithA409) {
  product("PRD-001", 5);
  Response other;
  between([&] { other = B("PATCH", "/inventory/PRD-001", {{"quantity", 7}, {"version", 1}}); });
  const Response mine = A("PATCH", "/inventory/PRD-001", {{"quantity", 9}, {"version", 1}});
  EXPECT_EQ(other.status, 200) << other.body.dump();
  EXPECT_EQ(mine.status, 409) << "version 1 was stale once B committed: " << mine.body.dump();
  EXPECT_EQ(mine.code, errc::kVersionConflict);
  EXPECT_EQ(B("GET", "/inventory/PRD-001").body["attributes"]["quantity"], 7);
}

TEST_P(ScaleOut, ShipAndCancelOfOneOrderThroughTwoProcessesCannotBothWin) {
  product("PRD-001", 5);
  ASSERT_EQ(B("POST", "/orders", orderRequest({{"PRD-001", 2}})).status, 201);
  ASSERT_EQ(B("PATCH", "/orders/ORD-000001/status", {{"status", "confirmed"}}).status, 200);
  ASSERT_EQ(B("PATCH", "/orders/ORD-000001/status", {{"status", "processing"}}).status, 200);
  Response cancel;
  between([&] { cancel = B("PATCH", "/orders/ORD-000001/status", {{"status", "cancelled"}}); });
  const Response ship = A("PATCH", "/orders/ORD-000001/status", {{"status", "shipped"}});
  EXPECT_EQ(cancel.status, 200) << cancel.body.dump();
  EXPECT_EQ(ship.status, 400) << "shipping a cancelled order: " << ship.body.dump();
  const json order = B("GET", "/orders/ORD-000001").body;
  EXPECT_EQ(order["attributes"]["status"], "cancelled");
  const json inv = B("GET", "/inventory/PRD-001").body["attributes"];
  EXPECT_EQ(inv["quantity"], 5) << "not deducted by a shipment";
  EXPECT_EQ(inv["reservedQuantity"], 0) << "released by the cancel";
}

TEST_P(ScaleOut, TheSamePushSentToTwoProcessesAtOnceIsAppliedOnce) {
  product("PRD-001", 5);
  const json push = {{"clientId", "till-0000000000001"},
                     {"commands", {{{"seq", 1}, {"method", "POST"}, {"path", "/orders"}, {"body", orderRequest({{"PRD-001", 1}})}}}}};
  Response viaB;
  between([&] { viaB = syncB_->push(kAdmin, push.dump()); });
  const Response viaA = syncA_->push(kAdmin, push.dump());
  ASSERT_EQ(viaB.status, 200) << viaB.body.dump();
  ASSERT_EQ(viaA.status, 200) << viaA.body.dump();
  EXPECT_EQ(viaB.body["results"][0]["outcome"], "accepted");
  EXPECT_EQ(viaA.body["results"][0]["outcome"], "accepted");
  EXPECT_EQ(viaA.body["results"][0].value("replayed", false), true) << "answered from B's record: " << viaA.body.dump();
  EXPECT_EQ(viaA.body["results"][0]["sk"], viaB.body["results"][0]["sk"]);
  EXPECT_EQ(B("GET", "/orders").body["items"].size(), 1u);
  EXPECT_EQ(B("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 1);
  EXPECT_EQ(viaA.body["lastSeq"], 1);
}

TEST_P(ScaleOut, LeasesTakenThroughTwoProcessesAtOnceAreDisjoint) {
  Response other;
  between([&] { other = syncB_->lease(kAdmin, R"({"clientId":"till-b-0000000000","size":10})"); });
  const Response mine = syncA_->lease(kAdmin, R"({"clientId":"till-a-0000000000","size":10})");
  ASSERT_EQ(other.status, 200) << other.body.dump();
  ASSERT_EQ(mine.status, 200) << mine.body.dump();
  const int64_t a0 = mine.body["start"], a1 = mine.body["end"], b0 = other.body["start"], b1 = other.body["end"];
  EXPECT_TRUE(a1 < b0 || b1 < a0) << "A " << a0 << "-" << a1 << ", B " << b0 << "-" << b1;
  // And the tenant's counter is past both: a server order takes neither range's numbers.
  product("PRD-001", 5);
  const Response order = B("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  EXPECT_EQ(order.body["code"], "ORD-000021");
}

TEST_P(ScaleOut, APullSkipsNoChangeWhenTwoProcessesCommitAtOnce) {
  product("PRD-001", 5);
  product("PRD-002", 5);
  const json seen = pullAll(*syncB_);
  const size_t before = seen.size();
  Response other;
  between([&] { other = B("PATCH", "/inventory/PRD-002", {{"quantity", 8}}); });
  ASSERT_EQ(A("PATCH", "/inventory/PRD-001", {{"quantity", 6}}).status, 200);
  ASSERT_EQ(other.status, 200);
  // Each change has its own place in the feed, and a pull through either process sees both.
  for (SyncServer* sync : {syncA_.get(), syncB_.get()}) {
    const json items = pullAll(*sync);
    EXPECT_EQ(items.size(), before);
    std::map<std::string, json> bySk;
    for (const json& i : items) bySk[i["sk"].get<std::string>()] = i;
    EXPECT_EQ(bySk["INVENTORY#PRD-001"]["attributes"]["quantity"], 6);
    EXPECT_EQ(bySk["INVENTORY#PRD-002"]["attributes"]["quantity"], 8);
  }
  std::set<std::string> positions;
  int rows = 0;
  shopB_->store().scan(Table::Sequence, "CHANGES#chain", "0", "", [&](const std::string& n, const Value&) {
    positions.insert(n);
    ++rows;
    return true;
  });
  EXPECT_EQ(positions.size(), static_cast<size_t>(rows));
  EXPECT_EQ(shopB_->store().get(Table::Sequence, "CHANGES#chain", "counter")->at("value").get<int64_t>(),
            std::stoll(*positions.rbegin())) << "the counter is the last position: no change was numbered twice";
}

TEST_P(ScaleOut, ARequestThatAlwaysMeetsAnotherWriterGivesUpWithTheSeedsMessage) {
  product("PRD-001", 100);
  a_->everyTime = true;
  int others = 0;
  between([&] { ASSERT_EQ(B("PATCH", "/inventory/PRD-001", {{"quantity", 50 + ++others}}).status, 200); });
  const Response r = A("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_EQ(r.body["message"], "Inventory was modified, please retry");
  EXPECT_EQ(others, Engine::kMaxAttempts) << "one attempt per commit, no more";
  a_->beforeCommit = nullptr;
  EXPECT_TRUE(B("GET", "/orders").body["items"].empty()) << "nothing of the refused request was written";
  EXPECT_EQ(B("GET", "/inventory/PRD-001").body["attributes"]["reservedQuantity"], 0);
}

TEST_P(ScaleOut, ARowThatMustBeNewIsNeverOverwritten) {
  ServerStore& store = a_->under();
  const Value first = std::make_shared<const json>(json{{"n", 1}});
  store.commit({{Table::Command, "P", "A@1", first}}, {{Table::Command, "P", "A@1", nullptr}});
  const Value second = std::make_shared<const json>(json{{"n", 2}});
  EXPECT_THROW(store.commit({{Table::Data, "P", "A", second}, {Table::Command, "P", "A@1", second}},
                            {{Table::Command, "P", "A@1", nullptr}}),
               CommitConflict);
  EXPECT_EQ(*store.get(Table::Command, "P", "A@1"), json({{"n", 1}}));
  EXPECT_EQ(store.get(Table::Data, "P", "A"), nullptr) << "nothing of the refused batch";
  // A row read with a value that has changed since: refused too.
  EXPECT_THROW(store.commit({{Table::Data, "P", "A", second}}, {{Table::Command, "P", "A@1", second}}), CommitConflict);
  store.commit({{Table::Data, "P", "A", second}}, {{Table::Command, "P", "A@1", first}});
  EXPECT_EQ(*store.get(Table::Data, "P", "A"), json({{"n", 2}}));
}

// PostgreSQL only: the connection drops under a request (here: its backend is terminated between
// its reads and its commit). The request answers 503, is not re-run, and the next request
// connects again.
TEST_P(ScaleOut, ALostConnectionAnswers503AndIsNotRunAgain) {
  if (!GetParam().pg) GTEST_SKIP() << "PostgreSQL only";
  product("PRD-001", 5);
  ASSERT_EQ(A("GET", "/inventory/PRD-001").status, 200);  // A is connected
  const std::string pid = pgQuery(url_, "SELECT pid FROM pg_stat_activity WHERE application_name = 'edgecart-server' "
                                        "AND datname = current_database() ORDER BY backend_start LIMIT 1");
  ASSERT_FALSE(pid.empty());
  between([&] { pgQuery(url_, "SELECT pg_terminate_backend(" + pid + ")"); });
  const int commitsBefore = a_->commits;
  const Response r = A("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  EXPECT_EQ(r.status, 503) << r.body.dump();
  EXPECT_EQ(a_->commits, commitsBefore + 1) << "not re-run";
  EXPECT_TRUE(B("GET", "/orders").body["items"].empty());
  const Response again = A("POST", "/orders", orderRequest({{"PRD-001", 1}}));
  EXPECT_EQ(again.status, 201) << "connected again: " << again.body.dump();
}

INSTANTIATE_TEST_SUITE_P(Databases, ScaleOut, ::testing::Values(Backend{"sqlite", false}, Backend{"postgresql", true}),
                         [](const ::testing::TestParamInfo<Backend>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace edgecart::testing
