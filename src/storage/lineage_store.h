// Certificate lineages in certbot's live/archive layout, switched crash-safely.
//
// A lineage NAME is CONFIG/renewal/NAME.conf (see renewal_conf.h) plus
//   archive/NAME/{cert,chain,fullchain}N.pem (0644), privkeyN.pem (0600)
//   live/NAME/{cert,chain,fullchain,privkey}.pem
//       → ../../archive/NAME/<kind>N.pem
// with relative symlinks and file names exactly as certbot makes them, so
// certbot and every web server config written for certbot keep working.
//
// How SaveVersion stays safe at every instant (docs/ARCHITECTURE.md, Storage):
//  1. Verify the four PEMs in memory; refuse before touching the disk.
//  2. Write archive/NAME/<kind>N.pem with a fresh N (1 + the highest number
//     in archive/NAME, counting partial leftovers, so no number is reused),
//     each O_EXCL + fsync, then fsync archive/NAME. Nothing links to N yet,
//     so a crash here only leaves unreferenced files.
//  3. Build the complete new live directory beside the old one, at
//     live/.NAME.new: the four links to version N, plus the README and any
//     other files a deploy hook put in live/NAME (hard links, or copies of
//     symlinks — the same inodes, nothing is copied). fsync it.
//  4. Commit with ONE atomic step: rename(2) live/.NAME.new to live/NAME
//     for a new lineage, else renameat2(RENAME_EXCHANGE) the two
//     directories; fsync live/. Before this step live/NAME is the old
//     version, after it the new one: all four links change together, so no
//     reader and no crash ever sees cert N with privkey N-1.
//  5. Remove the old directory (now at live/.NAME.new). A crash before that
//     leaves it behind; the next SaveVersion or Delete clears it first,
//     moving back anything that exists only there.
// Fallback: on a filesystem without RENAME_EXCHANGE (NFS, older ZFS) step 4
// renames the four new links over the old ones one by one. Each link is
// replaced atomically, so each always names a complete verified file, but a
// crash between two of the renames leaves a mix of versions N-1 and N that
// CurrentVersion reports (StorageError) and the next SaveVersion repairs.
//
// A lineage directory holding a subdirectory, or a managed name that is not
// a symlink, is refused before anything is written (it could not be carried
// across the switch; certbot refuses such a lineage too). So is a symlink at
// live/, archive/, live/NAME or archive/NAME: nothing is written through one.
//
// Not thread-safe; callers hold the lineage's lock (sys/file_lock.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/layout.h"
#include "storage/storage_error.h"
#include "sys/filesystem.h"

namespace certpilot::storage {

struct CertificateFiles {
  std::string privkey_pem;
  std::string cert_pem;       // the leaf, one PEM block
  std::string chain_pem;      // the intermediates, at least one block
  std::string fullchain_pem;  // cert + chain
};

// Absolute paths of live/NAME/*.pem when Layout::config_dir is absolute.
struct LivePaths {
  std::string cert;
  std::string chain;
  std::string fullchain;
  std::string privkey;
};

// The checks SaveVersion makes before writing anything (docs/
// ARCHITECTURE.md, Storage): cert_pem is one certificate, privkey_pem a key
// matching it, chain_pem at least one certificate, fullchain_pem = cert +
// chain. Throws StorageError "refusing to save a new version of NAME: ..."
// otherwise. Fleet mode checks a version with it before publishing it.
void VerifyVersion(const std::string& name, const CertificateFiles& files);

class LineageStore {
 public:
  // `fs` must outlive the store.
  LineageStore(sys::Filesystem& fs, Layout layout);

  // Throws UsageError unless `name` can name a lineage: non-empty, at most
  // 250 bytes (NAME.conf and the store's ".NAME.*" working names must fit in
  // a directory entry), no "/" or control character (NUL included), not
  // starting with "-" (it would read as an option) or "." (that excludes "."
  // and "..", and reserves dot names for the store's temporary entries).
  static void ValidateName(const std::string& name);

  // `desired` if no live/, archive/ or renewal/ entry uses it, else the
  // first free "desired-0001", "desired-0002", ... (certbot's scheme).
  // Throws UsageError for an invalid name, StorageError if 9999 are taken.
  std::string AvailableName(const std::string& desired);

  // Stores `files` as the next version of `name` and points live/NAME at it
  // (see the top of this file); returns the version number N.
  // Refuses with StorageError, before writing anything, unless: cert_pem is
  // exactly one certificate, privkey_pem is a key matching it, chain_pem
  // holds at least one certificate, and fullchain_pem is the certificates of
  // cert_pem followed by those of chain_pem. When live/NAME/privkey.pem
  // links to one of the lineage's archived keys, the new key file gets that
  // file's group and its group and other-read permission bits (as certbot
  // does); mode 0600 and the caller's group otherwise. Creates archive/ and
  // live/ (0700), the lineage directories (0755, like certbot; access is
  // guarded by the 0700 parents), and live/README and live/NAME/README the
  // first time. On failure before the commit, removes what it wrote; afterwards
  // (or after a crash) the live tree is still one complete version.
  int SaveVersion(const std::string& name, const CertificateFiles& files);

  // The version live/NAME links to; nullopt if live/NAME has none of the
  // four links. Throws StorageError when some links are missing, not
  // symlinks, outside archive/NAME, or at different versions.
  std::optional<int> CurrentVersion(const std::string& name);

  // Lineage names: renewal/*.conf without ".conf", sorted; hidden files
  // skipped; empty if renewal/ does not exist.
  std::vector<std::string> ListNames();

  LivePaths Paths(const std::string& name) const;

  // The four files of the current version, read through the live links.
  // Throws StorageError if there is no current version.
  CertificateFiles ReadCurrent(const std::string& name);

  // Removes renewal/NAME.conf, then live/NAME, then archive/NAME (each
  // directory first renamed aside, so it vanishes at once rather than file
  // by file). Throws StorageError(ENOENT) if none of the three exists.
  void Delete(const std::string& name);

 private:
  // SaveVersion after verification. Reports progress through the out
  // parameters so that SaveVersion, on failure, undoes only what nothing
  // links to yet.
  int WriteAndSwitch(const std::string& name, const CertificateFiles& files,
                     int* version, bool* committed,
                     std::vector<std::string>* created);
  void ClearWorkDir(const std::string& name);
  bool Taken(const std::string& name);

  sys::Filesystem& fs_;
  Layout layout_;
};

}  // namespace certpilot::storage
