#pragma once
// An order as a type: the attributes of an ORDER#<code> item (docs/design.md §4). The domain reads
// and writes orders through it; JSON is met at the edges only: the stored item (orderFrom,
// orderAttributes) and the answers, which show the item as it is stored.
//
// Amounts are kept as stored (JSON numbers in the order's currency), as the product keeps its
// price: orders written before money (log format 001) have no currency, no line amounts and no
// tax rows, and they must still be shipped, cancelled and returned. Where an amount is used it is
// read with parseMoney in the order's currency, which refuses one of another form with 400.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgecart/engine/engine.h"

namespace edgecart {

// A discount as an order keeps it: {percent?, amount, reason}.
struct DiscountRecord {
  std::optional<json> percent;  // a rate, when the discount was asked as one
  json amount;
  std::string reason;
  json others;  // fields this version does not know, kept as they were (null: none)
};

struct OrderLine {
  std::string productCode;
  std::string name;
  int64_t quantity = 0;
  json price;                          // the unit price charged
  std::optional<json> catalogPrice;    // the catalogue's, when a till charged another
  std::optional<json> amount;          // price × quantity (orders before money have none)
  std::optional<json> taxRate;         // (orders before money have none)
  std::optional<DiscountRecord> discount;
  std::optional<int64_t> returnedQuantity;  // units back by returns, once one took some
  json others;
};

// One tax rate's row: the amount it was charged on and its tax.
struct TaxRow {
  json rate;
  std::optional<json> base;  // (orders before tax-inclusive prices have none)
  json tax;
  json others;
};

// One tender of a sale at a till: what it paid, and what was handed over when change came from it.
struct Payment {
  std::string method;
  json amount;
  std::optional<json> given;
  json others;
};

struct Order {
  std::string code;
  std::string name;
  std::string customerId;
  std::vector<OrderLine> items;
  json shippingAddress;  // {street, city, postalCode, country}
  std::string paymentMethod;
  std::string status;  // one of orderStatuses()
  std::string placedAt;
  // The figures (docs/money.md); optional ones are absent from older orders or from orders
  // without them (a discount, tenders, returns).
  std::optional<std::string> currency;  // none: the shop's (orders before money)
  json subtotal;
  std::optional<json> discountTotal;
  std::optional<DiscountRecord> discount;  // the order's own, beside its lines'
  std::optional<std::vector<TaxRow>> taxes;
  json tax;
  json total;
  std::optional<bool> pricesIncludeTax;
  std::optional<std::vector<Payment>> payments;  // a sale's tenders
  std::optional<json> change;
  std::optional<std::string> session;  // the drawer session it was sold on
  std::vector<std::string> returns;    // its returns' codes, in order
  std::optional<json> refunded;        // what its returns gave back
  std::optional<std::string> shippedAt, deliveredAt, cancelledAt, cancelReason;
  // Attributes this version does not know (a newer one's), written back as they were.
  json others;
};

// A stored item's order. A field missing or of another type, or a status this version does not
// know, throws std::runtime_error naming the item and the field.
Order orderFrom(const json& item);
// The item's attributes (the optional fields left out when absent, returns while empty).
json orderAttributes(const Order& order);
// An order line as an answer and the stored item show it.
json orderLineJson(const OrderLine& line);
json discountJson(const DiscountRecord& discount);
json taxRowsJson(const std::vector<TaxRow>& rows);
json paymentsJson(const std::vector<Payment>& payments);

// The order `code` as a transaction sees it, with its item's version; nullopt without one.
struct StoredOrder {
  Order order;
  int64_t version = 0;
};
std::optional<StoredOrder> readOrder(const Transaction& tx, const std::string& code);
// Publishes `order` based on `version` (0: a new order); the stored item.
Value writeOrder(Transaction& tx, const Order& order, int64_t version);

}  // namespace edgecart
