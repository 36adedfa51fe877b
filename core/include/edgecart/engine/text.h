#pragma once
// Text rules every layer uses: the limits of codes and names, which codes may be part of a key,
// well-formed UTF-8, and user text made safe to quote in a message.

#include <cstddef>
#include <string>

namespace edgecart {

constexpr size_t kMaxCodeLength = 64;
constexpr size_t kMaxNameLength = 256;
constexpr size_t kMaxTextLength = 4096;

// The length of the well-formed UTF-8 sequence at text[at] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if there is none.
size_t utf8SequenceLength(const std::string& text, size_t at);
bool isValidUtf8(const std::string& text);

// User text made safe to quote in an error message: at most `maxBytes` bytes, cut on a
// character boundary, each invalid UTF-8 byte replaced by '?'.
std::string echo(const std::string& text, size_t maxBytes = 64);

// True for [A-Za-z0-9][A-Za-z0-9_.-]{0,63}: the codes that may appear in a key.
bool isValidCode(const std::string& code);

}  // namespace edgecart
