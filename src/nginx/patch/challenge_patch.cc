#include "nginx/patch/challenge_patch.h"

#include <algorithm>
#include <functional>

#include "nginx/config/parser.h"
#include "nginx/config/value_validation.h"
#include "nginx/patch/managed.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

constexpr char kChallengePath[] = "/.well-known/acme-challenge/";
constexpr char kRewritePrefix[] = "^(/\\.well-known/acme-challenge/";
constexpr char kOwnFileHeader[] =
    "# certpilot: temporary server blocks for HTTP-01 challenges (nginx "
    "authenticator).\n"
    "# Included from the http block only while a validation runs; do not "
    "edit.\n";

// rewrite ^(/\.well-known/acme-challenge/TOKEN)$ $1 break;
Directive RewriteFor(const std::string& token) {
  return std::move(
      Directive::Simple("rewrite",
                        {Word::FromTrustedRaw(kRewritePrefix + token + ")$"),
                         Word::FromTrustedRaw("$1"), Word::FromValue("break")})
          .WithComment(kManagedComment));
}

// location = /.well-known/acme-challenge/TOKEN { default_type text/plain;
// return 200 "KEY_AUTHORIZATION"; }
Directive LocationFor(const ChallengeResponse& r) {
  return std::move(
      Directive::WithBlock(
          "location",
          {Word::FromValue("="), Word::FromValue(kChallengePath + r.token)},
          {Directive::Simple("default_type", {Word::FromValue("text/plain")}),
           Directive::Simple(
               "return",
               {Word::FromValue("200"),
                Word::FromTrustedRaw("\"" + r.key_authorization + "\"")})})
          .WithComment(kManagedComment));
}

// The address to reach a listening socket through from this host.
struct Reach {
  int rank;
  std::string address;
};
Reach ReachOf(const ListenAddress& l) {
  if (!l.ipv6 && l.address == "*") return {0, "127.0.0.1"};
  if (!l.ipv6 && StartsWith(l.address, "127.")) return {1, l.address};
  if (l.ipv6 && l.address == "::") return {2, "::1"};
  if (l.ipv6 && l.address == "::1") return {3, "::1"};
  return {4, l.address};
}

Directive* FindHttpBlock(ConfigGraph& graph, Config** file) {
  for (const Located& top : graph.Expand(graph.main(), graph.main().root())) {
    if (top.directive->name() == "http" && top.directive->has_block()) {
      *file = top.file;
      return top.directive;
    }
  }
  return nullptr;
}

void ForEach(Block& block, const std::function<void(Directive&)>& f) {
  for (Directive& d : block.children()) {
    f(d);
    if (d.has_block()) ForEach(d.block(), f);
  }
}

}  // namespace

bool IsToken(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

void ValidateToken(const std::string& token) {
  if (!IsToken(token)) {
    throw UsageError(
        "refusing to write the challenge token \"" + StripControl(token) +
        "\" into the nginx configuration: it is not base64url (RFC 8555 §8.3)");
  }
}

ChallengePatch::ChallengePatch(ConfigGraph& graph, int http_port,
                               std::string own_file)
    : graph_(graph),
      port_(http_port),
      own_path_(std::move(own_file)),
      servers_(FindAllServerBlocks(graph)) {}

ChallengePatch::~ChallengePatch() = default;

ChallengeSite ChallengePatch::Add(const ChallengeResponse& r) {
  ValidateConfigValue(r.name);
  ValidateToken(r.token);
  ValidateConfigValue(r.key_authorization);
  if (entries_.count(r.token)) {
    throw Error("the challenge token " + r.token +
                " is already in the nginx configuration");
  }
  Entry entry;
  entry.name = r.name;
  ChallengeSite site;
  site.port = port_;
  std::optional<Reach> best;
  auto consider = [&](const ListenAddress& l) {
    Reach reach = ReachOf(l);
    if (!best || reach.rank < best->rank) best = reach;
  };

  std::vector<std::string> uncovered;  // sockets where no block has the name
  const std::vector<ServerMatch> matches =
      FindServerBlocks(servers_, r.name, port_);
  for (const ServerMatch& m : matches) {
    if (!MatchesName(m.rule)) {
      uncovered.insert(uncovered.end(), m.sockets.begin(), m.sockets.end());
      continue;
    }
    Config& file = *m.server.file;
    Directive& server = *m.server.directive;
    std::list<Directive>& children = server.block().children();
    Directive& rewrite =
        children.empty()
            ? file.Append(&server, RewriteFor(r.token))
            : file.InsertBefore(children.front(), RewriteFor(r.token));
    entry.inserted.push_back({&file, &rewrite});
    entry.inserted.push_back({&file, &file.Append(&server, LocationFor(r))});
    touched_.insert(&file);
    site.blocks.push_back(DescribeBlock(graph_, m.server));
    for (const ListenAddress& l : m.server.listens) {
      if (std::find(m.sockets.begin(), m.sockets.end(), l.Socket()) !=
          m.sockets.end())
        consider(l);
    }
  }
  if (matches.empty()) uncovered.push_back(std::to_string(port_));

  if (!uncovered.empty()) {
    Directive& server = OwnServer(r.name, uncovered);
    entry.inserted.push_back(
        {own_.get(), &own_->Append(&server, LocationFor(r))});
    entry.in_own_file = true;
    site.blocks.push_back(own_path_ + " (temporary server block)");
    for (const std::string& socket : uncovered) {
      ListenAddress l;
      const size_t colon = socket.rfind(':');
      if (colon != std::string::npos) {
        l.address = socket.substr(0, colon);
        if (StartsWith(l.address, "[")) {
          l.ipv6 = true;
          l.address = l.address.substr(1, l.address.size() - 2);
        }
      }
      consider(l);
    }
  }
  site.address = best ? best->address : "127.0.0.1";
  entries_.emplace(r.token, std::move(entry));
  return site;
}

Directive& ChallengePatch::OwnServer(const std::string& name,
                                     const std::vector<std::string>& sockets) {
  if (auto it = own_servers_.find(name); it != own_servers_.end())
    return *it->second;
  if (!own_) {
    ValidateConfigValue(own_path_);
    Config* http_file = nullptr;
    Directive* http = FindHttpBlock(graph_, &http_file);
    if (!http) {
      throw Error("no http block in " + graph_.main().path() +
                  ": nowhere to put a server block for the challenge");
    }
    own_ = std::make_unique<Config>(ParseConfig(kOwnFileHeader, own_path_));
    Directive& include = http_file->Append(
        http,
        std::move(Directive::Simple("include", {Word::FromValue(own_path_)})
                      .WithComment(kManagedComment)));
    own_include_ = {http_file, &include};
    touched_.insert(http_file);
  }
  std::vector<Directive> children;
  for (const std::string& socket : sockets) {
    children.push_back(Directive::Simple("listen", {Word::FromValue(socket)}));
  }
  children.push_back(Directive::Simple("server_name", {Word::FromValue(name)}));
  Directive& server = own_->Append(
      nullptr, std::move(Directive::WithBlock("server", {}, std::move(children))
                             .WithComment(kManagedComment)));
  own_servers_[name] = &server;
  return server;
}

void ChallengePatch::DropOwnServerIfEmpty(const std::string& name) {
  auto it = own_servers_.find(name);
  if (it == own_servers_.end()) return;
  if (it->second->block().Find("location") != nullptr) return;
  own_->Remove(*it->second);
  own_servers_.erase(it);
  if (!own_servers_.empty()) return;
  own_include_.file->Remove(*own_include_.directive);
  own_include_ = {nullptr, nullptr};
  own_.reset();
}

void ChallengePatch::Remove(const std::string& token) {
  auto it = entries_.find(token);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  for (auto in = e.inserted.rbegin(); in != e.inserted.rend(); ++in) {
    in->file->Remove(*in->directive);
  }
  if (e.in_own_file) DropOwnServerIfEmpty(e.name);
  entries_.erase(it);
}

std::vector<sys::FileState> ChallengePatch::Files() const {
  std::vector<sys::FileState> out;
  for (Config* file : graph_.files()) {
    if (touched_.count(file)) out.push_back({file->path(), file->Dump()});
  }
  out.push_back({own_path_, own_ ? std::optional<std::string>(own_->Dump())
                                 : std::nullopt});
  return out;
}

int StripChallengeLines(Config& config, const std::string& own_file) {
  std::vector<Directive*> doomed;
  ForEach(config.root(), [&](Directive& d) {
    if (!IsManaged(d)) return;
    const std::vector<std::string> a = d.ArgValues();
    // One token's rewrite only: the fleet's permanent one for any token
    // (challenge_proxy.h) stays.
    const bool rewrite =
        d.name() == "rewrite" && !a.empty() &&
        StartsWith(a[0], kRewritePrefix) && EndsWith(a[0], ")$") &&
        IsToken(a[0].substr(
            std::string_view(kRewritePrefix).size(),
            a[0].size() - std::string_view(kRewritePrefix).size() - 2));
    const bool location = d.name() == "location" && a.size() == 2 &&
                          a[0] == "=" && StartsWith(a[1], kChallengePath);
    const bool include =
        d.name() == "include" && a.size() == 1 && a[0] == own_file;
    if (rewrite || location || include) doomed.push_back(&d);
  });
  for (Directive* d : doomed) config.Remove(*d);
  return static_cast<int>(doomed.size());
}

}  // namespace certpilot::nginx
