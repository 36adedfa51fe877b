#pragma once
// MBC-style sequence formats: "ORD-%%no#:0>6%%" with value 1 -> "ORD-000001".

#include <cstdint>
#include <string>

namespace edgecart {

// Replaces each %%no%% / %%no#:<fill><align><width>%% token (align '>' pads on the left, '<'
// on the right) with `value`; other text is kept. Throws std::invalid_argument on a bad token.
std::string formatSequence(const std::string& format, int64_t value);

}  // namespace edgecart
