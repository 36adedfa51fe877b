// Orders: creation with exact totals, status transitions (docs/design.md §4).

#include <algorithm>
#include <optional>
#include <tuple>

#include "edgecart/domain/domain.h"
#include "edgecart/domain/order.h"
#include "edgecart/domain/reservation.h"
#include "edgecart/domain/till.h"
#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"
#include "edgecart/engine/sequence.h"
#include "edgecart/engine/text.h"

namespace edgecart {
namespace {

// Objects on this path are filled with emplace: a braced initializer list would build and
// destroy a temporary [key, value] array per field.
json addressJson(const Address& in) {
  json address(json::value_t::object);
  put(address, "street", in.street);
  put(address, "city", in.city);
  put(address, "postalCode", in.postalCode);
  put(address, "country", in.country);
  return address;
}

}  // namespace

const std::vector<const char*>& orderStatuses() {
  static const std::vector<const char*> statuses = {"pending", "confirmed", "processing", "shipped", "delivered", "cancelled"};
  return statuses;
}

const std::vector<OrderTransition>& orderTransitions() {
  // Delivered and cancelled are final.
  static const std::vector<OrderTransition> transitions = {
      {"pending", "confirmed"}, {"pending", "cancelled"},   {"confirmed", "processing"}, {"confirmed", "cancelled"},
      {"processing", "shipped"}, {"processing", "cancelled"}, {"shipped", "delivered"}};
  return transitions;
}

bool isOrderStatus(const std::string& s) {
  for (const char* status : orderStatuses()) {
    if (s == status) return true;
  }
  return false;
}

void checkOrderStatus(const std::string& s) {
  if (isOrderStatus(s)) return;
  std::string known;
  for (const char* status : orderStatuses()) known += (known.empty() ? "" : ", ") + std::string(status);
  badRequest("status must be one of the following values: " + known);
}

bool isAllowedTransition(const std::string& from, const std::string& to) {
  for (const OrderTransition& t : orderTransitions()) {
    if (from == t.from && to == t.to) return true;
  }
  return false;
}

namespace {

// One line's figures in minor units.
struct LineFigures {
  int64_t amount = 0;    // price × quantity
  int64_t discount = 0;  // its own discount
  int64_t rate = 0;      // its tax rate
};

// A discount {percent | amount, reason} of `base` (minor units): its amount, and the record the
// order keeps of it ({percent?, amount, reason}).
// `asked` gets the discount as asked, before rounding, in minor units × kRateScale (at most
// 10^12 × 10^5 a discount, two discounts of a unit of amount: far inside int64).
int64_t readDiscount(const DiscountInput& d, const std::string& what, const Currency& currency, int64_t base,
                     std::optional<DiscountRecord>& record, int64_t& asked) {
  record.emplace();
  int64_t amount = 0;
  if (d.percent) {
    const int64_t rate = *d.percent;
    amount = proportion(base, rate, kRateScale);
    asked += base * rate;
    record->percent = rateToJson(rate);
  } else {
    amount = d.amount->minor(currency);
    if (amount > base) {
      badRequest(what + ".amount " + moneyText(amount, currency) + " is more than the " +
                 moneyText(base, currency) + " it discounts");
    }
    asked += amount * kRateScale;
  }
  record->amount = moneyToJson(amount, currency);
  record->reason = d.reason;
  return amount;
}

// The tenders of a sale (docs/money.md): what each was given with, the change, what is still due.
// Only the shop's tenders, each amount in the order's currency; only cash may come to more than
// what is due, and the change is given from it. `payments` as recorded sum to the total: cash
// less the change.
struct Tenders {
  std::vector<Payment> payments;
  int64_t paid = 0, change = 0, due = 0;
  std::string method;  // the one method, or "split"
};

// `sale`: the payments must cover the total (an order); a quote only says what is still due.
Tenders readTenders(const std::vector<TenderInput>& list, const ShopSettings& settings, const Currency& currency,
                    int64_t total, bool sale) {
  Tenders t;
  int64_t cash = 0;
  std::vector<int64_t> given(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string what = "payments[" + std::to_string(i) + "]";
    const std::string& method = list[i].method;
    if (std::find(settings.tenders.begin(), settings.tenders.end(), method) == settings.tenders.end()) {
      std::string known;
      for (const std::string& m : settings.tenders) known += (known.empty() ? "" : ", ") + m;
      badRequest(what + ".method must be one of the shop's tenders: " + known);
    }
    given[i] = list[i].amount.minor(currency);
    if (given[i] == 0) badRequest(what + ".amount must be more than 0");
    t.paid += given[i];  // at most 8 × 10^12: inside int64
    if (method == "cash") cash += given[i];
    t.method = t.method.empty() || t.method == method ? method : "split";
  }
  t.change = std::max<int64_t>(0, t.paid - total);
  t.due = std::max<int64_t>(0, total - t.paid);
  if (sale && t.due > 0) {
    badRequest("The payments add up to " + moneyText(t.paid, currency) + ", less than the total " + moneyText(total, currency) +
               ": " + moneyText(t.due, currency) + " is still due");
  }
  if (t.change > cash) {
    badRequest("Only cash may come to more than what is due: the payments add up to " + moneyText(t.paid, currency) +
               " for a total of " + moneyText(total, currency));
  }
  // The change comes out of the cash, the last cash tender first; a cash row keeps what was
  // handed over as `given`.
  std::vector<int64_t> kept = given;
  int64_t left = t.change;
  for (size_t i = list.size(); i-- > 0 && left > 0;) {
    if (list[i].method != "cash") continue;
    const int64_t back = std::min(left, kept[i]);
    kept[i] -= back;
    left -= back;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    Payment p;
    p.method = list[i].method;
    p.amount = moneyToJson(kept[i], currency);
    if (kept[i] != given[i]) p.given = moneyToJson(given[i], currency);
    t.payments.push_back(std::move(p));
  }
  return t;
}

// An order request's figures: what an order keeps of them, and what a quote answers (docs/money.md).
struct Figures {
  Currency currency;
  std::vector<OrderLine> items;
  std::optional<DiscountRecord> discount;  // the order's own
  int64_t subtotal = 0, discountTotal = 0, tax = 0, total = 0;
  std::vector<TaxRow> taxes;
  bool pricesIncludeTax = false;
  std::optional<Tenders> tenders;  // staff's sales record what was given
};

// The figures of an order request (quoteOrder); `sale`: of an order being placed.
Figures figuresOf(const Transaction& tx, const OrderInput& in, const DomainOptions& options, OrderCaller caller, bool sale) {
  const ShopSettings settings = shopSettings(tx, options);
  const std::vector<OrderLineInput>& lines = in.items;
  Figures out;
  std::vector<LineFigures> figures;
  figures.reserve(lines.size());
  std::optional<Currency> currency;
  int64_t subtotal = 0;
  int64_t asked = 0;  // every discount as asked (see readDiscount)
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string what = "items[" + std::to_string(i) + "]";
    const OrderLineInput& line = lines[i];
    const std::string& productCode = line.productCode;
    const int64_t quantity = line.quantity;
    const bool hasPrice = line.price.has_value();
    std::string name = line.name;
    // The catalogue's word on this line: a customer's must be there and for sale.
    const std::optional<Product> product = readProduct(tx, productCode);
    const bool forSale = product && product->isActive;
    if (caller.pricing == Pricing::Catalogue && !forSale) {
      conflict(product ? "Product " + productCode + " is no longer for sale" : "Product " + productCode + " not found",
               errc::kUnknownProduct);
    }
    if (!product && (!hasPrice || name.empty())) {
      badRequest(what + (hasPrice ? ".name" : ".price") + " is required: " + productCode + " is not in the catalogue");
    }
    // One currency per order: its products' (a line outside the catalogue is in the shop's).
    const Currency lineCurrency =
        product ? currencyOf(product->currency, "the currency of " + productCode) : settings.currency;
    if (!currency) currency = lineCurrency;
    if (lineCurrency.code != currency->code) {
      badRequest(what + " (" + productCode + ") is priced in " + lineCurrency.code + ", but this order is in " +
                 currency->code + ": an order has one currency");
    }
    const int64_t listed = product ? parseMoney(product->price, "the price of " + productCode, *currency) : -1;
    const int64_t sent = hasPrice ? line.price->minor(*currency) : 0;
    if (caller.pricing == Pricing::Catalogue) {
      if (hasPrice && sent != listed) {
        conflict("The price of " + productCode + " is now " + moneyText(listed, *currency) + ", not " +
                     moneyText(sent, *currency) + ": nothing was ordered", errc::kPriceChanged);
      }
      name = product->name;
    } else if (name.empty()) {
      name = product->name;
    }
    const int64_t price = hasPrice ? sent : listed;
    LineFigures lf;
    lf.amount = price * quantity;  // ≤ 10^12 × 10^6: fits in int64
    lf.rate = settings.taxRateOf(product ? &*product : nullptr);
    OrderLine item;
    item.productCode = productCode;
    item.name = std::move(name);
    item.quantity = quantity;
    item.price = moneyToJson(price, *currency);
    if (product && listed != price) item.catalogPrice = moneyToJson(listed, *currency);
    item.amount = moneyToJson(lf.amount, *currency);
    item.taxRate = rateToJson(lf.rate);
    if (line.discount) lf.discount = readDiscount(*line.discount, what + ".discount", *currency, lf.amount, item.discount, asked);
    subtotal += lf.amount;
    if (subtotal > kMaxMinorUnits) badRequest("order subtotal is too large");
    out.items.push_back(std::move(item));
    figures.push_back(lf);
  }
  int64_t lineDiscounts = 0;
  for (const LineFigures& lf : figures) lineDiscounts += lf.discount;
  int64_t discount = 0;
  if (in.discount) discount = readDiscount(*in.discount, "discount", *currency, subtotal - lineDiscounts, out.discount, asked);
  const int64_t discountTotal = lineDiscounts + discount;
  if (discountTotal > 0) {
    if (caller.discounts == Discounts::None) forbidden("Forbidden: a customer cannot give a discount");
    // The discounts as asked (10 % of 59.98 is 5.998, given as 6.00) are at most the limit of the
    // subtotal, exactly.
    if (caller.discounts == Discounts::UpToLimit && asked > settings.cashierDiscountLimit * subtotal) {
      forbidden("Forbidden: a cashier may give at most " + rateToJson(settings.cashierDiscountLimit).dump() +
                " % of the subtotal; this order's discounts are " + moneyText(discountTotal, *currency) + " of " +
                moneyText(subtotal, *currency) + ": a manager may give more");
    }
  }
  // Per rate (ascending): the lines' amounts after their own discounts, less the order discount
  // split over the rates in proportion; the tax rounded once per rate.
  std::vector<std::pair<int64_t, int64_t>> byRate;  // rate -> amount, ascending (a handful of rates)
  for (const LineFigures& lf : figures) {
    auto at = std::lower_bound(byRate.begin(), byRate.end(), lf.rate, [](const auto& p, int64_t r) { return p.first < r; });
    if (at == byRate.end() || at->first != lf.rate) at = byRate.insert(at, {lf.rate, 0});
    at->second += lf.amount - lf.discount;
  }
  std::vector<int64_t> weights;
  for (const auto& [rate, amount] : byRate) weights.push_back(amount);
  const std::vector<int64_t> shares =
      discount > 0 ? allocate(discount, weights) : std::vector<int64_t>(weights.size(), 0);
  int64_t tax = 0, net = 0;
  size_t k = 0;
  for (const auto& [rate, amount] : byRate) {
    const int64_t charged = amount - shares[k++];
    const int64_t rateTax = settings.pricesIncludeTax ? taxIncludedIn(charged, rate) : taxOn(charged, rate);
    TaxRow row;
    row.rate = rateToJson(rate);
    row.base = moneyToJson(settings.pricesIncludeTax ? charged - rateTax : charged, *currency);
    row.tax = moneyToJson(rateTax, *currency);
    out.taxes.push_back(std::move(row));
    tax += rateTax;
    net += charged;
  }
  out.currency = *currency;
  out.subtotal = subtotal;
  out.discountTotal = discountTotal;
  out.tax = tax;
  out.total = settings.pricesIncludeTax ? net : net + tax;
  out.pricesIncludeTax = settings.pricesIncludeTax;
  // Tenders: a customer records none (a storefront order is paid outside EdgeCart); staff record
  // what the customer gave, and a quote says what is still due and the change.
  if (in.payments) {
    if (caller.pricing == Pricing::Catalogue) forbidden("Forbidden: a customer cannot record payments");
    out.tenders = readTenders(*in.payments, settings, *currency, out.total, sale);
  }
  return out;
}

}  // namespace

json quoteOrder(const Transaction& tx, const OrderInput& in, const DomainOptions& options, OrderCaller caller) {
  const Figures f = figuresOf(tx, in, options, caller, false);
  const Currency& c = f.currency;
  json out(json::value_t::object);
  put(out, "currency", c.code);
  json items = json::array();
  for (const OrderLine& l : f.items) items.push_back(orderLineJson(l));
  put(out, "items", std::move(items));
  if (f.discount) put(out, "discount", discountJson(*f.discount));
  put(out, "subtotal", moneyToJson(f.subtotal, c));
  put(out, "discountTotal", moneyToJson(f.discountTotal, c));
  put(out, "taxes", taxRowsJson(f.taxes));
  put(out, "tax", moneyToJson(f.tax, c));
  put(out, "total", moneyToJson(f.total, c));
  put(out, "pricesIncludeTax", f.pricesIncludeTax);
  if (f.tenders) {
    put(out, "payments", paymentsJson(f.tenders->payments));
    put(out, "paid", moneyToJson(f.tenders->paid, c));
    put(out, "change", moneyToJson(f.tenders->change, c));
    put(out, "due", moneyToJson(f.tenders->due, c));
    put(out, "paymentMethod", f.tenders->method);
  }
  return out;
}

Value createOrder(Transaction& tx, const OrderInput& in, const DomainOptions& options, OrderCaller caller) {
  Figures f = figuresOf(tx, in, options, caller, true);
  Order o;
  o.customerId = in.customerId;
  o.shippingAddress = addressJson(in.shippingAddress);
  // With payments the method is theirs (the one method, or "split"), and what was given covers the total.
  o.paymentMethod = in.paymentMethod;
  if (f.tenders) {
    o.paymentMethod = f.tenders->method;
    if (!in.paymentMethod.empty() && in.paymentMethod != o.paymentMethod) {
      badRequest("paymentMethod must be " + o.paymentMethod + " (the payments'), or left out");
    }
  }
  // A sale at a till counts in its drawer session (till.h), after the order is written: a
  // command's first change is the item it is about (sync's baseVersion).
  if (!in.session.empty()) {
    if (caller.pricing == Pricing::Catalogue) forbidden("Forbidden: a customer cannot sell on a till's session");
    o.session = in.session;
  }

  // Only a valid request takes a number from the sequence (or uses the code a sync host checked).
  const std::string& given = tx.context().orderCode;
  if (given.rfind("RET-", 0) == 0 || given.rfind("SES-", 0) == 0) badRequest("the code " + given + " is not an order's");
  o.code = given.empty() ? formatSequence(options.orderCodeFormat, tx.nextSequence(kOrder)) : given;
  o.name = "Order " + o.code;
  const Currency& c = f.currency;
  o.items = std::move(f.items);
  o.status = "pending";
  o.placedAt = tx.now();
  o.currency = c.code;
  o.subtotal = moneyToJson(f.subtotal, c);
  o.discountTotal = moneyToJson(f.discountTotal, c);
  o.discount = std::move(f.discount);
  o.taxes = std::move(f.taxes);
  o.tax = moneyToJson(f.tax, c);
  o.total = moneyToJson(f.total, c);
  o.pricesIncludeTax = f.pricesIncludeTax;
  if (f.tenders) {
    o.payments = std::move(f.tenders->payments);
    o.change = moneyToJson(f.tenders->change, c);
  }
  Value order = writeOrder(tx, o, 0);
  if (o.session) addSale(tx, o);
  return order;
}

Value getOrder(const Transaction& tx, const std::string& code) {
  Value o = tx.getItem(std::string(kOrder) + "#" + code);
  if (!o) notFound("Order " + code + " not found");
  return o;
}

json orderAnswer(const Transaction& tx, const Value& order) {
  json out = *order;
  if (const auto r = readReservation(tx, order->at("code").get<std::string>())) {
    out["reservation"] = reservationAnswer(r->reservation);
  }
  return out;
}

Value updateOrderStatus(Transaction& tx, const std::string& code, const StatusChange& change) {
  const std::string& status = change.status;
  std::optional<StoredOrder> current = readOrder(tx, code);
  if (!current) notFound("Order " + code + " not found");
  checkVersion(std::string(kOrder) + "#" + code, change.version.value_or(-1), current->version);
  Order& o = current->order;
  if (!isAllowedTransition(o.status, status)) {
    throw ApiError(400, "Cannot transition from " + o.status + " to " + status, errc::kInvalidTransition);
  }
  if (status == "cancelled" && !o.returns.empty()) {
    conflict("Order " + code + " has returns: refund what is left with a return instead of cancelling it");
  }
  o.status = status;
  if (status == "shipped") o.shippedAt = tx.now();
  if (status == "delivered") o.deliveredAt = tx.now();
  return writeOrder(tx, o, current->version);
}

}  // namespace edgecart
