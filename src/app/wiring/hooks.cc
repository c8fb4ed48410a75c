#include "app/wiring/hooks.h"

#include <algorithm>

#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

Hooks::Hooks(sys::ProcessRunner& runner, sys::Filesystem& fs,
             const storage::Layout& layout, bool directory_hooks)
    : runner_(runner),
      fs_(fs),
      layout_(layout),
      directory_hooks_(directory_hooks) {}

void AddHook(std::vector<std::string>& list, const std::string& command) {
  if (!command.empty() &&
      std::find(list.begin(), list.end(), command) == list.end())
    list.push_back(command);
}

int Hooks::RunStage(const std::string& stage,
                    const std::vector<std::string>& commands,
                    const std::map<std::string, std::string>& env) {
  std::vector<sys::ProcessSpec> specs;
  std::vector<std::string> names;
  for (const std::string& c : commands) {
    specs.push_back(sys::ShellCommand(c));
    names.push_back(c);
  }
  const std::string dir = layout_.renewal_hooks_dir() + "/" + stage;
  if (directory_hooks_ && fs_.IsDir(dir)) {
    std::vector<std::string> files = fs_.ListDir(dir);
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      std::string path = dir + "/" + f;
      sys::FileInfo st = fs_.Stat(path);
      // Like run-parts: regular executables only; editor backups and the
      // like are skipped quietly.
      if (st.type != sys::FileType::kRegular || !(st.mode & 0111)) continue;
      sys::ProcessSpec spec;
      spec.argv = {path};
      specs.push_back(spec);
      names.push_back(path);
    }
  }
  int failed = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    specs[i].env_add = env;
    log::Info("Running " + stage + " hook: " + StripControl(names[i]));
    try {
      sys::ProcessResult r = runner_.Run(specs[i]);
      if (!r.out.empty())
        log::Debug(stage + " hook output: " + StripControl(r.out));
      if (!r.Succeeded()) {
        ++failed;
        log::Error(stage + " hook \"" + StripControl(names[i]) +
                   "\" failed: " + r.Describe() +
                   (r.err.empty() ? "" : ": " + StripControl(r.err)));
      }
    } catch (const Error& e) {
      ++failed;
      log::Error(stage + " hook \"" + StripControl(names[i]) +
                 "\" could not run: " + e.what());
    }
  }
  return failed;
}

int Hooks::RunPre(const std::vector<std::string>& commands) {
  return RunStage("pre", commands, {});
}

int Hooks::RunDeploy(const std::vector<std::string>& commands,
                     const std::string& live_dir,
                     const std::vector<std::string>& domains) {
  return RunStage(
      "deploy", commands,
      {{"RENEWED_LINEAGE", live_dir}, {"RENEWED_DOMAINS", Join(domains, " ")}});
}

int Hooks::RunPost(const std::vector<std::string>& commands,
                   const std::vector<std::string>& renewed_domains,
                   const std::vector<std::string>& failed_domains) {
  return RunStage("post", commands,
                  {{"RENEWED_DOMAINS", Join(renewed_domains, " ")},
                   {"FAILED_DOMAINS", Join(failed_domains, " ")}});
}

}  // namespace certpilot::app
