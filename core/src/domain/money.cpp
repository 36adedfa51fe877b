#include "edgecart/domain/money.h"

#include <algorithm>
#include <cmath>

#include "edgecart/engine/error.h"

namespace edgecart {

int64_t parseMoney(const nlohmann::json& v, const std::string& field) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(kMaxMinorUnits / 100)
                               : (v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxMinorUnits / 100)) {
      badRequest(field + " must be a number between 0 and " + std::to_string(kMaxMinorUnits / 100));
    }
    return v.get<int64_t>() * 100;
  }
  if (!v.is_number_float()) badRequest(field + " must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxMinorUnits / 100)) {
    badRequest(field + " must be a number between 0 and " + std::to_string(kMaxMinorUnits / 100));
  }
  // The decimal had at most two fractional digits exactly when cents/100 is the same double:
  // both are the correctly rounded value of one decimal (fewer than 15 significant digits here).
  const int64_t minor = std::llround(d * 100.0);
  if (static_cast<double>(minor) / 100.0 != d) {
    badRequest(field + " must have at most 2 decimal places");
  }
  return minor;
}

bool isCentsLiteral(const std::string& literal) {
  std::string digits;  // every mantissa digit, in order
  int64_t intDigits = -1;  // digits before the decimal point
  int64_t exponent = 0;
  size_t i = literal[0] == '-' ? 1 : 0;
  for (; i < literal.size() && literal[i] != 'e' && literal[i] != 'E'; ++i) {
    if (literal[i] == '.') {
      intDigits = static_cast<int64_t>(digits.size());
    } else {
      digits.push_back(literal[i]);
    }
  }
  if (intDigits < 0) intDigits = static_cast<int64_t>(digits.size());
  if (i < literal.size()) {
    // JSON's grammar guarantees [+-]?[0-9]+ here; clamp so absurd exponents cannot overflow.
    const std::string e = literal.substr(i + 1);
    const bool negative = !e.empty() && e[0] == '-';
    for (char c : e) {
      if (c >= '0' && c <= '9') exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 1'000'000);
    }
    if (negative) exponent = -exponent;
  }
  // Digit k (0-based) has weight 10^(intDigits + exponent - 1 - k): below a cent from index
  // intDigits + exponent + 2 on. Every such digit must be zero.
  const int64_t firstBelowCent = std::max<int64_t>(0, intDigits + exponent + 2);
  for (int64_t k = firstBelowCent; k < static_cast<int64_t>(digits.size()); ++k) {
    if (digits[static_cast<size_t>(k)] != '0') return false;
  }
  return true;
}

namespace {

// The DOM parser, except for float literals that are not whole cents (see parseJsonKeepingCents).
class CentsAwareParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  using json_sax_dom_parser::json_sax_dom_parser;
  bool number_float(double value, const std::string& literal) {
    if (std::isfinite(value) && !isCentsLiteral(literal) &&
        static_cast<double>(std::llround(value * 100.0)) / 100.0 == value) {
      value = std::nextafter(value, HUGE_VAL);  // the nearest double that is not whole cents
    }
    return json_sax_dom_parser::number_float(value, literal);
  }
};

}  // namespace

nlohmann::json parseJsonKeepingCents(const std::string& text) {
  // nlohmann's lexer takes a NUL byte for the end of the input, so `{...}\0garbage` would parse
  // as the object. A raw NUL is never valid JSON (inside a string it must be escaped).
  if (text.find('\0') != std::string::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
  nlohmann::json result;
  CentsAwareParser sax(result, /*allow_exceptions=*/false);
  if (!nlohmann::json::sax_parse(text, &sax, nlohmann::json::input_format_t::json, true)) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return result;
}

nlohmann::json moneyToJson(int64_t minor) {
  return static_cast<double>(minor) / 100.0;
}

std::string moneyText(int64_t minor) {
  const std::string cents = std::to_string(minor % 100);
  return std::to_string(minor / 100) + "." + (cents.size() == 1 ? "0" : "") + cents;
}

int64_t percentOf(int64_t amount, int64_t basisPoints) {
  // Callers keep amount ≤ kMaxMinorUnits and basisPoints ≤ 10000: the product fits in int64.
  return (amount * basisPoints + 5000) / 10000;
}

}  // namespace edgecart
