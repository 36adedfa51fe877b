// Pending orders that expire (expiry.h, docs/money.md).

#include "edgecart/domain/expiry.h"

#include "edgecart/domain/domain.h"
#include "edgecart/domain/order.h"
#include "edgecart/engine/clock.h"

namespace edgecart {
namespace {

constexpr char kPendingTag[] = "pending:";

}  // namespace

void pendingOrderKeys(const json& order, std::vector<std::string>& keys) {
  const json& a = attrs(order);
  auto status = a.find("status");
  auto placed = a.find("placedAt");
  if (status == a.end() || *status != "pending" || placed == a.end() || !placed->is_string()) return;
  if (a.contains("payments")) return;  // paid at a till: the customer has the goods, nothing expires
  keys.push_back(kPendingTag + placed->get<std::string>());
}

bool expireOrder(Transaction& tx, const std::string& code, const std::string& cutoffIso) {
  std::optional<StoredOrder> stored = readOrder(tx, code);
  if (!stored) return false;
  Order& o = stored->order;
  // Read again in this transaction: confirmed (or cancelled) since the sweep looked, it stays.
  if (o.status != "pending" || o.placedAt >= cutoffIso) return false;
  if (o.payments) return false;  // paid at a till
  o.status = "cancelled";
  o.cancelledAt = tx.now();
  o.cancelReason = "expired";
  tx.notify({{"type", "order_expired"}, {"orderId", code}, {"customerId", o.customerId}, {"placedAt", o.placedAt}});
  // The version read: a commit that meets a newer one re-runs this and finds it no longer pending.
  writeOrder(tx, o, stored->version);
  return true;
}

size_t expirePendingOrders(Engine& engine, size_t limit) { return ExpirySweeper(limit).sweep(engine); }

size_t ExpirySweeper::sweep(Engine& engine) {
  if (++sweeps_ % kRetryEvery == 0) failed_.clear();  // what was passed over is tried again
  std::vector<std::pair<std::string, int64_t>> tenants;  // tenant -> minutes
  engine.store().scan(Table::Sequence, kExpiringPk, "", "", [&](const std::string& tenant, const Value& v) {
    tenants.emplace_back(tenant, v->value("minutes", int64_t{0}));
    return true;
  });
  size_t cancelled = 0;
  for (const auto& [tenant, minutes] : tenants) {
    if (minutes <= 0) continue;
    const Context ctx{tenant, "system:expiry", {"admin"}};
    std::string cutoff;
    {
      Transaction probe(engine, ctx);
      cutoff = formatIsoTime(probe.nowMs() - minutes * 60'000);
    }
    // The oldest pending orders up to the cutoff, less those passed over: the look-up rows sort
    // by placedAt.
    std::set<std::string>& failed = failed_[tenant];
    std::vector<std::string> codes;
    const std::string end = kPendingTag + cutoff;
    engine.store().scan(Table::Sequence, lookupPk(tenantPk(tenant)), kPendingTag, "", [&](const std::string& row, const Value&) {
      const size_t sep = row.find(kLookupSep);
      if (sep == std::string::npos) return true;
      if (row.compare(0, sep, end) >= 0) return false;  // placed at or after the cutoff: all later ones too
      const std::string sk = row.substr(sep + 1);
      std::string code = sk.substr(sk.find('#') + 1);
      if (failed.count(code)) return true;
      codes.push_back(std::move(code));
      return codes.size() < limit_;
    });
    for (const std::string& code : codes) {
      try {
        bool done = false;
        engine.run(ctx, [&](Transaction& tx) { done = expireOrder(tx, code, cutoff); });
        cancelled += done;
      } catch (const std::exception&) {
        failed.insert(code);  // refused or failed: passed over until the next retry
      }
    }
  }
  return cancelled;
}

}  // namespace edgecart
