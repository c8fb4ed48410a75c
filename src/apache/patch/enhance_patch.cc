#include "apache/patch/enhance_patch.h"

#include "util/strings.h"

namespace certpilot::apache {
namespace {

bool IsHttpsUrl(const std::string& value) {
  return StartsWith(ToLower(value), "https://");
}

// The condition matching `name` in %{SERVER_NAME}: "=name", or for a
// wildcard "*.rest" one label before "rest" (a regular expression).
std::string ServerNameCondition(const std::string& name) {
  if (!StartsWith(name, "*.")) return "=" + name;
  std::string re = "^[^.]+";
  for (char c : name.substr(1)) {
    if (c == '.') re += '\\';
    re += c;
  }
  return re + "$";
}

}  // namespace

std::vector<Node> RedirectLines(const std::vector<std::string>& names,
                                int https_port) {
  std::vector<Node> out;
  out.push_back(Node::Directive("RewriteEngine", {"on"}));
  for (size_t i = 0; i < names.size(); ++i) {
    std::vector<std::string> args = {"%{SERVER_NAME}",
                                     ServerNameCondition(names[i])};
    if (i + 1 < names.size()) args.push_back("[OR]");
    out.push_back(Node::Directive("RewriteCond", args));
  }
  const std::string port =
      https_port == 443 ? "" : ":" + std::to_string(https_port);
  out.push_back(Node::Directive(
      "RewriteRule", {"^", "https://%{SERVER_NAME}" + port + "%{REQUEST_URI}",
                      "[END,NE,R=permanent]"}));
  return out;
}

bool IsHttpsRedirect(const Node& n) {
  if (n.is_section()) return false;
  const std::vector<std::string> args = n.ArgValues();
  if (n.Is("RewriteRule")) return args.size() >= 2 && IsHttpsUrl(args[1]);
  if (n.Is("Redirect") || n.Is("RedirectMatch") || n.Is("RedirectPermanent") ||
      n.Is("RedirectTemp")) {
    for (const std::string& a : args) {
      if (IsHttpsUrl(a)) return true;
    }
  }
  return false;
}

Node HstsLine() {
  return Node::Directive(
      "Header",
      {"always", "set", "Strict-Transport-Security", "max-age=31536000"});
}

Node UirLine() {
  return Node::Directive("Header", {"always", "set", "Content-Security-Policy",
                                    "upgrade-insecure-requests"});
}

bool SendsHeader(const std::vector<const Node*>& nodes, std::string_view header,
                 std::string_view value) {
  const std::string want_header = ToLower(header);
  const std::string want_value = ToLower(value);
  for (const Node* n : nodes) {
    if (!n->Is("Header")) continue;
    bool named = false;
    bool holds = want_value.empty();
    for (const std::string& a : n->ArgValues()) {
      const std::string lower = ToLower(a);
      named = named || lower == want_header;
      holds = holds || lower.find(want_value) != std::string::npos;
    }
    if (named && holds) return true;
  }
  return false;
}

}  // namespace certpilot::apache
