#pragma once
// How the FileStore keys its in-memory rows (internal to core/src).

#include <map>
#include <string>
#include <string_view>

#include "edgecart/engine/store.h"

namespace edgecart {

inline bool isState(Table t) { return t == Table::Data || t == Table::Sequence; }

// Table digit + pk + NUL + sk: one ordered key space whose order is (table, pk, sk).
inline std::string stateKey(Table t, std::string_view pk, std::string_view sk) {
  std::string k;
  k.reserve(2 + pk.size() + sk.size());
  k.push_back(static_cast<char>('0' + static_cast<int>(t)));
  k.append(pk).push_back('\0');
  k.append(sk);
  return k;
}

// Visits the rows of `rows` under table t / pk / prefix, after `after`, like Store::scan.
void scanState(const std::map<std::string, std::string>& rows, Table t, const std::string& pk,
               const std::string& prefix, const std::string& after, const RowVisitor& visit);

}  // namespace edgecart
