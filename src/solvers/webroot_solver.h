// HTTP-01 through a running web server's document root (`--webroot`,
// RFC 8555 §8.3): Present writes PATH/.well-known/acme-challenge/<token>
// holding the key authorization; CleanUp removes it and the directories
// Present created, whether validation succeeded or not.
//
// Safety, against a webroot whose contents someone else (the web
// application's user) can change while certpilot, often as root, works in
// it:
//  - PATH itself is the user's choice and may be or contain symlinks; below
//    it nothing is followed: .well-known, acme-challenge and the token file
//    are opened relative to the parent's descriptor with O_NOFOLLOW
//    (openat/mkdirat/unlinkat), so a symlink swapped in at any moment is
//    refused, never traversed, and nothing is created or removed outside
//    PATH;
//  - the file is created with O_CREAT|O_EXCL|O_NOFOLLOW (an existing file or
//    symlink under the token's name is refused), mode 0644; directories it
//    creates get 0755 (both set with fchmod, so the umask does not matter);
//    when running as root, what it creates is given PATH's owner and group,
//    as certbot does, so the web server's user can read and tidy it;
//  - CleanUp unlinks the token file only if it is still the file it created
//    (same device, inode and change time), and removes
//    .well-known/acme-challenge and .well-known only if this solver created
//    them and they are empty. Directories that existed before are never
//    removed.
// The directory descriptors are held from the first Present to the last
// CleanUp of a webroot.
//
// This bypasses sys::Filesystem on purpose: its path-based calls cannot
// express "no symlink at any component" without a check-then-use race.
//
// Thread-safe: parallel orders may share one WebrootSolver (and so one
// webroot); each token has its own file.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "issuance/challenge_solver.h"

namespace certpilot::solvers {

class WebrootSolver : public issuance::ChallengeSolver {
 public:
  // `webroot_map`: identifier value (a DNS name or IP address, as in the
  // authorization; compared without case and trailing dot) → webroot
  // directory. Built by the caller from -w/-d order, --webroot-map or the
  // renewal conf's [[webroot_map]].
  explicit WebrootSolver(std::map<std::string, std::string> webroot_map);
  ~WebrootSolver() override;

  std::string Type() const override { return "http-01"; }
  // Throws Error when the name has no webroot, when a symlink or a
  // non-directory is in the way ("... is a symlink; certpilot does not
  // follow symlinks below the webroot"), and sys::SysError for failing
  // system calls (path and errno in the message). Leaves nothing behind
  // when it throws.
  void Present(const issuance::ChallengeTask& task) override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

  // The file Present writes for `task`, for messages and tests.
  std::string ChallengeFilePath(const issuance::ChallengeTask& task) const;

 private:
  struct Root;
  struct File {
    std::string root_key;
    std::string token;
    // Identifies the file we wrote: inode numbers are reused, ctime
    // cannot be set by anyone.
    dev_t dev = 0;
    ino_t ino = 0;
    struct timespec ctime {};
  };

  std::string WebrootFor(const issuance::ChallengeTask& task) const;
  Root& OpenRoot(const std::string& path);
  void ReleaseIfUnused(const std::string& key) noexcept;

  std::map<std::string, std::string> webroot_map_;  // lower-case name → path
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Root>> roots_;  // by path
  std::map<std::string, File> files_;                   // by challenge URL
};

}  // namespace certpilot::solvers
