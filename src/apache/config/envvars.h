// Debian's /etc/apache2/envvars: the shell fragment apache2ctl sources
// before starting httpd, whose exports (APACHE_RUN_USER, APACHE_LOG_DIR, …)
// apache2.conf uses as ${VAR}.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace certpilot::apache {

// The variables an envvars file exports, read without a shell: every
// `export NAME=VALUE` line (and `NAME=VALUE` lines, which later `export
// NAME` lines may export) at the start of a line. VALUE may be quoted
// ('…' literally, "…" with $NAME/${NAME} expanded) or bare with $NAME and
// ${NAME} expanded from the variables read so far (`base` first — the
// environment apache2ctl runs in — then earlier lines; an unknown name
// expands to ""). Indented lines (the branches of an if) and every other
// statement (if, unset, comments) are ignored: Debian's SUFFIX logic sets
// SUFFIX="" for /etc/apache2, the same as leaving it unset.
std::map<std::string, std::string> ReadEnvvars(
    std::string_view text, const std::map<std::string, std::string>& base = {});

}  // namespace certpilot::apache
