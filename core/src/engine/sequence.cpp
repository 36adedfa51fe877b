#include "edgecart/engine/sequence.h"

#include <stdexcept>

namespace edgecart {

std::string formatSequence(const std::string& format, int64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = format.find("%%", at);
    if (open == std::string::npos) break;
    const size_t close = format.find("%%", open + 2);
    if (close == std::string::npos) throw std::invalid_argument("unclosed %% in " + format);
    out.append(format, at, open - at);
    const std::string token = format.substr(open + 2, close - open - 2);
    if (token == "no") {
      out += digits;
    } else if (token.rfind("no#:", 0) == 0 && token.size() >= 7 &&
               (token[5] == '>' || token[5] == '<')) {
      const char fill = token[4];
      const size_t width = std::stoul(token.substr(6));
      const std::string pad(width > digits.size() ? width - digits.size() : 0, fill);
      out += token[5] == '>' ? pad + digits : digits + pad;
    } else {
      throw std::invalid_argument("unknown sequence token %%" + token + "%%");
    }
    at = close + 2;
  }
  out.append(format, at, std::string::npos);
  return out;
}

}  // namespace edgecart
