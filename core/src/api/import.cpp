// Importing a supplier's catalogue (docs/api.md, "Importing a catalogue"): CSV or JSON lines,
// upserted by code, every rejected row reported with its line and reason, valid rows applied.

#include <algorithm>
#include <map>
#include <optional>

#include "edgecart/api/requests.h"
#include "edgecart/api/validate.h"
#include "edgecart/domain/domain.h"
#include "edgecart/domain/inventory.h"
#include "edgecart/domain/money.h"
#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

constexpr size_t kMaxReported = 1000;  // rejected rows listed (all are counted)

const char* const kColumns[] = {"code", "name", "categoryCode", "sku", "price", "currency",
                                "quantity", "description", "isActive", "taxClass"};
const char* const kRequired[] = {"code", "name", "categoryCode", "sku", "price", "currency"};

struct Row {
  size_t line;   // where the row begins (1: the first line of the text)
  json fields;   // an object, or a string: why the row could not be read
};

// RFC 4180 records: fields separated by commas, quoted with "..." ("" inside is a quote, and a
// quoted field may span lines), records ended by LF or CRLF. Each record keeps its first line.
std::vector<std::pair<size_t, std::vector<std::string>>> csvRecords(const std::string& text) {
  std::vector<std::pair<size_t, std::vector<std::string>>> out;
  std::vector<std::string> record;
  std::string field;
  size_t line = 1, start = 1;
  bool quoted = false, wasQuoted = false, any = false;
  auto endField = [&] {
    record.push_back(std::move(field));
    field.clear();
    wasQuoted = false;
  };
  auto endRecord = [&] {
    endField();
    if (!(record.size() == 1 && record[0].empty() && !any)) out.emplace_back(start, std::move(record));
    record.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && field.empty() && !wasQuoted) {
      quoted = wasQuoted = any = true;
    } else if (c == ',') {
      endField();
      any = true;
    } else if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      endRecord();
      start = ++line;
    } else {
      if (wasQuoted) badRequest("line " + std::to_string(line) + ": text after a closing quote");
      field.push_back(c);
      any = true;
    }
  }
  if (quoted) badRequest("line " + std::to_string(start) + ": a quoted field is never closed");
  if (any || !field.empty() || !record.empty()) endRecord();
  return out;
}

bool known(const std::string& column) {
  for (const char* c : kColumns) {
    if (column == c) return true;
  }
  return false;
}

// The rows of a CSV text: the header names the columns (any order; unknown or repeated ones are
// refused), each record becomes {column: value} with price, quantity and isActive typed.
std::vector<Row> csvRows(const std::string& text) {
  auto records = csvRecords(text);
  if (records.empty()) badRequest("csv is empty: its first line must name the columns");
  const std::vector<std::string> header = records.front().second;
  for (size_t i = 0; i < header.size(); ++i) {
    if (!known(header[i])) {
      badRequest("csv column " + echo(header[i]) + " is not one of code, name, categoryCode, sku, price, currency, "
                 "quantity, description, isActive, taxClass");
    }
    for (size_t j = 0; j < i; ++j) {
      if (header[j] == header[i]) badRequest("csv column " + header[i] + " is named twice");
    }
  }
  for (const char* r : kRequired) {
    if (std::find(header.begin(), header.end(), r) == header.end()) badRequest(std::string("csv has no column ") + r);
  }
  std::vector<Row> rows;
  for (size_t k = 1; k < records.size(); ++k) {
    auto& [line, cells] = records[k];
    if (cells.size() != header.size()) {
      rows.push_back({line, "has " + std::to_string(cells.size()) + " fields; the header has " + std::to_string(header.size())});
      continue;
    }
    json fields = json::object();
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string& name = header[i];
      std::string& cell = cells[i];
      if (name == "price") {
        const json n = parseJsonKeepingCents(cell);
        fields[name] = n.is_number() ? n : json(cell);  // not a number: refused by the product's rules
      } else if (name == "quantity") {
        if (cell.empty()) continue;
        const json n = json::parse(cell, nullptr, false);
        fields[name] = n.is_number_integer() ? n : json(cell);
      } else if (name == "isActive") {
        if (cell.empty()) continue;
        fields[name] = cell == "true" ? json(true) : cell == "false" ? json(false) : json(cell);
      } else if ((name == "description" || name == "taxClass") && cell.empty()) {
        continue;
      } else {
        fields[name] = std::move(cell);
      }
    }
    rows.push_back({line, std::move(fields)});
  }
  return rows;
}

std::vector<Row> jsonRows(const std::string& text) {
  std::vector<Row> rows;
  size_t line = 0, at = 0;
  while (at < text.size()) {
    const size_t end = std::min(text.find('\n', at), text.size());
    std::string one = text.substr(at, end - at);
    at = end + 1;
    ++line;
    if (one.find_first_not_of(" \t\r") == std::string::npos) continue;
    json fields = parseJsonKeepingCents(one);
    if (fields.is_discarded() || !fields.is_object()) {
      rows.push_back({line, "is not a JSON object"});
    } else {
      rows.push_back({line, std::move(fields)});
    }
  }
  return rows;
}

// The stock a row sets, checked before anything of the row is written.
std::optional<int64_t> rowQuantity(const json& fields) {
  auto it = fields.find("quantity");
  if (it == fields.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > kMaxStock) {
    badRequest("quantity must be an integer between 0 and " + std::to_string(kMaxStock));
  }
  return it->get<int64_t>();
}

}  // namespace

json importProducts(Transaction& tx, const json& body, const DomainOptions& options) {
  Fields f(body, "body", {"csv", "jsonl"});
  if (f.has("csv") == f.has("jsonl")) badRequest("one of csv or jsonl is required");
  const std::vector<Row> rows = f.has("csv") ? csvRows(f.str("csv", SIZE_MAX)) : jsonRows(f.str("jsonl", SIZE_MAX));
  if (rows.empty()) badRequest("there are no rows to import");
  int64_t created = 0, updated = 0, unchanged = 0, rejectedCount = 0;
  json rejected = json::array();
  std::map<std::string, size_t> seen;  // code -> line
  for (const Row& row : rows) {
    std::string code;
    try {
      if (row.fields.is_string()) badRequest(row.fields.get<std::string>());
      const json& in = row.fields;
      Fields p(in, "row", {"code", "name", "categoryCode", "sku", "price", "currency", "quantity", "description", "isActive", "taxClass"});
      code = p.code("code");
      const auto [first, fresh] = seen.emplace(code, row.line);
      if (!fresh) badRequest("code " + code + " is also on line " + std::to_string(first->second));
      const std::optional<int64_t> quantity = rowQuantity(in);
      json product = in;
      product.erase("quantity");
      const std::string sk = std::string(kProduct) + "#" + code;
      const Value before = tx.getItem(sk);
      const Value stockBefore = tx.getItem(std::string(kInventory) + "#" + code);
      if (before) {
        // An update: the product's identity (SKU, currency) stays; everything else follows the file.
        const Product stored = productFrom(*before);
        for (const auto& [fixed, value] : {std::pair{"sku", json(stored.sku)}, std::pair{"currency", json(stored.currency)}}) {
          if (product.value(fixed, json()) != value) {
            badRequest(std::string(fixed) + " of " + code + " is " + value.dump() + " and cannot change");
          }
          product.erase(fixed);
        }
        product.erase("code");
        if (quantity && stockBefore) checkCoversReserved(inventoryFrom(*stockBefore), *quantity);
      }
      // Everything above only read. Each of these checks the whole row before it writes, so a
      // refused row writes nothing.
      const Value after = before ? updateProduct(tx, code, parseProductChange(product), options)
                                 : createProduct(tx, parseProductInput(product), options);
      if (quantity) {
        InventoryChange set;
        set.quantity = quantity;
        updateInventory(tx, code, set);
      }
      const bool same = after == before && (!quantity || tx.getItem(std::string(kInventory) + "#" + code) == stockBefore);
      ++(same ? unchanged : before ? updated : created);
    } catch (const ApiError& e) {
      if (e.status() >= 500) throw;
      ++rejectedCount;
      if (rejected.size() < kMaxReported) {
        json r = {{"line", row.line}, {"message", e.what()}};
        if (!code.empty()) r["code"] = code;
        rejected.push_back(std::move(r));
      }
    }
  }
  return {{"rows", rows.size()}, {"created", created}, {"updated", updated}, {"unchanged", unchanged},
          {"rejectedCount", rejectedCount}, {"rejected", std::move(rejected)}};
}

}  // namespace edgecart
