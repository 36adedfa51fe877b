#pragma once
// Which units an order holds, as a type: the attributes of a RESERVATION#<orderCode> item
// (docs/design.md §4), written by the order handler beside each order so that a cancel or a
// shipment touches only the units that order holds. JSON is met at the edges only: the stored
// item (reservationFrom, reservationAttributes) and the order's answer (reservationAnswer).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgecart/engine/engine.h"

namespace edgecart {

// held: the units are reserved; none: they could not be (error, errorCode say why); released:
// the order was cancelled and its units given back; deducted: the order shipped them.
enum class ReservationState { Held, None, Released, Deducted };
const char* reservationStateName(ReservationState state);

struct ReservationLine {
  std::string productCode;
  int64_t quantity = 0;
};

struct Reservation {
  std::string orderCode;
  std::vector<ReservationLine> lines;  // one per product, in product-code order
  ReservationState state = ReservationState::None;
  std::string error;      // of a reservation that could not be made: the refusal's message
  std::string errorCode;  // and its code (INSUFFICIENT_INVENTORY, UNKNOWN_PRODUCT)
  json others;            // attributes this version does not know, written back (null: none)
};

// A stored item's reservation. A field missing or of another type, or a state this version does
// not know, throws std::runtime_error naming the item and the field.
Reservation reservationFrom(const json& item);
// The item's attributes (error and errorCode left out while empty).
json reservationAttributes(const Reservation& reservation);
// What an order's answer shows of it: {state} and, for one not made, {error, errorCode}.
json reservationAnswer(const Reservation& reservation);

// An order's reservation as a transaction sees it, with its item's version; nullopt without one.
struct StoredReservation {
  Reservation reservation;
  int64_t version = 0;
};
std::optional<StoredReservation> readReservation(const Transaction& tx, const std::string& orderCode);
// Publishes `reservation` based on `version` (0: a new item).
void writeReservation(Transaction& tx, const Reservation& reservation, int64_t version);

}  // namespace edgecart
