// The list reads of the route table (routes.h): pages of products, orders, returns and sessions,
// and the categories.

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "routes.h"
#include "edgecart/api/validate.h"
#include "edgecart/domain/till.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr int64_t kDefaultLimit = 20;
constexpr int64_t kMaxLimit = 100;
constexpr size_t kMaxCursorLength = 256;

}  // namespace

// Every category a product has, in code order, from the look-ups: one short read per category
// (the read skips past each category's rows), never one per product.
json categoryList(Engine& engine, const Context& ctx) {
  Store& store = engine.store();
  const std::string pk = tenantPk(ctx.tenantCode);
  json items = json::array();
  if (!engine.hasLookup(pk, "PRODUCT#")) {
    std::set<std::string> seen;
    store.scan(Table::Data, pk, "PRODUCT#", "", [&](const std::string&, const Value& v) {
      const json& c = attrs(*v).value("categoryCode", json());
      if (c.is_string()) seen.insert(c.get<std::string>());
      return true;
    });
    for (const std::string& c : seen) items.push_back({{"code", c}});
    return {{"items", std::move(items)}};
  }
  const std::string tag = "cat:";
  std::string after;
  for (bool found = true; found;) {
    found = false;
    store.scan(Table::Sequence, lookupPk(pk), tag, after, [&](const std::string& row, const Value&) {
      const std::string code = row.substr(tag.size(), row.find(kLookupSep) - tag.size());
      items.push_back({{"code", code}});
      after = tag + code + kLookupSep + "\x7f";  // past every row of this category
      found = true;
      return false;
    });
  }
  return {{"items", std::move(items)}};
}

json listItems(Engine& engine, const Context& ctx, const std::string& prefix, const std::string& query,
               const std::string& owner) {
  const bool orders = prefix == "ORDER#", products = prefix == "PRODUCT#";
  const bool returns = prefix == "RETURN#", sessions = prefix == "SESSION#";
  std::map<std::string, std::string> q = parseQuery(query);
  int64_t limit = kDefaultLimit;
  std::string cursor;
  bool descending = false;
  bool withStock = false;
  std::vector<std::pair<const char*, json>> filters;  // attribute -> the value it must have
  std::string customerId, sku, category, till, sessionStatus;
  std::vector<std::string> words;  // of q: each must begin a word of the name
  auto checkLength = [](const char* name, const std::string& value) {
    if (value.empty() || value.size() > kMaxCodeLength) {
      badRequest(std::string(name) + " must be between 1 and " + std::to_string(kMaxCodeLength) + " characters");
    }
  };
  for (const auto& [key, value] : q) {
    if (key == "limit") {
      const bool digits = !value.empty() && value.size() <= 3 &&
                          std::all_of(value.begin(), value.end(), ::isdigit);
      limit = digits ? std::stoll(value) : 0;
      if (limit < 1 || limit > kMaxLimit) {
        badRequest("limit must be an integer between 1 and " + std::to_string(kMaxLimit));
      }
    } else if (key == "cursor") {
      if (value.empty() || value.size() > kMaxCursorLength) badRequest("cursor must be a lastSk returned by this list");
      cursor = value;
    } else if (key == "order") {
      if (value != "asc" && value != "desc") badRequest("order must be asc or desc");
      descending = value == "desc";
    } else if (key == "status" && orders) {
      checkOrderStatus(value);
      filters.emplace_back("status", value);
    } else if (key == "status" && sessions) {
      if (value != "open" && value != "closed") badRequest("status must be open or closed");
      sessionStatus = value;
      filters.emplace_back("status", value);
    } else if (key == "till" && sessions) {
      checkLength("till", value);
      till = value;
      filters.emplace_back("till", value);
    } else if (key == "orderCode" && returns) {
      checkLength("orderCode", value);
      filters.emplace_back("orderCode", value);
    } else if (key == "customerId" && orders) {
      checkLength("customerId", value);
      customerId = value;
    } else if (key == "categoryCode" && products) {
      checkLength("categoryCode", value);
      category = value;
      filters.emplace_back("categoryCode", value);
    } else if (key == "isActive" && products) {
      if (value != "true" && value != "false") badRequest("isActive must be true or false");
      filters.emplace_back("isActive", value == "true");
    } else if (key == "sku" && products) {
      checkLength("sku", value);
      sku = value;
      filters.emplace_back("sku", value);
    } else if (key == "q" && products) {
      if (value.size() > kMaxNameLength) badRequest("q must be at most " + std::to_string(kMaxNameLength) + " characters");
      words = searchWords(value);
      if (words.empty()) badRequest("q must contain a letter or a digit");
    } else if (key == "include" && products) {
      if (value != "stock") badRequest("include must be stock");
      withStock = true;
    } else {
      badRequest("property " + echo(key) + " should not exist");
    }
  }
  // A till's open session is the one its TILL item names: one read, however many sessions the
  // shop has had (every till asks after each of its sales).
  if (sessions && !till.empty() && sessionStatus == "open" && cursor.empty()) {
    json items = json::array();
    const std::string pk = tenantPk(ctx.tenantCode);
    const Value t = engine.store().get(Table::Data, pk, std::string(kTill) + "#" + till);
    const json open = t ? attrs(*t).value("openSession", json()) : json();
    if (open.is_string()) {
      const Value session = engine.store().get(Table::Data, pk, std::string(kSession) + "#" + open.get<std::string>());
      if (session) items.push_back(*session);
    }
    return {{"items", std::move(items)}};
  }
  if (orders && !owner.empty()) {  // a customer lists its own orders only (RouteRule::own)
    if (!customerId.empty() && customerId != owner) {
      forbidden("Forbidden: a customer lists only its own orders: customerId must be " + echo(owner) +
                " or left out");
    }
    customerId = owner;
  }
  if (!customerId.empty()) filters.emplace_back("customerId", customerId);
  Store& store = engine.store();
  const std::string pk = tenantPk(ctx.tenantCode);
  // Products found through a look-up (see lookupPk): by barcode, else by the longest word of q,
  // else by category; the page's cursor is then the look-up row of its last item.
  std::string lookup;
  if (products && (!sku.empty() || !words.empty() || !category.empty()) && engine.hasLookup(pk, prefix)) {
    if (!sku.empty()) {
      lookup = "sku:" + sku + kLookupSep;
    } else if (!words.empty()) {
      lookup = "w:" + *std::max_element(words.begin(), words.end(),
                                        [](const auto& a, const auto& b) { return a.size() < b.size(); });
    } else {
      lookup = "cat:" + category + kLookupSep;
    }
  }
  if (!cursor.empty() && cursor.rfind(lookup.empty() ? prefix : lookup, 0) != 0) {
    badRequest("cursor must be a lastSk returned by this list");
  }
  // Every word of q begins a word of the name (any order).
  auto found = [&](const json& item) {
    if (words.empty()) return true;
    const std::vector<std::string> have = searchWords(item.value("name", ""));
    return std::all_of(words.begin(), words.end(), [&](const std::string& w) {
      return std::any_of(have.begin(), have.end(), [&](const std::string& h) { return h.compare(0, w.size(), w) == 0; });
    });
  };
  json items = json::array();
  bool more = false;
  std::string lastSk;
  auto take = [&](const Value& v, const std::string& position) {
    const json& a = attrs(*v);
    for (const auto& [field, want] : filters) {
      auto it = a.find(field);
      if (it == a.end() || *it != want) return true;
    }
    if (!found(*v)) return true;
    if (static_cast<int64_t>(items.size()) == limit) {
      more = true;
      return false;
    }
    json item = forCaller(ctx, *v);
    if (withStock) {
      const Value inv = store.get(Table::Data, pk, std::string(kInventory) + "#" + v->at("code").get<std::string>());
      item["inventory"] = inv ? forCaller(ctx, *inv) : json(nullptr);
    }
    items.push_back(std::move(item));
    lastSk = position;
    return true;
  };
  if (!lookup.empty()) {
    const bool byWord = lookup.rfind("w:", 0) == 0;
    const std::string scanned = byWord ? lookup.substr(2) : "";
    auto visit = [&](const std::string& row, const Value&) {
      const size_t sep = row.rfind(kLookupSep);
      const Value v = sep == std::string::npos ? nullptr : store.get(Table::Data, pk, row.substr(sep + 1));
      if (!v) return true;
      if (byWord) {
        // An item with two words beginning with the scanned prefix is taken at the first only.
        const std::string word = row.substr(2, sep - 2);
        for (const std::string& w : searchWords(v->value("name", ""))) {
          if (w < word && w.compare(0, scanned.size(), scanned) == 0) return true;
        }
      }
      return take(v, row);
    };
    if (descending) {
      store.scanBackward(Table::Sequence, lookupPk(pk), lookup, cursor, visit);
    } else {
      store.scan(Table::Sequence, lookupPk(pk), lookup, cursor, visit);
    }
  } else if (engine.hasListIndex(pk, prefix)) {
    // In number order (see naturalKey): each index row names its item.
    const std::string from = cursor.empty() ? "" : naturalKey(prefix, cursor);
    auto visit = [&](const std::string&, const Value& entry) {
      const Value v = store.get(Table::Data, pk, entry->at("sk").get<std::string>());
      return v ? take(v, v->at("sk").get<std::string>()) : true;
    };
    if (descending) {
      store.scanBackward(Table::Sequence, indexPk(pk), prefix, from, visit);
    } else {
      store.scan(Table::Sequence, indexPk(pk), prefix, from, visit);
    }
  } else {
    auto visit = [&](const std::string& sk, const Value& v) { return take(v, sk); };
    if (descending) {
      store.scanBackward(Table::Data, pk, prefix, cursor, visit);
    } else {
      store.scan(Table::Data, pk, prefix, cursor, visit);
    }
  }
  json out = {{"items", std::move(items)}};
  if (more) out["lastSk"] = lastSk;
  return out;
}

}  // namespace edgecart
