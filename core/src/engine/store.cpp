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

Value TableImage::get(Table t, const std::string& pk, const std::string& sk) const {
  const Map& m = table(t);
  auto it = m.find(KeyRef(pk, sk));
  return it == m.end() ? nullptr : it->second;
}

void TableImage::scan(Table t, const std::string& pk, const std::string& prefix,
                      const std::string& after, const RowVisitor& visit) const {
  const Map& m = table(t);
  const bool resume = !after.empty() && after >= prefix;
  auto it = resume ? m.upper_bound(KeyRef(pk, after)) : m.lower_bound(KeyRef(pk, prefix));
  for (; it != m.end() && it->first.first == pk; ++it) {
    const std::string& sk = it->first.second;
    if (sk.compare(0, prefix.size(), prefix) != 0) break;
    if (!visit(sk, it->second)) break;
  }
}

void TableImage::scanBackward(Table t, const std::string& pk, const std::string& prefix,
                              const std::string& before, const RowVisitor& visit) const {
  if (!before.empty() && before <= prefix) return;  // nothing with the prefix sorts below it
  const Map& m = table(t);
  // No UTF-8 key contains byte 0xFF: prefix + 0xFF sorts after every key with the prefix.
  const std::string end = prefix + "\xFF";
  auto it = m.lower_bound(KeyRef(pk, before.empty() || before > end ? end : before));
  while (it != m.begin()) {
    --it;
    const std::string& sk = it->first.second;
    if (it->first.first != pk || sk.compare(0, prefix.size(), prefix) != 0) break;
    if (!visit(sk, it->second)) break;
  }
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

void TableImage::apply(const Batch& batch) {
  for (const Put& p : batch) {
    Map& m = table(p.table);
    const KeyRef key(p.pk, p.sk);
    auto it = m.lower_bound(key);
    const bool found = it != m.end() && !m.key_comp()(key, it->first);
    if (!p.value) {
      if (found) m.erase(it);
    } else if (found) {
      it->second = p.value;
    } else {
      m.emplace_hint(it, Key(p.pk, p.sk), p.value);  // the key is copied only for a new row
    }
  }
}

size_t TableImage::rowCount() const {
  size_t n = 0;
  for (const Map& m : tables_) n += m.size();
  return n;
}

}  // namespace edgecart
