#include "edgecart/domain/money.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <tuple>

#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

// Every active currency code of ISO 4217 (list one) with its minor unit, sorted by code. Not
// here: precious metals, bond units, SDR and test codes (no minor unit), and withdrawn codes.
struct Iso4217 {
  char code[4];
  int decimals;
};
constexpr Iso4217 kCurrencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2},
    {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0},
    {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2},
    {"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
    {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUP", 2}, {"CVE", 2}, {"CZK", 2},
    {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2},
    {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0},
    {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2},
    {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2},
    {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2}, {"KZT", 2},
    {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2},
    {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2},
    {"MWK", 2}, {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2}, {"NIO", 2},
    {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2},
    {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0},
    {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2}, {"SLE", 2},
    {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2},
    {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2},
    {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2},
    {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2},
    {"XOF", 0}, {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

constexpr int64_t kPowersOfTen[] = {1, 10, 100, 1000, 10000};

}  // namespace

int currencyDecimals(const std::string& code) {
  if (code.size() != 3) return -1;
  const auto* end = std::end(kCurrencies);
  const auto* it = std::lower_bound(std::begin(kCurrencies), end, code,
                                    [](const Iso4217& c, const std::string& k) { return std::strcmp(c.code, k.c_str()) < 0; });
  return it != end && code == it->code ? it->decimals : -1;
}

nlohmann::json currencyList() {
  nlohmann::json items = nlohmann::json::array();
  for (const Iso4217& c : kCurrencies) items.push_back({{"code", c.code}, {"decimals", c.decimals}});
  return {{"items", std::move(items)}};
}

Currency currencyOf(const std::string& code, const std::string& field) {
  const int decimals = currencyDecimals(code);
  if (decimals < 0) badRequest(field + " must be an active ISO 4217 currency code such as USD, EUR or JPY");
  return Currency{code, decimals};
}

int64_t parseMoney(const nlohmann::json& v, const std::string& field, const Currency& currency) {
  const int64_t scale = kPowersOfTen[currency.decimals];
  const int64_t maxMajor = kMaxMinorUnits / scale;
  auto outOfRange = [&] { badRequest(field + " must be a number between 0 and " + std::to_string(maxMajor)); };
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(maxMajor)
                               : (v.get<int64_t>() < 0 || v.get<int64_t>() > maxMajor)) {
      outOfRange();
    }
    return v.get<int64_t>() * scale;
  }
  if (!v.is_number_float()) badRequest(field + " must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < 0 || d > static_cast<double>(maxMajor)) outOfRange();
  // The decimal had at most `decimals` fractional digits exactly when minor/scale is the same
  // double: both are the correctly rounded value of one decimal (at most 13 significant digits).
  const int64_t minor = std::llround(d * static_cast<double>(scale));
  if (static_cast<double>(minor) / static_cast<double>(scale) != d) {
    badRequest(currency.decimals == 0
                   ? field + " must be a whole number: " + currency.code + " has no minor unit"
                   : field + " must have at most " + std::to_string(currency.decimals) + " decimal place" +
                         (currency.decimals == 1 ? "" : "s") + " in " + currency.code);
  }
  return minor;
}

bool isDecimalLiteral(const std::string& literal, int decimals) {
  std::string digits;  // every mantissa digit, in order
  int64_t intDigits = -1;  // digits before the decimal point
  int64_t exponent = 0;
  size_t i = !literal.empty() && literal[0] == '-' ? 1 : 0;
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
  // Digit k (0-based) has weight 10^(intDigits + exponent - 1 - k): below the last allowed
  // decimal from index intDigits + exponent + decimals on. Every such digit must be zero.
  const int64_t firstBelow = std::max<int64_t>(0, intDigits + exponent + decimals);
  for (int64_t k = firstBelow; k < static_cast<int64_t>(digits.size()); ++k) {
    if (digits[static_cast<size_t>(k)] != '0') return false;
  }
  return true;
}

namespace {

// The DOM parser, except for float literals with more decimals than any currency has (see
// parseJsonKeepingCents).
class CentsAwareParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  using json_sax_dom_parser::json_sax_dom_parser;
  bool number_float(double value, const std::string& literal) {
    constexpr double kScale = static_cast<double>(kPowersOfTen[kMaxCurrencyDecimals]);
    if (std::isfinite(value) && !isDecimalLiteral(literal, kMaxCurrencyDecimals) &&
        static_cast<double>(std::llround(value * kScale)) / kScale == value) {
      value = std::nextafter(value, HUGE_VAL);  // the nearest double that is no whole minor unit
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

nlohmann::json moneyToJson(int64_t minor, const Currency& currency) {
  if (currency.decimals == 0) return minor;
  return static_cast<double>(minor) / static_cast<double>(kPowersOfTen[currency.decimals]);
}

std::string moneyText(int64_t minor, const Currency& currency) {
  const std::string sign = minor < 0 ? "-" : "";
  const int64_t abs = minor < 0 ? -minor : minor;
  if (currency.decimals == 0) return sign + std::to_string(abs);
  const int64_t scale = kPowersOfTen[currency.decimals];
  std::string fraction = std::to_string(abs % scale);
  fraction.insert(0, static_cast<size_t>(currency.decimals) - fraction.size(), '0');
  return sign + std::to_string(abs / scale) + "." + fraction;
}

nlohmann::json rateToJson(int64_t rate) {
  if (rate % 1000 == 0) return rate / 1000;
  return static_cast<double>(rate) / 1000.0;
}

int64_t parseRate(const nlohmann::json& v, const std::string& field) {
  const auto refuse = [&] { badRequest(field + " must be a percentage between 0 and 100 with at most 3 decimals"); };
  if (!v.is_number()) refuse();
  int64_t rate = 0;
  try {
    rate = parseMoney(v, field, Currency{"%", 3});
  } catch (const ApiError&) {
    refuse();
  }
  if (rate > kRateScale) refuse();
  return rate;
}

int64_t taxOn(int64_t amount, int64_t rate) {
  // amount ≤ kMaxMinorUnits and rate ≤ kRateScale: the product fits in int64.
  return (amount * rate * 2 + kRateScale) / (kRateScale * 2);
}

int64_t taxIncludedIn(int64_t gross, int64_t rate) {
  const int64_t denominator = kRateScale + rate;
  return (gross * rate * 2 + denominator) / (denominator * 2);
}

int64_t proportion(int64_t amount, int64_t fraction, int64_t scale) {
  return (amount * fraction * 2 + scale) / (scale * 2);
}

// In 64-bit arithmetic (amounts are at most 10^12 minor units): b is split at bit 20 so no
// product passes 2^61.
std::pair<int64_t, int64_t> mulDiv(int64_t a, int64_t b, int64_t c) {
  const int64_t high = a * (b >> 20), low = a * (b & 0xFFFFF);
  const int64_t q1 = high / c, r1 = high % c;
  const int64_t rest = (r1 << 20) + low;
  return {(q1 << 20) + rest / c, rest % c};
}

std::vector<int64_t> allocate(int64_t total, const std::vector<int64_t>& weights) {
  int64_t sum = 0;
  for (int64_t w : weights) sum += w;
  std::vector<int64_t> shares(weights.size()), remainders(weights.size());
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    std::tie(shares[i], remainders[i]) = mulDiv(total, weights[i], sum);
    given += shares[i];
  }
  // Fewer units are left than there are parts (rates, or an order's lines): one pass each.
  for (; given < total; ++given) {
    size_t best = 0;
    for (size_t i = 1; i < remainders.size(); ++i) {
      if (remainders[i] > remainders[best]) best = i;
    }
    ++shares[best];
    remainders[best] = -1;  // a part gets at most one unit
  }
  return shares;
}

}  // namespace edgecart
