#include "nginx/config/server_query.h"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

#include "util/strings.h"

namespace certpilot::nginx {
namespace {

std::string NormalizeHost(std::string_view name) {
  std::string host = ToLower(name);
  if (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

// PCRE → ECMAScript for the constructs common in server_name regexes.
std::optional<std::regex> CompileServerNameRegex(std::string_view pcre) {
  bool icase = std::any_of(pcre.begin(), pcre.end(),
                           [](char c) { return c >= 'A' && c <= 'Z'; });
  std::string re(pcre);
  if (StartsWith(re, "(?i)")) {
    icase = true;
    re.erase(0, 4);
  }
  std::string out;
  out.reserve(re.size());
  for (size_t i = 0; i < re.size(); ++i) {
    if (re[i] == '\\' && i + 1 < re.size()) {
      out += re.substr(i, 2);
      ++i;
      continue;
    }
    // Named groups: (?<name>  (?P<name>  (?'name'
    if (re.compare(i, 2, "(?") == 0 && i + 2 < re.size()) {
      size_t name_start = std::string::npos;
      char close = '>';
      if (re[i + 2] == '<' && i + 3 < re.size() && re[i + 3] != '=' &&
          re[i + 3] != '!') {
        name_start = i + 3;
      } else if (re.compare(i + 2, 2, "P<") == 0) {
        name_start = i + 4;
      } else if (re[i + 2] == '\'') {
        name_start = i + 3;
        close = '\'';
      }
      if (name_start != std::string::npos) {
        const size_t end = re.find(close, name_start);
        if (end != std::string::npos) {
          out += '(';
          i = end;
          continue;
        }
      }
    }
    out += re[i];
  }
  try {
    auto flags = std::regex::ECMAScript;
    if (icase) flags |= std::regex::icase;
    return std::regex(out, flags);
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

ServerBlock BuildServer(ConfigGraph& graph, const Located& server) {
  ServerBlock block;
  block.file = server.file;
  block.directive = server.directive;
  bool any_listen = false;
  for (const Located& child :
       graph.Expand(*server.file, server.directive->block())) {
    const Directive& d = *child.directive;
    if (d.name() == "listen" && d.kind() == Directive::Kind::kSimple) {
      any_listen = true;
      std::optional<ListenAddress> listen = ParseListen(d, child.file->path());
      if (!listen) continue;  // unix: socket
      listen->file = child.file;
      listen->directive = child.directive;
      block.listens.push_back(std::move(*listen));
    } else if (d.name() == "server_name") {
      for (const Word& w : d.args()) block.names.push_back(w.value());
      block.server_name_directives.push_back(child);
    } else if (d.name() == "ssl" && d.args().size() == 1 && d.arg(0) == "on") {
      block.ssl_on = true;
    }
  }
  if (!any_listen) {
    block.listens.push_back(ListenAddress{});
    block.implicit_listen = true;
  }
  return block;
}

struct Candidate {
  size_t server = 0;
  NameMatch match;
  std::string name;
};

// nginx's choice among the blocks (indexes into `servers`) on one socket.
Candidate PickOnSocket(const std::vector<ServerBlock>& servers,
                       const std::vector<size_t>& on_socket,
                       const std::string& socket, const std::string& host) {
  std::optional<Candidate> best;
  for (size_t index : on_socket) {
    const ServerBlock& s = servers[index];
    const std::vector<std::string> none{""};
    for (const std::string& pattern : s.names.empty() ? none : s.names) {
      const NameMatch m = MatchServerName(pattern, host);
      if (!m.matched) continue;
      if (!best || m.rule < best->match.rule ||
          (m.rule == best->match.rule && m.strength > best->match.strength &&
           (m.rule == MatchRule::kLeadingWildcard ||
            m.rule == MatchRule::kTrailingWildcard))) {
        best = Candidate{index, m, pattern};
      }
    }
  }
  if (best) return *best;
  for (size_t index : on_socket) {
    for (const ListenAddress& l : servers[index].listens) {
      if (l.default_server && l.Socket() == socket) {
        return Candidate{index, {true, MatchRule::kDefaultServer, 0}, ""};
      }
    }
  }
  return Candidate{on_socket.front(), {true, MatchRule::kFirstOnPort, 0}, ""};
}

}  // namespace

bool ServerBlock::ListensOn(int port) const {
  return std::any_of(listens.begin(), listens.end(),
                     [port](const ListenAddress& l) { return l.port == port; });
}

bool ServerBlock::TlsOn(int port) const {
  return std::any_of(listens.begin(), listens.end(),
                     [&](const ListenAddress& l) {
                       return l.port == port && (l.ssl || ssl_on);
                     });
}

const char* ToString(MatchRule rule) {
  switch (rule) {
    case MatchRule::kExactName:
      return "exact name";
    case MatchRule::kLeadingWildcard:
      return "leading wildcard";
    case MatchRule::kTrailingWildcard:
      return "trailing wildcard";
    case MatchRule::kRegex:
      return "regular expression";
    case MatchRule::kDefaultServer:
      return "default server";
    case MatchRule::kFirstOnPort:
      return "first server on the port";
  }
  return "?";
}

NameMatch MatchServerName(std::string_view pattern, std::string_view host) {
  if (StartsWith(pattern, "~")) {
    const std::optional<std::regex> re =
        CompileServerNameRegex(pattern.substr(1));
    if (re && std::regex_search(host.begin(), host.end(), *re)) {
      return NameMatch{true, MatchRule::kRegex, 0};
    }
    return NameMatch{};
  }
  const std::string p = ToLower(pattern);
  if (p == host) return NameMatch{true, MatchRule::kExactName, p.size()};
  if (StartsWith(p, "*.")) {
    const std::string_view suffix = std::string_view(p).substr(1);
    if (host.size() > suffix.size() && EndsWith(host, suffix)) {
      return NameMatch{true, MatchRule::kLeadingWildcard, suffix.size()};
    }
  } else if (StartsWith(p, ".") && p.size() > 1) {
    if (host == std::string_view(p).substr(1) ||
        (host.size() > p.size() && EndsWith(host, p))) {
      return NameMatch{true, MatchRule::kLeadingWildcard, p.size()};
    }
  } else if (EndsWith(p, ".*") && p.size() > 2) {
    const std::string_view prefix = std::string_view(p).substr(0, p.size() - 1);
    if (host.size() > prefix.size() && StartsWith(host, prefix)) {
      return NameMatch{true, MatchRule::kTrailingWildcard, prefix.size()};
    }
  }
  return NameMatch{};
}

std::string DescribeBlock(const ConfigGraph& graph, const ServerBlock& server) {
  std::string path = server.file->path();
  std::string root = NormalizePath(graph.server_root());
  if (!root.empty() && root.back() != '/') root += '/';
  if (StartsWith(path, root)) path = path.substr(root.size());
  return path + ":" + std::to_string(server.directive->line());
}

std::vector<const ServerBlock*> BlocksNamedOnPort(
    const std::vector<ServerBlock>& servers, std::string_view name, int port) {
  std::vector<const ServerBlock*> out;
  for (const ServerMatch& m : FindServerBlocks(servers, name, port)) {
    if (!MatchesName(m.rule)) continue;
    for (const ServerBlock& s : servers)
      if (s.directive == m.server.directive) out.push_back(&s);
  }
  return out;
}

std::vector<RankedBlock> RankBlocksByName(
    const std::vector<ServerBlock>& servers, std::string_view name) {
  const std::string host = NormalizeHost(name);
  struct Scored {
    RankedBlock block;
    size_t strength = 0;
  };
  std::vector<Scored> found;
  for (const ServerBlock& s : servers) {
    std::optional<Scored> best;
    for (const std::string& pattern : s.names) {
      const NameMatch m = MatchServerName(pattern, host);
      if (!m.matched) continue;
      if (!best || m.rule < best->block.rule ||
          (m.rule == best->block.rule && m.strength > best->strength)) {
        best = Scored{{&s, m.rule, pattern, false}, m.strength};
      }
    }
    if (!best) continue;
    best->block.tls =
        s.ssl_on || std::any_of(s.listens.begin(), s.listens.end(),
                                [](const ListenAddress& l) { return l.ssl; });
    found.push_back(std::move(*best));
  }
  // Regex matches keep configuration order (nginx uses the first), so only
  // wildcards compare by strength.
  std::stable_sort(
      found.begin(), found.end(), [](const Scored& a, const Scored& b) {
        if (a.block.tls != b.block.tls) return a.block.tls;
        if (a.block.rule != b.block.rule) return a.block.rule < b.block.rule;
        const bool wildcard = a.block.rule == MatchRule::kLeadingWildcard ||
                              a.block.rule == MatchRule::kTrailingWildcard;
        return wildcard && a.strength > b.strength;
      });
  std::vector<RankedBlock> out;
  out.reserve(found.size());
  for (Scored& s : found) out.push_back(std::move(s.block));
  return out;
}

std::string DescribeListens(const ServerBlock& server) {
  if (server.implicit_listen) return "listen 80 (nginx's default)";
  std::vector<std::string> parts;
  for (const ListenAddress& l : server.listens) {
    if (l.directive == nullptr) continue;
    parts.push_back("listen " + Join(l.directive->ArgValues(), " "));
  }
  return Join(parts, "; ");
}

std::vector<ServerBlock> FindAllServerBlocks(ConfigGraph& graph) {
  std::vector<ServerBlock> servers;
  Config& main = graph.main();
  for (const Located& top : graph.Expand(main, main.root())) {
    if (top.directive->name() != "http" || !top.directive->has_block()) {
      continue;
    }
    for (const Located& child :
         graph.Expand(*top.file, top.directive->block())) {
      if (child.directive->name() == "server" && child.directive->has_block()) {
        servers.push_back(BuildServer(graph, child));
      }
    }
  }
  return servers;
}

std::vector<ServerMatch> FindServerBlocks(ConfigGraph& graph,
                                          std::string_view name, int port) {
  return FindServerBlocks(FindAllServerBlocks(graph), name, port);
}

std::vector<ServerMatch> FindServerBlocks(
    const std::vector<ServerBlock>& servers, std::string_view name, int port) {
  const std::string host = NormalizeHost(name);
  // Sockets on `port`, in order of first appearance, with their blocks.
  std::vector<std::pair<std::string, std::vector<size_t>>> sockets;
  for (size_t i = 0; i < servers.size(); ++i) {
    for (const ListenAddress& l : servers[i].listens) {
      if (l.port != port) continue;
      const std::string key = l.Socket();
      auto it = std::find_if(sockets.begin(), sockets.end(),
                             [&](const auto& s) { return s.first == key; });
      if (it == sockets.end()) {
        sockets.push_back({key, {}});
        it = std::prev(sockets.end());
      }
      if (it->second.empty() || it->second.back() != i) {
        it->second.push_back(i);
      }
    }
  }
  std::map<size_t, ServerMatch> picked;
  for (const auto& [socket, on_socket] : sockets) {
    const Candidate c = PickOnSocket(servers, on_socket, socket, host);
    auto [it, inserted] = picked.try_emplace(c.server);
    ServerMatch& m = it->second;
    if (inserted || c.match.rule < m.rule) {
      m.server = servers[c.server];
      m.rule = c.match.rule;
      m.server_name = c.name;
    }
    m.sockets.push_back(socket);
  }
  std::vector<ServerMatch> out;
  out.reserve(picked.size());
  for (auto& [index, match] : picked) out.push_back(std::move(match));
  return out;
}

}  // namespace certpilot::nginx
