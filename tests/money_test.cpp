#include <gtest/gtest.h>

#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"
#include "edgecart/engine/sequence.h"

namespace edgecart {
namespace {

using json = nlohmann::json;

int64_t minor(const char* text) { return parseMoney(json::parse(text), "price"); }

int statusOf(const char* text) {
  try {
    parseMoney(json::parse(text), "price");
  } catch (const ApiError& e) {
    return e.status();
  }
  return 0;
}

TEST(Money, ParsesUpToTwoDecimalsExactly) {
  EXPECT_EQ(minor("29.99"), 2999);
  EXPECT_EQ(minor("0.1"), 10);
  EXPECT_EQ(minor("0.07"), 7);
  EXPECT_EQ(minor("100"), 10000);
  EXPECT_EQ(minor("0"), 0);
  EXPECT_EQ(minor("1234567.89"), 123456789);
}

TEST(Money, RefusesThreeDecimalsNegativeStringsAndHugeValues) {
  EXPECT_EQ(statusOf("29.999"), 400);
  EXPECT_EQ(statusOf("0.001"), 400);
  EXPECT_EQ(statusOf("-1"), 400);
  EXPECT_EQ(statusOf("-0.5"), 400);
  EXPECT_EQ(statusOf("\"29.99\""), 400);
  EXPECT_EQ(statusOf("1e30"), 400);
  EXPECT_EQ(statusOf("18446744073709551615"), 400);
  EXPECT_EQ(statusOf("null"), 400);
}

TEST(Money, PrintsMinorUnitsAsTheExactDecimal) {
  EXPECT_EQ(moneyToJson(5998).dump(), "59.98");
  EXPECT_EQ(moneyToJson(600).dump(), "6.0");
  EXPECT_EQ(moneyToJson(6598).dump(), "65.98");
  EXPECT_EQ(moneyToJson(1).dump(), "0.01");
}

TEST(Money, TaxRoundsHalfUpToTheCent) {
  EXPECT_EQ(percentOf(5998, 1000), 600);  // 599.8 -> 600: the seed's 6.00
  EXPECT_EQ(percentOf(5, 1000), 1);       // 0.5 -> 1
  EXPECT_EQ(percentOf(4, 1000), 0);       // 0.4 -> 0
  EXPECT_EQ(percentOf(15, 1000), 2);      // 1.5 -> 2
  EXPECT_EQ(percentOf(kMaxMinorUnits, 10000), kMaxMinorUnits);
}

TEST(Money, CentsLiteralsAreDecidedOnTheTextNotTheDouble) {
  for (const char* yes : {"0", "29.99", "29.990000", "-1.5", "2999e-2", "2.999E1", "1e3", "100.00"}) {
    EXPECT_TRUE(isCentsLiteral(yes)) << yes;
  }
  for (const char* no : {"29.999", "29.9900000000000000001", "0.001", "1e-3", "2999e-3",
                         "100.000000000000000001", "1.5e-1000000000"}) {
    EXPECT_FALSE(isCentsLiteral(no)) << no;
  }
}

TEST(Money, ParsedBodyRefusesDigitsADoubleWouldHide) {
  const nlohmann::json j = parseJsonKeepingCents(R"({"a": 29.9900000000000000001, "b": 29.99})");
  EXPECT_THROW(parseMoney(j["a"], "a"), ApiError);
  EXPECT_EQ(parseMoney(j["b"], "b"), 2999);
  EXPECT_TRUE(parseJsonKeepingCents("{\"a\": 1.0").is_discarded());
}

TEST(Sequence, FormatsMbcTokens) {
  EXPECT_EQ(formatSequence("ORD-%%no#:0>6%%", 1), "ORD-000001");
  EXPECT_EQ(formatSequence("ORD-%%no#:0>6%%", 1234567), "ORD-1234567");
  EXPECT_EQ(formatSequence("%%no%%", 42), "42");
  EXPECT_EQ(formatSequence("X%%no#:_<4%%Y", 7), "X7___Y");
  EXPECT_THROW(formatSequence("%%year%%", 1), std::invalid_argument);
  EXPECT_THROW(formatSequence("ORD-%%no", 1), std::invalid_argument);
}

}  // namespace
}  // namespace edgecart
