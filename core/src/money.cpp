#include "edgecart/money.h"

#include <cmath>

#include "edgecart/error.h"

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

nlohmann::json moneyToJson(int64_t minor) {
  return static_cast<double>(minor) / 100.0;
}

int64_t percentOf(int64_t amount, int64_t basisPoints) {
  // Callers keep amount ≤ kMaxMinorUnits and basisPoints ≤ 10000: the product fits in int64.
  return (amount * basisPoints + 5000) / 10000;
}

}  // namespace edgecart
