// Facts about the machine certpilot runs on.
#pragma once

#include <string>

namespace certpilot::sys {

// gethostname(2); throws SysError on failure. (certbot records it in an
// account's meta.json as "creation_host".)
std::string Hostname();

// Raises this process's soft limit on open files towards `wanted` (never
// above the hard limit, never lowering it); returns the soft limit now in
// force. systemd starts services with a soft limit of 1024, which a
// responder holding thousands of (possibly hostile) connections outgrows.
// Children inherit the raised limit.
unsigned long RaiseOpenFileLimit(unsigned long wanted);

}  // namespace certpilot::sys
