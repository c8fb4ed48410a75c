// One lineage renewed with `certpilot renew --force-renewal` against the
// real Pebble, with the checks the crash and full-disk tests make after every
// injected fault:
//   (a) every live/NAME/*.pem resolves, the certificate parses, the key
//       matches, fullchain = cert + chain, all four one version;
//   (b) the version that was live before the run is intact in archive/;
//   (c) no private key file anywhere under the config dir is readable or
//       writable by group or others;
// and after the next, unfaulted run: it renews (exit 0), the new live
// version is complete and newer than anything the faulted run left, the
// work directory is gone, and the deploy hook ran exactly once in it.
//
// With a keystore (--pkcs12-path, `Keystore::kYes`), also:
//   (d) the keystore loads and holds the certificate of the version live
//       before the run or of the one live now (the old or the new keystore),
//       is mode 0600 and has no temporary file beside it after the next run,
//       which leaves it holding the live version.
//
// The deploy hook appends the value of $CERTPILOT_TEST_RUN (a tag each run
// gets in its environment) to a file, so hook runs are counted per run even
// if a hook orphaned by a killed run finishes late.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/run_binary.h"

namespace certpilot::testing {

class FaultyRenewal {
 public:
  enum class Keystore { kNo, kYes };
  // A lineage `name` under a fresh config dir; Issue() creates it.
  FaultyRenewal(const PebbleFixture& ca, std::string name,
                Keystore keystore = Keystore::kNo);

  CliHarness& cli() { return cli_; }
  const std::string& name() const { return name_; }
  std::string archive_dir() const;
  std::string live_dir() const;

  // certonly --standalone (with --pkcs12-path for kYes); "" or what went
  // wrong.
  std::string Issue();

  // Full argv of `certpilot renew --force-renewal` for this lineage with the
  // counting deploy hook.
  std::vector<std::string> RenewArgv() const;
  // Its environment for a run tagged `tag`.
  std::map<std::string, std::string> RenewEnv(const std::string& tag) const;

  // What must survive a faulted run: the live version and its files.
  struct Snapshot {
    int version = 0;
    std::map<std::string, std::string> files;  // archive file name → bytes
  };
  Snapshot Take() const;

  // (a), (b), (c) after a faulted run that started from `before`. Also that
  // the live version is `before.version` or a newer one. "" or the problems.
  // kEachLinkComplete weakens (a) to what LineageStore promises on a
  // filesystem without RENAME_EXCHANGE: every link resolves to a file of a
  // complete version, but the four may name different versions.
  enum class Links { kOneVersion, kEachLinkComplete };
  std::string CheckInvariant(const Snapshot& before,
                             Links links = Links::kOneVersion) const;

  // Archive versions whose four files are not all present and complete
  // (a verified version has four files that CheckLineage would accept).
  std::set<int> IncompleteVersions() const;

  // Lines the deploy hook wrote for the run tagged `tag`.
  int HookRuns(const std::string& tag) const;

  // The unfaulted next run, tagged `tag`, and its checks (see the top).
  // `before` is the state before the faulted run; "" or the problems.
  // `inject`: strace injections for that run too (e.g. a filesystem without
  // RENAME_EXCHANGE: {"renameat2:error=EINVAL"}); none by default.
  std::string RecoverAndCheck(const Snapshot& before, const std::string& tag,
                              const std::vector<std::string>& inject = {});

 private:
  // (d): "" or what is wrong. `after_next_run`: it must hold the live
  // version, with nothing left beside it.
  std::string CheckKeystore(const Snapshot& before, bool after_next_run) const;

  CliHarness cli_;
  std::string name_;
  std::string hook_log_;
  bool keystore_ = false;
  std::string keystore_path_, password_file_;
};

}  // namespace certpilot::testing
