// Where things live under the configuration directory, named as certbot
// names them (docs/ARCHITECTURE.md, Storage), so an existing /etc/letsencrypt
// can be used as is:
//
//   CONFIG/live/NAME/{cert,chain,fullchain,privkey}.pem   (symlinks)
//   CONFIG/archive/NAME/{cert,chain,fullchain,privkey}N.pem
//   CONFIG/renewal/NAME.conf
//   CONFIG/renewal-hooks/{pre,deploy,post}/
//   CONFIG/accounts/<host[:port]>/<directory path>/<account id>/
//
// Pure path arithmetic: no filesystem access. Names are not validated here
// (LineageStore::ValidateName does that before any path is built).
#pragma once

#include <string>
#include <string_view>

namespace certpilot::storage {

struct Layout {
  std::string config_dir;  // certbot: /etc/letsencrypt
  std::string work_dir;    // certbot: /var/lib/letsencrypt
  std::string logs_dir;    // certbot: /var/log/letsencrypt

  std::string live_root() const;          // CONFIG/live
  std::string archive_root() const;       // CONFIG/archive
  std::string renewal_root() const;       // CONFIG/renewal
  std::string accounts_root() const;      // CONFIG/accounts
  std::string renewal_hooks_dir() const;  // CONFIG/renewal-hooks

  // CONFIG/live/NAME, CONFIG/archive/NAME, CONFIG/renewal/NAME.conf
  std::string live_dir(std::string_view name) const;
  std::string archive_dir(std::string_view name) const;
  std::string renewal_conf(std::string_view name) const;
  // CONFIG/accounts/<ServerPath(server_url)>. Throws UsageError (see
  // ServerPath).
  std::string accounts_dir(std::string_view server_url) const;
};

// certbot's name for an ACME server's account directory: the URL's
// authority and path, i.e. "https://acme-v02.api.letsencrypt.org/directory"
// → "acme-v02.api.letsencrypt.org/directory", "https://localhost:14000/dir"
// → "localhost:14000/dir". Query and fragment are dropped; empty path
// segments are skipped. Throws UsageError when there is no "scheme://", no
// host, or a segment is "." or ".." (which would lead outside accounts/).
std::string ServerPath(std::string_view server_url);

}  // namespace certpilot::storage
