#pragma once
// Exact money: decimal amounts with at most two fractional digits in JSON, integer minor units
// (cents) inside.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace edgecart {

// Largest amount accepted anywhere: 10^12 minor units (10 billion in major units), so sums of
// up to 10^6 lines stay far inside int64.
constexpr int64_t kMaxMinorUnits = 1'000'000'000'000;

// Reads a non-negative JSON number with at most two decimals as minor units; throws 400 naming
// `field` for anything else (strings, NaN, 3 decimals, negative, too large).
int64_t parseMoney(const nlohmann::json& value, const std::string& field);

// True when a JSON number literal ("29.99", "2999e-2", "-0.5") denotes a decimal with at most
// two fractional digits. Decides what the parsed double alone cannot: 29.9900000000000000001
// rounds to the same double as 29.99.
bool isCentsLiteral(const std::string& literal);

// Parses JSON like nlohmann::json::parse, except that a float literal with more than two
// decimals becomes a double that is never a whole number of cents, so parseMoney refuses it
// even when rounding to a double would have hidden the extra digits. Discarded on bad JSON.
nlohmann::json parseJsonKeepingCents(const std::string& text);

// The JSON number for an amount of minor units (5998 -> 59.98).
nlohmann::json moneyToJson(int64_t minor);

// An amount for a message: 5998 -> "59.98", 19900 -> "199.00".
std::string moneyText(int64_t minor);

// amount × basisPoints / 10000, rounded half-up to the minor unit (1000 bp = 10 %).
int64_t percentOf(int64_t amount, int64_t basisPoints);

}  // namespace edgecart
