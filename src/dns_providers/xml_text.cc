#include "dns_providers/xml_text.h"

#include <cstdlib>

namespace certpilot::dns_providers {
namespace {

// Where the start tag <tag ...> or <tag/> begins at or after `from`; npos.
size_t FindStart(std::string_view xml, std::string_view tag, size_t from) {
  while ((from = xml.find('<', from)) != std::string_view::npos) {
    if (xml.compare(from + 1, tag.size(), tag) == 0 &&
        from + 1 + tag.size() < xml.size()) {
      const char after = xml[from + 1 + tag.size()];
      if (after == '>' || after == '/' || after == ' ' || after == '\t' ||
          after == '\r' || after == '\n')
        return from;
    }
    ++from;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string_view> XmlElements(std::string_view xml,
                                          std::string_view tag) {
  std::vector<std::string_view> out;
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = FindStart(xml, tag, pos)) != std::string_view::npos) {
    size_t gt = xml.find('>', pos);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') {  // <tag/>
      out.emplace_back();
      pos = gt + 1;
      continue;
    }
    size_t end = xml.find(close, gt + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(gt + 1, end - gt - 1));
    pos = end + close.size();
  }
  return out;
}

std::optional<std::string> XmlText(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> found = XmlElements(xml, tag);
  if (found.empty()) return std::nullopt;
  return XmlUnescape(found.front());
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string XmlUnescape(std::string_view text) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"&amp;", '&'},
      {"&lt;", '<'},
      {"&gt;", '>'},
      {"&quot;", '"'},
      {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    bool done = false;
    for (const auto& [entity, c] : kNamed) {
      if (text.compare(i, entity.size(), entity) == 0) {
        out += c;
        i += entity.size() - 1;
        done = true;
        break;
      }
    }
    if (done) continue;
    size_t semi = text.find(';', i);
    if (text.compare(i, 2, "&#") == 0 && semi != std::string_view::npos &&
        semi - i <= 8) {
      const bool hex = i + 2 < text.size() && (text[i + 2] == 'x');
      const std::string digits(
          text.substr(i + (hex ? 3 : 2), semi - i - (hex ? 3 : 2)));
      char* end = nullptr;
      long code = std::strtol(digits.c_str(), &end, hex ? 16 : 10);
      if (!digits.empty() && *end == '\0' && code > 0 && code < 128) {
        out += char(code);
        i = semi;
        continue;
      }
    }
    out += '&';
  }
  return out;
}

}  // namespace certpilot::dns_providers
