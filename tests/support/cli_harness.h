// Runs the built certpilot binary against a CA (a PebbleFixture, or any
// directory URL with the CA bundle that trusts it) with its own
// config/work/logs dirs: the shared plumbing of the integration tests.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/pebble_fixture.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"

namespace certpilot::testing {

class CliHarness {
 public:
  explicit CliHarness(const PebbleFixture& ca)
      : CliHarness(ca.directory_url(), ca.ca_bundle_path(), ca.http_port()) {}
  // `http_port`: where Certonly()'s standalone responder listens.
  CliHarness(std::string directory_url, std::string ca_bundle, int http_port)
      : directory_url_(std::move(directory_url)),
        ca_bundle_(std::move(ca_bundle)),
        http_port_(http_port) {}

  std::string config() const { return dir_ / "config"; }
  const TempDir& dir() const { return dir_; }

  // --config-dir/--work-dir/--logs-dir, --server, --ca-bundle, -n.
  std::vector<std::string> CommonArgs() const;
  // certpilot SUBCOMMAND COMMON... EXTRA..., with `env` added to the
  // environment.
  RunResult Run(const std::string& subcommand,
                const std::vector<std::string>& extra,
                const std::map<std::string, std::string>& env = {}) const;
  // certonly --standalone on the port Pebble validates, with registration
  // flags, plus `extra`.
  RunResult Certonly(const std::vector<std::string>& extra,
                     const std::map<std::string, std::string>& env = {}) const;

  // live/NAME/cert.pem → N of archive/NAME/certN.pem (0 if absent).
  int Version(const std::string& name) const;
  // Every live link of NAME resolves, all four name one version, the key
  // matches, fullchain = cert + chain. Returns "" or what is wrong.
  std::string CheckLineage(const std::string& name) const;

 private:
  std::string directory_url_, ca_bundle_;
  int http_port_;
  TempDir dir_;
};

// The registration flags of a non-interactive certonly.
inline const std::vector<std::string> kRegister = {"--agree-tos", "-m",
                                                   "admin@example.com"};

// `a` followed by `b`: a command line from parts.
inline std::vector<std::string> With(std::vector<std::string> a,
                                     const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// True if `cert_pem` chains through `chain_pem` to `root_pem`.
bool ChainVerifies(const std::string& cert_pem, const std::string& chain_pem,
                   const std::string& root_pem);

}  // namespace certpilot::testing
