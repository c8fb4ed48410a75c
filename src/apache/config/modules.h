// How httpd names a module: by its source file ("mod_ssl.c", what `apache2
// -l` lists and <IfModule> traditionally names) or by its identifier
// ("ssl_module", what LoadModule names). Both name the same module.
#pragma once

#include <string>
#include <string_view>

namespace certpilot::apache {

// The source name of a module identifier: "ssl_module" → "mod_ssl.c",
// "mpm_event_module" → "event.c", "http_module" → "http_core.c",
// "core_module" → "core.c". Anything not ending in "_module" is returned
// as is.
std::string ModuleSourceName(std::string_view name);

}  // namespace certpilot::apache
