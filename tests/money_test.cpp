#include <gtest/gtest.h>

#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"
#include "edgecart/engine/sequence.h"

namespace edgecart {
namespace {

using json = nlohmann::json;

const Currency kUsd{"USD", 2};

int64_t minor(const char* text, const Currency& c = kUsd) { return parseMoney(json::parse(text), "price", c); }

int statusOf(const char* text, const Currency& c = kUsd) {
  try {
    parseMoney(json::parse(text), "price", c);
  } catch (const ApiError& e) {
    return e.status();
  }
  return 0;
}

std::string messageOf(const char* text, const Currency& c) {
  try {
    parseMoney(json::parse(text), "price", c);
  } catch (const ApiError& e) {
    return e.what();
  }
  return "";
}

TEST(Money, CurrenciesHaveTheirIso4217MinorUnit) {
  const std::pair<const char*, int> table[] = {
      {"JPY", 0}, {"KRW", 0}, {"VND", 0}, {"ISK", 0}, {"CLP", 0}, {"XOF", 0},
      {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"CHF", 2}, {"CNY", 2}, {"INR", 2}, {"HUF", 2}, {"IDR", 2},
      {"KWD", 3}, {"BHD", 3}, {"OMR", 3}, {"JOD", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3},
      {"CLF", 4}, {"UYW", 4}};
  for (const auto& [code, decimals] : table) EXPECT_EQ(currencyDecimals(code), decimals) << code;
  // Not currencies an amount can be in: metals, SDR, test, withdrawn, not upper case, not 3 letters.
  for (const char* no : {"XAU", "XDR", "XTS", "XXX", "HRK", "ZWL", "usd", "US", "USDT", "", "ABC"}) {
    EXPECT_EQ(currencyDecimals(no), -1) << no;
  }
  // The list a client formats amounts with is the same table, in code order.
  const json list = currencyList()["items"];
  EXPECT_GT(list.size(), 150u);
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(currencyDecimals(list[i]["code"]), list[i]["decimals"]);
    if (i > 0) {
      EXPECT_LT(list[i - 1]["code"].get<std::string>(), list[i]["code"].get<std::string>());
    }
  }
  try {
    currencyOf("ABC");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_STREQ(e.what(), "currency must be an active ISO 4217 currency code such as USD, EUR or JPY");
  }
}

TEST(Money, AmountsFollowTheCurrencysDecimals) {
  const Currency jpy{"JPY", 0}, kwd{"KWD", 3};
  EXPECT_EQ(minor("29.99"), 2999);
  EXPECT_EQ(minor("0.1"), 10);
  EXPECT_EQ(minor("100"), 10000);
  EXPECT_EQ(minor("1500", jpy), 1500);
  EXPECT_EQ(minor("1500.0", jpy), 1500);
  EXPECT_EQ(minor("1.25", kwd), 1250);
  EXPECT_EQ(minor("0.005", kwd), 5);
  EXPECT_EQ(minor("1234567.891", kwd), 1234567891);
  EXPECT_EQ(statusOf("29.99", jpy), 400);
  EXPECT_EQ(messageOf("29.99", jpy), "price must be a whole number: JPY has no minor unit");
  EXPECT_EQ(statusOf("29.999"), 400);
  EXPECT_EQ(messageOf("29.999", kUsd), "price must have at most 2 decimal places in USD");
  EXPECT_EQ(statusOf("1.2345", kwd), 400);
  EXPECT_EQ(minor("1.2345", Currency{"CLF", 4}), 12345);
  // The largest amount is 10^12 minor units whatever the currency.
  EXPECT_EQ(minor("1000000000000", jpy), kMaxMinorUnits);
  EXPECT_EQ(statusOf("1000000000001", jpy), 400);
  EXPECT_EQ(statusOf("10000000001"), 400);
  EXPECT_EQ(statusOf("1000000001", kwd), 400);
}

TEST(Money, RefusesNegativeStringsAndHugeValues) {
  EXPECT_EQ(statusOf("0.001"), 400);
  EXPECT_EQ(statusOf("-1"), 400);
  EXPECT_EQ(statusOf("-0.5"), 400);
  EXPECT_EQ(statusOf("\"29.99\""), 400);
  EXPECT_EQ(statusOf("1e30"), 400);
  EXPECT_EQ(statusOf("18446744073709551615"), 400);
  EXPECT_EQ(statusOf("null"), 400);
}

TEST(Money, PrintsMinorUnitsAsTheExactDecimal) {
  EXPECT_EQ(moneyToJson(5998, kUsd).dump(), "59.98");
  EXPECT_EQ(moneyToJson(600, kUsd).dump(), "6.0");
  EXPECT_EQ(moneyToJson(1, kUsd).dump(), "0.01");
  EXPECT_EQ(moneyToJson(1500, Currency{"JPY", 0}).dump(), "1500");  // an integer, not 1500.0
  EXPECT_EQ(moneyToJson(1250, Currency{"KWD", 3}).dump(), "1.25");
  EXPECT_EQ(moneyText(19900, kUsd), "199.00");
  EXPECT_EQ(moneyText(5, kUsd), "0.05");
  EXPECT_EQ(moneyText(1500, Currency{"JPY", 0}), "1500");
  EXPECT_EQ(moneyText(1005, Currency{"KWD", 3}), "1.005");
  EXPECT_EQ(moneyText(-250, kUsd), "-2.50");
}

TEST(Money, TaxRoundsHalfUpToTheMinorUnit) {
  EXPECT_EQ(taxOn(5998, 10'000), 600);  // 599.8 -> 600: the seed's 6.00
  EXPECT_EQ(taxOn(5, 10'000), 1);       // 0.5 -> 1
  EXPECT_EQ(taxOn(4, 10'000), 0);       // 0.4 -> 0
  EXPECT_EQ(taxOn(15, 10'000), 2);      // 1.5 -> 2
  EXPECT_EQ(taxOn(1250, 8'000), 100);   // 8 % of 1,250 yen
  EXPECT_EQ(taxOn(1000, 8'250), 83);    // 82.5 -> 83
  EXPECT_EQ(taxOn(kMaxMinorUnits, kRateScale), kMaxMinorUnits);
}

TEST(Money, TaxIncludedIsExtractedHalfUp) {
  EXPECT_EQ(taxIncludedIn(1100, 10'000), 100);  // 1,100 at 10 %: 100 of it is tax
  EXPECT_EQ(taxIncludedIn(1080, 8'000), 80);
  EXPECT_EQ(taxIncludedIn(1000, 10'000), 91);   // 90.909... -> 91
  EXPECT_EQ(taxIncludedIn(1000, 8'000), 74);    // 74.07... -> 74
  EXPECT_EQ(taxIncludedIn(11, 10'000), 1);      // 1.0 exactly
  EXPECT_EQ(taxIncludedIn(1199, 19'000), 191);  // 191.43... -> 191
  EXPECT_EQ(taxIncludedIn(0, 10'000), 0);
  EXPECT_EQ(taxIncludedIn(kMaxMinorUnits, kRateScale), kMaxMinorUnits / 2);
}

TEST(Money, RatesArePercentagesWithThreeDecimals) {
  EXPECT_EQ(parseRate(json(10), "r"), 10'000);
  EXPECT_EQ(parseRate(json(8.25), "r"), 8'250);
  EXPECT_EQ(parseRate(json(0), "r"), 0);
  EXPECT_EQ(parseRate(json(100), "r"), kRateScale);
  EXPECT_EQ(parseRate(json(9.125), "r"), 9'125);
  for (const json& no : {json(100.001), json(-1), json(8.2505), json("10"), json(nullptr)}) {
    EXPECT_THROW(parseRate(no, "r"), ApiError) << no.dump();
  }
  EXPECT_EQ(rateToJson(10'000).dump(), "10");
  EXPECT_EQ(rateToJson(8'250).dump(), "8.25");
}

TEST(Money, LiteralsAreDecidedOnTheTextNotTheDouble) {
  for (const char* yes : {"0", "29.99", "29.990000", "-1.5", "2999e-2", "2.999E1", "1e3", "100.00"}) {
    EXPECT_TRUE(isDecimalLiteral(yes, 2)) << yes;
  }
  for (const char* no : {"29.999", "29.9900000000000000001", "0.001", "1e-3", "2999e-3",
                         "100.000000000000000001", "1.5e-1000000000"}) {
    EXPECT_FALSE(isDecimalLiteral(no, 2)) << no;
  }
  EXPECT_TRUE(isDecimalLiteral("1500", 0));
  EXPECT_TRUE(isDecimalLiteral("15e2", 0));
  EXPECT_FALSE(isDecimalLiteral("1500.5", 0));
  EXPECT_TRUE(isDecimalLiteral("1.005", 3));
  EXPECT_FALSE(isDecimalLiteral("1.0051", 3));
}

TEST(Money, ParsedBodyRefusesDigitsADoubleWouldHide) {
  const nlohmann::json j = parseJsonKeepingCents(
      R"({"a": 29.9900000000000000001, "b": 29.99, "c": 1.00500000000000000001, "d": 1.005})");
  EXPECT_THROW(parseMoney(j["a"], "a", kUsd), ApiError);
  EXPECT_EQ(parseMoney(j["b"], "b", kUsd), 2999);
  EXPECT_THROW(parseMoney(j["c"], "c", Currency{"KWD", 3}), ApiError);
  EXPECT_EQ(parseMoney(j["d"], "d", Currency{"KWD", 3}), 1005);
  EXPECT_THROW(parseMoney(j["d"], "d", kUsd), ApiError);
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
