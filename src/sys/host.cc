#include "sys/host.h"

#include <unistd.h>

#include <cerrno>
#include <climits>

#include "sys/sys_error.h"

namespace certpilot::sys {

std::string Hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) {
    throw SysError("reading", "the host name", errno);
  }
  return buf;
}

}  // namespace certpilot::sys
