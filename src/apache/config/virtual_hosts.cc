#include "apache/config/virtual_hosts.h"

#include <fnmatch.h>

#include <utility>

#include "apache/config/parse_error.h"
#include "util/strings.h"

namespace certpilot::apache {
namespace {

// "https://Www.Example.com:443" → "www.example.com"; "[::1]:80" → "::1".
std::string HostOnly(std::string_view name) {
  const size_t scheme = name.find("://");
  if (scheme != std::string_view::npos) name.remove_prefix(scheme + 3);
  if (StartsWith(name, "[")) {
    const size_t close = name.find(']');
    return ToLower(name.substr(1, close == std::string_view::npos
                                      ? std::string_view::npos
                                      : close - 1));
  }
  const size_t colon = name.rfind(':');
  if (colon != std::string_view::npos) name = name.substr(0, colon);
  while (EndsWith(name, ".")) name.remove_suffix(1);
  return ToLower(name);
}

bool ParsePort(std::string_view text, int* port) {
  if (text == "*") {
    *port = 0;
    return true;
  }
  if (text.empty() || text.size() > 5) return false;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n > 65535) return false;
  *port = n;
  return true;
}

bool ParseAddress(std::string_view text, VirtualHostAddress* out) {
  std::string_view host = text;
  std::string_view port;
  if (StartsWith(text, "[")) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
  } else if (const size_t colon = text.rfind(':');
             colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {  // bare IPv6, no port
      host = text;
      port = {};
    }
  }
  if (host.empty()) return false;
  out->host = ToLower(host);
  out->port = 0;
  return port.empty() || ParsePort(port, &out->port);
}

bool SameAddress(const VirtualHostAddress& a, const VirtualHostAddress& b) {
  return a.port == b.port && (a.wildcard() ? b.wildcard() : a.host == b.host);
}

std::string Shown(const std::string& path, const std::string& root) {
  const std::string prefix = root + "/";
  return StartsWith(path, prefix) ? path.substr(prefix.size()) : path;
}

}  // namespace

std::string VirtualHostAddress::ToString() const {
  const std::string h =
      host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (wildcard() ? "*" : h) + ":" +
         (port == 0 ? std::string("*") : std::to_string(port));
}

bool VirtualHost::Matches(std::string_view host) const {
  if (host.empty()) return false;
  if (host == server_name) return true;
  for (const std::string& a : aliases) {
    if (host == a) return true;
  }
  const std::string h(host);
  for (const std::string& w : wild_aliases) {
    if (::fnmatch(w.c_str(), h.c_str(), 0) == 0) return true;
  }
  return false;
}

VirtualHostTable CollectVirtualHosts(const ConfigGraph& graph) {
  VirtualHostTable table;
  const std::vector<ActiveNode>& active = graph.active();
  std::vector<int> index_of(active.size(), -1);
  std::vector<bool> named;
  for (size_t i = 0; i < active.size(); ++i) {
    const ActiveNode& a = active[i];
    const Node& n = *a.node;
    if (n.is_section() && n.Is("VirtualHost")) {
      if (a.virtual_host >= 0) continue;  // httpd refuses nesting anyway
      VirtualHost v;
      v.file = a.file;
      v.node = &n;
      v.line = n.line();
      if (a.args.empty()) {
        throw ParseError(a.file->path(), n.line(),
                         "<VirtualHost> needs at least one address");
      }
      for (const std::string& text : a.args) {
        VirtualHostAddress addr;
        if (!ParseAddress(text, &addr)) {
          throw ParseError(a.file->path(), n.line(),
                           "bad <VirtualHost> address " + text);
        }
        v.addresses.push_back(std::move(addr));
      }
      index_of[i] = static_cast<int>(table.hosts.size());
      table.hosts.push_back(std::move(v));
      named.push_back(false);
      continue;
    }
    if (n.is_section()) continue;
    const int owner = a.virtual_host >= 0 ? index_of[a.virtual_host] : -1;
    if (n.Is("ServerName") && !a.args.empty()) {
      if (owner >= 0) {
        table.hosts[owner].server_name = HostOnly(a.args[0]);
        named[owner] = true;
      } else if (a.virtual_host < 0) {
        table.main_server_name = HostOnly(a.args[0]);
      }
    } else if (n.Is("ServerAlias") && owner >= 0) {
      for (const std::string& alias : a.args) {
        const std::string lower = ToLower(alias);
        (lower.find_first_of("*?") != std::string::npos
             ? table.hosts[owner].wild_aliases
             : table.hosts[owner].aliases)
            .push_back(lower);
      }
    }
  }
  for (size_t i = 0; i < table.hosts.size(); ++i) {
    if (!named[i]) table.hosts[i].server_name = table.main_server_name;
  }
  return table;
}

const VirtualHost* SelectVirtualHost(const VirtualHostTable& table,
                                     std::string_view local_ip, int port,
                                     std::string_view host) {
  const std::string ip = ToLower(local_ip);
  // The candidates of one pass, in configuration order.
  auto chain = [&](auto&& accepts) {
    std::vector<const VirtualHost*> out;
    for (const VirtualHost& v : table.hosts) {
      for (const VirtualHostAddress& a : v.addresses) {
        if (accepts(a)) {
          out.push_back(&v);
          break;
        }
      }
    }
    return out;
  };
  // Exact IP and port, the IP with any port, '*' with the port, '*:*'.
  std::vector<const VirtualHost*> candidates;
  for (int pass = 0; pass < 4 && candidates.empty(); ++pass) {
    candidates = chain([&](const VirtualHostAddress& a) {
      const bool by_ip = pass < 2;
      const int want_port = pass % 2 == 0 ? port : 0;
      return a.wildcard() != by_ip && (!by_ip || a.host == ip) &&
             a.port == want_port;
    });
  }
  if (candidates.empty()) return nullptr;
  const std::string wanted = host.empty() ? "" : HostOnly(host);
  for (const VirtualHost* v : candidates) {
    if (v->Matches(wanted)) return v;
  }
  return candidates.front();
}

std::string FormatVirtualHosts(const VirtualHostTable& table,
                               const std::string& root) {
  std::vector<VirtualHostAddress> order;
  for (const bool wildcards : {false, true}) {
    for (const VirtualHost& v : table.hosts) {
      for (const VirtualHostAddress& a : v.addresses) {
        if (a.wildcard() != wildcards) continue;
        bool seen = false;
        for (const VirtualHostAddress& o : order)
          seen = seen || SameAddress(o, a);
        if (!seen) order.push_back(a);
      }
    }
  }
  std::string out = "main server: " +
                    (table.main_server_name.empty() ? std::string("(none)")
                                                    : table.main_server_name) +
                    "\n";
  for (const VirtualHostAddress& address : order) {
    out += address.ToString() + "\n";
    for (const VirtualHost& v : table.hosts) {
      bool listed = false;
      for (const VirtualHostAddress& a : v.addresses) {
        listed = listed || SameAddress(a, address);
      }
      if (!listed) continue;
      out += "  " + (v.server_name.empty() ? "(none)" : v.server_name) + " (" +
             Shown(v.file->path(), root) + ":" + std::to_string(v.line) + ")";
      for (const std::string& a : v.aliases) out += " alias " + a;
      for (const std::string& a : v.wild_aliases) out += " wild " + a;
      out += "\n";
    }
  }
  return out;
}

}  // namespace certpilot::apache
