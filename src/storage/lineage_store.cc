#include "storage/lineage_store.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <utility>

#include "crypto/certificate.h"
#include "crypto/crypto_error.h"
#include "crypto/private_key.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::storage {
namespace {

using sys::JoinPath;

// certbot's order (storage.ALL_FOUR is cert, privkey, chain, fullchain; the
// order only matters for messages and the fallback switch).
constexpr const char* kKinds[] = {"cert", "chain", "fullchain", "privkey"};

constexpr size_t kMaxNameLength = 250;

constexpr char kLiveReadme[] =
    "This directory contains your keys and certificates.\n"
    "\n"
    "`[cert name]/privkey.pem`  : the private key for your certificate.\n"
    "`[cert name]/fullchain.pem`: the certificate file used in most server "
    "software.\n"
    "`[cert name]/chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.\n"
    "`[cert name]/cert.pem`     : will break many server configurations, and "
    "should not be used\n"
    "                 without reading further documentation.\n"
    "\n"
    "WARNING: DO NOT MOVE OR RENAME THESE FILES!\n"
    "         certpilot (and certbot) expect these files to remain in this\n"
    "         location in order to function properly!\n";

constexpr char kLineageReadme[] =
    "This directory contains your keys and certificates.\n"
    "\n"
    "`privkey.pem`  : the private key for your certificate.\n"
    "`fullchain.pem`: the certificate file used in most server software.\n"
    "`chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.\n"
    "`cert.pem`     : will break many server configurations, and should not "
    "be used\n"
    "                 without reading further documentation.\n"
    "\n"
    "WARNING: DO NOT MOVE OR RENAME THESE FILES!\n"
    "         certpilot (and certbot) expect these files to remain in this\n"
    "         location in order to function properly!\n";

bool IsManaged(std::string_view entry) {
  for (const char* kind : kKinds) {
    if (entry == std::string(kind) + ".pem") return true;
  }
  return false;
}

// files.cert_pem for "cert", etc.; const or not.
template <typename Files>
auto& Member(Files& files, std::string_view kind) {
  if (kind == "cert") return files.cert_pem;
  if (kind == "chain") return files.chain_pem;
  if (kind == "fullchain") return files.fullchain_pem;
  return files.privkey_pem;
}

std::string VersionFile(std::string_view kind, int version) {
  return std::string(kind) + std::to_string(version) + ".pem";
}

// "cert12.pem" with kind "cert" → 12. nullopt when the name is not of that
// form; throws when the number does not fit an int.
std::optional<int> ParseVersion(std::string_view file, std::string_view kind,
                                const std::string& dir) {
  if (!StartsWith(file, kind) || !EndsWith(file, ".pem")) return std::nullopt;
  std::string_view digits =
      file.substr(kind.size(), file.size() - kind.size() - 4);
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int n = 0;
  auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || n > 999999999) {
    throw StorageError("version number out of range: " + JoinPath(dir, file),
                       JoinPath(dir, file), ERANGE);
  }
  return n;
}

// The version a live link's target names when it is one of this lineage's
// archive files, archive/NAME/<kind>N.pem: relative as we write it, or
// absolute as older certbot did. nullopt for anything else.
std::optional<int> ArchiveLinkVersion(const std::string& target,
                                      const std::string& name,
                                      const std::string& archive_dir,
                                      std::string_view kind) {
  const std::string relative = "../../archive/" + name + "/";
  const std::string absolute = archive_dir + "/";
  std::string_view base;
  if (StartsWith(target, relative)) {
    base = std::string_view(target).substr(relative.size());
  } else if (StartsWith(target, absolute)) {
    base = std::string_view(target).substr(absolute.size());
  }
  if (base.empty() || base.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return ParseVersion(base, kind, archive_dir);
}

// Runs f, turning a SysError into a StorageError that names the step.
template <typename F>
auto Wrap(const std::string& step, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sys::SysError& e) {
    throw StorageError(step + ": " + e.what(), e.path(), e.error_code());
  }
}

}  // namespace

void VerifyVersion(const std::string& name, const CertificateFiles& files) {
  auto refuse = [&](const std::string& why) {
    return StorageError(
        "refusing to save a new version of " + name + ": " + why, "", 0);
  };
  auto split = [&](const std::string& pem, const char* what) {
    try {
      return crypto::SplitPemChain(pem);
    } catch (const crypto::CryptoError& e) {
      throw refuse(std::string(what) + ": " + e.what());
    }
  };
  std::vector<std::string> cert = split(files.cert_pem, "cert.pem");
  if (cert.size() != 1) {
    throw refuse("cert.pem holds " + std::to_string(cert.size()) +
                 " certificates, expected 1");
  }
  std::vector<std::string> chain = split(files.chain_pem, "chain.pem");
  std::vector<std::string> fullchain =
      split(files.fullchain_pem, "fullchain.pem");
  std::vector<std::string> expected = cert;
  expected.insert(expected.end(), chain.begin(), chain.end());
  if (fullchain != expected) {
    throw refuse("fullchain.pem is not cert.pem followed by chain.pem");
  }
  try {
    crypto::PrivateKey key = crypto::PrivateKey::FromPem(files.privkey_pem);
    if (!crypto::Certificate::FromPem(cert[0]).MatchesKey(key)) {
      throw refuse("the private key does not match the certificate");
    }
  } catch (const crypto::CryptoError& e) {
    throw refuse(std::string("privkey.pem: ") + e.what());
  }
}

LineageStore::LineageStore(sys::Filesystem& fs, Layout layout)
    : fs_(fs), layout_(std::move(layout)) {}

void LineageStore::ValidateName(const std::string& name) {
  auto bad = [&](const std::string& why) {
    return UsageError("invalid certificate name \"" + StripControl(name) +
                      "\": " + why);
  };
  if (name.empty()) throw bad("empty");
  if (name.size() > kMaxNameLength) {
    throw bad("longer than " + std::to_string(kMaxNameLength) + " bytes");
  }
  if (name[0] == '.') throw bad("must not start with \".\"");
  if (name[0] == '-') throw bad("must not start with \"-\"");
  for (unsigned char c : name) {
    if (c == '/') throw bad("must not contain \"/\"");
    if (c < 0x20 || c == 0x7f) throw bad("must not contain control characters");
  }
}

bool LineageStore::Taken(const std::string& name) {
  return fs_.Exists(layout_.live_dir(name)) ||
         fs_.Exists(layout_.archive_dir(name)) ||
         fs_.Exists(layout_.renewal_conf(name));
}

std::string LineageStore::AvailableName(const std::string& desired) {
  ValidateName(desired);
  return Wrap("choosing a certificate name for " + desired, [&] {
    if (!Taken(desired)) return desired;
    for (int i = 1; i <= 9999; ++i) {
      char suffix[16];  // room for any int: -O1 cannot see i <= 9999
      std::snprintf(suffix, sizeof suffix, "-%04d", i);
      std::string candidate = desired + suffix;
      ValidateName(candidate);
      if (!Taken(candidate)) return candidate;
    }
    throw StorageError(
        "no free certificate name: " + desired + "-0001 to -9999 are all taken",
        layout_.renewal_root(), EEXIST);
  });
}

// Empties and removes live/.NAME.new, left by a crash (or by a failed
// clean-up) either before the commit (then it holds the new links plus
// second names of files still in live/NAME) or after it (then it is the old
// live directory, whose extra files also have names in the new one). An
// entry that exists only here is a file some deploy hook wrote while the
// switch was under way: it goes back into live/NAME rather than away.
void LineageStore::ClearWorkDir(const std::string& name) {
  std::string live_dir = layout_.live_dir(name);
  std::string work = JoinPath(layout_.live_root(), "." + name + ".new");
  if (!fs_.Exists(work)) return;
  if (fs_.IsSymlink(work) || !fs_.IsDir(work) || !fs_.IsDir(live_dir)) {
    // No live directory to return things to: this is the work directory of
    // a first version that never got committed (links and README only).
    sys::RemoveTree(fs_, work);
    return;
  }
  bool moved = false;
  for (const std::string& entry : fs_.ListDir(work)) {
    std::string path = JoinPath(work, entry);
    std::string live_path = JoinPath(live_dir, entry);
    if (!IsManaged(entry) && !fs_.Exists(live_path)) {
      fs_.Rename(path, live_path);
      moved = true;
    } else if (!fs_.IsSymlink(path) && fs_.IsDir(path)) {
      fs_.RemoveDir(path);  // only if empty: never delete unknown data
    } else {
      fs_.Unlink(path);
    }
  }
  if (moved) fs_.FsyncDir(live_dir);
  fs_.RemoveDir(work);
}

int LineageStore::SaveVersion(const std::string& name,
                              const CertificateFiles& files) {
  ValidateName(name);
  VerifyVersion(name, files);
  int version = 0;
  bool committed = false;
  std::vector<std::string> created;
  try {
    return WriteAndSwitch(name, files, &version, &committed, &created);
  } catch (const sys::SysError& e) {
    if (!committed) {
      // Undo what nothing links to. Each step is best effort: if the
      // clean-up fails too (or we crash), what remains is unreferenced and
      // the next save steps over it.
      try {
        ClearWorkDir(name);
      } catch (const sys::SysError&) {
      }
      for (const std::string& path : created) {
        try {
          fs_.Unlink(path);
        } catch (const sys::SysError&) {
        }
      }
    }
    std::string what = version > 0 ? "version " + std::to_string(version)
                                   : std::string("a new version");
    // After the commit the new version is what live/ shows, even though
    // the call failed (e.g. the directory fsync): say so.
    if (committed) what += " (now live, but maybe not durable)";
    throw StorageError("saving " + what + " of " + name + ": " + e.what(),
                       e.path(), e.error_code());
  }
}

int LineageStore::WriteAndSwitch(const std::string& name,
                                 const CertificateFiles& files, int* version,
                                 bool* committed,
                                 std::vector<std::string>* created) {
  const std::string live_root = layout_.live_root();
  const std::string archive_root = layout_.archive_root();
  const std::string live_dir = layout_.live_dir(name);
  const std::string archive_dir = layout_.archive_dir(name);
  const std::string work = JoinPath(live_root, "." + name + ".new");

  // Never write through a symlink planted at a directory of the tree: the
  // key would land wherever it points (IsDir and the writes below follow
  // symlinks; only the file creation itself is O_NOFOLLOW).
  for (const std::string& dir : {live_root, archive_root, archive_dir}) {
    if (fs_.IsSymlink(dir)) {
      throw StorageError(dir + " is a symlink; refusing to write through it",
                         dir, ELOOP);
    }
  }

  ClearWorkDir(name);

  // Refuse what could not be carried across the switch, before writing.
  const bool live_exists = fs_.Exists(live_dir);
  std::vector<std::string> extras;
  if (live_exists) {
    if (fs_.IsSymlink(live_dir) || !fs_.IsDir(live_dir)) {
      throw StorageError(live_dir + " is not a directory", live_dir, ENOTDIR);
    }
    for (const std::string& entry : fs_.ListDir(live_dir)) {
      std::string path = JoinPath(live_dir, entry);
      bool is_link = fs_.IsSymlink(path);
      if (IsManaged(entry)) {
        if (!is_link) {
          throw StorageError(path + " is not a symlink; refusing to replace it",
                             path, 0);
        }
      } else if (!is_link && fs_.IsDir(path)) {
        throw StorageError(path +
                               " is a directory, which cannot be carried over "
                               "to a new version; move it out of " +
                               live_dir,
                           path, EISDIR);
      } else {
        extras.push_back(entry);
      }
    }
  }

  if (!fs_.IsDir(live_root)) fs_.MakeDirs(live_root, 0700);
  if (!fs_.IsDir(archive_root)) fs_.MakeDirs(archive_root, 0700);
  if (!fs_.IsDir(archive_dir)) fs_.MakeDirs(archive_dir, 0755);
  const std::string live_readme = JoinPath(live_root, "README");
  if (!live_exists && !fs_.Exists(live_readme)) {
    fs_.CreateFileExclusive(live_readme, kLiveReadme, 0644, std::nullopt);
  }

  // 1 + the highest number of any file in archive/NAME, complete or not.
  int highest = 0;
  for (const std::string& entry : fs_.ListDir(archive_dir)) {
    for (const char* kind : kKinds) {
      if (auto n = ParseVersion(entry, kind, archive_dir)) {
        highest = std::max(highest, *n);
      }
    }
  }
  *version = highest + 1;

  // certbot keeps the previous key's group and its group and other-read bits
  // (compat/filesystem.py compute_private_key_mode), so that e.g. a
  // "ssl-cert" group set up by the administrator survives renewals.
  mode_t key_mode = 0600;
  std::optional<gid_t> key_group;
  // Only from the lineage's own key: a link planted to point elsewhere (at
  // some 0644 file) must not make the new key readable by others.
  const std::string old_key = JoinPath(live_dir, "privkey.pem");
  if (live_exists && fs_.IsSymlink(old_key) &&
      ArchiveLinkVersion(fs_.ReadLink(old_key), name, archive_dir, "privkey")) {
    try {
      sys::FileInfo info = fs_.Stat(old_key);
      key_mode = 0600 | (info.mode & 0074);
      key_group = info.gid;
    } catch (const sys::SysError& e) {
      if (e.error_code() != ENOENT) throw;  // dangling: nothing to keep
    }
  }

  for (const char* kind : kKinds) {
    std::string path = JoinPath(archive_dir, VersionFile(kind, *version));
    const std::string& data = Member(files, kind);
    if (std::string_view(kind) != "privkey") {
      fs_.CreateFileExclusive(path, data, 0644, std::nullopt);
    } else {
      try {
        fs_.CreateFileExclusive(path, data, key_mode, key_group);
      } catch (const sys::SysError& e) {
        // Not allowed to give the file that group (we are not root and not
        // a member): fall back to a plain 0600 key rather than fail renewal.
        if (e.error_code() != EPERM || !key_group) throw;
        fs_.CreateFileExclusive(path, data, 0600, std::nullopt);
      }
    }
    created->push_back(path);
  }
  fs_.FsyncDir(archive_dir);
  // Read back: only bytes that are really on disk get promoted.
  for (const char* kind : kKinds) {
    std::string path = JoinPath(archive_dir, VersionFile(kind, *version));
    if (fs_.ReadFile(path) != Member(files, kind)) {
      throw sys::SysError("verifying", path, EIO);
    }
  }

  // The complete new live directory, beside the old one.
  const mode_t live_mode = live_exists ? fs_.Stat(live_dir).mode : 0755;
  fs_.MakeDirs(work, live_mode);
  for (const char* kind : kKinds) {
    fs_.Symlink("../../archive/" + name + "/" + VersionFile(kind, *version),
                JoinPath(work, std::string(kind) + ".pem"));
  }
  if (live_exists) {
    for (const std::string& entry : extras) {
      std::string from = JoinPath(live_dir, entry);
      std::string to = JoinPath(work, entry);
      if (fs_.IsSymlink(from)) {
        fs_.Symlink(fs_.ReadLink(from), to);
      } else {
        fs_.Link(from, to);
      }
    }
  } else {
    fs_.CreateFileExclusive(JoinPath(work, "README"), kLineageReadme, 0644,
                            std::nullopt);
  }
  fs_.FsyncDir(work);

  // The commit: one atomic step (see the header).
  if (!live_exists) {
    fs_.Rename(work, live_dir);
    *committed = true;
    fs_.FsyncDir(live_root);
  } else if (fs_.Exchange(work, live_dir)) {
    *committed = true;
    fs_.FsyncDir(live_root);
  } else {
    for (const char* kind : kKinds) {
      std::string file = std::string(kind) + ".pem";
      fs_.Rename(JoinPath(work, file), JoinPath(live_dir, file));
      *committed = true;
    }
    fs_.FsyncDir(live_dir);
  }

  try {
    ClearWorkDir(name);
  } catch (const sys::SysError&) {
    // The new version is in place and durable; the leftover old directory
    // is cleared by the next SaveVersion or Delete.
  }
  return *version;
}

std::optional<int> LineageStore::CurrentVersion(const std::string& name) {
  ValidateName(name);
  const std::string live_dir = layout_.live_dir(name);
  const std::string archive_dir = layout_.archive_dir(name);
  return Wrap(
      "reading the current version of " + name, [&]() -> std::optional<int> {
        if (!fs_.IsDir(live_dir)) return std::nullopt;
        std::vector<std::string> missing;
        std::vector<std::pair<std::string, int>> found;
        for (const char* kind : kKinds) {
          std::string file = std::string(kind) + ".pem";
          std::string link = JoinPath(live_dir, file);
          if (!fs_.Exists(link)) {
            missing.push_back(file);
            continue;
          }
          if (!fs_.IsSymlink(link)) {
            throw StorageError(link + " is not a symlink", link, EINVAL);
          }
          std::string target = fs_.ReadLink(link);
          std::optional<int> n =
              ArchiveLinkVersion(target, name, archive_dir, kind);
          if (!n) {
            throw StorageError(link + " points at " + StripControl(target) +
                                   ", not at " + archive_dir + "/" + kind +
                                   "N.pem",
                               link, EINVAL);
          }
          found.emplace_back(file, *n);
        }
        if (found.empty()) return std::nullopt;
        if (!missing.empty()) {
          throw StorageError(live_dir + " lacks " + Join(missing, ", "),
                             live_dir, ENOENT);
        }
        for (const auto& [file, n] : found) {
          if (n != found[0].second) {
            std::vector<std::string> parts;
            for (const auto& [f, m] : found) {
              parts.push_back(f + " → " + std::to_string(m));
            }
            throw StorageError("the links in " + live_dir +
                                   " point at different versions (" +
                                   Join(parts, ", ") + ")",
                               live_dir, EINVAL);
          }
        }
        return found[0].second;
      });
}

std::vector<std::string> LineageStore::ListNames() {
  const std::string root = layout_.renewal_root();
  return Wrap("listing certificates", [&] {
    std::vector<std::string> names;
    if (!fs_.IsDir(root)) return names;
    for (const std::string& entry : fs_.ListDir(root)) {
      if (!EndsWith(entry, ".conf")) continue;
      std::string name = entry.substr(0, entry.size() - 5);
      try {
        ValidateName(name);
      } catch (const UsageError&) {
        continue;  // hidden, or a name certpilot cannot manage safely
      }
      if (!fs_.IsDir(JoinPath(root, entry))) names.push_back(name);
    }
    return names;
  });
}

LivePaths LineageStore::Paths(const std::string& name) const {
  ValidateName(name);
  const std::string dir = layout_.live_dir(name);
  return LivePaths{JoinPath(dir, "cert.pem"), JoinPath(dir, "chain.pem"),
                   JoinPath(dir, "fullchain.pem"),
                   JoinPath(dir, "privkey.pem")};
}

CertificateFiles LineageStore::ReadCurrent(const std::string& name) {
  std::optional<int> version = CurrentVersion(name);
  if (!version) {
    throw StorageError(
        "no certificate named " + name + " in " + layout_.live_root(),
        layout_.live_dir(name), ENOENT);
  }
  const std::string dir = layout_.live_dir(name);
  return Wrap("reading the current version of " + name, [&] {
    CertificateFiles files;
    for (const char* kind : kKinds) {
      Member(files, kind) =
          fs_.ReadFile(JoinPath(dir, std::string(kind) + ".pem"));
    }
    return files;
  });
}

void LineageStore::Delete(const std::string& name) {
  ValidateName(name);
  const std::string conf = layout_.renewal_conf(name);
  bool found = false;
  Wrap("deleting " + name, [&] {
    // The renewal configuration first: from then on the lineage is neither
    // listed nor renewed, whatever happens to the rest.
    if (fs_.Exists(conf)) {
      fs_.Unlink(conf);
      fs_.FsyncDir(layout_.renewal_root());
      found = true;
    }
    sys::RemoveTree(fs_, JoinPath(layout_.live_root(), "." + name + ".new"));
    const std::pair<std::string, std::string> dirs[] = {
        {layout_.live_dir(name), layout_.live_root()},
        {layout_.archive_dir(name), layout_.archive_root()}};
    for (const auto& [dir, root] : dirs) {
      std::string aside = JoinPath(root, "." + name + ".del");
      sys::RemoveTree(fs_, aside);  // left by an interrupted Delete
      if (!fs_.Exists(dir)) continue;
      found = true;
      fs_.Rename(dir, aside);
      fs_.FsyncDir(root);
      sys::RemoveTree(fs_, aside);
    }
  });
  if (!found) {
    throw StorageError("no certificate named " + name, conf, ENOENT);
  }
}

}  // namespace certpilot::storage
