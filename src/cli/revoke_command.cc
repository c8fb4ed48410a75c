#include "app/usecases/revoke.h"
#include "cli/command.h"

namespace certpilot::cli {
namespace {

class RevokeCommand : public Command {
 public:
  bool ContactsCa() const override { return true; }
  RevokeCommand() : Command("revoke", "Revoke a certificate") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_option("--cert-name", o_.cert_name, "The lineage to revoke");
    c->add_option("--cert-path", o_.cert_path, "A certificate file to revoke");
    c->add_option(
        "--key-path", o_.key_path,
        "Sign with the certificate's own key instead of the account's");
    c->add_option(
         "--reason", o_.reason,
         "unspecified, keycompromise, affiliationchanged, superseded or "
         "cessationofoperation")
        ->default_str("unspecified");
    auto* yes = c->add_flag(
        "--delete-after-revoke", delete_,
        "Delete the lineage afterwards (default: ask, or delete with -n)");
    c->add_flag("--no-delete-after-revoke", keep_,
                "Keep the lineage afterwards")
        ->excludes(yes);
    // Fleet mode (issue #17): revoke the fleet's version, delete fleet-wide.
    AddFleetOptions(c, o_.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    if (delete_) o_.delete_after = true;
    if (keep_) o_.delete_after = false;
    return app::Revoke(o_, services);
  }

 private:
  app::RevokeOptions o_;
  bool delete_ = false, keep_ = false;
};

class DeleteCommand : public Command {
 public:
  DeleteCommand()
      : Command("delete", "Delete a lineage (every version of it)") {}
  void AddOptions(CLI::App* c, app::CommonOptions& common) override {
    AddCommonOptions(c, common);
    c->add_option("--cert-name", o_.cert_name, "The lineage to delete")
        ->required();
    c->add_flag("--force", o_.force,
                "Delete even if nginx or Apache still points at it");
    c->add_option("--nginx-server-root", o_.nginx_server_root,
                  "Where to look for nginx's configuration")
        ->default_str("/etc/nginx");
    c->add_option("--apache-server-root", o_.apache_server_root,
                  "Where to look for Apache's configuration")
        ->default_str("/etc/apache2");
    // Fleet mode (issue #17): delete on every node.
    AddFleetOptions(c, o_.fleet);
  }
  int Run(const app::CommonOptions& common, app::Services& services) override {
    o_.common = common;
    return app::Delete(o_, services);
  }

 private:
  app::DeleteOptions o_;
};

}  // namespace

std::unique_ptr<Command> MakeRevokeCommand() {
  return std::make_unique<RevokeCommand>();
}
std::unique_ptr<Command> MakeDeleteCommand() {
  return std::make_unique<DeleteCommand>();
}

}  // namespace certpilot::cli
