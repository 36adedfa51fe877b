// Text rules shared by every layer (text.h).

#include "edgecart/engine/text.h"

namespace edgecart {

size_t utf8SequenceLength(const std::string& text, size_t at) {
  // RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[at + k]); };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (at + len > text.size() || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

bool isValidUtf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = utf8SequenceLength(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string echo(const std::string& text, size_t maxBytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = utf8SequenceLength(text, i);
    const size_t take = len > 0 ? len : 1;
    if (out.size() + take > maxBytes) break;
    if (len > 0) {
      out.append(text, i, len);
    } else {
      out.push_back('?');
    }
    i += take;
  }
  return out;
}

bool isValidCode(const std::string& c) {
  if (c.empty() || c.size() > kMaxCodeLength) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    const char ch = c[i];
    const bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!alnum && (i == 0 || (ch != '_' && ch != '-' && ch != '.'))) return false;
  }
  return true;
}

}  // namespace edgecart
