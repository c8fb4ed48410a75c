#include "sys/host.h"

#include <sys/resource.h>
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

unsigned long RaiseOpenFileLimit(unsigned long wanted) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  rlim_t target = static_cast<rlim_t>(wanted);
  if (limit.rlim_max != RLIM_INFINITY && target > limit.rlim_max)
    target = limit.rlim_max;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= target)
    return limit.rlim_cur;
  struct rlimit raised = limit;
  raised.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) return limit.rlim_cur;
  return target;
}

}  // namespace certpilot::sys
