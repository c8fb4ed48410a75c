#include "solvers/webroot_solver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "sys/sys_error.h"
#include "util/base64url.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

constexpr char kWellKnown[] = ".well-known";
constexpr char kAcmeChallenge[] = "acme-challenge";
constexpr mode_t kDirMode = 0755;
constexpr mode_t kFileMode = 0644;
constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

std::string NameKey(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return ToLower(name);
}

std::string Join2(const std::string& dir, std::string_view name) {
  if (!dir.empty() && dir.back() == '/') return dir + std::string(name);
  return dir + "/" + std::string(name);
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Gives what we created PATH's owner (as certbot does) when we can.
void CopyOwner(int fd, uid_t uid, gid_t gid, const std::string& path) {
  if (::geteuid() != 0) return;
  if (::fchown(fd, uid, gid) != 0) {
    log::Debug(
        "could not give " + StripControl(path) +
        " the webroot's owner: " + sys::SysError("chown", path, errno).what());
  }
}

// Why `name` under `parent` could not be opened as a directory without
// following a symlink.
[[noreturn]] void ThrowNotADirectory(int parent, const char* name,
                                     const std::string& path, int err) {
  struct stat st;
  if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      throw Error("webroot: " + StripControl(path) +
                  " is a symlink; certpilot does not follow symlinks below "
                  "the webroot (make it a directory, or give the directory "
                  "the web server serves as -w)");
    }
    if (!S_ISDIR(st.st_mode))
      throw Error("webroot: " + StripControl(path) + " is not a directory");
  }
  throw sys::SysError("opening directory", path, err);
}

bool SameInode(int parent, const char* name, dev_t dev, ino_t ino) {
  struct stat st;
  return ::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

struct WebrootSolver::Root {
  std::string path;  // as the user gave it, for messages
  int root_fd = -1;
  int well_known_fd = -1;
  int challenge_fd = -1;
  bool created_well_known = false;
  bool created_challenge = false;
  struct stat root_st {};
  struct stat well_known_st {};
  struct stat challenge_st {};
  int files = 0;

  ~Root() {
    CloseFd(challenge_fd);
    CloseFd(well_known_fd);
    CloseFd(root_fd);
  }
  std::string Key() const {
    return std::to_string(root_st.st_dev) + ":" +
           std::to_string(root_st.st_ino);
  }
  std::string WellKnownPath() const { return Join2(path, kWellKnown); }
  std::string ChallengePath() const {
    return Join2(WellKnownPath(), kAcmeChallenge);
  }

  // Opens `name` below `parent` as a directory without following a
  // symlink, creating it (0755) if it is missing.
  int OpenOrCreate(int parent, const char* name, const std::string& shown,
                   bool* created, struct stat* st) {
    int fd = ::openat(parent, name, kDirFlags);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(parent, name, kDirMode) == 0) {
        *created = true;
      } else if (errno != EEXIST) {
        throw sys::SysError("creating directory", shown, errno);
      }
      fd = ::openat(parent, name, kDirFlags);
    }
    if (fd < 0) {
      int err = errno;
      if (*created) {  // swapped for something else since: undo what we can
        ::unlinkat(parent, name, AT_REMOVEDIR);
        *created = false;
      }
      if (err == ELOOP || err == ENOTDIR)
        ThrowNotADirectory(parent, name, shown, err);
      throw sys::SysError("opening directory", shown, err);
    }
    if (::fstat(fd, st) != 0) {
      int err = errno;
      ::close(fd);
      throw sys::SysError("inspecting directory", shown, err);
    }
    if (*created) {
      if (::fchmod(fd, kDirMode) != 0) {
        int err = errno;
        ::close(fd);
        ::unlinkat(parent, name, AT_REMOVEDIR);
        *created = false;
        throw sys::SysError("setting the mode of", shown, err);
      }
      CopyOwner(fd, root_st.st_uid, root_st.st_gid, shown);
    }
    return fd;
  }

  // Removes the directories this Root created, deepest first, if they are
  // still ours and empty. Never throws.
  void RemoveCreatedDirs() noexcept {
    auto remove = [](int parent, const char* name, const struct stat& st,
                     const std::string& shown) {
      if (!SameInode(parent, name, st.st_dev, st.st_ino)) {
        log::Warning("webroot: " + StripControl(shown) +
                     " was replaced by something else; leaving it");
        return false;
      }
      if (::unlinkat(parent, name, AT_REMOVEDIR) != 0) {
        if (errno == ENOTEMPTY || errno == EEXIST) {
          log::Debug("webroot: keeping " + StripControl(shown) +
                     ": it is not empty");
        } else {
          log::Warning(std::string("webroot: could not remove ") +
                       sys::SysError("directory", shown, errno).what());
        }
        return false;
      }
      return true;
    };
    bool challenge_gone = !created_challenge;
    if (created_challenge && well_known_fd >= 0) {
      CloseFd(challenge_fd);
      challenge_gone =
          remove(well_known_fd, kAcmeChallenge, challenge_st, ChallengePath());
    }
    if (created_well_known && challenge_gone && root_fd >= 0) {
      CloseFd(well_known_fd);
      remove(root_fd, kWellKnown, well_known_st, WellKnownPath());
    }
    created_challenge = created_well_known = false;
  }
};

WebrootSolver::WebrootSolver(std::map<std::string, std::string> webroot_map) {
  for (auto& [name, path] : webroot_map) webroot_map_[NameKey(name)] = path;
}

WebrootSolver::~WebrootSolver() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, root] : roots_) root->RemoveCreatedDirs();
}

std::string WebrootSolver::WebrootFor(
    const issuance::ChallengeTask& task) const {
  auto it = webroot_map_.find(NameKey(task.identifier.value));
  if (it == webroot_map_.end()) {
    throw Error("webroot: no webroot path for " +
                StripControl(task.identifier.value) +
                " (give -w PATH before the -d that names it, or use "
                "--webroot-map)");
  }
  return it->second;
}

std::string WebrootSolver::ChallengeFilePath(
    const issuance::ChallengeTask& task) const {
  return Join2(Join2(Join2(WebrootFor(task), kWellKnown), kAcmeChallenge),
               task.challenge.token);
}

WebrootSolver::Root& WebrootSolver::OpenRoot(const std::string& path) {
  auto root = std::make_unique<Root>();
  root->path = path;
  root->root_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root->root_fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      throw Error("webroot: " + StripControl(path) +
                  " is not an existing directory (-w must name the directory "
                  "the web server serves the site from)");
    }
    throw sys::SysError("opening webroot", path, err);
  }
  if (::fstat(root->root_fd, &root->root_st) != 0)
    throw sys::SysError("inspecting webroot", path, errno);
  auto found = roots_.find(root->Key());
  if (found != roots_.end()) return *found->second;  // `root` closes its fd
  std::string key = root->Key();
  return *(roots_[key] = std::move(root));
}

void WebrootSolver::ReleaseIfUnused(const std::string& key) noexcept {
  auto it = roots_.find(key);
  if (it == roots_.end() || it->second->files > 0) return;
  it->second->RemoveCreatedDirs();
  roots_.erase(it);
}

void WebrootSolver::Present(const issuance::ChallengeTask& task) {
  const std::string& token = task.challenge.token;
  // Never a path: base64url only (RFC 8555 §8.1; acme/ checks it too).
  if (!IsBase64Url(token))
    throw Error("webroot: refusing an http-01 token that is not base64url");
  const std::string webroot = WebrootFor(task);

  std::lock_guard<std::mutex> lock(mu_);
  if (files_.count(task.challenge.url)) return;  // presented already
  Root& root = OpenRoot(webroot);
  const std::string key = root.Key();
  try {
    if (root.well_known_fd < 0) {
      root.well_known_fd =
          root.OpenOrCreate(root.root_fd, kWellKnown, root.WellKnownPath(),
                            &root.created_well_known, &root.well_known_st);
    }
    if (root.challenge_fd < 0) {
      root.challenge_fd = root.OpenOrCreate(
          root.well_known_fd, kAcmeChallenge, root.ChallengePath(),
          &root.created_challenge, &root.challenge_st);
    }
  } catch (...) {
    ReleaseIfUnused(key);
    throw;
  }

  const std::string file_path = Join2(root.ChallengePath(), token);
  int fd =
      ::openat(root.challenge_fd, token.c_str(),
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode);
  if (fd < 0) {
    int err = errno;
    ReleaseIfUnused(key);
    if (err == EEXIST) {
      throw Error("webroot: " + StripControl(file_path) +
                  " exists already; refusing to overwrite it");
    }
    throw sys::SysError("creating", file_path, err);
  }
  File file{key, token, 0, 0, {}};
  try {
    struct stat st;
    if (::fchmod(fd, kFileMode) != 0)
      throw sys::SysError("setting the mode of", file_path, errno);
    CopyOwner(fd, root.root_st.st_uid, root.root_st.st_gid, file_path);
    const std::string& data = task.key_authorization;
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw sys::SysError("writing", file_path, errno);
      done += static_cast<size_t>(n);
    }
    if (::fstat(fd, &st) != 0)
      throw sys::SysError("inspecting", file_path, errno);
    file.dev = st.st_dev;
    file.ino = st.st_ino;
    file.ctime = st.st_ctim;
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw sys::SysError("closing", file_path, errno);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlinkat(root.challenge_fd, token.c_str(), 0);
    ReleaseIfUnused(key);
    throw;
  }
  ++root.files;
  files_[task.challenge.url] = file;
  log::Debug("webroot: wrote " + StripControl(file_path));
}

void WebrootSolver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(task.challenge.url);
  if (it == files_.end()) return;  // Present failed: it left nothing
  File file = it->second;
  files_.erase(it);
  auto root_it = roots_.find(file.root_key);
  if (root_it == roots_.end()) return;
  Root& root = *root_it->second;
  const std::string file_path = Join2(root.ChallengePath(), file.token);
  struct stat st;
  if (::fstatat(root.challenge_fd, file.token.c_str(), &st,
                AT_SYMLINK_NOFOLLOW) == 0 &&
      st.st_dev == file.dev && st.st_ino == file.ino &&
      st.st_ctim.tv_sec == file.ctime.tv_sec &&
      st.st_ctim.tv_nsec == file.ctime.tv_nsec) {
    if (::unlinkat(root.challenge_fd, file.token.c_str(), 0) != 0) {
      log::Warning(std::string("webroot: could not remove ") +
                   sys::SysError("file", file_path, errno).what());
    }
  } else {
    log::Warning("webroot: " + StripControl(file_path) +
                 " is gone or was replaced; leaving whatever is there");
  }
  --root.files;
  ReleaseIfUnused(file.root_key);
}

}  // namespace certpilot::solvers
