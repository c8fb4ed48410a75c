// The installer's edits to an Apache configuration: serve a lineage's
// certificate from the virtual hosts that serve its names, and the
// enhancements (--redirect, --hsts, --uir). A plan, computed from the files
// as they are: the files to write, the links to make, the modules to
// enable. Writing, `apache2ctl configtest`, the graceful reload and the
// rollback are the runtime's.
//
// The virtual hosts (virtual_hosts.h), for each name:
//  - TLS ones: serving the HTTPS port with `SSLEngine on`, whose ServerName
//    or ServerAlias matches the name (never a name-based default: that
//    would put the certificate on someone else's site);
//  - plain ones: serving the HTTP port without `SSLEngine on`, matching the
//    name; when none matches, the one httpd would pick for the name on the
//    HTTP port (the name-based default, e.g. Debian's 000-default.conf).
//
// Installing (InstallRequest::install):
//  - a TLS vhost for the name: only its SSLCertificateFile and
//    SSLCertificateKeyFile change to the lineage's fullchain.pem and
//    privkey.pem (added when it inherits them); an SSLCertificateChainFile
//    there is left and named in the notes (fullchain.pem holds the chain);
//  - otherwise the plain vhost gets certbot's twin: SITE-le-ssl.conf (the
//    vhost's file, symlinks followed, without ".conf", plus "-le-ssl.conf")
//    beside its file, holding
//        <IfModule mod_ssl.c>
//        <VirtualHost ADDRESS:HTTPS_PORT …>   (each address, port replaced)
//            …a copy of the vhost's content…
//            # managed by certpilot
//            ServerName / ServerAlias NAME     (names it does not match)
//            SSLEngine on
//            SSLCertificateFile …/fullchain.pem
//            SSLCertificateKeyFile …/privkey.pem
//            Include …/options-ssl-apache.conf (unless options_path is "")
//        </VirtualHost>
//        </IfModule>
//    The copy drops redirects to https:// (RewriteRule with its
//    RewriteConds, Redirect*), which would loop there. When the vhost's
//    file was reached through a symlink (Debian's sites-enabled/X →
//    ../sites-available/X), a link to the twin goes beside it, made as that
//    one is (a2ensite's link). Otherwise, when no Include already reads the
//    new file, an Include of it follows the vhost in its file.
//  - a `Listen` for the HTTPS port (on each address the HTTP port is
//    listened on; "https" added for a port other than 443) when no Listen
//    names it anywhere in the files read (Debian's ports.conf has one
//    inside <IfModule ssl_module>).
// Enhancing (every TLS vhost above, twins included; a vhost that already
// has the line is left alone and said so):
//  - redirect (the plain vhosts): certbot's lines
//        RewriteEngine on
//        RewriteCond %{SERVER_NAME} =NAME [OR]   (one per name)
//        RewriteRule ^ https://%{SERVER_NAME}[:PORT]%{REQUEST_URI}
//            [END,NE,R=permanent]               (on the same line)
//    (":PORT" when the HTTPS port is not 443; a wildcard name as a regular
//    expression); skipped where the vhost already redirects to https://;
//  - hsts: Header always set Strict-Transport-Security "max-age=31536000"
//  - uir: Header always set Content-Security-Policy upgrade-insecure-requests
// Modules: ssl (install), rewrite (redirect), headers (hsts, uir) when no
// LoadModule loads them yet: with Debian's layout (SERVER_ROOT/mods-available/
// X.load) named in InstallPlan::modules for a2enmod; otherwise a LoadModule
// beside the last one, its path in the same directory (the .so must exist).
// Every added run of lines is preceded by "# managed by certpilot"
// (managed.h). Planning the same install again changes nothing.
//
// Throws: UsageError for an unsafe value; NoVirtualHostError when a name has
// no vhost (no TLS one, for enhancing only); ParseError as the loader; Error
// for what certpilot refuses to guess: several certificates in one vhost, a
// certificate directive in a file included into the vhost, a twin file that
// exists with other content, a module it cannot find.
#pragma once

#include <string>
#include <vector>

#include "apache/config/loader.h"
#include "sys/file_transaction.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::apache {

struct InstallRequest {
  std::vector<std::string> names;  // the lineage's names
  std::string certificate_path;    // CONFIG/live/NAME/fullchain.pem (absolute)
  std::string key_path;            // CONFIG/live/NAME/privkey.pem
  std::string options_path;        // CONFIG/options-ssl-apache.conf; "" = none
  int http_port = 80;
  int https_port = 443;
  bool install = true;  // false: the certificate is in place; enhance only
  bool redirect = false;
  bool hsts = false;
  bool uir = false;  // Upgrade-Insecure-Requests
};

// A symbolic link to make: `path` → `target` (verbatim, maybe relative).
struct SiteLink {
  std::string path;
  std::string target;
};

struct InstallPlan {
  // Files to bring to these states: the TLS options file (tls_options.h)
  // when a twin includes it and it does not exist yet, new twins, then
  // changed files (by the path httpd reads them through).
  std::vector<sys::FileState> files;
  std::vector<SiteLink> links;
  // Modules to enable with a2enmod ("ssl", "headers", "rewrite").
  std::vector<std::string> modules;
  // What changes, one line per vhost ("sites-available/x.conf:1: …").
  std::vector<std::string> actions;
  // What was already so and left alone, and warnings.
  std::vector<std::string> notes;
  // Some twin includes InstallRequest::options_path.
  bool includes_options = false;
};

class NoVirtualHostError : public Error {
 public:
  NoVirtualHostError(const std::string& message, std::vector<std::string> names)
      : Error(message), names_(std::move(names)) {}
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

// Loads the configuration `options` names from `fs` (reading only) and
// plans the request.
InstallPlan PlanInstall(sys::Filesystem& fs, const LoadOptions& options,
                        const InstallRequest& req);

}  // namespace certpilot::apache
