#include "app/usecases/install.h"
#include "cli/command.h"
#include "util/error.h"

namespace certpilot::cli {

void AddNginxOptions(CLI::App* app, app::NginxOptions& o) {
  app->add_option("--nginx-server-root", o.server_root,
                  "nginx's configuration directory (holds nginx.conf)")
      ->default_str("/etc/nginx");
  app->add_option("--nginx-ctl", o.ctl,
                  "The nginx binary to test and reload with")
      ->default_str("nginx");
}

void AddInstallTargetOptions(CLI::App* app, int& http_port, int& https_port,
                             bool& redirect, app::Enhancements& e) {
  app->add_option("--http-01-port", http_port,
                  "The plain-HTTP port of the server blocks")
      ->default_str("80");
  app->add_option("--https-port", https_port, "The port to serve HTTPS on")
      ->default_str("443");
  app->add_flag("--redirect", redirect,
                "Redirect plain HTTP for the names to https");
  app->add_flag("--hsts", e.hsts,
                "Send Strict-Transport-Security (max-age=31536000) over TLS");
  app->add_flag("--uir", e.uir,
                "Send Content-Security-Policy: upgrade-insecure-requests");
  app->add_flag("--staple-ocsp", e.staple_ocsp,
                "Staple OCSP responses (only for a certificate with an OCSP "
                "URL; Let's Encrypt ended OCSP in 2025)");
}

namespace {

class InstallCommand : public Command {
 public:
  InstallCommand()
      : Command("install",
                "Serve an existing certificate from nginx or Apache") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_option("--cert-name", o_.cert_name,
                  "The certificate (lineage) to install");
    c->add_flag("--nginx", nginx_, "Install into nginx");
    AddNginxOptions(c, o_.nginx);
    c->add_flag("--apache", apache_, "Install into Apache httpd");
    AddApacheOptions(c, o_.apache);
    AddInstallTargetOptions(c, o_.http_port, o_.https_port, o_.redirect,
                            o_.enhance);
    AddFleetOptions(c, o_.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    if (nginx_ && apache_)
      throw UsageError("pass one installer: --nginx or --apache");
    if (nginx_) o_.installer = "nginx";
    if (apache_) o_.installer = "apache";
    return app::Install(o_, services);
  }

 private:
  app::InstallOptions o_;
  bool nginx_ = false;
  bool apache_ = false;
};

}  // namespace

std::unique_ptr<Command> MakeInstallCommand() {
  return std::make_unique<InstallCommand>();
}

}  // namespace certpilot::cli
