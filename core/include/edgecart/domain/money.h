#pragma once
// Exact money (docs/money.md): decimal amounts in JSON with at most as many fractional digits as
// their currency's ISO 4217 minor unit, integer minor units inside (59.98 USD = 5998, 500 JPY = 500,
// 1.250 KWD = 1250). Tax rates are integers of kRateScale (10 % = 10000).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgecart {

// Largest amount accepted anywhere: 10^12 minor units, so sums of up to 10^6 lines stay far
// inside int64.
constexpr int64_t kMaxMinorUnits = 1'000'000'000'000;

// The most fractional digits any active ISO 4217 currency has (CLF and UYW: 4).
constexpr int kMaxCurrencyDecimals = 4;

// A currency: its code and its minor unit (decimal digits after the point).
struct Currency {
  std::string code;
  int decimals = 2;
};

// The ISO 4217 minor unit of an active currency code ("JPY" -> 0, "USD" -> 2, "KWD" -> 3), or -1
// when `code` is not one (precious metals, test codes and withdrawn codes included).
int currencyDecimals(const std::string& code);

// Every active ISO 4217 currency as {items: [{code, decimals}]}, in code order (GET /currencies).
nlohmann::json currencyList();

// The currency `code` names; throws 400 naming `field` when it is not an active ISO 4217 code.
Currency currencyOf(const std::string& code, const std::string& field = "currency");

// Reads a non-negative JSON number with at most `currency.decimals` decimals as minor units;
// throws 400 naming `field` for anything else (strings, NaN, more decimals, negative, too large).
int64_t parseMoney(const nlohmann::json& value, const std::string& field, const Currency& currency);

// An amount a request sent, still a JSON number: its currency (the shop's, a session's) is known
// only inside the transaction, so the domain converts it there. `field` names it in messages
// ("float", "denominations[2].value").
struct SentAmount {
  nlohmann::json number;
  std::string field;
  int64_t minor(const Currency& currency) const { return parseMoney(number, field, currency); }
};

// True when a JSON number literal ("29.99", "2999e-2", "-0.5") denotes a decimal with at most
// `decimals` fractional digits. Decides what the parsed double alone cannot: 29.9900000000000000001
// rounds to the same double as 29.99.
bool isDecimalLiteral(const std::string& literal, int decimals);

// Parses JSON like nlohmann::json::parse, except that a float literal with more than
// kMaxCurrencyDecimals decimals becomes a double that is never a whole number of minor units of
// any currency, so parseMoney refuses it even when rounding to a double would have hidden the
// extra digits. Discarded on bad JSON.
nlohmann::json parseJsonKeepingCents(const std::string& text);

// The JSON number for an amount of minor units: 5998 USD -> 59.98, 500 JPY -> 500.
nlohmann::json moneyToJson(int64_t minor, const Currency& currency);

// An amount for a message or a receipt: 5998 USD -> "59.98", 19900 USD -> "199.00", 500 JPY -> "500".
std::string moneyText(int64_t minor, const Currency& currency);

// Tax rates are integers of 1/1000 of a percent: 10 % = 10000, 8.25 % = 8250, 100 % = kRateScale.
constexpr int64_t kRateScale = 100'000;

// A rate as the API writes it, a percentage: 10000 -> 10, 8250 -> 8.25.
nlohmann::json rateToJson(int64_t rate);
// A percentage between 0 and 100 with at most 3 decimals, as a rate; 400 naming `field` otherwise.
int64_t parseRate(const nlohmann::json& value, const std::string& field);

// amount × rate, rounded half up to the minor unit (the seed's rounding: 59.98 at 10 % -> 6.00).
int64_t taxOn(int64_t amount, int64_t rate);

// The tax included in `gross` at `rate`: gross × rate / (1 + rate), rounded half up.
int64_t taxIncludedIn(int64_t gross, int64_t rate);

// amount × fraction / scale rounded half up, for discounts and allocations (scale > 0; the
// product must fit in int64: amount ≤ kMaxMinorUnits, fraction ≤ scale ≤ 10^6).
int64_t proportion(int64_t amount, int64_t fraction, int64_t scale);

// a × b / c exactly, as {quotient, remainder}: a, b and c below 2^40, c > 0.
std::pair<int64_t, int64_t> mulDiv(int64_t a, int64_t b, int64_t c);

// Splits `total` over parts in proportion to their weights (Σ weights > 0, each below 2^40): each
// part gets the floor of its share, and what is left goes one unit each to the largest remainders
// (ties to the earlier part), so the shares add up to `total` exactly.
std::vector<int64_t> allocate(int64_t total, const std::vector<int64_t>& weights);

}  // namespace edgecart
