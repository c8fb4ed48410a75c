#include "app/wiring/lineage_removal.h"

#include <vector>

#include "app/wiring/apache_setup.h"
#include "app/wiring/ari_state.h"
#include "app/wiring/renewal_history.h"
#include "nginx/config/include_loader.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// nginx config files that name `live_dir` (the installer writes
// ssl_certificate lines pointing into it).
std::vector<std::string> NginxUsers(sys::Filesystem& fs,
                                    const std::string& root,
                                    const std::string& live_dir) {
  std::vector<std::string> users;
  if (!fs.Exists(root + "/nginx.conf")) return users;
  try {
    nginx::ConfigGraph graph = nginx::ConfigGraph::Load(fs, root);
    for (const nginx::Config* file : graph.files())
      if (file->original_text().find(live_dir + "/") != std::string::npos)
        users.push_back(file->path());
  } catch (const Error& e) {
    log::Warning("cannot check nginx's configuration in " + root + ": " +
                 e.what());
  }
  return users;
}

}  // namespace

void CheckLineageUnused(RunContext& ctx, const std::string& name,
                        const std::string& nginx_root,
                        const std::string& apache_root,
                        const std::string& hint) {
  const std::string live_dir = ctx.layout().live_dir(name);
  std::vector<std::string> users = NginxUsers(ctx.fs(), nginx_root, live_dir);
  if (!users.empty())
    throw Error("nginx still uses " + name + " (" + Join(users, ", ") +
                "): change those files first" + hint);
  ApacheOptions apache;
  apache.server_root = apache_root;
  users = ApacheUsers(ctx.fs(), apache, live_dir);
  if (!users.empty())
    throw Error("Apache still uses " + name + " (" + Join(users, ", ") +
                "): change those files first" + hint);
}

bool HasLocalLineage(RunContext& ctx, const std::string& name) {
  return ctx.fs().Exists(ctx.layout().renewal_conf(name)) ||
         ctx.fs().Exists(ctx.layout().live_dir(name));
}

void DeleteLineage(RunContext& ctx, const std::string& name) {
  ctx.lineages().Delete(name);
  RemoveAriState(ctx.fs(), ctx.layout(), name);
  RemoveRenewalHistory(ctx.fs(), ctx.layout(), name);
}

}  // namespace certpilot::app
