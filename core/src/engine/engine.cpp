#include "edgecart/engine/engine.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr int kMaxHandlerDepth = 8;

// Views, not `const char*`s: a map look-up by a `const char*` runs strlen at each node it compares.
constexpr std::array<std::string_view, 9> kContentFields = {"id", "code", "name", "tenantCode", "type", "isDeleted",
                                                           "seq", "ttl", "attributes"};

bool sameContent(const json& a, const json& b) {
  for (const std::string_view f : kContentFields) {
    const auto ia = a.find(f), ib = b.find(f);  // one lookup per side and field
    const bool ha = ia != a.end(), hb = ib != b.end();
    if (ha != hb || (ha && *ia != *ib)) return false;
  }
  return true;
}

}  // namespace

std::string indexPk(const std::string& dataPk) { return "INDEX#" + dataPk; }
std::string lookupPk(const std::string& dataPk) { return "LOOKUP#" + dataPk; }

std::string naturalKey(const std::string& prefix, const std::string& sk) {
  std::string out = prefix;
  size_t i = prefix.size();
  while (i < sk.size()) {
    if (sk[i] < '0' || sk[i] > '9') {
      out.push_back(sk[i++]);
      continue;
    }
    size_t end = i;
    while (end < sk.size() && sk[end] >= '0' && sk[end] <= '9') ++end;
    char len[8];
    std::snprintf(len, sizeof len, "%02zu", std::min<size_t>(end - i, 99));  // codes are <= 64 chars
    out += len;
    out.append(sk, i, end - i);
    i = end;
  }
  return out;
}

bool Engine::hasListIndex(const std::string& dataPk, const std::string& prefix) const {
  return std::find(indexes_.begin(), indexes_.end(), prefix) != indexes_.end() &&
         store_.get(Table::Sequence, indexPk(dataPk), "built#" + prefix) != nullptr;
}

bool Engine::hasLookup(const std::string& dataPk, const std::string& prefix) const {
  for (const Lookup& l : lookups_) {
    if (l.prefix == prefix) return store_.get(Table::Sequence, lookupPk(dataPk), "built#" + prefix) != nullptr;
  }
  return false;
}

__attribute__((noinline)) void put(json& object, const char* key, json&& value) {
  object.emplace(key, std::move(value));
}

__attribute__((noinline)) void put(json& object, const char* key, const json& value) { object.emplace(key, value); }

bool isValidTenantCode(const std::string& t) {
  if (t.empty() || t.size() > 64) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return false;
  }
  return true;
}

void checkVersion(const std::string& sk, int64_t requested, int64_t latest) {
  if (requested == -1) return;
  if (requested < -1) badRequest("version must be -1, 0 or a positive integer");
  if (requested == 0) {
    if (latest > 0) throw ApiError(409, sk + " already exists", errc::kAlreadyExists);
    return;
  }
  if (requested < latest) {
    throw ApiError(409, sk + " was modified: version " + std::to_string(requested) +
                            " is stale, the latest is " + std::to_string(latest),
                   errc::kVersionConflict);
  }
  if (requested > latest) {
    badRequest("version " + std::to_string(requested) + " of " + sk +
               " is ahead of the latest version " + std::to_string(latest));
  }
}

Transaction::Transaction(Engine& engine, Context context)
    : engine_(engine),
      context_(std::move(context)),
      pk_(tenantPk(context_.tenantCode)),
      nowMs_(engine.clock().nowMs()),
      nowIso_(formatIsoTime(nowMs_)) {}

Value Transaction::get(Table table, const std::string& pk, const std::string& sk) const {
  const auto key = std::forward_as_tuple(table, pk, sk);  // no key copies for a lookup
  auto it = writes_.find(key);
  if (it != writes_.end()) return it->second;
  auto seen = reads_.lower_bound(key);
  if (seen != reads_.end() && !reads_.key_comp()(key, seen->first)) return seen->second;
  Value v = engine_.store().get(table, pk, sk);
  reads_.emplace_hint(seen, std::make_tuple(table, pk, sk), v);
  return v;
}

Reads Transaction::reads() const {
  Reads out;
  out.reserve(reads_.size() + mustBeNew_.size());
  for (const auto& [key, seen] : reads_) out.push_back(Read{std::get<0>(key), std::get<1>(key), std::get<2>(key), seen});
  for (const Key& key : mustBeNew_) {
    if (!reads_.count(key)) out.push_back(Read{std::get<0>(key), std::get<1>(key), std::get<2>(key), nullptr});
  }
  return out;
}

bool Engine::staleRefusal(const Transaction& tx, const ApiError& e) const {
  return e.status() < 500 && store_.checksExpectations() && !store_.readsHold(tx.reads());
}

void Engine::retryOrGiveUp(int attempt) {
  ++conflicts_;
  if (attempt >= kMaxAttempts) {
    throw ApiError(409, "Inventory was modified, please retry", errc::kConflict);
  }
  if (backoff_) backoff_(attempt);
}

void Transaction::put(Table table, const std::string& pk, std::string sk, Value value) {
  if (table == Table::Data) {
    if (!engine_.listIndexes().empty()) index(pk, sk, value);
    for (const Lookup& l : engine_.lookups()) {
      if (sk.compare(0, l.prefix.size(), l.prefix) == 0) lookup(l, pk, sk, value);
    }
  }
  write(table, pk, std::move(sk), std::move(value));
}

namespace {

// An item's look-up keys, sorted and without repeats (or none for no item).
std::vector<std::string> lookupKeys(const Lookup& l, const Value& item) {
  std::vector<std::string> keys;
  if (!item) return keys;
  l.keys(*item, keys);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

const Value& lookupMark() {
  static const Value mark = std::make_shared<const json>(json::object());
  return mark;
}

}  // namespace

void Transaction::lookup(const Lookup& l, const std::string& pk, const std::string& sk, const Value& value) {
  const std::string lpk = lookupPk(pk);
  auto rowOf = [&](const std::string& key, const std::string& itemSk) {
    std::string row = key;
    row += kLookupSep;
    row += itemSk;
    return row;
  };
  if (!get(Table::Sequence, lpk, "built#" + l.prefix)) {
    // The first write under the prefix of a partition made before its look-ups: index it whole.
    std::vector<std::pair<std::string, Value>> existing;
    engine_.store().scan(Table::Data, pk, l.prefix, "", [&](const std::string& s, const Value&) {
      existing.emplace_back(s, nullptr);
      return true;
    });
    for (auto& [s, item] : existing) {
      item = get(Table::Data, pk, s);
      for (const std::string& key : lookupKeys(l, item)) write(Table::Sequence, lpk, rowOf(key, s), lookupMark());
    }
    write(Table::Sequence, lpk, "built#" + l.prefix, lookupMark());
  }
  const std::vector<std::string> before = lookupKeys(l, get(Table::Data, pk, sk));
  const std::vector<std::string> after = lookupKeys(l, value);
  for (const std::string& key : before) {
    if (!std::binary_search(after.begin(), after.end(), key)) write(Table::Sequence, lpk, rowOf(key, sk), nullptr);
  }
  for (const std::string& key : after) {
    if (!std::binary_search(before.begin(), before.end(), key)) write(Table::Sequence, lpk, rowOf(key, sk), lookupMark());
  }
}

void Transaction::index(const std::string& pk, const std::string& sk, const Value& value) {
  for (const std::string& prefix : engine_.listIndexes()) {
    if (sk.compare(0, prefix.size(), prefix) != 0) continue;
    if ((get(Table::Data, pk, sk) != nullptr) == (value != nullptr)) return;  // an update: same key
    const std::string ipk = indexPk(pk);
    if (!get(Table::Sequence, ipk, "built#" + prefix)) {
      // The first indexed write of a partition made before indexes existed: index it whole.
      std::vector<std::string> existing;
      engine_.store().scan(Table::Data, pk, prefix, "", [&](const std::string& s, const Value&) {
        existing.push_back(s);
        return true;
      });
      for (const std::string& s : existing) {
        if (get(Table::Data, pk, s)) write(Table::Sequence, ipk, naturalKey(prefix, s), std::make_shared<const json>(json{{"sk", s}}));
      }
      write(Table::Sequence, ipk, "built#" + prefix, std::make_shared<const json>(json::object()));
    }
    write(Table::Sequence, ipk, naturalKey(prefix, sk), value ? std::make_shared<const json>(json{{"sk", sk}}) : nullptr);
    return;
  }
}

void Transaction::write(Table table, const std::string& pk, std::string sk, Value value) {
  const auto key = std::forward_as_tuple(table, pk, sk);
  auto it = writes_.lower_bound(key);
  if (it != writes_.end() && !writes_.key_comp()(key, it->first)) {
    it->second = std::move(value);  // written before in this transaction
  } else {
    writes_.emplace_hint(it, std::make_tuple(table, pk, std::move(sk)), std::move(value));
  }
}

Value Transaction::publish(CommandInput in) {
  const std::string sk = in.type + "#" + in.code;
  Value current = getItem(sk);
  const int64_t latest = current ? itemVersion(*current) : 0;
  checkVersion(sk, in.version, latest);

  // Filled field by field: a braced initializer list would build and destroy a temporary
  // [key, value] array per field, and this runs for every item written.
  json item(json::value_t::object);
  item.emplace("pk", pk_);
  item.emplace("sk", sk);
  item.emplace("id", pk_ + "#" + sk);
  item.emplace("code", std::move(in.code));
  item.emplace("name", std::move(in.name));
  item.emplace("version", latest + 1);
  item.emplace("tenantCode", context_.tenantCode);
  item.emplace("type", std::move(in.type));
  item.emplace("isDeleted", in.isDeleted);
  if (in.seq) item.emplace("seq", *in.seq);
  if (in.ttl) item.emplace("ttl", *in.ttl);
  item.emplace("attributes", std::move(in.attributes));
  if (current && sameContent(*current, item)) return current;
  item["createdAt"] = current ? current->at("createdAt") : json(nowIso_);
  item["createdBy"] = current ? current->at("createdBy") : json(context_.userId);
  item["updatedAt"] = nowIso_;
  item["updatedBy"] = context_.userId;

  Value stored = std::make_shared<const json>(std::move(item));
  insertRow(Table::Command, pk_, sk + "@" + std::to_string(latest + 1), stored);
  put(Table::Data, pk_, sk, stored);
  if (current) insertRow(Table::History, pk_, sk + "@" + std::to_string(latest), current);

  if (++depth_ > kMaxHandlerDepth) throw ApiError(500, "Handlers nested too deeply at " + sk);
  changes_.push_back(DataChange{sk, current, stored});
  DataChange change = changes_.back();
  change.typed = in.typed;  // for the handlers only: it points into the caller's frame
  for (const Handler& h : engine_.handlers()) h(*this, change);
  --depth_;
  return stored;
}

int64_t Transaction::nextSequence(const std::string& name) {
  Value cur = get(Table::Sequence, pk_, name);
  const int64_t next = (cur ? cur->at("value").get<int64_t>() : 0) + 1;
  json row(json::value_t::object);
  row.emplace("value", next);
  row.emplace("updatedAt", nowIso_);
  put(Table::Sequence, pk_, name, std::make_shared<const json>(std::move(row)));
  return next;
}

void Transaction::notify(json n) {
  n["at"] = nowIso_;
  notifications_.push_back(std::move(n));
}

Batch Transaction::batch() const {
  Batch b;
  b.reserve(writes_.size());
  for (const auto& [key, value] : writes_) {
    b.push_back(Put{std::get<0>(key), std::get<1>(key), std::get<2>(key), value});
  }
  return b;
}

Batch Transaction::takeBatch() {
  Batch b;
  b.reserve(writes_.size());
  while (!writes_.empty()) {
    auto node = writes_.extract(writes_.begin());  // moves the keys out instead of copying them
    auto& [table, pk, sk] = node.key();
    b.push_back(Put{table, std::move(pk), std::move(sk), std::move(node.mapped())});
  }
  return b;
}

}  // namespace edgecart
