// The --apache-* options (certbot's names) of the commands that work with
// Apache.
#include "cli/command.h"

namespace certpilot::cli {

void AddApacheOptions(CLI::App* app, app::ApacheOptions& o) {
  app->add_option("--apache-server-root", o.server_root,
                  "Apache's configuration directory (holds apache2.conf)")
      ->default_str("/etc/apache2");
  app->add_option("--apache-ctl", o.ctl,
                  "apache2ctl (or httpd itself) to test and reload Apache with")
      ->default_str("apache2ctl");
  app->add_option("--apache-vhost-root", o.vhost_root,
                  "Where new virtual-host files go (default: "
                  "SERVER_ROOT/sites-available)");
  app->add_option("--apache-challenge-location", o.challenge_location,
                  "Directory for certpilot's challenge files, readable by "
                  "Apache's user (default: WORK/apache/challenge)");
}

}  // namespace certpilot::cli
