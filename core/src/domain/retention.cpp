// Retention: final orders leave the live state (retention.h).

#include "edgecart/domain/retention.h"

#include <vector>

#include "edgecart/domain/domain.h"
#include "edgecart/engine/clock.h"

namespace edgecart {
namespace {

bool evictable(const json& item, const std::string& cutoffIso) {
  const json& a = item.value("attributes", json::object());
  const std::string status = a.value("status", "");
  if (status != "delivered" && status != "cancelled") return false;
  // ISO-8601 UTC times of one format compare as strings.
  return item.value("updatedAt", "") <= cutoffIso;
}

}  // namespace

json evictFinalOrders(Engine& engine, const std::string& tenant, const RetentionPolicy& policy) {
  const std::string pk = tenantPk(tenant);
  const std::string cutoff = formatIsoTime(engine.clock().nowMs() - policy.finalForMs);
  std::vector<std::string> candidates;
  engine.store().scan(Table::Data, pk, "ORDER#", "", [&](const std::string& sk, const Value& v) {
    if (evictable(*v, cutoff) && !(policy.keep && policy.keep(sk))) candidates.push_back(sk);
    return candidates.size() < policy.limit;
  });
  json evicted = json::array();
  if (candidates.empty()) return evicted;
  const Context ctx{tenant, "retention", {"admin"}};
  return engine.run(ctx, [&](Transaction& tx) {
    json out = json::array();
    for (const std::string& sk : candidates) {
      const Value v = tx.get(Table::Data, pk, sk);
      if (!v || !evictable(*v, cutoff)) continue;  // changed since the scan
      json answer = orderAnswer(tx, v);
      tx.putRow(Table::Data, pk, sk, nullptr);
      // Its reservation row (released or deducted: final) goes with it.
      const std::string reservation = std::string(kReservation) + "#" + answer.at("code").get<std::string>();
      if (tx.getItem(reservation)) tx.putRow(Table::Data, pk, reservation, nullptr);
      out.push_back(std::move(answer));
    }
    return out;
  });
}

}  // namespace edgecart
