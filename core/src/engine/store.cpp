#include "edgecart/engine/store.h"

namespace edgecart {

const char* tableName(Table t) {
  switch (t) {
    case Table::Command: return "command";
    case Table::Data: return "data";
    case Table::History: return "history";
    case Table::Sequence: return "sequence";
  }
  return "?";
}

bool sameRow(const Value& seen, const Value& current) {
  if (!seen || !current) return !seen && !current;
  return seen == current || *seen == *current;
}

void Store::scanBackward(Table t, const std::string& pk, const std::string& prefix,
                         const std::string& before, const RowVisitor& visit) const {
  std::vector<std::pair<std::string, Value>> rows;
  scan(t, pk, prefix, "", [&](const std::string& sk, const Value& v) {
    if (!before.empty() && sk >= before) return false;
    rows.emplace_back(sk, v);
    return true;
  });
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (!visit(it->first, it->second)) return;
  }
}

}  // namespace edgecart
