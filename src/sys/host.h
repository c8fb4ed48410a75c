// Facts about the machine certpilot runs on.
#pragma once

#include <string>

namespace certpilot::sys {

// gethostname(2); throws SysError on failure. (certbot records it in an
// account's meta.json as "creation_host".)
std::string Hostname();

}  // namespace certpilot::sys
