#include "apache/config/loader.h"

#include <algorithm>
#include <regex>
#include <utility>

#include "apache/config/modules.h"
#include "apache/config/parse_error.h"
#include "apache/config/parser.h"
#include "apache/config/words.h"
#include "sys/glob.h"
#include "util/strings.h"

namespace certpilot::apache {
namespace {

// "2.4.62" → {2, 4, 62}; non-digits end a component.
std::vector<int> VersionParts(std::string_view v) {
  std::vector<int> parts;
  for (const std::string& p : Split(v, '.')) {
    int n = 0;
    for (char c : p) {
      if (c < '0' || c > '9') break;
      n = n * 10 + (c - '0');
    }
    parts.push_back(n);
  }
  while (parts.size() < 3) parts.push_back(0);
  return parts;
}

// A word as Apache reads it again after substitution: continuation bytes
// inside a raw word go.
std::string LogicalRaw(const std::string& raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '\n' ||
         (raw[i + 1] == '\r' && i + 2 < raw.size() && raw[i + 2] == '\n'))) {
      i += raw[i + 1] == '\n' ? 1 : 2;
      continue;
    }
    out += raw[i];
  }
  return out;
}

}  // namespace

class Loader {
 public:
  Loader(sys::Filesystem& fs, const LoadOptions& options, ConfigGraph* graph)
      : fs_(fs), options_(options), graph_(graph) {
    graph_->server_root_ = sys::NormalizePath(options.server_root);
    for (const std::string& d : options.defines) graph_->defines_[d] = "";
    for (const std::string& m : options.builtin_modules) modules_.insert(m);
  }

  void Run() {
    const std::string& f = options_.config_file;
    const std::string path = sys::NormalizePath(
        StartsWith(f, "/") ? f : sys::JoinPath(graph_->server_root_, f));
    Config* main = Parse(path);
    stack_.push_back(path);
    Walk(main, main->root(), -1);
  }

 private:
  Config* Parse(const std::string& path) {
    if (Config* known = graph_->FindFile(path)) return known;
    auto config =
        std::make_unique<Config>(ParseConfig(fs_.ReadFile(path), path));
    Config* file = config.get();
    graph_->files_.push_back(std::move(config));
    graph_->by_path_[path] = file;
    return file;
  }

  [[noreturn]] static void Fail(const Config* file, const Node& at,
                                const std::string& reason) {
    throw ParseError(file->path(), at.line(), reason);
  }

  std::vector<std::string> Args(Config* file, const Node& n) {
    bool has_variable = false;
    for (const Word& w : n.args()) {
      if (w.raw().find("${") != std::string::npos) has_variable = true;
    }
    if (!has_variable) return n.ArgValues();
    std::string line;
    for (const Word& w : n.args()) {
      if (!line.empty()) line += ' ';
      line += LogicalRaw(w.raw());
    }
    std::vector<std::string> undefined;
    const std::string resolved = ResolveVariables(
        line,
        [this](const std::string& name) -> std::optional<std::string> {
          auto d = graph_->defines_.find(name);
          if (d != graph_->defines_.end() && defined_values_.count(name)) {
            return d->second;
          }
          auto e = options_.environment.find(name);
          if (e != options_.environment.end()) return e->second;
          return std::nullopt;
        },
        &undefined);
    for (const std::string& name : undefined) {
      graph_->warnings_.push_back(
          file->path() + ":" + std::to_string(n.line()) +
          ": Config variable ${" + name + "} is not defined");
    }
    std::vector<std::string> args;
    for (WordSpan& w : SplitWords(resolved)) args.push_back(std::move(w.value));
    return args;
  }

  // The condition of an <If…> section httpd evaluates while reading, or
  // nullopt for any other section.
  std::optional<bool> Condition(Config* file, const Node& n,
                                const std::vector<std::string>& args) {
    const bool if_define = n.Is("IfDefine");
    const bool if_module = n.Is("IfModule");
    const bool if_file = n.Is("IfFile");
    if (n.Is("IfVersion")) return VersionMatches(file, n, args);
    if (!if_define && !if_module && !if_file) return std::nullopt;
    if (args.size() != 1) {
      Fail(file, n, "<" + n.name() + "> takes one argument");
    }
    std::string_view what = args[0];
    const bool negate = StartsWith(what, "!");
    if (negate) what.remove_prefix(1);
    bool holds = false;
    if (if_define) {
      holds = graph_->defines_.count(std::string(what)) != 0;
    } else if (if_module) {
      holds = modules_.count(ModuleSourceName(what)) != 0;
    } else {
      const std::string path =
          StartsWith(what, "/")
              ? std::string(what)
              : sys::JoinPath(graph_->server_root_, std::string(what));
      holds = fs_.Exists(path);
    }
    return holds != negate;
  }

  bool VersionMatches(Config* file, const Node& n,
                      const std::vector<std::string>& args) {
    if (args.empty() || args.size() > 2) {
      Fail(file, n, "<IfVersion> takes one or two arguments");
    }
    std::string op = args.size() == 2 ? args[0] : "=";
    std::string want = args.back();
    const bool negate = StartsWith(op, "!");
    if (negate) op.erase(0, 1);
    bool holds = false;
    if (op == "~" ||
        (want.size() >= 2 && want.front() == '/' && want.back() == '/')) {
      if (op != "~") want = want.substr(1, want.size() - 2);
      try {
        holds = std::regex_search(options_.version, std::regex(want));
      } catch (const std::regex_error&) {
        Fail(file, n, "<IfVersion>: bad regular expression " + want);
      }
    } else {
      const std::vector<int> have = VersionParts(options_.version);
      const std::vector<int> need = VersionParts(want);
      if (op == "=" || op == "==") {
        holds = have == need;
      } else if (op == ">") {
        holds = have > need;
      } else if (op == ">=") {
        holds = have >= need;
      } else if (op == "<") {
        holds = have < need;
      } else if (op == "<=") {
        holds = have <= need;
      } else {
        Fail(file, n, "<IfVersion>: unknown operator " + op);
      }
    }
    return holds != negate;
  }

  void Walk(Config* file, const Block& block, int vhost) {
    for (const Node& n : block.children()) {
      std::vector<std::string> args = Args(file, n);
      if (n.is_section()) {
        if (std::optional<bool> holds = Condition(file, n, args)) {
          if (*holds) Walk(file, n.block(), vhost);
          continue;
        }
        const int index = static_cast<int>(graph_->active_.size());
        graph_->active_.push_back(ActiveNode{file, &n, std::move(args), vhost});
        Walk(file, n.block(), n.Is("VirtualHost") ? index : vhost);
        continue;
      }
      if (n.Is("Include") || n.Is("IncludeOptional")) {
        Include(file, n, args, vhost);
        continue;
      }
      Evaluate(n, args);
      graph_->active_.push_back(ActiveNode{file, &n, std::move(args), vhost});
    }
  }

  // The directives that change how the rest is read.
  void Evaluate(const Node& n, const std::vector<std::string>& args) {
    if (n.Is("Define") && !args.empty()) {
      graph_->defines_[args[0]] = args.size() > 1 ? args[1] : "";
      if (args.size() > 1) {
        defined_values_.insert(args[0]);
      } else {
        defined_values_.erase(args[0]);
      }
    } else if (n.Is("UnDefine") && !args.empty()) {
      graph_->defines_.erase(args[0]);
      defined_values_.erase(args[0]);
    } else if (n.Is("LoadModule") && !args.empty()) {
      modules_.insert(ModuleSourceName(args[0]));
    } else if (n.Is("ServerRoot") && args.size() == 1) {
      graph_->server_root_ = sys::NormalizePath(args[0]);
    }
  }

  void Include(Config* file, const Node& n,
               const std::vector<std::string>& args, int vhost) {
    const bool optional = n.Is("IncludeOptional");
    if (args.size() != 1) Fail(file, n, n.name() + " takes one argument");
    const std::string path =
        sys::NormalizePath(StartsWith(args[0], "/")
                               ? args[0]
                               : sys::JoinPath(graph_->server_root_, args[0]));
    if (sys::HasGlobChars(path)) {
      const std::vector<std::string> matches = sys::ExpandGlob(fs_, path);
      if (matches.empty() && !optional) {
        Fail(file, n, "No matches for the wildcard in " + path);
      }
      for (const std::string& m : matches) IncludePath(file, n, m, vhost);
      return;
    }
    if (!fs_.Exists(path)) {
      if (optional) return;
      Fail(file, n,
           "Could not open configuration file " + path +
               ": No such file or directory");
    }
    IncludePath(file, n, path, vhost);
  }

  // A file, or every file below a directory.
  void IncludePath(Config* from, const Node& at, const std::string& path,
                   int vhost) {
    if (fs_.IsDir(path)) {
      for (const std::string& entry : fs_.ListDir(path)) {
        IncludePath(from, at, sys::JoinPath(path, entry), vhost);
      }
      return;
    }
    if (std::find(stack_.begin(), stack_.end(), path) != stack_.end()) {
      Fail(from, at, "include cycle: " + Join(stack_, " -> ") + " -> " + path);
    }
    if (static_cast<int>(stack_.size()) >= kMaxIncludeDepth) {
      Fail(from, at,
           "includes are nested more than " + std::to_string(kMaxIncludeDepth) +
               " deep");
    }
    Config* file = Parse(path);
    stack_.push_back(path);
    Walk(file, file->root(), vhost);
    stack_.pop_back();
  }

  sys::Filesystem& fs_;
  const LoadOptions& options_;
  ConfigGraph* graph_;
  std::set<std::string> modules_;         // by source name
  std::set<std::string> defined_values_;  // Define'd with a value
  std::vector<std::string> stack_;        // files being read, outermost first
};

ConfigGraph ConfigGraph::Load(sys::Filesystem& fs, const LoadOptions& options) {
  ConfigGraph graph;
  Loader(fs, options, &graph).Run();
  return graph;
}

std::vector<Config*> ConfigGraph::files() {
  std::vector<Config*> out;
  out.reserve(files_.size());
  for (const auto& f : files_) out.push_back(f.get());
  return out;
}

Config* ConfigGraph::FindFile(std::string_view path) {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : it->second;
}

}  // namespace certpilot::apache
