#pragma once
// The e-commerce domain of the seed (docs/design.md §4): products, inventory, orders, and the order
// handler that reserves, releases and deducts stock. Each function runs inside a Transaction
// and throws ApiError on bad input or a refused change (the transaction then writes nothing).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edgecart/domain/money.h"
#include "edgecart/engine/engine.h"

namespace edgecart {

struct Product;

// What a host configures; a shop's own settings (ShopSettings) start from it.
struct DomainOptions {
  int64_t taxBasisPoints = 1000;                 // 10 %: the default settings' one rate; see taxFor
  std::string orderCodeFormat = "ORD-%%no#:0>6%%";
  std::map<std::string, int64_t> tenantTaxBasisPoints;  // overrides by tenant code
  int64_t taxFor(const std::string& tenant) const {
    auto it = tenantTaxBasisPoints.find(tenant);
    return it == tenantTaxBasisPoints.end() ? taxBasisPoints : it->second;
  }
};

// Item types (the part of the sort key before '#').
inline constexpr char kProduct[] = "PRODUCT";
inline constexpr char kInventory[] = "INVENTORY";
inline constexpr char kOrder[] = "ORDER";
// Which units an order holds, kept beside the order so release/deduct touch only its units: the
// typed item of reservation.h.
inline constexpr char kReservation[] = "RESERVATION";
// A shop's settings: one item, SETTINGS#shop (docs/money.md).
inline constexpr char kSettings[] = "SETTINGS";
inline constexpr char kSettingsCode[] = "shop";

constexpr int64_t kMaxQuantity = 1'000'000;         // per order line
constexpr int64_t kMaxStock = 1'000'000'000;        // units of one product
constexpr size_t kMaxOrderLines = 100;
constexpr size_t kMaxTenders = 8;                   // payments of one sale

// A shop's settings (docs/money.md), read from its SETTINGS#shop item, or the defaults when it
// has none: USD, one tax class "standard" at the host's rate (DomainOptions::taxFor), prices
// without tax, a cashier discount limit of 10 %, no expiry of pending orders, cash and card, a
// return window of 30 days.
struct ShopSettings {
  Currency currency{"USD", 2};
  std::map<std::string, int64_t> taxClasses;  // code -> rate (kRateScale)
  std::string defaultTaxClass = "standard";
  std::map<std::string, std::string> categoryTaxClasses;  // categoryCode -> tax class
  bool pricesIncludeTax = false;
  std::string receiptHeader;
  int64_t cashierDiscountLimit = 10'000;  // rate units: 10 %
  std::optional<int64_t> pendingOrderExpiryMinutes;
  std::vector<std::string> tenders{"cash", "card"};  // what a sale may be paid with
  int64_t returnWindowDays = 30;  // a cashier refunds orders placed within it (docs/till.md)
  // The rate of a product's line: its own taxClass, else its category's, else the default.
  // 409 when the class named is not one of taxClasses.
  int64_t taxRateOf(const Product* product) const;
};
ShopSettings shopSettings(const Transaction& tx, const DomainOptions& options);
// GET /settings: the item, or (never written) the defaults as an item of version 0.
json settingsAnswer(const Transaction& tx, const DomainOptions& options);
// PATCH /settings {currency?, taxClasses?, defaultTaxClass?, categoryTaxClasses?, pricesIncludeTax?,
// receiptHeader?, cashierDiscountLimit?, pendingOrderExpiryMinutes?, tenders?, returnWindowDays?,
// version?}, parsed (api/requests.h): each field given replaces the shop's. The classes named
// (defaultTaxClass, categoryTaxClasses) must be among the taxClasses the change leaves (400).
struct SettingsChange {
  std::optional<Currency> currency;
  std::optional<std::map<std::string, int64_t>> taxClasses;
  std::optional<std::string> defaultTaxClass;
  std::optional<std::map<std::string, std::string>> categoryTaxClasses;
  std::optional<bool> pricesIncludeTax;
  std::optional<std::string> receiptHeader;
  std::optional<int64_t> cashierDiscountLimit;
  std::optional<std::optional<int64_t>> pendingOrderExpiryMinutes;  // {nullopt}: no expiry
  std::optional<std::vector<std::string>> tenders;
  std::optional<int64_t> returnWindowDays;
  std::optional<int64_t> version;
};
Value updateSettings(Transaction& tx, const SettingsChange& change, const DomainOptions& options);

// Products. Their inputs come parsed (api/requests.h).
// POST /products: a new product. Its price is in minor units of its currency (the request's,
// so parsed with it); `taxClass` (optional) must be one of the shop's tax classes (400).
// POST /products: a product to create, its currency and price checked.
struct ProductInput {
  std::string code;
  std::string name;
  std::string categoryCode;
  std::string sku;
  Currency currency;
  int64_t price = 0;  // minor units of `currency`
  std::string description;
  std::vector<std::string> images;
  bool isActive = true;
  std::optional<std::string> taxClass;
};
// A product as a type: a PRODUCT#<code> item (code and name are the item's, the rest its
// attributes). The domain reads and writes products only through it; JSON is met where the item
// is stored (productFrom, productAttributes) and where a request is parsed (api/requests.h).
// The currency and the price are kept as stored: an older version stored them unchecked (a JPY
// price of 29.99), and such a product can still be renamed, listed and given a valid price. Where
// the price is used, currencyOf and parseMoney check them (an order of it is refused with 400).
struct Product {
  std::string code;
  std::string name;
  std::string categoryCode;
  std::string sku;
  std::string currency;  // an ISO 4217 code, as stored
  json price;            // a JSON number, as stored
  std::string description;
  std::vector<std::string> images;
  bool isActive = true;
  std::optional<std::string> taxClass;
  // Attributes this version does not know (a newer one's), written back as they were.
  json others;  // null: none
};
// A stored item's product. A field missing or of another type throws std::runtime_error naming
// the item and the field.
Product productFrom(const json& item);
// The item's attributes (taxClass left out when there is none).
json productAttributes(const Product& product);
Value createProduct(Transaction& tx, const ProductInput& in, const DomainOptions& options);
Value getProduct(const Transaction& tx, const std::string& code);  // 404 if absent
// The product `code` as a transaction sees it, or nullopt when the catalogue does not have it.
std::optional<Product> readProduct(const Transaction& tx, const std::string& code);
// PATCH /products/{code}: the fields given replace the product's (one at least, checked where it
// is parsed). The price has at most the product's currency's decimals.
struct ProductChange {
  std::optional<std::string> name;
  std::optional<SentAmount> price;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> images;
  std::optional<std::string> categoryCode;
  std::optional<bool> isActive;
  std::optional<std::optional<std::string>> taxClass;  // {nullopt}: back to the category's or the default
  std::optional<int64_t> version;
};
Value updateProduct(Transaction& tx, const std::string& code, const ProductChange& change, const DomainOptions& options);

// A product's look-up keys (Engine::addLookup): "cat:<categoryCode>", "sku:<sku>" and "w:<word>"
// for each word of its name (see searchWords); none holds a control character.
void productLookupKeys(const json& product, std::vector<std::string>& keys);
// The words of a text as search matches them: runs of letters, digits and non-ASCII bytes,
// ASCII lower-cased, each at most 32 bytes (cut at a character boundary), at most 16, in order.
std::vector<std::string> searchWords(const std::string& text);

// Orders.
// Whose prices an order's lines carry. A customer pays the catalogue's: every line's product must
// exist and be active (else 409 UNKNOWN_PRODUCT), its name and price are the catalogue's, a line
// may leave them out, and a line that sends another price is refused with 409 PRICE_CHANGED
// naming the current one. Staff charge what the till showed (the seed's contract; perhaps an
// older price while offline): a line whose price is not the catalogue's when the order is
// applied records that price as `catalogPrice`, so a report can find sales below it.
enum class Pricing { Catalogue, AsSent };
// What discounts a caller may give (docs/money.md): a customer none (403), a cashier up to the
// shop's cashierDiscountLimit of the subtotal (403 naming it), a manager or an admin any.
enum class Discounts { None, UpToLimit, Any };
struct OrderCaller {
  Pricing pricing = Pricing::AsSent;
  Discounts discounts = Discounts::Any;
};
// An order's figures from its lines and discounts, under the shop's settings (docs/money.md):
// {currency, items (each with its amount, price × quantity, its taxRate and its discount), discount?, subtotal, discountTotal,
// taxes [{rate, base, tax}], tax, total, pricesIncludeTax}. Every amount is exact in minor units:
// subtotal - discountTotal + tax = total (tax-exclusive), subtotal - discountTotal = total
// (tax-inclusive, tax being the part of it). `body` is an order request; customerId,
// shippingAddress and paymentMethod are not needed (POST /orders/quote), nothing is written.
// An order request, parsed (api/requests.h): each field's form checked; prices, discount amounts
// and tenders still to be read in the order's currency, known once its products are read.
struct DiscountInput {
  std::optional<int64_t> percent;    // a rate (kRateScale)
  std::optional<SentAmount> amount;  // else an amount
  std::string reason;
};
struct OrderLineInput {
  std::string productCode;
  std::string name;                 // empty: the catalogue's
  int64_t quantity = 0;
  std::optional<SentAmount> price;  // none: the catalogue's
  std::optional<DiscountInput> discount;
};
struct TenderInput {
  std::string method;
  SentAmount amount;
};
struct Address {
  std::string street, city, postalCode, country;
};
struct OrderInput {
  std::string customerId;            // (an order; a quote has none of these three)
  Address shippingAddress;
  std::string paymentMethod;         // empty: the payments' (required without payments)
  std::vector<OrderLineInput> items;
  std::optional<DiscountInput> discount;
  std::optional<std::vector<TenderInput>> payments;
  std::string session;               // empty: none
};
json quoteOrder(const Transaction& tx, const OrderInput& in, const DomainOptions& options, OrderCaller caller);
Value createOrder(Transaction& tx, const OrderInput& in, const DomainOptions& options, OrderCaller caller);
Value getOrder(const Transaction& tx, const std::string& code);  // 404 if absent
// An order as the API answers it: the stored item plus `reservation` {state, error?, errorCode?}
// (held | none | released | deducted), so a caller sees whether its stock was reserved.
json orderAnswer(const Transaction& tx, const Value& order);
// PATCH /orders/{code}/status {status, version?}: one of the order's transitions.
struct StatusChange {
  std::string status;  // one of orderStatuses() (checked where it is parsed)
  std::optional<int64_t> version;
};
Value updateOrderStatus(Transaction& tx, const std::string& code, const StatusChange& change);
// The order statuses and the transitions between them (the seed's state machine): the lists the
// TypeScript OrderStatus and TRANSITIONS are generated from (web/src/rules.ts, api/rules.h).
struct OrderTransition {
  const char* from;
  const char* to;
};
const std::vector<const char*>& orderStatuses();
const std::vector<OrderTransition>& orderTransitions();
bool isOrderStatus(const std::string& s);
// 400 naming every status unless `s` is one.
void checkOrderStatus(const std::string& s);
bool isAllowedTransition(const std::string& from, const std::string& to);

// The seed's OrderDataSyncHandler, all-or-nothing and idempotent.
void orderHandler(Transaction& tx, const DataChange& change);
// Registers orderHandler with the engine.
void registerDomainHandlers(Engine& engine);

}  // namespace edgecart
