#include "edgecart_server/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "edgecart/engine/error.h"

namespace edgecart {
namespace {

[[noreturn]] void unauthorized(const std::string& why) { throw ApiError(401, why); }

std::string hmacSha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw ApiError(500, "HMAC failed");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

nlohmann::json part(const std::string& encoded, const char* what) {
  std::string bytes;
  if (!fromBase64url(encoded, &bytes)) unauthorized(std::string("Invalid token: bad base64 in ") + what);
  // A NUL would end nlohmann's parse early and let trailing bytes through: never valid JSON.
  nlohmann::json j = bytes.find('\0') == std::string::npos ? nlohmann::json::parse(bytes, nullptr, false)
                                                           : nlohmann::json(nlohmann::json::value_t::discarded);
  if (!j.is_object()) unauthorized(std::string("Invalid token: ") + what + " is not a JSON object");
  return j;
}

}  // namespace

std::string base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

bool fromBase64url(const std::string& text, std::string* bytes) {
  std::string b64 = text;
  for (char& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/') return false;
  }
  if (b64.size() % 4 == 1) return false;
  const size_t pad = (4 - b64.size() % 4) % 4;
  b64.append(pad, '=');
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return false;
  out.resize(static_cast<size_t>(n) - pad);
  *bytes = std::move(out);
  return true;
}

std::string signJwt(const nlohmann::json& payload, const std::string& secret) {
  const std::string signing = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload.dump());
  return signing + "." + base64url(hmacSha256(secret, signing));
}

Claims verifyJwt(const std::string& token, const std::string& secret, int64_t nowSec) {
  const size_t a = token.find('.');
  const size_t b = a == std::string::npos ? a : token.find('.', a + 1);
  if (b == std::string::npos || token.find('.', b + 1) != std::string::npos) {
    unauthorized("Invalid token: not a JWT");
  }
  const nlohmann::json header = part(token.substr(0, a), "header");
  if (!header.contains("alg") || header["alg"] != "HS256") unauthorized("Invalid token: only HS256 is accepted");
  std::string signature;
  if (!fromBase64url(token.substr(b + 1), &signature)) unauthorized("Invalid token: bad signature encoding");
  const std::string expected = hmacSha256(secret, token.substr(0, b));
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    unauthorized("Invalid token: bad signature");
  }
  const nlohmann::json claims = part(token.substr(a + 1, b - a - 1), "payload");
  auto number = [&](const char* k) { return claims.contains(k) && claims[k].is_number(); };
  if (claims.contains("exp") && (!number("exp") || claims["exp"].get<double>() <= static_cast<double>(nowSec))) {
    unauthorized("Token expired");
  }
  if (claims.contains("nbf") && (!number("nbf") || claims["nbf"].get<double>() > static_cast<double>(nowSec))) {
    unauthorized("Token not yet valid");
  }
  Claims c;
  if (!claims.contains("sub") || !claims["sub"].is_string() || claims["sub"].get<std::string>().empty()) {
    unauthorized("Invalid token: no sub");
  }
  c.sub = claims["sub"].get<std::string>();
  if (claims.contains("custom:tenant") && claims["custom:tenant"].is_string()) {
    c.tenant = claims["custom:tenant"].get<std::string>();
  }
  if (claims.contains("custom:roles")) {
    const nlohmann::json& r = claims["custom:roles"];
    if (r.is_array()) {
      for (const auto& x : r) {
        if (x.is_string()) c.roles.push_back(x.get<std::string>());
      }
    } else if (r.is_string()) {
      // "cashier, manager": each name without the spaces around it, or the second would be
      // " manager", an unknown role, ignored.
      const std::string s = r.get<std::string>();
      size_t at = 0;
      while (at <= s.size()) {
        const size_t comma = std::min(s.find(',', at), s.size());
        const size_t begin = s.find_first_not_of(" \t", at);
        size_t end = comma;
        while (end > at && (s[end - 1] == ' ' || s[end - 1] == '\t')) --end;
        if (begin < end) c.roles.push_back(s.substr(begin, end - begin));
        at = comma + 1;
      }
    }
  }
  return c;
}

}  // namespace edgecart
