#pragma once
// A till's day (docs/till.md): cash drawer sessions from the opening float to the Z report, and
// returns with their refunds. Each function runs inside a Transaction and throws ApiError on bad
// input or a refused change (the transaction then writes nothing), like the rest of the domain.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgecart/domain/domain.h"
#include "edgecart/domain/order.h"

namespace edgecart {

// Item types.
inline constexpr char kSession[] = "SESSION";  // a drawer session, SESSION#<code>
inline constexpr char kTill[] = "TILL";        // TILL#<till>: {openSession}, one open session per till
inline constexpr char kReturn[] = "RETURN";    // a return, RETURN#<code>

constexpr size_t kMaxMovements = 200;          // paid-in and paid-out of one session
constexpr size_t kMaxReturnsPerOrder = 100;
constexpr size_t kMaxDenominations = 30;

// The code a new session or return takes: the one a sync host checked (Context::orderCode, which
// must begin with `prefix` "SES-" / "RET-"), else the next of the tenant's series `sequence`
// formatted as <prefix>000001.
std::string documentCode(Transaction& tx, const char* sequence, const char* prefix);

// Sessions. Their inputs come parsed (api/requests.h): the form checked, the amounts still to be
// read in the drawer's currency.

// Cash counted: an amount (`float`, `counted`), the denominations [{value, count}], or both (then
// they must agree). One of them at least (checked where it is parsed).
struct CashCount {
  std::optional<SentAmount> amount;
  std::vector<std::pair<SentAmount, int64_t>> denominations;  // value, count
  bool hasDenominations = false;
};
struct SessionOpening {
  std::string till;
  CashCount cash;  // the float
};
struct Movement {
  bool in = true;  // a paid-in; else a paid-out
  SentAmount amount;
  std::string reason;
};
struct SessionClosing {
  CashCount cash;  // the cash counted
  std::optional<std::string> note;
};

// POST /sessions {till, float, denominations?}: opens a session on `till` (a code) with the counted
// float (or the sum of the denominations [{value, count}]). 409 SESSION_OPEN while the till has one.
Value openSession(Transaction& tx, const SessionOpening& in, const DomainOptions& options);
Value getSession(const Transaction& tx, const std::string& code);  // 404 if absent
// POST /sessions/:code/movements {type: in | out, amount, reason}: a paid-in or a paid-out. A
// paid-out of more than the drawer is expected to hold is refused (409).
Value addMovement(Transaction& tx, const std::string& code, const Movement& in);
// POST /sessions/:code/close {counted? | denominations?, note?}: the cash counted; the session
// keeps it against the expected cash, and the difference. The till is free for a new session.
Value closeSession(Transaction& tx, const std::string& code, const SessionClosing& in);

// What a sale or a return adds to its session (called by createOrder with the order's `session`,
// createReturn with the body's): refused 409 SESSION_CLOSED unless the session is open, 400 in
// another currency. The figures as the document records them (orders: subtotal, discountTotal,
// taxes, total, payments; returns: refund, taxes).
void addSale(Transaction& tx, const Order& order);
void addReturn(Transaction& tx, const std::string& session, const json& ret);

// Returns.
// Who may refund an order placed before the shop's return window (ShopSettings::returnWindowDays):
// a cashier within it, a manager or an admin any time.
enum class ReturnWindow { Within, Any };
// POST /returns {orderCode, lines: [{productCode, quantity, restock?}], refundMethod?, session?,
// reason?}: returns units of a sale, up to what was sold less what was already returned (409
// RETURN_EXCEEDS_SALE). The refund is the part of the order's total those units were charged,
// split exactly (returning every unit refunds the total). The order records what was returned;
// the return handler puts restocked units back in stock.
struct ReturnLine {
  std::string productCode;
  int64_t quantity = 0;
  bool restock = true;  // false: damaged, not back in stock
};
struct ReturnRequest {
  std::string orderCode;
  std::vector<ReturnLine> lines;
  std::string refundMethod = "cash";
  std::string session;  // empty: none
  std::optional<std::string> reason;
};
Value createReturn(Transaction& tx, const ReturnRequest& in, const DomainOptions& options, ReturnWindow window);
Value getReturn(const Transaction& tx, const std::string& code);  // 404 if absent

// Restocks a new return's restocked lines (registered by registerDomainHandlers).
void returnHandler(Transaction& tx, const DataChange& change);

}  // namespace edgecart
