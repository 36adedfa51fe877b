// The seed's OrderDataSyncHandler: reacts to order changes inside the same transaction.
// Unlike the seed's line-by-line loop it reserves all lines or none, and it records which
// units each order holds (a RESERVATION item) so release and deduct touch only those units.

#include <map>
#include <optional>
#include <stdexcept>

#include "edgecart/domain/domain.h"
#include "edgecart/domain/inventory.h"
#include "edgecart/domain/order.h"
#include "edgecart/domain/reservation.h"
#include "edgecart/domain/till.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

using Lines = std::map<std::string, int64_t>;  // productCode -> units

Lines linesOf(const Order& order) {
  Lines lines;
  for (const OrderLine& l : order.items) lines[l.productCode] += l.quantity;
  return lines;
}

// The stock of `code`, refused with 409 when it cannot cover `n` more units. A product with no
// inventory row yet has 0 available: a stock shortfall, not a missing product (orders may name
// products the catalogue does not have: those are "not found", still a 409 on the stock).
Stock stockFor(Transaction& tx, const std::string& code, int64_t n, bool mustCover) {
  Stock stock = readStock(tx, code);
  if (!stock.exists() && !tx.getItem(std::string(kProduct) + "#" + code)) {
    conflict("Product " + code + " not found", errc::kUnknownProduct);
  }
  const int64_t available = stock.inventory.available();
  if ((mustCover || !stock.exists()) && available < n) {
    conflict("Insufficient inventory for " + code + ": requested " + std::to_string(n) +
             ", available " + std::to_string(available), errc::kInsufficientInventory);
  }
  return stock;
}

// Writes new quantity / reserved values for one product, based on the version just read.
void setStock(Transaction& tx, Stock stock, int64_t quantity, int64_t reserved) {
  stock.inventory.quantity = quantity;
  stock.inventory.reservedQuantity = reserved;
  writeStock(tx, stock, stock.name);
}

// Checks every line first, then writes: all lines reserved, or an ApiError and nothing written.
void reserveAll(Transaction& tx, const Lines& lines) {
  std::vector<Stock> found;
  for (const auto& [code, n] : lines) found.push_back(stockFor(tx, code, n, true));
  auto inv = found.begin();
  for (const auto& [code, n] : lines) {
    setStock(tx, *inv, inv->inventory.quantity, inv->inventory.reservedQuantity + n);
    ++inv;
  }
}

// A reservation that could not be made keeps why (`error`, `errorCode`): GET /orders/:code
// shows it, and a strict POST /orders refuses the order with it.
// `before`: the reservation it replaces, whose attributes of another version it keeps.
void recordReservation(Transaction& tx, const std::string& orderCode, const Lines& lines, ReservationState state,
                       int64_t version, const ApiError* why = nullptr, const Reservation* before = nullptr) {
  Reservation r;
  if (before) r.others = before->others;
  r.orderCode = orderCode;
  r.lines.reserve(lines.size());
  for (const auto& [code, n] : lines) r.lines.push_back({code, n});
  r.state = state;
  if (why) {
    r.error = why->what();
    r.errorCode = why->code();
  }
  writeReservation(tx, r, version);
}

void onNewOrder(Transaction& tx, const Order& order) {
  const std::string& code = order.code;
  if (readReservation(tx, code)) return;  // replayed event
  const Lines lines = linesOf(order);
  try {
    reserveAll(tx, lines);
    recordReservation(tx, code, lines, ReservationState::Held, 0);
  } catch (const ApiError& e) {
    recordReservation(tx, code, lines, ReservationState::None, 0, &e);
    tx.notify({{"type", "inventory_reservation_failed"}, {"orderId", code}, {"error", e.what()}});
  }
  json confirmation(json::value_t::object);  // emplace: this one is sent for every order
  confirmation.emplace("type", "order_confirmation");
  confirmation.emplace("orderId", code);
  confirmation.emplace("customerId", order.customerId);
  confirmation.emplace("total", order.total);
  tx.notify(std::move(confirmation));
}

void onCancelled(Transaction& tx, const Order& order) {
  const std::string& code = order.code;
  const std::optional<StoredReservation> r = readReservation(tx, code);
  if (!r || r->reservation.state == ReservationState::Released) return;  // replayed event
  const Lines lines = linesOf(order);
  if (r->reservation.state == ReservationState::Held) {
    for (const auto& [p, n] : lines) {
      const Stock stock = readStock(tx, p);
      if (stock.exists()) setStock(tx, stock, stock.inventory.quantity, std::max<int64_t>(0, stock.inventory.reservedQuantity - n));
    }
  }
  recordReservation(tx, code, lines, ReservationState::Released, r->version, nullptr, &r->reservation);
  tx.notify({{"type", "order_cancelled"}, {"orderId", code}});
}

void onShipped(Transaction& tx, const Order& order) {
  const std::string& code = order.code;
  const std::optional<StoredReservation> r = readReservation(tx, code);
  if (r && r->reservation.state == ReservationState::Deducted) return;  // replayed event
  const bool held = r && r->reservation.state == ReservationState::Held;
  const Lines lines = linesOf(order);
  std::vector<Stock> found;
  for (const auto& [p, n] : lines) found.push_back(stockFor(tx, p, n, !held));
  auto inv = found.begin();
  for (const auto& [p, n] : lines) {
    const int64_t reserved = held ? std::max<int64_t>(0, inv->inventory.reservedQuantity - n) : inv->inventory.reservedQuantity;
    setStock(tx, *inv, inv->inventory.quantity - n, reserved);
    ++inv;
  }
  recordReservation(tx, code, lines, ReservationState::Deducted, r ? r->version : 0, nullptr, r ? &r->reservation : nullptr);
  tx.notify({{"type", "order_shipped"}, {"orderId", code}});
}

}  // namespace

void orderHandler(Transaction& tx, const DataChange& change) {
  if (change.sk.rfind("ORDER#", 0) != 0 || !change.newItem) return;
  // Every publish of an ORDER# item is writeOrder's, which passes the Order it wrote (read back
  // from the item otherwise: a handler called by hand, as tests do).
  std::optional<Order> read;
  const Order& order = change.typed ? *static_cast<const Order*>(change.typed) : read.emplace(orderFrom(*change.newItem));
#ifndef NDEBUG
  // Test builds (debug, ASan) still read and check every order written, and hold the fast path to
  // what the item says of the fields this handler uses.
  if (change.typed) {
    const Order stored = orderFrom(*change.newItem);
    bool same = stored.code == order.code && stored.status == order.status && stored.customerId == order.customerId &&
                stored.total == order.total && stored.items.size() == order.items.size();
    for (size_t i = 0; same && i < order.items.size(); ++i) {
      same = stored.items[i].productCode == order.items[i].productCode && stored.items[i].quantity == order.items[i].quantity;
    }
    if (!same) throw std::logic_error("orderHandler: the order passed is not the one written at " + change.sk);
  }
#endif
  if (!change.oldItem) {
    onNewOrder(tx, order);
    return;
  }
  const std::string from = orderFrom(*change.oldItem).status;
  const std::string& to = order.status;
  if (from == to) return;
  if (to == "cancelled") onCancelled(tx, order);
  if (to == "shipped") onShipped(tx, order);
  if (to == "delivered") tx.notify({{"type", "order_delivered"}, {"orderId", order.code}});
}

void registerDomainHandlers(Engine& engine) {
  engine.addHandler(orderHandler);
  engine.addHandler(returnHandler);
  engine.addListIndex("ORDER#");  // GET /orders in number order: ORD-999999, then ORD-1000000
  engine.addListIndex("RETURN#");
  engine.addListIndex("SESSION#");
  engine.addLookup("PRODUCT#", productLookupKeys);  // GET /products by category, barcode, words
}

}  // namespace edgecart
