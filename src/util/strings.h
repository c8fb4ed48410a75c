// Small string helpers shared by every layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace certpilot {

// Replaces control characters (C0, DEL) with '?', so text
// that came from a CA or a peer cannot move the cursor or forge log lines.
std::string StripControl(std::string_view text);

std::string ToLower(std::string_view text);
std::string_view Trim(std::string_view text);

// Splits on `sep`; keeps empty fields.
std::vector<std::string> Split(std::string_view text, char sep);

bool StartsWith(std::string_view text, std::string_view prefix);
bool EndsWith(std::string_view text, std::string_view suffix);

std::string Join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace certpilot
