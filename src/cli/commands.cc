#include "cli/command.h"

namespace certpilot::cli {

std::vector<std::unique_ptr<Command>> AllCommands() {
  std::vector<std::unique_ptr<Command>> all;
  all.push_back(MakeCertonlyCommand());
  all.push_back(MakeRenewCommand());
  all.push_back(MakeCertificatesCommand());
  return all;
}

}  // namespace certpilot::cli
