#include "nginx/config/include_loader.h"

#include <algorithm>
#include <utility>

#include "nginx/config/parse_error.h"
#include "nginx/config/parser.h"
#include "sys/glob.h"
#include "util/strings.h"

namespace certpilot::nginx {

using sys::ExpandGlob;
using sys::HasGlobChars;

class IncludeLoader {
 public:
  IncludeLoader(sys::Filesystem& fs, ConfigGraph* graph)
      : fs_(fs), graph_(graph) {}

  void LoadMain(const std::string& path) {
    const std::string text = fs_.ReadFile(path);
    Add(path, text);
  }

 private:
  // Parses `text` as `path`, registers it, then loads what it includes.
  void Add(const std::string& path, const std::string& text) {
    auto config = std::make_unique<Config>(ParseConfig(text, path));
    Config* file = config.get();
    graph_->files_.push_back(std::move(config));
    graph_->by_path_[path] = file;
    stack_.push_back(path);
    ResolveIncludes(file, file->root());
    stack_.pop_back();
  }

  [[noreturn]] static void Fail(const Config& file, const Directive& at,
                                const std::string& reason) {
    throw ParseError(file.path(), at.line(), at.column(), reason);
  }

  void ResolveIncludes(Config* file, Block& block) {
    for (Directive& d : block.children()) {
      if (d.has_block()) {
        ResolveIncludes(file, d.block());
        continue;
      }
      if (d.name() != "include" || d.kind() != Directive::Kind::kSimple) {
        continue;
      }
      if (d.args().size() != 1) {
        Fail(*file, d,
             "\"include\" takes exactly one argument, not " +
                 std::to_string(d.args().size()));
      }
      const std::string& target = d.arg(0);
      const std::string path =
          NormalizePath(StartsWith(target, "/")
                            ? target
                            : sys::JoinPath(graph_->server_root_, target));
      std::vector<std::string> paths;
      if (HasGlobChars(path)) {
        paths = ExpandGlob(fs_, path);
      } else {
        if (!fs_.Exists(path)) {
          Fail(*file, d, "included file " + path + " does not exist");
        }
        paths.push_back(path);
      }
      d.set_included_paths(paths);
      for (const std::string& p : paths) Load(file, d, NormalizePath(p));
    }
  }

  void Load(Config* from, const Directive& include, const std::string& path) {
    if (std::find(stack_.begin(), stack_.end(), path) != stack_.end()) {
      std::string chain;
      for (auto it = std::find(stack_.begin(), stack_.end(), path);
           it != stack_.end(); ++it) {
        chain += *it + " -> ";
      }
      Fail(*from, include, "include cycle: " + chain + path);
    }
    if (graph_->by_path_.count(path) != 0) return;  // shared, parsed once
    if (static_cast<int>(stack_.size()) >= kMaxIncludeDepth) {
      Fail(*from, include,
           "includes are nested more than " + std::to_string(kMaxIncludeDepth) +
               " deep");
    }
    if (fs_.IsDir(path)) {
      Fail(*from, include, "included path " + path + " is a directory");
    }
    Add(path, fs_.ReadFile(path));
  }

  sys::Filesystem& fs_;
  ConfigGraph* graph_;
  std::vector<std::string> stack_;  // files being loaded, outermost first
};

ConfigGraph ConfigGraph::Load(sys::Filesystem& fs,
                              const std::string& server_root,
                              const std::string& main_file) {
  ConfigGraph graph;
  graph.server_root_ = server_root;
  const std::string main_path = NormalizePath(
      StartsWith(main_file, "/") ? main_file
                                 : sys::JoinPath(server_root, main_file));
  IncludeLoader(fs, &graph).LoadMain(main_path);
  return graph;
}

std::vector<Config*> ConfigGraph::files() {
  std::vector<Config*> out;
  out.reserve(files_.size());
  for (auto& f : files_) out.push_back(f.get());
  return out;
}

Config* ConfigGraph::FindFile(std::string_view path) {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : it->second;
}

std::vector<Config*> ConfigGraph::IncludedFiles(const Directive& include) {
  std::vector<Config*> out;
  for (const std::string& path : include.included_paths()) {
    if (Config* file = FindFile(NormalizePath(path))) out.push_back(file);
  }
  return out;
}

Config* ConfigGraph::FileOf(const Directive& d) {
  for (auto& f : files_) {
    if (f->Contains(d)) return f.get();
  }
  return nullptr;
}

std::vector<Located> ConfigGraph::Expand(Config& file, Block& block) {
  std::vector<Located> out;
  ExpandInto(file, block, &out);
  return out;
}

void ConfigGraph::ExpandInto(Config& file, Block& block,
                             std::vector<Located>* out) {
  for (Directive& d : block.children()) {
    if (d.name() == "include" && d.kind() == Directive::Kind::kSimple) {
      for (Config* included : IncludedFiles(d)) {
        ExpandInto(*included, included->root(), out);
      }
      continue;
    }
    out->push_back(Located{&file, &d});
  }
}

std::vector<Config*> ConfigGraph::ModifiedFiles() {
  std::vector<Config*> out;
  for (auto& f : files_) {
    if (f->IsModified()) out.push_back(f.get());
  }
  return out;
}

}  // namespace certpilot::nginx
