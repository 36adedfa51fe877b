// Returns and refunds (till.h, docs/till.md): units of a sale come back, the refund is the part
// of the order's total they were charged, and the return handler restocks them.

#include <algorithm>

#include "edgecart/domain/inventory.h"
#include "edgecart/domain/order.h"
#include "edgecart/domain/till.h"
#include "edgecart/engine/clock.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

// An order line as a return sees it.
struct SoldLine {
  std::string productCode;
  int64_t quantity = 0;
  int64_t returned = 0;  // before this return
  int64_t taking = 0;    // by this return
  int64_t share = 0;     // its part of the order's total
  int64_t rate = -1;     // its tax rate (-1: an order recorded without rates)
  // The part of the share that `units` of its units were charged, rounded down: the parts of
  // successive returns add up to the share exactly once every unit is back.
  int64_t refundOf(int64_t units) const { return mulDiv(share, units, quantity).first; }
};

// The part of each tax row that the lines' returned units carry, with `units(line)` of each line
// back: the row's tax × the refunds of its lines / their shares, rounded down.
template <typename Units>
int64_t taxBack(const std::vector<SoldLine>& lines, int64_t rate, int64_t tax, Units units) {
  int64_t shares = 0, back = 0;
  for (const SoldLine& l : lines) {
    if (l.rate != rate) continue;
    shares += l.share;
    back += l.refundOf(units(l));
  }
  return shares == 0 ? 0 : mulDiv(tax, back, shares).first;
}

}  // namespace

Value createReturn(Transaction& tx, const ReturnRequest& in, const DomainOptions& options, ReturnWindow window) {
  const std::string& orderCode = in.orderCode;
  std::optional<StoredOrder> stored = readOrder(tx, orderCode);
  if (!stored) notFound("Order " + orderCode + " not found");
  Order& o = stored->order;
  if (o.status == "cancelled") conflict("Order " + orderCode + " was cancelled: it has nothing to return");
  const ShopSettings settings = shopSettings(tx, options);
  const std::string& placedAt = o.placedAt;
  if (window == ReturnWindow::Within && placedAt < formatIsoTime(tx.nowMs() - settings.returnWindowDays * kDayMs)) {
    forbidden("Forbidden: order " + orderCode + " was placed on " + placedAt.substr(0, 10) + ", more than " +
              std::to_string(settings.returnWindowDays) + " days ago: a manager may refund it");
  }
  const Currency currency = o.currency ? currencyOf(*o.currency) : settings.currency;
  const std::string& method = in.refundMethod;
  if (std::find(settings.tenders.begin(), settings.tenders.end(), method) == settings.tenders.end()) {
    badRequest("refundMethod must be one of the shop's tenders");
  }
  if (o.returns.size() >= kMaxReturnsPerOrder) {
    conflict("Order " + orderCode + " has " + std::to_string(kMaxReturnsPerOrder) + " returns, the most it may have");
  }

  // The order's lines: what each sold, what came back before, and its part of the total.
  std::vector<OrderLine>& items = o.items;
  std::vector<SoldLine> sold(items.size());
  std::vector<int64_t> weights(items.size());
  int64_t weightSum = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const OrderLine& item = items[i];
    SoldLine& l = sold[i];
    l.productCode = item.productCode;
    l.quantity = item.quantity;
    l.returned = item.returnedQuantity.value_or(0);
    if (item.taxRate) l.rate = parseRate(*item.taxRate, "taxRate");
    const int64_t price = parseMoney(item.price, "price", currency);
    const int64_t amount = item.amount ? parseMoney(*item.amount, "amount", currency) : price * l.quantity;
    const int64_t discount = item.discount ? parseMoney(item.discount->amount, "discount", currency) : 0;
    weights[i] = amount - discount;
    weightSum += weights[i];
  }
  if (weightSum > 0) {
    const std::vector<int64_t> shares = allocate(parseMoney(o.total, "total", currency), weights);
    for (size_t i = 0; i < sold.size(); ++i) sold[i].share = shares[i];
  }

  // The units asked, taken from the order's lines of each product in turn.
  json lines = json::array();
  for (size_t j = 0; j < in.lines.size(); ++j) {
    const std::string what = "lines[" + std::to_string(j) + "]";
    const std::string& productCode = in.lines[j].productCode;
    int64_t left = in.lines[j].quantity;
    const bool restock = in.lines[j].restock;
    int64_t sale = 0, before = 0;
    for (const SoldLine& l : sold) {
      if (l.productCode == productCode) sale += l.quantity, before += l.returned + l.taking;
    }
    if (sale == 0) badRequest(what + ": order " + orderCode + " sold no " + productCode);
    if (left > sale - before) {
      conflict("Order " + orderCode + " sold " + std::to_string(sale) + " of " + productCode + " and " +
               std::to_string(before) + " are returned already: at most " + std::to_string(sale - before) +
               " more can be returned", errc::kReturnExceedsSale);
    }
    for (size_t i = 0; i < sold.size() && left > 0; ++i) {
      SoldLine& l = sold[i];
      const int64_t units = std::min(left, l.productCode == productCode ? l.quantity - l.returned - l.taking : 0);
      if (units <= 0) continue;
      const int64_t done = l.returned + l.taking;
      json row(json::value_t::object);
      put(row, "productCode", productCode);
      put(row, "name", items[i].name);
      put(row, "quantity", units);
      put(row, "restock", restock);
      put(row, "refund", moneyToJson(l.refundOf(done + units) - l.refundOf(done), currency));
      lines.push_back(std::move(row));
      l.taking += units;
      left -= units;
    }
  }

  // The refund, and the tax it gives back per rate (of the rows of the order).
  int64_t refund = 0;
  for (const SoldLine& l : sold) refund += l.refundOf(l.returned + l.taking) - l.refundOf(l.returned);
  json taxes = json::array();
  for (const TaxRow& row : o.taxes.value_or(std::vector<TaxRow>{})) {
    const int64_t rate = parseRate(row.rate, "rate");
    const int64_t tax = parseMoney(row.tax, "tax", currency);
    const int64_t back = taxBack(sold, rate, tax, [](const SoldLine& l) { return l.returned + l.taking; }) -
                         taxBack(sold, rate, tax, [](const SoldLine& l) { return l.returned; });
    if (back == 0) continue;
    json t(json::value_t::object);
    put(t, "rate", row.rate);
    put(t, "tax", moneyToJson(back, currency));
    taxes.push_back(std::move(t));
  }

  const std::string code = documentCode(tx, kReturn, "RET-");
  json r(json::value_t::object);
  put(r, "orderCode", orderCode);
  put(r, "customerId", o.customerId);
  put(r, "currency", currency.code);
  put(r, "lines", std::move(lines));
  json refundRow(json::value_t::object);
  put(refundRow, "method", method);
  put(refundRow, "amount", moneyToJson(refund, currency));
  put(r, "refund", std::move(refundRow));
  put(r, "taxes", std::move(taxes));
  if (in.reason) put(r, "reason", *in.reason);
  put(r, "returnedAt", tx.now());
  put(r, "returnedBy", tx.context().userId);
  const std::string& session = in.session;
  if (!session.empty()) put(r, "session", session);

  // The return first (a command's first change is the item it is about: sync's baseVersion),
  // then the order shows what came back.
  Value made = tx.publish(CommandInput{kReturn, code, "Return " + code + " of " + orderCode, 0, r});
  if (!session.empty()) addReturn(tx, session, r);
  for (size_t i = 0; i < sold.size(); ++i) {
    if (sold[i].taking > 0) items[i].returnedQuantity = sold[i].returned + sold[i].taking;
  }
  o.returns.push_back(code);
  const int64_t before = o.refunded ? parseMoney(*o.refunded, "refunded", currency) : 0;
  o.refunded = moneyToJson(before + refund, currency);
  writeOrder(tx, o, stored->version);
  tx.notify({{"type", "order_returned"}, {"orderId", orderCode}, {"returnId", code}, {"refund", r["refund"]}});
  return made;
}

Value getReturn(const Transaction& tx, const std::string& code) {
  Value r = tx.getItem(std::string(kReturn) + "#" + code);
  if (!r) notFound("Return " + code + " not found");
  return r;
}

void returnHandler(Transaction& tx, const DataChange& change) {
  if (change.oldItem || !change.newItem || change.sk.rfind("RETURN#", 0) != 0) return;
  for (const json& line : attrs(*change.newItem).at("lines")) {
    if (!line.value("restock", false)) continue;
    const std::string productCode = line.at("productCode").get<std::string>();
    const int64_t n = line.at("quantity").get<int64_t>();
    const std::optional<Product> product = readProduct(tx, productCode);
    if (!product) continue;  // a line outside the catalogue has no stock to go back to
    Stock stock = readStock(tx, productCode);
    const int64_t quantity = stock.inventory.quantity + n;
    if (quantity > kMaxStock) conflict("Restocking " + productCode + " would pass " + std::to_string(kMaxStock) + " units");
    stock.inventory.quantity = quantity;
    stock.inventory.lastRestockedAt = tx.now();
    writeStock(tx, stock, product->name);
  }
}

}  // namespace edgecart
