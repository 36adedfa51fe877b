#include "edgecart/api/validate.h"

#include <string_view>

#include "edgecart/engine/error.h"
#include "edgecart/domain/money.h"

namespace edgecart {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percentDecode(const std::string& s, bool plusIsSpace) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? hexValue(s[i + 1]) : -1;
      const int lo = hi >= 0 ? hexValue(s[i + 2]) : -1;
      if (lo < 0) badRequest("Malformed percent-encoding in URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(plusIsSpace && s[i] == '+' ? ' ' : s[i]);
    }
  }
  // Decoded text becomes keys, messages and JSON strings: it must be text.
  if (!isValidUtf8(out)) badRequest("URL must percent-decode to valid UTF-8");
  return out;
}

std::map<std::string, std::string> parseQuery(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t at = 0;
  while (at < q.size()) {
    const size_t amp = std::min(q.find('&', at), q.size());
    const std::string pair = q.substr(at, amp - at);
    at = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = percentDecode(pair.substr(0, eq), true);
    const std::string value = eq == std::string::npos ? "" : percentDecode(pair.substr(eq + 1), true);
    if (!out.emplace(key, value).second) badRequest("query parameter " + echo(key) + " is repeated");
  }
  return out;
}

Fields::Fields(const nlohmann::json& object, std::string what,
               std::initializer_list<const char*> allowed)
    : j_(object), what_(std::move(what)) {
  if (!j_.is_object()) badRequest(what_ + " must be a JSON object");
  for (const auto& [key, value] : j_.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      badRequest("property " + (what_ == "body" ? "" : what_ + ".") + echo(key) +
                 " should not exist");
    }
  }
}

std::string Fields::label(const char* name) const {
  return what_ == "body" ? std::string(name) : what_ + "." + name;
}

const nlohmann::json* Fields::find(const char* name) const {
  auto it = j_.find(std::string_view(name));  // a string_view: no strlen at each node compared
  return it != j_.end() && !it->is_null() ? &*it : nullptr;
}

bool Fields::has(const char* name) const { return find(name) != nullptr; }

bool Fields::present(const char* name) const { return j_.contains(std::string_view(name)); }

const nlohmann::json& Fields::raw(const char* name) const {
  const nlohmann::json* v = find(name);
  if (!v) badRequest(label(name) + " is required");
  return *v;
}

std::string Fields::str(const char* name, size_t maxLength, bool required) const {
  const nlohmann::json* found = find(name);
  if (!found) {
    if (required) badRequest(label(name) + " is required");
    return "";
  }
  const nlohmann::json& v = *found;
  if (!v.is_string()) badRequest(label(name) + " must be a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty() && required) badRequest(label(name) + " should not be empty");
  if (s.size() > maxLength) {
    badRequest(label(name) + " must be shorter than or equal to " + std::to_string(maxLength) +
               " characters");
  }
  return s;
}

std::string Fields::code(const char* name) const {
  std::string s = str(name, kMaxCodeLength);
  if (!isValidCode(s)) {
    badRequest(label(name) + " must contain only letters, digits, '_', '-' and '.'");
  }
  return s;
}

std::optional<int64_t> Fields::optInteger(const char* name, int64_t min, int64_t max) const {
  const nlohmann::json* found = find(name);
  if (!found) return std::nullopt;
  const nlohmann::json& v = *found;
  auto outOfRange = [&] {  // the message is built only for a bad value
    badRequest(label(name) + " must be an integer between " + std::to_string(min) + " and " +
               std::to_string(max));
  };
  if (!v.is_number_integer()) outOfRange();
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) outOfRange();
  const int64_t n = v.get<int64_t>();
  if (n < min || n > max) outOfRange();
  return n;
}

int64_t Fields::integer(const char* name, int64_t min, int64_t max) const {
  const std::optional<int64_t> n = optInteger(name, min, max);
  if (!n) badRequest(label(name) + " is required");
  return *n;
}

bool Fields::boolean(const char* name, bool fallback) const {
  const nlohmann::json* found = find(name);
  if (!found) return fallback;
  const nlohmann::json& v = *found;
  if (!v.is_boolean()) badRequest(label(name) + " must be a boolean value");
  return v.get<bool>();
}

int64_t Fields::money(const char* name, const Currency& currency) const {
  return parseMoney(raw(name), label(name), currency);
}

const nlohmann::json& Fields::object(const char* name) const {
  const nlohmann::json& v = raw(name);
  if (!v.is_object()) badRequest(label(name) + " must be an object");
  return v;
}

const nlohmann::json& Fields::array(const char* name, size_t minSize, size_t maxSize) const {
  const nlohmann::json& v = raw(name);
  if (!v.is_array()) badRequest(label(name) + " must be an array");
  if (v.size() < minSize) {
    badRequest(label(name) + " must contain at least " + std::to_string(minSize) + " element" +
               (minSize == 1 ? "" : "s"));
  }
  if (v.size() > maxSize) {
    badRequest(label(name) + " must contain no more than " + std::to_string(maxSize) + " elements");
  }
  return v;
}

}  // namespace edgecart
