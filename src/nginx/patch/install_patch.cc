#include "nginx/patch/install_patch.h"

#include <algorithm>
#include <map>
#include <set>

#include "nginx/config/server_query.h"
#include "nginx/config/value_validation.h"
#include "nginx/patch/managed.h"
#include "nginx/patch/tls_options.h"
#include "util/strings.h"

namespace certpilot::nginx {
namespace {

// The blocks chosen for some purpose, each with the names it was chosen for,
// in the order first chosen.
class BlockNames {
 public:
  void Add(const ServerBlock* block, const std::string& name) {
    for (auto& [b, names] : items_) {
      if (b->directive == block->directive) {
        if (std::find(names.begin(), names.end(), name) == names.end())
          names.push_back(name);
        return;
      }
    }
    items_.push_back({block, {name}});
  }
  bool Has(const ServerBlock& block) const {
    return std::any_of(items_.begin(), items_.end(), [&](const auto& i) {
      return i.first->directive == block.directive;
    });
  }
  const std::vector<std::pair<const ServerBlock*, std::vector<std::string>>>&
  items() const {
    return items_;
  }

 private:
  std::vector<std::pair<const ServerBlock*, std::vector<std::string>>> items_;
};

Directive Managed(Directive d) {
  d.WithComment(kManagedComment);
  return d;
}

bool IsRedirectStatus(const std::string& s) {
  return s == "301" || s == "302" || s == "303" || s == "307" || s == "308";
}

// The block's directives as nginx sees them (includes expanded).
std::vector<Located> Children(ConfigGraph& graph, const ServerBlock& b) {
  return graph.Expand(*b.file, b.directive->block());
}

// if ($host = NAME) { return 301 https://$host[:PORT]$request_uri; }
Directive RedirectIf(const std::string& name, int https_port) {
  std::vector<Word> condition{Word::FromTrustedRaw("($host")};
  if (StartsWith(name, "*.")) {
    std::string re = "^[^.]+";
    for (char c : name.substr(1))
      re += c == '.' ? std::string("\\.") : std::string(1, c);
    condition.push_back(Word::FromTrustedRaw("~*"));
    condition.push_back(Word::FromTrustedRaw(re + "$)"));
  } else {
    condition.push_back(Word::FromTrustedRaw("="));
    condition.push_back(Word::FromTrustedRaw(name + ")"));
  }
  const std::string port =
      https_port == 443 ? "" : ":" + std::to_string(https_port);
  return Managed(Directive::WithBlock(
      "if", std::move(condition),
      {Directive::Simple(
          "return",
          {Word::FromValue("301"),
           Word::FromTrustedRaw("https://$host" + port + "$request_uri")})}));
}

bool AlreadyRedirects(ConfigGraph& graph, const ServerBlock& b,
                      const std::string& name, int https_port) {
  const std::string ours = Join(RedirectIf(name, https_port).ArgValues(), " ");
  for (const Located& c : Children(graph, b)) {
    const Directive& d = *c.directive;
    const std::vector<std::string> a = d.ArgValues();
    if (d.name() == "return" && !a.empty() && IsRedirectStatus(a[0]))
      return true;
    if (d.name() == "rewrite" && !a.empty() &&
        (a.back() == "permanent" || a.back() == "redirect"))
      return true;
    if (d.name() == "if" && d.has_block()) {
      const Directive* ret = d.block().Find("return");
      if (!ret || ret->args().empty() || !IsRedirectStatus(ret->arg(0)))
        continue;
      const std::string condition = Join(a, " ");
      if (condition == ours || condition.find("$host") == std::string::npos)
        return true;
      if (condition.find(" " + name + ")") != std::string::npos ||
          condition.find(" " + name + " ") != std::string::npos)
        return true;
    }
  }
  return false;
}

// "443", "127.0.0.1:443", "[::]:443" for the address of `l`.
std::string ListenSpec(const ListenAddress& l, int port) {
  if (l.ipv6) return "[" + l.address + "]:" + std::to_string(port);
  if (l.address == "*") return std::to_string(port);
  return l.address + ":" + std::to_string(port);
}

std::vector<const ListenAddress*> ListensOnPort(const ServerBlock& b,
                                                int port) {
  std::vector<const ListenAddress*> out;
  for (const ListenAddress& l : b.listens)
    if (l.port == port) out.push_back(&l);
  return out;
}

bool IsDirectChild(const ServerBlock& b, const Directive* d) {
  for (const Directive& c : b.directive->block().children())
    if (&c == d) return true;
  return false;
}

class Installer {
 public:
  Installer(ConfigGraph& graph, const InstallRequest& req)
      : graph_(graph), req_(req), servers_(FindAllServerBlocks(graph)) {}

  InstallResult Run() {
    Plan();
    CheckRefusals();
    for (const auto& [b, names] : swap_.items()) Swap(*b, names);
    for (const auto& [b, names] : enable_.items()) Enable(*b, names);
    for (const auto& [b, names] : redirect_.items()) Redirect(*b, names);
    return std::move(result_);
  }

 private:
  std::vector<const ServerBlock*> ByName(const std::string& name, int port) {
    return BlocksNamedOnPort(servers_, name, port);
  }

  void Plan() {
    std::vector<std::string> unmatched;
    for (const std::string& name : req_.names) {
      std::vector<const ServerBlock*> tls;
      for (const ServerBlock* b : ByName(name, req_.https_port))
        if (b->TlsOn(req_.https_port)) tls.push_back(b);
      const std::vector<const ServerBlock*> http = ByName(name, req_.http_port);
      if (tls.empty() && http.empty()) {
        if (!ChooseOnAnyPort(name)) unmatched.push_back(name);
        continue;
      }
      if (!tls.empty()) {
        for (const ServerBlock* b : tls) swap_.Add(b, name);
      } else if (!http.empty()) {
        for (const ServerBlock* b : http) enable_.Add(b, name);
      } else {
        unmatched.push_back(name);
        continue;
      }
      if (req_.redirect)
        for (const ServerBlock* b : http) redirect_.Add(b, name);
    }
    if (!unmatched.empty()) {
      throw NoServerBlockError(
          "no server block in " + graph_.main().path() +
              " (or the files it includes) has server_name " +
              Join(unmatched, ", ") +
              " (on any port); add the name to the server block that should "
              "serve it and run "
              "install again "
              "(certpilot creates no server block on its own)",
          unmatched);
    }
  }

  // certbot's choice for a name no block serves on the HTTP or HTTPS port:
  // the best-ranked block on any port. False when no block has the name.
  bool ChooseOnAnyPort(const std::string& name) {
    const std::vector<RankedBlock> ranked = RankBlocksByName(servers_, name);
    if (ranked.empty()) return false;
    const ServerBlock& b = *ranked[0].server;
    std::string choice = name + ": " + DescribeBlock(graph_, b) + " (" +
                         DescribeListens(b) + "), " + ToString(ranked[0].rule) +
                         " " + ranked[0].server_name;
    if (ranked.size() > 1) {
      std::vector<std::string> others;
      for (size_t i = 1; i < ranked.size(); ++i)
        others.push_back(DescribeBlock(graph_, *ranked[i].server) + " (" +
                         DescribeListens(*ranked[i].server) + ")");
      choice += ", chosen over " + Join(others, ", ");
    }
    result_.choices.push_back(choice);
    if (ranked[0].tls) {
      swap_.Add(&b, name);
    } else {
      for (const ListenAddress& l : b.listens) {
        if (l.ssl) continue;
        plain_port_.emplace(b.directive, l.port);
        break;
      }
      enable_.Add(&b, name);
    }
    if (req_.redirect) {
      result_.notes.push_back("no block serves " + name +
                              " as plain HTTP on port " +
                              std::to_string(req_.http_port) +
                              ", so no redirect was set up for it");
    }
    return true;
  }

  // The port whose listens Enable gives TLS twins: the HTTP port, or the
  // plain port of a block chosen on another port.
  int PlainPort(const ServerBlock& b) const {
    auto it = plain_port_.find(b.directive);
    return it == plain_port_.end() ? req_.http_port : it->second;
  }

  // The names `b` is to redirect that it does not redirect already.
  std::vector<std::string> RedirectTodo(const ServerBlock& b) {
    for (const auto& [block, names] : redirect_.items()) {
      if (block->directive != b.directive) continue;
      std::vector<std::string> todo;
      for (const std::string& name : names)
        if (!AlreadyRedirects(graph_, b, name, req_.https_port))
          todo.push_back(name);
      return todo;
    }
    return {};
  }

  bool WillSplit(const ServerBlock& b) const {
    return enable_.Has(b) || b.TlsOn(req_.https_port);
  }

  void CheckRefusals() {
    for (const auto& [b, names] : enable_.items()) {
      if (b->ListensOn(req_.https_port)) {
        throw Error(
            DescribeBlock(graph_, *b) + " listens on port " +
            std::to_string(req_.https_port) +
            " without ssl; certpilot will not guess how to enable TLS there");
      }
    }
    for (const auto& [b, names] : redirect_.items()) {
      if (!WillSplit(*b) || RedirectTodo(*b).empty()) continue;
      for (const ListenAddress* l : ListensOnPort(*b, req_.http_port)) {
        if (l->directive != nullptr && !IsDirectChild(*b, l->directive)) {
          throw Error("cannot set up the redirect for " + Join(names, ", ") +
                      ": " + DescribeBlock(graph_, *b) + " gets its `listen " +
                      Join(l->directive->ArgValues(), " ") + "` from " +
                      l->file->path() +
                      ", so it cannot be split into an HTTPS block and a "
                      "redirecting HTTP "
                      "block; move the listen into the server block or drop "
                      "--redirect");
        }
      }
    }
    for (const auto& [b, names] : swap_.items()) {
      for (const char* kind : {"ssl_certificate", "ssl_certificate_key"})
        CertDirective(*b, kind);
    }
  }

  // The block's one `kind` directive (nullptr: inherited or none). Throws
  // for several, or one shared with another block.
  Located* CertDirective(const ServerBlock& b, const std::string& kind) {
    found_.clear();
    for (const Located& c : Children(graph_, b))
      if (c.directive->name() == kind) found_.push_back(c);
    if (found_.size() > 1) {
      throw Error(
          DescribeBlock(graph_, b) + " has " + std::to_string(found_.size()) +
          " " + kind +
          " directives (several certificates); certpilot will not guess which "
          "one to replace");
    }
    if (found_.empty()) return nullptr;
    int users = 0;
    for (const ServerBlock& other : servers_)
      for (const Located& c : Children(graph_, other))
        if (c.directive == found_[0].directive) ++users;
    if (users > 1) {
      throw Error(DescribeBlock(graph_, b) + " gets its " + kind + " from " +
                  found_[0].file->path() + ", which " +
                  std::to_string(users - 1) +
                  " other server block(s) include too; put the " + kind +
                  " line into the server block itself so that only it changes");
    }
    return &found_[0];
  }

  // Points the block's certificate directives at the lineage; true if
  // something changed.
  bool SetCertificate(const ServerBlock& b) {
    bool changed = false;
    for (const auto& [kind, path] :
         {std::pair<std::string, std::string>{"ssl_certificate",
                                              req_.certificate_path},
          {"ssl_certificate_key", req_.key_path}}) {
      if (Located* d = CertDirective(b, kind)) {
        if (d->directive->args().size() == 1 && d->directive->arg(0) == path)
          continue;
        if (d->directive->args().empty()) {
          d->directive->AddArg(Word::FromValue(path));
        } else {
          d->directive->SetArg(0, Word::FromValue(path));
          while (d->directive->args().size() > 1) d->directive->RemoveArg(1);
        }
      } else {
        b.file->Append(b.directive, Managed(Directive::Simple(
                                        kind, {Word::FromValue(path)})));
      }
      changed = true;
    }
    return changed;
  }

  void Swap(const ServerBlock& b, const std::vector<std::string>& names) {
    if (SetCertificate(b)) {
      result_.actions.push_back(
          DescribeBlock(graph_, b) +
          ": ssl_certificate and ssl_certificate_key now name the "
          "certificate for " +
          Join(names, ", "));
    } else {
      result_.notes.push_back(DescribeBlock(graph_, b) +
                              ": already serves the certificate for " +
                              Join(names, ", "));
    }
  }

  void Enable(const ServerBlock& b, const std::vector<std::string>& names) {
    std::vector<std::string> specs;
    const std::vector<const ListenAddress*> http =
        ListensOnPort(b, PlainPort(b));
    if (b.implicit_listen && RedirectTodo(b).empty()) {
      b.file->Append(
          b.directive,
          Managed(Directive::Simple(
              "listen", {Word::FromValue(std::to_string(req_.http_port))})));
    }
    for (const ListenAddress* l : http) {
      const std::string spec = ListenSpec(*l, req_.https_port);
      if (std::find(specs.begin(), specs.end(), spec) != specs.end()) continue;
      specs.push_back(spec);
      b.file->Append(
          b.directive,
          Managed(Directive::Simple(
              "listen", {Word::FromValue(spec), Word::FromValue("ssl")})));
    }
    SetCertificate(b);
    std::string extra;
    if (!req_.options_path.empty()) {
      std::string conflict;
      for (const Located& c : Children(graph_, b))
        for (std::string_view name : kTlsOptionsDirectives)
          if (c.directive->name() == name) conflict = c.directive->name();
      if (conflict.empty()) {
        b.file->Append(b.directive,
                       Managed(Directive::Simple(
                           "include", {Word::FromValue(req_.options_path)})));
        result_.includes_options = true;
      } else {
        extra = " (it sets " + conflict + " itself, so " + req_.options_path +
                " is not included)";
      }
    }
    result_.actions.push_back(DescribeBlock(graph_, b) + ": TLS on port " +
                              std::to_string(req_.https_port) +
                              " with the certificate for " + Join(names, ", ") +
                              extra);
  }

  void Redirect(const ServerBlock& b, const std::vector<std::string>& names) {
    const std::vector<std::string> todo = RedirectTodo(b);
    for (const std::string& name : names) {
      if (std::find(todo.begin(), todo.end(), name) == todo.end()) {
        result_.notes.push_back(DescribeBlock(graph_, b) +
                                ": already redirects " + name +
                                " to https; left alone");
      }
    }
    if (todo.empty()) return;
    if (!WillSplit(b)) {
      std::list<Directive>& children = b.directive->block().children();
      const Directive* first = children.empty() ? nullptr : &children.front();
      for (const std::string& name : todo) {  // at the top, in the names' order
        if (first == nullptr)
          b.file->Append(b.directive, RedirectIf(name, req_.https_port));
        else
          b.file->InsertBefore(*first, RedirectIf(name, req_.https_port));
      }
      result_.actions.push_back(DescribeBlock(graph_, b) + ": plain HTTP for " +
                                Join(todo, ", ") + " now redirects to https");
      return;
    }
    // certbot's split: the HTTP-port half becomes a block of its own.
    std::vector<Directive> children;
    for (const std::string& name : todo)
      children.push_back(RedirectIf(name, req_.https_port));
    const std::vector<const ListenAddress*> http =
        ListensOnPort(b, req_.http_port);
    std::vector<const Directive*> moved;
    for (const ListenAddress* l : http) {
      if (l->directive == nullptr) {  // nginx's implicit listen *:80
        children.push_back(Managed(Directive::Simple(
            "listen", {Word::FromValue(std::to_string(req_.http_port))})));
        continue;
      }
      std::vector<Word> words;
      for (const Word& w : l->directive->args())
        words.push_back(Word::FromTrustedRaw(w.raw()));
      children.push_back(
          Managed(Directive::Simple("listen", std::move(words))));
      moved.push_back(l->directive);
    }
    for (const Located& c : Children(graph_, b)) {
      if (c.directive->name() != "server_name") continue;
      std::vector<Word> words;
      for (const Word& w : c.directive->args())
        words.push_back(Word::FromTrustedRaw(w.raw()));
      children.push_back(
          Managed(Directive::Simple("server_name", std::move(words))));
    }
    children.push_back(
        Managed(Directive::Simple("return", {Word::FromValue("404")})));
    b.file->InsertAfter(*b.directive, Managed(Directive::WithBlock(
                                          "server", {}, std::move(children))));
    for (const Directive* d : moved) b.file->Remove(*d);
    result_.actions.push_back(
        DescribeBlock(graph_, b) + ": its port " +
        std::to_string(req_.http_port) +
        " listen moved to a new server block after it that redirects " +
        Join(todo, ", ") + " to https");
  }

  ConfigGraph& graph_;
  const InstallRequest& req_;
  std::vector<ServerBlock> servers_;
  BlockNames swap_, enable_, redirect_;
  std::map<const Directive*, int> plain_port_;
  std::vector<Located> found_;
  InstallResult result_;
};

}  // namespace

InstallResult PatchForInstall(ConfigGraph& graph, const InstallRequest& req) {
  if (req.names.empty())
    throw UsageError("no names to install a certificate for");
  for (const std::string& name : req.names) ValidateConfigValue(name);
  ValidateConfigValue(req.certificate_path);
  ValidateConfigValue(req.key_path);
  if (!req.options_path.empty()) ValidateConfigValue(req.options_path);
  for (int port : {req.http_port, req.https_port}) {
    if (port < 1 || port > 65535)
      throw UsageError("port " + std::to_string(port) + " is not a port");
  }
  if (req.http_port == req.https_port) {
    throw UsageError("the HTTP and HTTPS ports must differ (both are " +
                     std::to_string(req.http_port) + ")");
  }
  return Installer(graph, req).Run();
}

}  // namespace certpilot::nginx
