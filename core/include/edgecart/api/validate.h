#pragma once
// Reading request bodies: every accessor either returns a well-formed value or throws a 400
// naming the field, in the style of NestJS's ValidationPipe messages.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "edgecart/domain/money.h"
#include "edgecart/engine/text.h"

namespace edgecart {

// Decodes %XX escapes (and '+' as a space in a query); 400 for a malformed escape or for a
// result that is not valid UTF-8.
std::string percentDecode(const std::string& text, bool plusIsSpace);
// A query string as key -> value, decoded; 400 for a malformed escape or a repeated key.
std::map<std::string, std::string> parseQuery(const std::string& query);

// A JSON object whose fields are read once each; unknown fields are refused up front.
class Fields {
 public:
  // `what` names the object in messages ("body", "items[0]", ...).
  Fields(const nlohmann::json& object, std::string what, std::initializer_list<const char*> allowed);

  bool has(const char* name) const;  // present and not null
  bool present(const char* name) const;  // present, perhaps null
  const nlohmann::json& raw(const char* name) const;
  // A string of 1..maxLength characters (UTF-8 bytes); if `required` is false, absent is "".
  std::string str(const char* name, size_t maxLength, bool required = true) const;
  // A code usable in a key (see isValidCode).
  std::string code(const char* name) const;
  // An integer in [min, max]; a fraction, a string or NaN is refused.
  int64_t integer(const char* name, int64_t min, int64_t max) const;
  std::optional<int64_t> optInteger(const char* name, int64_t min, int64_t max) const;
  bool boolean(const char* name, bool fallback) const;
  // Amount in minor units of `currency` (see parseMoney).
  int64_t money(const char* name, const Currency& currency) const;
  // A nested object / array (must be present).
  const nlohmann::json& object(const char* name) const;
  const nlohmann::json& array(const char* name, size_t minSize, size_t maxSize) const;

 private:
  std::string label(const char* name) const;
  // The field, or null when absent or null: one look-up for has() and the readers.
  const nlohmann::json* find(const char* name) const;
  const nlohmann::json& j_;
  std::string what_;
};

}  // namespace edgecart
