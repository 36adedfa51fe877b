// The engine's version rules, tables, atomicity, sequences and handlers (docs/design.md §2).

#include <gtest/gtest.h>

#include "edgecart/engine/engine.h"
#include "edgecart/engine/error.h"
#include "test_util.h"

namespace edgecart {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  Value publish(const std::string& code, int64_t version, json attributes,
                const std::string& tenant = "shop-a") {
    return engine_.run(Context{tenant, "u1", {}}, [&](Transaction& tx) {
      return tx.publish(CommandInput{"ITEM", code, "Item " + code, version, std::move(attributes)});
    });
  }
  int statusOf(const std::string& code, int64_t version, json attributes) {
    try {
      publish(code, version, std::move(attributes));
    } catch (const ApiError& e) {
      return e.status();
    }
    return 0;
  }
  size_t rows(Table t) {
    size_t n = 0;
    store_.scan(t, "TENANT#shop-a", "", "", [&](const std::string&, const Value&) {
      ++n;
      return true;
    });
    return n;
  }

  MemoryStore store_;
  ManualClock clock_{testing::kSeedTime, 1000};
  Engine engine_{store_, clock_};
};

TEST_F(EngineTest, CreateStoresVersionOneInCommandAndDataTables) {
  Value item = publish("A", 0, {{"n", 1}});
  EXPECT_EQ(item->at("version"), 1);
  EXPECT_EQ(item->at("pk"), "TENANT#shop-a");
  EXPECT_EQ(item->at("sk"), "ITEM#A");
  EXPECT_EQ(item->at("id"), "TENANT#shop-a#ITEM#A");
  EXPECT_EQ(item->at("createdAt"), "2024-01-15T10:30:00.000Z");
  EXPECT_EQ(item->at("createdBy"), "u1");
  EXPECT_TRUE(store_.get(Table::Command, "TENANT#shop-a", "ITEM#A@1"));
  EXPECT_TRUE(store_.get(Table::Data, "TENANT#shop-a", "ITEM#A"));
  EXPECT_EQ(rows(Table::History), 0u);
}

TEST_F(EngineTest, CreatingAnExistingItemIsAConflict) {
  publish("A", 0, {{"n", 1}});
  EXPECT_EQ(statusOf("A", 0, {{"n", 2}}), 409);
}

TEST_F(EngineTest, UpdateOnLatestBumpsVersionAndKeepsHistory) {
  publish("A", 0, {{"n", 1}});
  Value v2 = publish("A", 1, {{"n", 2}});
  EXPECT_EQ(v2->at("version"), 2);
  EXPECT_EQ(v2->at("createdAt"), "2024-01-15T10:30:00.000Z");
  EXPECT_EQ(v2->at("updatedAt"), "2024-01-15T10:30:01.000Z");
  Value old = store_.get(Table::History, "TENANT#shop-a", "ITEM#A@1");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->at("attributes")["n"], 1);
  EXPECT_EQ(rows(Table::Command), 2u);
}

TEST_F(EngineTest, StaleVersionIs409AndAheadIs400) {
  publish("A", 0, {{"n", 1}});
  publish("A", 1, {{"n", 2}});
  EXPECT_EQ(statusOf("A", 1, {{"n", 3}}), 409);
  EXPECT_EQ(statusOf("A", 3, {{"n", 3}}), 400);
  EXPECT_EQ(statusOf("B", 1, {{"n", 3}}), 400);  // ahead of a missing item (latest 0)
  EXPECT_EQ(statusOf("A", -2, {{"n", 3}}), 400);
  EXPECT_EQ(store_.get(Table::Data, "TENANT#shop-a", "ITEM#A")->at("version"), 2);
}

TEST_F(EngineTest, MinusOneWritesOnTheLatestWhateverItIs) {
  publish("A", 0, {{"n", 1}});
  publish("A", 1, {{"n", 2}});
  EXPECT_EQ(publish("A", -1, {{"n", 9}})->at("version"), 3);
  EXPECT_EQ(publish("NEW", -1, {{"n", 1}})->at("version"), 1);
}

TEST_F(EngineTest, UnchangedCommandWritesNothing) {
  publish("A", 0, {{"n", 1}});
  const size_t before = rows(Table::Command);
  Value same = publish("A", 1, {{"n", 1}});
  EXPECT_EQ(same->at("version"), 1);
  EXPECT_EQ(rows(Table::Command), before);
  EXPECT_EQ(rows(Table::History), 0u);
}

TEST_F(EngineTest, MultiItemTransactionIsAllOrNothing) {
  EXPECT_THROW(engine_.run(Context{"shop-a", "u1", {}},
                           [&](Transaction& tx) {
                             tx.publish(CommandInput{"ITEM", "X", "x", 0, {{"n", 1}}});
                             tx.nextSequence("ORDER");
                             tx.publish(CommandInput{"ITEM", "Y", "y", 0, {{"n", 1}}});
                             conflict("refused at the end");
                           }),
               ApiError);
  EXPECT_EQ(rows(Table::Data), 0u);
  EXPECT_EQ(rows(Table::Command), 0u);
  EXPECT_FALSE(store_.get(Table::Sequence, "TENANT#shop-a", "ORDER"));
}

TEST_F(EngineTest, ReadsInsideATransactionSeeItsOwnWrites) {
  engine_.run(Context{"shop-a", "u1", {}}, [&](Transaction& tx) {
    tx.publish(CommandInput{"ITEM", "X", "x", 0, {{"n", 1}}});
    ASSERT_TRUE(tx.getItem("ITEM#X"));
    EXPECT_FALSE(store_.get(Table::Data, "TENANT#shop-a", "ITEM#X"));  // not yet committed
    EXPECT_EQ(tx.publish(CommandInput{"ITEM", "X", "x", 1, {{"n", 2}}})->at("version"), 2);
  });
  EXPECT_EQ(store_.get(Table::Data, "TENANT#shop-a", "ITEM#X")->at("version"), 2);
}

TEST_F(EngineTest, SequencesArePerTenantAndConsecutive) {
  auto next = [&](const std::string& tenant) {
    return engine_.run(Context{tenant, "u", {}}, [](Transaction& tx) { return tx.nextSequence("ORDER"); });
  };
  EXPECT_EQ(next("shop-a"), 1);
  EXPECT_EQ(next("shop-a"), 2);
  EXPECT_EQ(next("shop-b"), 1);
  EXPECT_EQ(next("shop-a"), 3);
}

TEST_F(EngineTest, HandlersSeeOldAndNewInsideTheSameCommit) {
  std::vector<std::string> seen;
  engine_.addHandler([&](Transaction& tx, const DataChange& c) {
    seen.push_back(c.sk + (c.oldItem ? " v" + c.oldItem->at("version").dump() : " new") + "->v" +
                   c.newItem->at("version").dump() + " " + tx.context().userId);
    if (c.sk == "ITEM#A") tx.publish(CommandInput{"AUDIT", "A", "audit", -1, {{"v", c.newItem->at("version")}}});
  });
  publish("A", 0, {{"n", 1}});
  publish("A", 1, {{"n", 2}});
  EXPECT_EQ(seen, (std::vector<std::string>{"ITEM#A new->v1 u1", "AUDIT#A new->v1 u1",
                                            "ITEM#A v1->v2 u1", "AUDIT#A v1->v2 u1"}));
  EXPECT_EQ(store_.get(Table::Data, "TENANT#shop-a", "AUDIT#A")->at("attributes")["v"], 2);
}

TEST_F(EngineTest, AFailingHandlerAbortsTheCommandThatTriggeredIt) {
  engine_.addHandler([](Transaction&, const DataChange& c) {
    if (c.newItem->at("attributes").value("poison", false)) conflict("handler refused");
  });
  EXPECT_THROW(publish("A", 0, {{"poison", true}}), ApiError);
  EXPECT_EQ(rows(Table::Data), 0u);
}

TEST(TenantCode, OnlyLowerCaseSafeCodes) {
  EXPECT_TRUE(isValidTenantCode("shop-a"));
  EXPECT_TRUE(isValidTenantCode("a"));
  EXPECT_TRUE(isValidTenantCode(std::string(64, 'a')));
  EXPECT_FALSE(isValidTenantCode(std::string(65, 'a')));
  EXPECT_FALSE(isValidTenantCode(""));
  EXPECT_FALSE(isValidTenantCode("-shop"));
  EXPECT_FALSE(isValidTenantCode("Shop"));
  EXPECT_FALSE(isValidTenantCode("shop#a"));
}

TEST(Clock, FormatsIsoUtcWithMilliseconds) {
  EXPECT_EQ(formatIsoTime(testing::kSeedTime), "2024-01-15T10:30:00.000Z");
  EXPECT_EQ(formatIsoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatIsoTime(951782400123), "2000-02-29T00:00:00.123Z");
}

}  // namespace
}  // namespace edgecart
