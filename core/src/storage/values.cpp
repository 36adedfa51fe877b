// Values of format 004 (docs/storage-format.md, "Values"): an item's bytes in the log, its
// snapshot chunks and the store's in-memory state. Keyed MessagePack, written here; read with
// nlohmann's MessagePack reader, each one-byte key named as it is read (KeyedTree).

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgecart/storage/log_format.h"

namespace edgecart::logfmt {

namespace {

// Keyed values (format 004; docs/storage-format.md, "Values"): the byte 0xC1, which MessagePack
// never uses, then a flags byte, then MessagePack in which every object key of kKeys is written
// as the one byte 0x80 + its index (a lone byte >= 0x80 is never UTF-8, so never a real key).
// The flags name the fields left out because the item's other fields give them (kDerived, below).
// kKeys is part of the format: append to it, never reorder or remove.
constexpr char kKeyedValue = '\xC1';
constexpr unsigned char kIdDerived = 1;
constexpr unsigned char kSkDerived = 2;
constexpr unsigned char kTenantDerived = 4;
constexpr std::array<const char*, 115> kKeys = {
    // every item
    "pk", "sk", "id", "code", "name", "version", "tenantCode", "type", "isDeleted", "seq", "ttl",
    "attributes", "createdAt", "createdBy", "updatedAt", "updatedBy",
    // products, stock
    "categoryCode", "sku", "barcode", "description", "isActive", "price", "currency", "taxClass",
    "quantity", "reservedQuantity", "lastRestockedAt", "warehouseCode", "productCode",
    // orders, reservations
    "status", "customerId", "items", "amount", "taxRate", "taxes", "base", "rate", "tax", "subtotal",
    "total", "discountTotal", "discount", "discounts", "paymentMethod", "payments", "placedAt",
    "pricesIncludeTax", "shippingAddress", "street", "city", "postalCode", "country", "state",
    "reservation", "orderCode", "lines", "shippedAt", "confirmedAt", "cancelledAt", "deliveredAt",
    "processingAt", "expiresAt", "method", "reason", "change", "tendered",
    // returns, drawer sessions
    "returnedQuantity", "returns", "refunded", "refund", "restock", "till", "session",
    "openSession", "movements", "salesCount", "returnsCount", "tenders", "counted", "expected",
    "difference", "float", "openedAt", "closedAt", "openedBy", "closedBy",
    // sequences, sync, idempotency and the rest of the engine's rows
    "value", "userId", "clientId", "at", "atMs", "command", "body", "request", "outcome", "error",
    "errorCode", "message", "fingerprint", "path", "results", "notified", "lastSeq", "next",
    "touched", "baseVersion", "current", "start", "end", "n", "user", "roles", "statusCode",
    "returnId", "orderId"};
static_assert(kKeys.size() <= 128, "a key index must fit 0x80..0xFF");

// The byte of a key of kKeys, or 0 for another key. Found by the key's length and first byte (a
// handful of candidates, compared whole): an order's values look up ~150 keys each time they are
// encoded, and hashing each cost more than the rest of the look-up (docs/benchmarks.md).
unsigned char keyByte(std::string_view key) {
  constexpr size_t kLengths = 32;
  struct Table {
    std::array<std::vector<unsigned char>, kLengths * 64> slots;  // (length, first byte & 63) -> indexes
    Table() {
      for (size_t i = 0; i < kKeys.size(); ++i) {
        const std::string_view k = kKeys[i];
        if (k.size() >= kLengths) throw std::logic_error("a key of kKeys is too long for keyByte");
        slots[k.size() * 64 + (static_cast<unsigned char>(k[0]) & 63)].push_back(static_cast<unsigned char>(i));
      }
    }
  };
  static const Table table;
  if (key.empty() || key.size() >= kLengths) return 0;
  for (const unsigned char i : table.slots[key.size() * 64 + (static_cast<unsigned char>(key[0]) & 63)]) {
    if (std::memcmp(kKeys[i], key.data(), key.size()) == 0) return static_cast<unsigned char>(0x80 + i);
  }
  return 0;
}

void putBig(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// MessagePack's length-prefixed headers: `fix` (the length in the low bits) up to `fixMax`, then
// the 8-, 16- and 32-bit forms (`first8` = 0: no 8-bit form, as for arrays and maps).
void putHeader(std::string& out, size_t n, unsigned char fix, size_t fixMax, unsigned char first8,
               unsigned char first16) {
  if (n <= fixMax) {
    out.push_back(static_cast<char>(fix | n));
  } else if (first8 != 0 && n <= 0xFF) {
    out.push_back(static_cast<char>(first8));
    putBig(out, n, 1);
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(first16));
    putBig(out, n, 2);
  } else {
    out.push_back(static_cast<char>(first16 + 1));
    putBig(out, n, 4);
  }
}

void putString(std::string& out, const std::string& s) {
  putHeader(out, s.size(), 0xA0, 31, 0xD9, 0xDA);
  out += s;
}

void putUnsigned(std::string& out, uint64_t v) {
  if (v < 128) return out.push_back(static_cast<char>(v));
  const int bytes = v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : v <= 0xFFFFFFFFu ? 4 : 8;
  out.push_back(static_cast<char>(bytes == 1 ? 0xCC : bytes == 2 ? 0xCD : bytes == 4 ? 0xCE : 0xCF));
  putBig(out, v, bytes);
}

void putSigned(std::string& out, int64_t v) {
  if (v >= 0) return putUnsigned(out, static_cast<uint64_t>(v));
  if (v >= -32) return out.push_back(static_cast<char>(v));
  const int bytes = v >= INT8_MIN ? 1 : v >= INT16_MIN ? 2 : v >= INT32_MIN ? 4 : 8;
  out.push_back(static_cast<char>(bytes == 1 ? 0xD0 : bytes == 2 ? 0xD1 : bytes == 4 ? 0xD2 : 0xD3));
  putBig(out, static_cast<uint64_t>(v), bytes);
}

// A float as nlohmann's writer puts it: 32 bits when they hold it exactly, else 64.
void putFloat(std::string& out, double d) {
  const auto f = static_cast<float>(d);
  if (d >= static_cast<double>(std::numeric_limits<float>::lowest()) &&
      d <= static_cast<double>(std::numeric_limits<float>::max()) && static_cast<double>(f) == d) {
    uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    out.push_back(static_cast<char>(0xCA));
    return putBig(out, bits, 4);
  }
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  out.push_back(static_cast<char>(0xCB));
  putBig(out, bits, 8);
}

// Top-level keys a keyed value leaves out (each present in the value), by their byte in kKeys:
// a key is named once, by the look-up it needs anyway, not compared with each name.
struct Skip {
  std::array<unsigned char, 3> keys{};
  size_t n = 0;
  bool has(unsigned char key) const {
    for (size_t i = 0; i < n; ++i) {
      if (key == keys[i]) return true;
    }
    return false;
  }
};

// Writes `v` keyed (false: a value this encoding cannot hold, a binary or a key that is one byte
// >= 0x80; the caller then writes it as plain MessagePack), less the keys of `skip`.
bool putKeyed(std::string& out, const json& v, const Skip& skip = {}) {
  switch (v.type()) {
    case json::value_t::null: out.push_back(static_cast<char>(0xC0)); return true;
    case json::value_t::boolean: out.push_back(static_cast<char>(v.get<bool>() ? 0xC3 : 0xC2)); return true;
    case json::value_t::number_integer: putSigned(out, v.get<int64_t>()); return true;
    case json::value_t::number_unsigned: putUnsigned(out, v.get<uint64_t>()); return true;
    case json::value_t::number_float: putFloat(out, v.get<double>()); return true;
    case json::value_t::string: putString(out, v.get_ref<const std::string&>()); return true;
    case json::value_t::array:
      putHeader(out, v.size(), 0x90, 15, 0, 0xDC);
      for (const json& x : v) {
        if (!putKeyed(out, x)) return false;
      }
      return true;
    case json::value_t::object: {
      putHeader(out, v.size() - skip.n, 0x80, 15, 0, 0xDE);
      for (const auto& [key, x] : v.get_ref<const json::object_t&>()) {
        if (const unsigned char byte = keyByte(key)) {
          if (skip.has(byte)) continue;
          out.push_back(static_cast<char>(0xA1));
          out.push_back(static_cast<char>(byte));
        } else if (key.size() == 1 && static_cast<unsigned char>(key[0]) >= 0x80) {
          return false;
        } else {
          putString(out, key);
        }
        if (!putKeyed(out, x)) return false;
      }
      return true;
    }
    default: return false;  // binary (never in an item)
  }
}

// Builds a value's tree as nlohmann's MessagePack reader walks it. In a keyed value (`keyed`),
// each key written as one byte >= 0x80 is given its name as it is read: one pass, each key placed
// once (renaming the keys of a finished tree moved every map node a second time). Plain
// MessagePack (formats 001-003) is read with it too, keys as they are, so the module holds one
// MessagePack reader, not two.
class KeyedTree {
 public:
  KeyedTree(json& root, bool keyed) : root_(root), keyed_(keyed) {}
  bool null() { return place(json()); }
  bool boolean(bool v) { return place(v); }
  bool number_integer(json::number_integer_t v) { return place(v); }
  bool number_unsigned(json::number_unsigned_t v) { return place(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return place(v); }
  bool string(json::string_t& v) { return place(std::move(v)); }
  bool binary(json::binary_t& v) { return place(json::binary(std::move(v))); }
  bool start_object(std::size_t) {
    open_.push_back(slot(json::value_t::object));
    return true;
  }
  bool key(json::string_t& k) {
    if (keyed_ && k.size() == 1 && static_cast<unsigned char>(k[0]) >= 0x80) {
      const size_t i = static_cast<unsigned char>(k[0]) - 0x80u;
      if (i >= kKeys.size()) throw std::runtime_error("a value names key " + std::to_string(i) + ", which this version does not know");
      k = kKeys[i];
    }
    const auto placed = open_.back()->get_ref<json::object_t&>().emplace(std::move(k), nullptr);
    if (!placed.second) throw std::runtime_error("a value holds one key twice");
    member_ = &placed.first->second;
    return true;
  }
  bool end_object() { return close(); }
  // The length a header gives is not reserved: a damaged one would ask for gigabytes before the
  // reader finds the bytes missing.
  bool start_array(std::size_t) {
    open_.push_back(slot(json::value_t::array));
    return true;
  }
  bool end_array() { return close(); }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& e) {
    throw e;
  }

 private:
  // Where the next value goes: the root, the end of the open array, or the member just named.
  json* slot(json&& v) {
    if (open_.empty()) return &(root_ = std::move(v));
    json& in = *open_.back();
    if (in.is_array()) return &in.get_ref<json::array_t&>().emplace_back(std::move(v));
    *member_ = std::move(v);
    return member_;
  }
  bool place(json&& v) {
    slot(std::move(v));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  json& root_;
  const bool keyed_;
  std::vector<json*> open_;  // the objects and arrays being filled, innermost last
  json* member_ = nullptr;   // the member of the innermost object named by the last key
};

// An item's fields that its other fields give (publish() in engine.cpp builds them so), left out
// of a keyed value under a flag each: sk = type + "#" + code, id = pk + "#" + sk, tenantCode =
// pk less "TENANT#". Restored in this order (id needs sk).
// Names are views: a look-up by one knows its length, where a C string was measured (strlen)
// at every node of the item's map.
struct Derived {
  unsigned char flag;
  std::string_view field;
  std::string_view left;   // the field is left + "#" + right,
  std::string_view right;  // or, with no right (""), left less "TENANT#"
};

const std::array<Derived, 3> kDerived = {{
    {kSkDerived, "sk", "type", "code"},
    {kIdDerived, "id", "pk", "sk"},
    {kTenantDerived, "tenantCode", "pk", ""},
}};

// The text of a string field, "" if the item has none: a view into the item, no copy.
std::string_view textAt(const json& item, std::string_view key) {
  const auto at = item.find(key);
  return at != item.end() && at->is_string() ? std::string_view(at->get_ref<const std::string&>()) : std::string_view();
}

// What `d` derives from the item's other fields, as two views (joined by "#" when both are
// there); both empty if the item lacks what gives it.
std::pair<std::string_view, std::string_view> partsOf(const Derived& d, const json& item) {
  const std::string_view left = textAt(item, d.left);
  if (d.right.empty()) {
    constexpr std::string_view kTenant = "TENANT#";
    if (left.size() > kTenant.size() && left.substr(0, kTenant.size()) == kTenant) return {left.substr(kTenant.size()), {}};
    return {};
  }
  const std::string_view right = textAt(item, d.right);
  if (left.empty() || right.empty()) return {};
  return {left, right};
}

// True if the item's `d.field` is what its other fields give: compared in place, nothing built.
bool givenByOthers(const Derived& d, const json& item) {
  const std::string_view field = textAt(item, d.field);
  const auto [a, b] = partsOf(d, item);
  if (field.empty() || a.empty()) return false;
  if (b.empty()) return field == a;
  return field.size() == a.size() + 1 + b.size() && field.substr(0, a.size()) == a && field[a.size()] == '#' &&
         field.substr(a.size() + 1) == b;
}

// The field `d` gives back, "" if the item lacks what gives it.
std::string derive(const Derived& d, const json& item) {
  const auto [a, b] = partsOf(d, item);
  std::string out(a);
  if (!b.empty()) out.append(1, '#').append(b);
  return out;
}

}  // namespace

std::string encodeValue(const json& value) {
  // Written into one buffer kept between calls, then copied out at its size: growing a new string
  // byte by byte reallocated it four or five times a value.
  thread_local std::string scratch;
  scratch.clear();
  unsigned char flags = 0;
  Skip skip;
  if (value.is_object()) {
    for (const Derived& d : kDerived) {
      if (givenByOthers(d, value)) {
        flags |= d.flag;
        skip.keys[skip.n++] = keyByte(d.field);
      }
    }
  }
  scratch.push_back(kKeyedValue);
  scratch.push_back(static_cast<char>(flags));
  if (putKeyed(scratch, value, skip)) return scratch;
  std::string out;  // not keyable: plain MessagePack (still read by every version)
  json::to_msgpack(value, nlohmann::detail::output_adapter<char>(out));
  return out;
}

json decodeMessagePack(std::string_view bytes) {
  json value;
  KeyedTree tree(value, false);
  json::sax_parse(bytes.begin(), bytes.end(), &tree, json::input_format_t::msgpack);
  return value;
}

json decodeValue(std::string_view bytes) {
  if (bytes.empty() || bytes[0] != kKeyedValue) return decodeMessagePack(bytes);  // plain (001-003)
  const unsigned char flags = bytes.size() < 2 ? 0xFF : static_cast<unsigned char>(bytes[1]);
  if ((flags & ~(kSkDerived | kIdDerived | kTenantDerived)) != 0) throw std::runtime_error("a value of an unknown encoding");
  json value;
  KeyedTree tree(value, true);
  json::sax_parse(bytes.begin() + 2, bytes.end(), &tree, json::input_format_t::msgpack);
  for (const Derived& d : kDerived) {
    if (!(flags & d.flag)) continue;
    const std::string field = value.is_object() && !value.contains(d.field) ? derive(d, value) : std::string();
    if (field.empty()) throw std::runtime_error("a value whose " + std::string(d.field) + " is derived lacks what gives it");
    value[std::string(d.field)] = field;
  }
  return value;
}

}  // namespace edgecart::logfmt
