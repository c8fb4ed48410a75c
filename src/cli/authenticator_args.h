// The authenticator options (-a, --standalone, --webroot, -w, --manual,
// --preferred-challenges, --dns-*, --tls-alpn-01-*) and the order options
// (--preferred-chain, --preferred-profile, --required-profile,
// --must-staple), shared by certonly, renew and reconfigure.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "app/types/options.h"

namespace certpilot::cli {

class AuthenticatorArgs {
 public:
  // `domains` is the subcommand's -d list: each -w records how many names
  // came before it. --nginx and --apache are left to the caller (run/install
  // add their own).
  void Register(CLI::App* c, const std::vector<std::string>& domains);
  // The authenticator chosen by flags or -a ("" if none); throws UsageError
  // when two are chosen. -w or --webroot-map alone choose "webroot".
  std::string Chosen() const;
  // Whether any authenticator or challenge option was given.
  bool Given() const;

  bool nginx = false;   // --nginx, bound by the caller when it has one
  bool apache = false;  // --apache, likewise
  app::ChallengeSettings challenges;
  std::vector<app::WebrootPathArg> webroot_paths;
  std::string webroot_map_json;

 private:
  std::vector<CLI::Option*> challenge_options_;
  std::string authenticator_;
  bool standalone_ = false, webroot_ = false, manual_ = false, rfc2136_ = false;
  std::map<std::string, bool> provider_flags_;  // "dns-powerdns" → given
};

// --preferred-chain, --preferred-profile, --required-profile, --must-staple.
class OrderArgs {
 public:
  void Register(CLI::App* c);
  // Only what was given (for renew/reconfigure overrides).
  void ApplyTo(app::RenewOptions& o) const;
  app::OrderSettings order;

 private:
  CLI::Option *chain_ = nullptr, *preferred_ = nullptr, *required_ = nullptr,
              *staple_ = nullptr;
};

}  // namespace certpilot::cli
