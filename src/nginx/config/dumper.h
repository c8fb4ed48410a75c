// Writes a tree (tree.h) back as text. For a tree the parser built and no one
// edited, the result is byte-identical to the parsed text.
#pragma once

#include <string>

#include "nginx/config/tree.h"

namespace certpilot::nginx {

// Throws UsageError if a word that was not read from a file fails its safety
// check (RecheckWord): the last line of defence before bytes are written.
std::string Dump(const Config& config);
// One directive with its leading and trailing trivia (and its block).
std::string Dump(const Directive& directive);

// Nothing for a parsed word; for a new word, ValidateConfigValue(value()) or
// IsSingleWord(raw()) again. Throws UsageError.
void RecheckWord(const Word& word);

}  // namespace certpilot::nginx
