#pragma once
// SHA-256, for what must not collide by accident or by craft: the fingerprint of a request under
// an Idempotency-Key and of a pushed sync command (a CRC can be forged to match another body).

#include <string>
#include <string_view>

namespace edgecart {

// The SHA-256 of `text` in lower-case hex (64 characters). OpenSSL's where the build has it (the
// native hosts); the portable one below elsewhere (the WebAssembly module).
std::string sha256Hex(std::string_view text);

// FIPS 180-4 SHA-256 in plain C++, for a build without OpenSSL; tested against OpenSSL's.
std::string sha256HexPortable(std::string_view text);

}  // namespace edgecart
