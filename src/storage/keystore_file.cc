#include "storage/keystore_file.h"

#include <cerrno>
#include <optional>

#include "util/strings.h"

namespace certpilot::storage {

void ReplaceKeystore(sys::Filesystem& fs, const std::string& path,
                     std::string_view der, const std::string& key_path) {
  try {
    const std::string dir = sys::DirName(path);
    const std::string prefix = sys::TempFilePrefix(path);
    for (const std::string& entry : fs.ListDir(dir))
      if (StartsWith(entry, prefix)) fs.Unlink(sys::JoinPath(dir, entry));

    mode_t mode = 0600;
    std::optional<gid_t> group;
    if (fs.Exists(path) && !fs.IsSymlink(path)) {
      sys::FileInfo old = fs.Stat(path);
      mode |= old.mode & 0040;
      group = old.gid;
    } else if (fs.Exists(key_path)) {
      group = fs.Stat(key_path).gid;
    }
    try {
      sys::WriteFileAtomic(fs, path, der, mode, group);
    } catch (const sys::SysError& e) {
      // Not allowed to give the file that group (not root, not a member):
      // a plain 0600 keystore rather than none.
      if (e.error_code() != EPERM || !group) throw;
      sys::WriteFileAtomic(fs, path, der, 0600);
    }
  } catch (const sys::SysError& e) {
    throw StorageError("writing the keystore " + path + ": " + e.what(),
                       e.path(), e.error_code());
  }
}

}  // namespace certpilot::storage
