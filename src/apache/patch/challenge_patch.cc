#include "apache/patch/challenge_patch.h"

#include <algorithm>

#include "sys/filesystem.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::apache {
namespace {

bool OnPort(const VirtualHostAddress& a, int port) {
  return a.port == port || a.port == 0;
}

// "<VirtualHost>" address text for `a` on `port`.
std::string AddressOnPort(const VirtualHostAddress& a, int port) {
  const std::string host =
      a.wildcard() ? "*"
                   : (a.host.find(':') != std::string::npos ? "[" + a.host + "]"
                                                            : a.host);
  return host + ":" + std::to_string(port);
}

// Where a request to `a` can be sent from this machine.
std::string LoopbackFor(const VirtualHostAddress& a) {
  return a.wildcard() ? "127.0.0.1" : a.host;
}

bool IsOurInclude(const Node& n) {
  if (n.is_section() || !(n.Is("Include") || n.Is("IncludeOptional")) ||
      n.args().size() != 1)
    return false;
  const std::string base = sys::BaseName(n.args()[0].value());
  return base == kChallengeConfName || base == kChallengeVhostsName;
}

void CollectOurs(const Block& block, std::vector<const Node*>* out) {
  for (const Node& n : block.children()) {
    if (IsOurInclude(n)) out->push_back(&n);
    CollectOurs(n.block(), out);
  }
}

}  // namespace

ChallengeLocation::ChallengeLocation(const std::string& directory)
    : dir(directory),
      conf(sys::JoinPath(directory, kChallengeConfName)),
      vhosts(sys::JoinPath(directory, kChallengeVhostsName)),
      tokens(sys::JoinPath(directory, "tokens")) {}

std::string ChallengeConfText(const ChallengeLocation& location) {
  // Values go through Word::FromValue: quoted as needed, refused when no
  // word can hold them.
  const std::string dir = Word::FromValue(location.tokens).raw();
  const std::string target = Word::FromValue(location.tokens + "/$1").raw();
  return "# managed by certpilot: serves ACME HTTP-01 challenge responses "
         "(RFC 8555 §8.3)\n"
         "# from " +
         location.tokens +
         " while a certpilot run needs them; removed when it ends.\n"
         "<IfModule mod_rewrite.c>\n"
         "    RewriteEngine on\n"
         "    RewriteRule "
         "\"^/\\.well-known/acme-challenge/([A-Za-z0-9_-]+)$\" " +
         target +
         " [END]\n"
         "</IfModule>\n"
         "<IfModule !mod_rewrite.c>\n"
         "    AliasMatch "
         "\"^/\\.well-known/acme-challenge/([A-Za-z0-9_-]+)$\" " +
         target +
         "\n"
         "</IfModule>\n"
         "<Directory " +
         dir +
         ">\n"
         "    AllowOverride None\n"
         "    ForceType text/plain\n"
         "    <IfModule mod_authz_core.c>\n"
         "        Require all granted\n"
         "    </IfModule>\n"
         "</Directory>\n";
}

ChallengePatch::ChallengePatch(ConfigGraph& graph, int http_port,
                               ChallengeLocation location)
    : graph_(graph),
      port_(http_port),
      location_(std::move(location)),
      table_(CollectVirtualHosts(graph)) {}

void ChallengePatch::Touch(Config* file) {
  if (std::find(touched_.begin(), touched_.end(), file) == touched_.end())
    touched_.push_back(file);
}

void ChallengePatch::IncludeInMainFile(const std::string& path) {
  if (!main_includes_.insert(path).second) return;
  Config* main = graph_.files().front();
  main->Append(nullptr, Node::Directive("Include", {path}));
  Touch(main);
}

ChallengeSite ChallengePatch::Serve(const std::string& name) {
  if (auto it = sites_.find(name); it != sites_.end()) return it->second;
  const Word name_word = Word::FromValue(name);  // throws when unsafe
  ChallengeSite site;
  site.port = port_;
  std::vector<std::string> group_addresses;
  for (const VirtualHost& v : table_.hosts) {
    const VirtualHostAddress* on_port = nullptr;
    for (const VirtualHostAddress& a : v.addresses) {
      if (!OnPort(a, port_)) continue;
      if (on_port == nullptr) on_port = &a;
      const std::string text = AddressOnPort(a, port_);
      if (std::find(group_addresses.begin(), group_addresses.end(), text) ==
          group_addresses.end())
        group_addresses.push_back(text);
    }
    if (on_port == nullptr || !v.Matches(ToLower(name))) continue;
    if (included_.insert(v.node).second) {
      // First in the vhost: a RewriteRule of its own (certbot's redirect,
      // [END]) would otherwise answer the challenge request first.
      v.file->Prepend(*v.node, Node::Directive("Include", {location_.conf}));
      Touch(v.file);
    }
    if (site.address.empty()) site.address = LoopbackFor(*on_port);
    site.vhosts.push_back(v.file->path() + ":" + std::to_string(v.line));
  }
  if (site.vhosts.empty() && !group_addresses.empty()) {
    // No vhost names it: a temporary one in each name-based group.
    std::string addresses;
    for (const std::string& a : group_addresses)
      addresses += (addresses.empty() ? "" : " ") + a;
    own_vhosts_ += "<VirtualHost " + addresses + ">\n    ServerName " +
                   name_word.raw() + "\n    Include " +
                   Word::FromValue(location_.conf).raw() + "\n</VirtualHost>\n";
    IncludeInMainFile(location_.vhosts);
    site.address = group_addresses.front().rfind("*:", 0) == 0
                       ? "127.0.0.1"
                       : group_addresses.front().substr(
                             0, group_addresses.front().rfind(':'));
    if (!site.address.empty() && site.address.front() == '[')
      site.address = site.address.substr(1, site.address.size() - 2);
    site.vhosts.push_back(location_.vhosts);
  } else if (site.vhosts.empty()) {
    // Nothing uses the port but the main server.
    IncludeInMainFile(location_.conf);
    site.address = "127.0.0.1";
    site.vhosts.push_back("the main server (" + graph_.files().front()->path() +
                          ")");
  }
  sites_.emplace(name, site);
  return site;
}

std::vector<sys::FileState> ChallengePatch::Files() const {
  std::vector<sys::FileState> out;
  out.push_back({location_.conf, ChallengeConfText(location_)});
  out.push_back({location_.vhosts,
                 own_vhosts_.empty()
                     ? std::nullopt
                     : std::optional<std::string>(
                           "# managed by certpilot: temporary virtual hosts "
                           "for ACME challenges; removed when the run ends.\n" +
                           own_vhosts_)});
  for (Config* c : touched_) out.push_back({c->path(), c->Dump()});
  return out;
}

int StripChallengeLines(Config& config) {
  std::vector<const Node*> ours;
  CollectOurs(config.root(), &ours);
  for (const Node* n : ours) config.Remove(*n);
  return static_cast<int>(ours.size());
}

}  // namespace certpilot::apache
