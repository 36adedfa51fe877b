#pragma once
// HS256 JSON Web Tokens (RFC 7519), verified with OpenSSL's HMAC: who is calling the server.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgecart {

struct Claims {
  std::string sub;                 // the user id
  std::string tenant;              // custom:tenant ("" if the token has none)
  std::vector<std::string> roles;  // custom:roles (an array, or a comma-separated string)
};

// Verifies `token` against `secret` at time `nowSec`: HS256 only, signature, exp and nbf.
// Throws ApiError(401) saying what is wrong.
Claims verifyJwt(const std::string& token, const std::string& secret, int64_t nowSec);

// An HS256 token for `payload` (for --dev and tests).
std::string signJwt(const nlohmann::json& payload, const std::string& secret);

// base64url without padding (RFC 4648 §5).
std::string base64url(const std::string& bytes);
// Decodes base64url (padding optional); false on any invalid character or length.
bool fromBase64url(const std::string& text, std::string* bytes);

}  // namespace edgecart
