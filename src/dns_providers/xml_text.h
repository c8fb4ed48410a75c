// Just enough XML for the answers of REST APIs that speak it (Amazon
// Route 53): the elements of one tag name, their text with the five
// predefined entities and numeric character references decoded, and text
// escaped for a request body. Not a general XML parser: no DTDs, no CDATA,
// no namespaces (a prefixed tag is another name), and an element must not
// contain another of its own name. That is the shape of every Route 53
// answer (docs.aws.amazon.com/Route53/latest/APIReference).
//
// Values in, values out. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certpilot::dns_providers {

// The raw content (markup kept) of every <tag ...>...</tag> in `xml`, in
// order; an empty element (<tag/>) gives "". An unterminated element ends
// the list.
std::vector<std::string_view> XmlElements(std::string_view xml,
                                          std::string_view tag);
// The decoded text of the first <tag> in `xml`, or nullopt when there is
// none.
std::optional<std::string> XmlText(std::string_view xml, std::string_view tag);
// `text` with &, <, >, " and ' escaped.
std::string XmlEscape(std::string_view text);
// `text` with the predefined entities and &#N; / &#xN; (ASCII) decoded;
// anything else is kept as written.
std::string XmlUnescape(std::string_view text);

}  // namespace certpilot::dns_providers
