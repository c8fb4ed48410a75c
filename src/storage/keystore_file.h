// A PKCS#12 keystore kept beside a lineage's PEMs at a path the person chose
// (--pkcs12-path), replaced crash-safely: the new bytes go to a temporary
// file in the same directory (created with its final mode and group, then
// written and fsynced), which is renamed over the old keystore, then the
// directory is fsynced. A reader or a crash at any instant sees the old
// keystore or the new one, each complete.
//
// The bytes themselves come from crypto/pkcs12.h; this only writes them.
// Not thread-safe; callers hold the lineage's lock (sys/file_lock.h).
#pragma once

#include <string>
#include <string_view>

#include "storage/storage_error.h"
#include "sys/filesystem.h"

namespace certpilot::storage {

// Replaces (or creates) the keystore at `path` with `der`. The file is mode
// 0600 and, like the lineage's private key, owned by the user certpilot runs
// as. Its group: an existing keystore's group, with its group-read bit (so a
// `chgrp tomcat` + `chmod g+r` made once survives renewals, as certbot keeps
// a key's group); for a new keystore the group of `key_path` (the lineage's
// privkey.pem). Temporary files a crash left beside `path` are removed
// first. Throws StorageError naming the path.
void ReplaceKeystore(sys::Filesystem& fs, const std::string& path,
                     std::string_view der, const std::string& key_path);

}  // namespace certpilot::storage
