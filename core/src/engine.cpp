#include "edgecart/engine.h"

#include "edgecart/error.h"

namespace edgecart {
namespace {

constexpr int kMaxHandlerDepth = 8;

bool sameContent(const json& a, const json& b) {
  for (const char* f : {"id", "code", "name", "tenantCode", "type", "isDeleted", "seq", "ttl",
                        "attributes"}) {
    const bool ha = a.contains(f), hb = b.contains(f);
    if (ha != hb || (ha && a[f] != b[f])) return false;
  }
  return true;
}

}  // namespace

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
    if (latest > 0) conflict(sk + " already exists");
    return;
  }
  if (requested < latest) {
    conflict(sk + " was modified: version " + std::to_string(requested) +
             " is stale, the latest is " + std::to_string(latest));
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
  auto it = writes_.find(std::make_tuple(table, pk, sk));
  if (it != writes_.end()) return it->second;
  return engine_.store().get(table, pk, sk);
}

void Transaction::put(Table table, const std::string& pk, const std::string& sk, Value value) {
  writes_[std::make_tuple(table, pk, sk)] = std::move(value);
}

Value Transaction::publish(CommandInput in) {
  const std::string sk = in.type + "#" + in.code;
  Value current = getItem(sk);
  const int64_t latest = current ? itemVersion(*current) : 0;
  checkVersion(sk, in.version, latest);

  json item = {{"pk", pk_},
               {"sk", sk},
               {"id", pk_ + "#" + sk},
               {"code", in.code},
               {"name", in.name},
               {"version", latest + 1},
               {"tenantCode", context_.tenantCode},
               {"type", in.type},
               {"isDeleted", in.isDeleted}};
  if (in.seq) item["seq"] = *in.seq;
  if (in.ttl) item["ttl"] = *in.ttl;
  item["attributes"] = std::move(in.attributes);
  if (current && sameContent(*current, item)) return current;
  item["createdAt"] = current ? current->at("createdAt") : json(nowIso_);
  item["createdBy"] = current ? current->at("createdBy") : json(context_.userId);
  item["updatedAt"] = nowIso_;
  item["updatedBy"] = context_.userId;

  Value stored = std::make_shared<const json>(std::move(item));
  put(Table::Command, pk_, sk + "@" + std::to_string(latest + 1), stored);
  put(Table::Data, pk_, sk, stored);
  if (current) put(Table::History, pk_, sk + "@" + std::to_string(latest), current);

  if (++depth_ > kMaxHandlerDepth) throw ApiError(500, "Handlers nested too deeply at " + sk);
  changes_.push_back(DataChange{sk, current, stored});
  const DataChange change = changes_.back();
  for (const Handler& h : engine_.handlers()) h(*this, change);
  --depth_;
  return stored;
}

int64_t Transaction::nextSequence(const std::string& name) {
  Value cur = get(Table::Sequence, pk_, name);
  const int64_t next = (cur ? cur->at("value").get<int64_t>() : 0) + 1;
  put(Table::Sequence, pk_, name,
      std::make_shared<const json>(json{{"value", next}, {"updatedAt", nowIso_}}));
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

}  // namespace edgecart
