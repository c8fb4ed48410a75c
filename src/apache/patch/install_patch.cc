#include "apache/patch/install_patch.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "apache/config/modules.h"
#include "apache/config/parser.h"
#include "apache/config/virtual_hosts.h"
#include "apache/patch/enhance_patch.h"
#include "apache/patch/managed.h"
#include "apache/patch/planned_filesystem.h"
#include "apache/patch/tls_options.h"
#include "sys/glob.h"
#include "util/strings.h"

namespace certpilot::apache {
namespace {

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ServesPort(const VirtualHost& v, int port) {
  for (const VirtualHostAddress& a : v.addresses) {
    if (a.port == port || a.port == 0) return true;
  }
  return false;
}

// "*:443", "_default_:443", "[::1]:443", "192.0.2.1:443".
std::string AddressWithPort(const VirtualHostAddress& a, int port) {
  const std::string host =
      a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
  return host + ":" + std::to_string(port);
}

// The port of a Listen argument ("80", "127.0.0.1:80", "[::1]:80").
int ListenPort(const std::string& arg) {
  const size_t colon = arg.rfind(':');
  const std::string digits =
      colon == std::string::npos ? arg : arg.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::stoi(digits);
}

// Every node named `name` inside `section`, at any depth.
std::vector<const Node*> Within(const Node& section, std::string_view name) {
  std::vector<const Node*> out;
  for (const Node& n : section.block().children()) {
    if (n.Is(name)) out.push_back(&n);
    for (const Node* inner : Within(n, name)) out.push_back(inner);
  }
  return out;
}

// Every directive inside `section`, at any depth.
void AllDirectives(const Node& section, std::vector<const Node*>* out) {
  for (const Node& n : section.block().children()) {
    if (!n.is_section()) out->push_back(&n);
    AllDirectives(n, out);
  }
}

// Appends `nodes` to `section` as one marked run.
void AppendMarked(Config& file, const Node* section, std::vector<Node> nodes) {
  bool first = true;
  for (Node& n : nodes) {
    if (first) {
      file.Append(section, std::move(n), kManagedComment);
    } else {
      file.Append(section, std::move(n));
    }
    first = false;
  }
}

void AddUnique(std::vector<std::string>* list, const std::string& value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) {
    list->push_back(value);
  }
}

// A vhost the plan edits: one of the configuration's, or a new twin.
struct Target {
  Config* file = nullptr;
  const Node* node = nullptr;
  std::string where;  // "sites-enabled/x.conf:1" for messages
};

// The twin of one plain vhost, and the names it must serve.
struct TwinSource {
  const VirtualHost* vhost = nullptr;
  std::vector<std::string> names;      // every name it is for
  std::vector<std::string> unmatched;  // those the vhost does not match
};

class Planner {
 public:
  Planner(sys::Filesystem& fs, const LoadOptions& options,
          const InstallRequest& req)
      : fs_(fs),
        options_(options),
        req_(req),
        graph_(ConfigGraph::Load(fs, options)),
        table_(CollectVirtualHosts(graph_)) {
    const std::vector<ActiveNode>& active = graph_.active();
    for (size_t i = 0; i < active.size(); ++i) {
      const ActiveNode& a = active[i];
      if (a.node->is_section() && a.node->Is("VirtualHost")) {
        active_index_[a.node] = static_cast<int>(i);
      }
      if (a.virtual_host >= 0 && a.node->Is("SSLEngine") && !a.args.empty() &&
          ToLower(a.args[0]) == "on") {
        tls_.insert(active[a.virtual_host].node);
      }
    }
  }

  InstallPlan Run() {
    ChooseHosts();
    if (req_.install) {
      for (const auto& [vhost, names] : tls_hosts_) SwapCertificate(*vhost);
      if (!tls_hosts_.empty()) NeedModule("ssl");
      BuildTwins();
    }
    if (req_.redirect) {
      NeedModule("rewrite");
      for (const auto& [vhost, names] : plain_hosts_) Redirect(*vhost, names);
    }
    if (req_.hsts || req_.uir) {
      NeedModule("headers");
      for (const Target& t : TlsTargets()) AddHeaders(t);
    }
    EnableModules();
    return Finish();
  }

 private:
  std::string Shown(const std::string& path) const {
    const std::string root = graph_.server_root() + "/";
    return StartsWith(path, root) ? path.substr(root.size()) : path;
  }
  std::string Where(const VirtualHost& v) const {
    return Shown(v.file->path()) + ":" + std::to_string(v.line);
  }

  // The vhosts for every name (see the header), or NoVirtualHostError.
  void ChooseHosts() {
    std::vector<std::string> missing;
    for (const std::string& raw : req_.names) {
      const std::string name = ToLower(raw);
      std::vector<const VirtualHost*> tls;
      std::vector<const VirtualHost*> plain;
      for (const VirtualHost& v : table_.hosts) {
        if (!v.Matches(name)) continue;
        if (tls_.count(v.node) > 0) {
          if (ServesPort(v, req_.https_port)) tls.push_back(&v);
        } else if (ServesPort(v, req_.http_port)) {
          plain.push_back(&v);
        }
      }
      if (plain.empty()) {
        const VirtualHost* fallback =
            SelectVirtualHost(table_, "", req_.http_port, name);
        if (fallback != nullptr && tls_.count(fallback->node) == 0) {
          plain.push_back(fallback);
        }
      }
      for (const VirtualHost* v : tls) AddUnique(&tls_hosts_[v], name);
      for (const VirtualHost* v : plain) AddUnique(&plain_hosts_[v], name);
      if (req_.install && tls.empty()) {
        if (plain.empty()) {
          missing.push_back(raw);
          continue;
        }
        for (const VirtualHost* v : plain) {
          TwinSource& t = TwinFor(v);
          AddUnique(&t.names, name);
          if (!v->Matches(name)) AddUnique(&t.unmatched, name);
        }
      }
      if (!req_.install && tls.empty()) missing.push_back(raw);
    }
    if (!missing.empty()) {
      throw NoVirtualHostError(
          std::string(req_.install ? "no Apache virtual host serves "
                                   : "no Apache virtual host serves over TLS "
                                     "(install the certificate first) ") +
              Join(missing, ", ") + " on port " +
              std::to_string(req_.install ? req_.http_port : req_.https_port),
          missing);
    }
  }

  TwinSource& TwinFor(const VirtualHost* v) {
    for (TwinSource& t : twin_sources_) {
      if (t.vhost == v) return t;
    }
    twin_sources_.push_back(TwinSource{v, {}, {}});
    return twin_sources_.back();
  }

  // The active directives inside `v` named `name`.
  std::vector<const ActiveNode*> ActiveInside(const VirtualHost& v,
                                              std::string_view name) const {
    std::vector<const ActiveNode*> out;
    const int index = active_index_.at(v.node);
    for (const ActiveNode& a : graph_.active()) {
      if (a.virtual_host == index && a.node->Is(name)) out.push_back(&a);
    }
    return out;
  }

  // Points one certificate directive of a TLS vhost at `path`.
  void SetCertificateDirective(const VirtualHost& v, std::string_view name,
                               const std::string& path) {
    const std::vector<const ActiveNode*> found = ActiveInside(v, name);
    if (found.size() > 1) {
      throw Error(Where(v) + ": the virtual host has " +
                  std::to_string(found.size()) + " " + std::string(name) +
                  " lines (one per key type?); certpilot will not guess "
                  "which to replace");
    }
    if (found.empty()) {
      v.file->Append(v.node, Node::Directive(name, {path}), kManagedComment);
      modified_.insert(v.file);
      return;
    }
    const ActiveNode& a = *found.front();
    if (!a.args.empty() && a.args[0] == path) return;
    if (a.file != v.file) {
      throw Error(Where(v) + ": its " + std::string(name) + " comes from " +
                  Shown(a.file->path()) + ":" + std::to_string(a.node->line()) +
                  ", which other virtual hosts may include; move it into the "
                  "virtual host first");
    }
    a.file->SetArgs(*a.node, {path});
    modified_.insert(a.file);
  }

  void SwapCertificate(const VirtualHost& v) {
    const std::string text_before = v.file->Dump();
    SetCertificateDirective(v, "SSLCertificateFile", req_.certificate_path);
    SetCertificateDirective(v, "SSLCertificateKeyFile", req_.key_path);
    if (!ActiveInside(v, "SSLCertificateChainFile").empty()) {
      notes_.push_back(Where(v) +
                       ": its SSLCertificateChainFile is no longer needed "
                       "(fullchain.pem holds the chain); consider removing it");
    }
    if (v.file->Dump() != text_before) {
      actions_.push_back(Where(v) + ": serves " + req_.certificate_path);
    } else {
      notes_.push_back(Where(v) + " already serves " + req_.certificate_path);
    }
  }

  // The text of the twins of the vhosts in `sources` (one file).
  std::string TwinText(const std::vector<const TwinSource*>& sources) const {
    std::string text;
    for (const TwinSource* s : sources) {
      const VirtualHost& v = *s->vhost;
      const std::string nl = v.file->newline();
      std::string header = "<VirtualHost";
      for (const VirtualHostAddress& a : v.addresses) {
        header += " " + AddressWithPort(a, req_.https_port);
      }
      std::string body;
      for (const Node& child : v.node->block().children()) child.DumpTo(&body);
      body += v.node->block().closing();
      body += v.node->close_word();
      body += v.node->close_tail().empty() ? nl : v.node->close_tail();
      text += "<IfModule mod_ssl.c>" + nl + header + ">" + nl + body +
              "</IfModule>" + nl;
    }
    return text;
  }

  // Takes redirects to https:// (with a RewriteRule's RewriteConds) out of
  // a twin's copy: on the HTTPS site they would loop.
  int DropHttpsRedirects(Config& twin, const Node& section) {
    int dropped = 0;
    std::vector<const Node*> doomed;
    std::vector<const Node*> conds;
    for (const Node& n : section.block().children()) {
      if (n.is_section()) {
        dropped += DropHttpsRedirects(twin, n);
        conds.clear();
        continue;
      }
      if (n.Is("RewriteCond")) {
        conds.push_back(&n);
        continue;
      }
      if (IsHttpsRedirect(n)) {
        if (n.Is("RewriteRule")) {
          doomed.insert(doomed.end(), conds.begin(), conds.end());
        }
        doomed.push_back(&n);
        ++dropped;
      }
      conds.clear();
    }
    for (const Node* n : doomed) twin.Remove(*n);
    return dropped;
  }

  void BuildTwins() {
    if (twin_sources_.empty()) return;
    NeedModule("ssl");
    // Twins by file, in order of first appearance.
    std::vector<std::pair<std::string, std::vector<const TwinSource*>>> files;
    std::map<const TwinSource*, std::string> loaded_as;
    for (const TwinSource& s : twin_sources_) {
      const std::string loaded = s.vhost->file->path();
      const std::string real = sys::ResolveSymlinks(fs_, loaded);
      std::string stem = BaseName(real);
      if (EndsWith(stem, ".conf")) stem.resize(stem.size() - 5);
      const std::string path =
          sys::JoinPath(DirName(real), stem + "-le-ssl.conf");
      auto it = std::find_if(files.begin(), files.end(),
                             [&](const auto& f) { return f.first == path; });
      if (it == files.end()) {
        files.push_back({path, {}});
        it = std::prev(files.end());
      }
      it->second.push_back(&s);
      loaded_as[&s] = loaded;
    }
    for (const auto& [path, sources] : files) {
      twins_.push_back(
          std::make_unique<Config>(ParseConfig(TwinText(sources), path)));
      Config& twin = *twins_.back();
      auto section = twin.root().children().begin();
      for (const TwinSource* s : sources) {
        const Node* vhost = nullptr;
        for (const Node& n : section->block().children()) {
          if (n.is_section() && n.Is("VirtualHost")) vhost = &n;
        }
        ++section;
        FillTwin(twin, *vhost, *s);
        twin_targets_.push_back(
            {&twin, vhost, Shown(path) + ":" + std::to_string(vhost->line())});
      }
      twin_files_.insert(&twin);
      PlaceTwin(twin, *sources.front(), loaded_as[sources.front()]);
    }
    AddHttpsListen();
  }

  void FillTwin(Config& twin, const Node& vhost, const TwinSource& s) {
    const int dropped = DropHttpsRedirects(twin, vhost);
    if (dropped > 0) {
      notes_.push_back(Where(*s.vhost) + ": left " + std::to_string(dropped) +
                       " redirect(s) to https:// out of its TLS twin (they "
                       "would loop there)");
    }
    std::vector<Node> lines;
    std::vector<std::string> aliases = s.unmatched;
    if (!aliases.empty() && Within(vhost, "ServerName").empty()) {
      lines.push_back(Node::Directive("ServerName", {aliases.front()}));
      aliases.erase(aliases.begin());
    }
    if (!aliases.empty())
      lines.push_back(Node::Directive("ServerAlias", aliases));
    lines.push_back(Node::Directive("SSLEngine", {"on"}));
    lines.push_back(
        Node::Directive("SSLCertificateFile", {req_.certificate_path}));
    lines.push_back(Node::Directive("SSLCertificateKeyFile", {req_.key_path}));
    if (!req_.options_path.empty()) {
      lines.push_back(Node::Directive("Include", {req_.options_path}));
      includes_options_ = true;
    }
    AppendMarked(twin, &vhost, std::move(lines));
    actions_.push_back(Shown(twin.path()) + ": new TLS twin of " +
                       Where(*s.vhost) + " for " + Join(s.names, ", "));
  }

  // Makes httpd read the twin: a link beside a linked file (a2ensite), or
  // an Include after the vhost unless an Include already reads it.
  void PlaceTwin(Config& twin, const TwinSource& s, const std::string& loaded) {
    const std::string name = BaseName(twin.path());
    if (fs_.IsSymlink(loaded)) {
      const std::string old_target = fs_.ReadLink(loaded);
      const size_t slash = old_target.rfind('/');
      const std::string target = slash == std::string::npos
                                     ? name
                                     : old_target.substr(0, slash + 1) + name;
      const std::string link = sys::JoinPath(DirName(loaded), name);
      if (fs_.Exists(link)) {
        if (!fs_.IsSymlink(link) || fs_.ReadLink(link) != target) {
          throw Error(link + " exists and is not a link to " + target +
                      "; certpilot will not replace it");
        }
        return;
      }
      links_.push_back({link, target});
      actions_.push_back(Shown(link) + ": new link to " + target);
      return;
    }
    std::map<std::string, std::string> planned_files = {
        {twin.path(), twin.Dump()}};
    if (includes_options_ && !fs_.Exists(req_.options_path)) {
      planned_files[req_.options_path] = std::string(kTlsOptionsText);
    }
    PlannedFilesystem planned(fs_, std::move(planned_files));
    ConfigGraph with_twin = ConfigGraph::Load(planned, options_);
    if (with_twin.FindFile(twin.path()) != nullptr) return;
    s.vhost->file->InsertAfter(*s.vhost->node,
                               Node::Directive("Include", {twin.path()}),
                               kManagedComment);
    modified_.insert(s.vhost->file);
    actions_.push_back(Where(*s.vhost) + ": includes " + Shown(twin.path()));
  }

  // A Listen for the HTTPS port, on each address the HTTP port has one,
  // unless one names it anywhere (active or not: Debian's is inside
  // <IfModule ssl_module>, true only once ssl is enabled).
  void AddHttpsListen() {
    std::vector<const ActiveNode*> http;
    for (Config* f : graph_.files()) {
      for (const Node* n : f->FindAll("Listen")) {
        if (!n->args().empty() &&
            ListenPort(n->args()[0].value()) == req_.https_port) {
          return;
        }
      }
    }
    for (const ActiveNode& a : graph_.active()) {
      if (a.node->Is("Listen") && !a.args.empty() &&
          ListenPort(a.args[0]) == req_.http_port) {
        http.push_back(&a);
      }
    }
    if (http.empty()) {
      throw Error("no Listen for port " + std::to_string(req_.http_port) +
                  " to put one for port " + std::to_string(req_.https_port) +
                  " beside; add a Listen " + std::to_string(req_.https_port) +
                  " first");
    }
    for (const ActiveNode* a : http) {
      const std::string& arg = a->args[0];
      const size_t colon = arg.rfind(':');
      std::vector<std::string> args = {
          (colon == std::string::npos ? "" : arg.substr(0, colon + 1)) +
          std::to_string(req_.https_port)};
      if (req_.https_port != 443) args.push_back("https");
      a->file->InsertAfter(*a->node, Node::Directive("Listen", args),
                           kManagedComment);
      modified_.insert(a->file);
      actions_.push_back(Shown(a->file->path()) + ":" +
                         std::to_string(a->node->line()) + ": Listen " +
                         Join(args, " "));
    }
  }

  void Redirect(const VirtualHost& v, const std::vector<std::string>& names) {
    std::vector<const Node*> inside;
    AllDirectives(*v.node, &inside);
    for (const ActiveNode& a : graph_.active()) {
      if (a.virtual_host == active_index_.at(v.node)) inside.push_back(a.node);
    }
    if (std::any_of(inside.begin(), inside.end(),
                    [](const Node* n) { return IsHttpsRedirect(*n); })) {
      notes_.push_back(Where(v) + " already redirects to https://");
      return;
    }
    AppendMarked(*v.file, v.node, RedirectLines(names, req_.https_port));
    modified_.insert(v.file);
    actions_.push_back(Where(v) + ": redirects " + Join(names, ", ") +
                       " to https://");
  }

  std::vector<Target> TlsTargets() const {
    std::vector<Target> out;
    for (const auto& [v, names] : tls_hosts_) {
      out.push_back({v->file, v->node, Where(*v)});
    }
    out.insert(out.end(), twin_targets_.begin(), twin_targets_.end());
    return out;
  }

  void AddHeaders(const Target& t) {
    std::vector<const Node*> inside;
    AllDirectives(*t.node, &inside);
    std::vector<Node> lines;
    if (req_.hsts) {
      if (SendsHeader(inside, "Strict-Transport-Security", "")) {
        notes_.push_back(t.where + " already sends Strict-Transport-Security");
      } else {
        lines.push_back(HstsLine());
        actions_.push_back(t.where + ": sends Strict-Transport-Security");
      }
    }
    if (req_.uir) {
      if (SendsHeader(inside, "Content-Security-Policy",
                      "upgrade-insecure-requests")) {
        notes_.push_back(t.where +
                         " already asks to upgrade insecure requests");
      } else {
        lines.push_back(UirLine());
        actions_.push_back(t.where +
                           ": sends Content-Security-Policy "
                           "upgrade-insecure-requests");
      }
    }
    if (lines.empty()) return;
    AppendMarked(*t.file, t.node, std::move(lines));
    if (twin_files_.count(t.file) == 0) modified_.insert(t.file);
  }

  void NeedModule(const std::string& module) { AddUnique(&needed_, module); }

  bool Loaded(const std::string& module) const {
    const std::string source = "mod_" + module + ".c";
    if (std::find(options_.builtin_modules.begin(),
                  options_.builtin_modules.end(),
                  source) != options_.builtin_modules.end()) {
      return true;
    }
    for (const ActiveNode& a : graph_.active()) {
      if (a.node->Is("LoadModule") && !a.args.empty() &&
          ModuleSourceName(a.args[0]) == source) {
        return true;
      }
    }
    return false;
  }

  // a2enmod with Debian's layout, else a LoadModule after the last one.
  void EnableModules() {
    for (const std::string& module : needed_) {
      if (Loaded(module)) continue;
      const std::string root = graph_.server_root();
      if (fs_.Exists(root + "/mods-available/" + module + ".load")) {
        modules_.push_back(module);
        actions_.push_back("a2enmod " + module);
        continue;
      }
      const ActiveNode* last = nullptr;
      for (const ActiveNode& a : graph_.active()) {
        if (a.node->Is("LoadModule") && a.args.size() >= 2) last = &a;
      }
      const std::string so =
          last == nullptr
              ? ""
              : sys::JoinPath(DirName(last->args[1]), "mod_" + module + ".so");
      const std::string absolute =
          StartsWith(so, "/") ? so : sys::JoinPath(root, so);
      if (last == nullptr || !fs_.Exists(absolute)) {
        throw Error("Apache's mod_" + module +
                    " is not loaded and certpilot cannot find it" +
                    (last == nullptr ? "" : " (no " + absolute + ")") +
                    "; load it (LoadModule " + module + "_module …) first");
      }
      last->file->InsertAfter(
          *last->node, Node::Directive("LoadModule", {module + "_module", so}),
          kManagedComment);
      modified_.insert(last->file);
      actions_.push_back(Shown(last->file->path()) + ": LoadModule " + module +
                         "_module " + so);
    }
  }

  InstallPlan Finish() {
    InstallPlan plan;
    if (includes_options_ && !fs_.Exists(req_.options_path)) {
      plan.files.push_back({req_.options_path, std::string(kTlsOptionsText)});
    }
    for (const std::unique_ptr<Config>& twin : twins_) {
      const std::string text = twin->Dump();
      if (fs_.Exists(twin->path())) {
        if (fs_.ReadFile(twin->path()) == text) continue;
        throw Error(twin->path() +
                    " exists and holds something else; certpilot will not "
                    "overwrite it (move it away to install)");
      }
      plan.files.push_back({twin->path(), text});
    }
    for (Config* f : graph_.files()) {
      if (modified_.count(f) > 0 && f->Dump() != f->original_text()) {
        plan.files.push_back({f->path(), f->Dump()});
      }
    }
    plan.links = std::move(links_);
    plan.modules = std::move(modules_);
    plan.actions = std::move(actions_);
    plan.notes = std::move(notes_);
    plan.includes_options = includes_options_;
    return plan;
  }

  sys::Filesystem& fs_;
  const LoadOptions& options_;
  const InstallRequest& req_;
  ConfigGraph graph_;
  VirtualHostTable table_;
  std::map<const Node*, int> active_index_;
  std::set<const Node*> tls_;  // <VirtualHost>s with SSLEngine on

  // The chosen vhosts, with the names they are chosen for.
  std::map<const VirtualHost*, std::vector<std::string>> tls_hosts_;
  std::map<const VirtualHost*, std::vector<std::string>> plain_hosts_;
  std::vector<TwinSource> twin_sources_;

  std::vector<std::unique_ptr<Config>> twins_;
  std::vector<Target> twin_targets_;
  std::set<const Config*> twin_files_;
  std::set<Config*> modified_;
  std::vector<SiteLink> links_;
  std::vector<std::string> needed_;
  std::vector<std::string> modules_;
  std::vector<std::string> actions_;
  std::vector<std::string> notes_;
  bool includes_options_ = false;
};

}  // namespace

InstallPlan PlanInstall(sys::Filesystem& fs, const LoadOptions& options,
                        const InstallRequest& req) {
  return Planner(fs, options, req).Run();
}

}  // namespace certpilot::apache
