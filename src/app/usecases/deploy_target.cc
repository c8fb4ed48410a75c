#include "app/usecases/deploy_target.h"

#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {

DeployTarget OpenDeployTarget(RunContext& ctx, const std::string& name,
                              DeployKind what, const std::string& installer,
                              const std::string& server) {
  const bool install = what == DeployKind::kInstall;
  if (!ctx.fs().Exists(ctx.layout().renewal_conf(name)))
    throw UsageError("no certificate named \"" + name +
                     "\" (see certpilot certificates)");
  DeployTarget t{ctx.LockLineage(name), {}};
  t.info = InspectLineage(ctx, name, InspectDepth::kCertificate);
  if (!t.info.problem.empty())
    throw Error("cannot " + std::string(install ? "install " : "enhance ") +
                name + ": " + StripControl(t.info.problem));
  if (!install && t.info.settings.installer != installer)
    throw UsageError("the certificate " + name + " is not installed in " +
                     server + "; run certpilot install --" + installer +
                     " --cert-name " + name + " first");
  return t;
}

}  // namespace certpilot::app
