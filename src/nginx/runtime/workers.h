// Which nginx processes accept connections, read from /proc (Linux) through
// sys::Filesystem — so that a reload can be awaited instead of slept on.
//
// `nginx -s reload` only signals the master and returns. The master then
// reads the configuration, starts new workers and sends the old ones QUIT;
// an old worker that gets it closes its listening sockets and retitles
// itself "nginx: worker process is shutting down" in the same step
// (ngx_worker_process_cycle). Until then old and new workers accept
// connections side by side, and a client — the CA — may still be answered
// from the old configuration: certbot's reload race. Once no worker that
// was accepting before the reload still accepts, only the new configuration
// answers.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "nginx/config/tree.h"
#include "sys/filesystem.h"

namespace certpilot::nginx {

// Debian's compiled-in --pid-path, used when nginx.conf has no `pid`.
inline constexpr char kDefaultPidFile[] = "/run/nginx.pid";
// Debian's compiled-in --prefix, against which a relative `pid` resolves.
inline constexpr char kDefaultPrefix[] = "/usr/share/nginx";

// The pid file the `pid` directive of the main file names (main context
// only; includes are not followed), else kDefaultPidFile.
std::string PidFileOf(const Config& main);

// The pid in `pid_file` if /proc shows such a process; else nullopt.
std::optional<int> ReadMasterPid(sys::Filesystem& fs,
                                 const std::string& pid_file);

// The children of `master` titled "nginx: worker process" (and not "… is
// shutting down"): those accepting connections. Empty if none or unreadable.
std::set<int> AcceptingWorkers(sys::Filesystem& fs, int master);

}  // namespace certpilot::nginx
