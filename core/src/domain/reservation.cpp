// The typed RESERVATION item (reservation.h).

#include "edgecart/domain/reservation.h"

#include <stdexcept>

#include "edgecart/domain/domain.h"
#include "stored.h"

namespace edgecart {
namespace {

constexpr auto kInteger = json::value_t::number_integer;
constexpr auto kText = json::value_t::string;

constexpr ReservationState kStates[] = {ReservationState::Held, ReservationState::None,
                                        ReservationState::Released, ReservationState::Deducted};

ReservationState stateFrom(const std::string& name, const std::string& sk) {
  for (ReservationState s : kStates) {
    if (name == reservationStateName(s)) return s;
  }
  throw std::runtime_error("stored item " + sk + " has a state this version does not know: " + name);
}

}  // namespace

const char* reservationStateName(ReservationState state) {
  switch (state) {
    case ReservationState::Held: return "held";
    case ReservationState::None: return "none";
    case ReservationState::Released: return "released";
    case ReservationState::Deducted: return "deducted";
  }
  return "none";
}

Reservation reservationFrom(const json& item) {
  const std::string& sk = storedField(item, "sk", kText, "a reservation").get_ref<const std::string&>();
  const json& a = storedField(item, "attributes", json::value_t::object, sk);
  Reservation r;
  r.orderCode = storedField(a, "orderCode", kText, sk).get<std::string>();
  for (const json& l : storedField(a, "lines", json::value_t::array, sk)) {
    if (!l.is_object()) throw std::runtime_error("stored item " + sk + " has a line that is not an object");
    r.lines.push_back({storedField(l, "productCode", kText, sk).get<std::string>(),
                       storedField(l, "quantity", kInteger, sk).get<int64_t>()});
  }
  r.state = stateFrom(storedField(a, "state", kText, sk).get<std::string>(), sk);
  if (a.contains("error")) {
    r.error = storedField(a, "error", kText, sk).get<std::string>();
    r.errorCode = storedField(a, "errorCode", kText, sk).get<std::string>();
  }
  static const FieldNames known{"orderCode", "lines", "state", "error", "errorCode"};
  r.others = unknownFields(a, known);
  return r;
}

json reservationAttributes(const Reservation& r) {
  // Filled with emplace: a braced initializer list would build and destroy a temporary
  // [key, value] array per field, and every order writes one of these.
  json lines = json::array();
  for (const ReservationLine& l : r.lines) {
    json line(json::value_t::object);
    line.emplace("productCode", l.productCode);
    line.emplace("quantity", l.quantity);
    lines.push_back(std::move(line));
  }
  json a = withOthers(r.others);
  a.emplace("orderCode", r.orderCode);
  a.emplace("lines", std::move(lines));
  a.emplace("state", reservationStateName(r.state));
  if (!r.error.empty()) {
    a.emplace("error", r.error);
    a.emplace("errorCode", r.errorCode);
  }
  return a;
}

json reservationAnswer(const Reservation& r) {
  json out(json::value_t::object);
  out.emplace("state", reservationStateName(r.state));
  if (!r.error.empty()) {
    out.emplace("error", r.error);
    out.emplace("errorCode", r.errorCode);
  }
  return out;
}

std::optional<StoredReservation> readReservation(const Transaction& tx, const std::string& orderCode) {
  const Value item = tx.getItem(std::string(kReservation) + "#" + orderCode);
  if (!item) return std::nullopt;
  return StoredReservation{reservationFrom(*item), itemVersion(*item)};
}

void writeReservation(Transaction& tx, const Reservation& r, int64_t version) {
  tx.publish(CommandInput{kReservation, r.orderCode, "Reservation " + r.orderCode, version,
                          reservationAttributes(r)});
}

}  // namespace edgecart
