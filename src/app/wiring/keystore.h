// The PKCS#12 keystore a lineage keeps beside its PEMs for Java servers
// (--pkcs12-path, --pkcs12-password-file): built by crypto/pkcs12.h, written
// by storage/keystore_file.h, with the lineage name as the key's alias (what
// Tomcat's certificateKeyAlias names).
//
// Kept in step with the lineage: IssueIntoLineage writes it right after a
// new version is committed (before the deploy hooks run), and SyncKeystore
// repairs one a crash or failure left behind between the two steps.
#pragma once

#include <string>

#include "app/types/options.h"
#include "app/wiring/run_context.h"
#include "storage/lineage_store.h"
#include "sys/filesystem.h"

namespace certpilot::app {

// Both paths made absolute (renewals run from a timer, in another
// directory) and normalised; no I/O.
Pkcs12Settings AbsolutePkcs12Settings(const Pkcs12Settings& given);

// The settings as given on the command line, checked and made absolute
// (renewals run from a timer, in another directory). Throws UsageError when
// only one of the two is given, when PATH's directory does not exist or
// PATH is a directory, or when the password file is missing, unreadable or
// empty (naming it). `given` unset (both empty) is returned as it is.
Pkcs12Settings ResolvePkcs12Settings(sys::Filesystem& fs,
                                     const Pkcs12Settings& given);

// The password: the file's content without its trailing newline ("\n" or
// "\r\n"). Throws UsageError naming the file when it is missing,
// unreadable or empty.
std::string ReadPkcs12Password(sys::Filesystem& fs, const std::string& file);

// Writes the keystore of `files` (the lineage's current version) with
// `password`. Throws CryptoError / StorageError.
void WriteKeystore(RunContext& ctx, const std::string& lineage,
                   const Pkcs12Settings& settings,
                   const storage::CertificateFiles& files,
                   const std::string& password);

// Rewrites the keystore when it does not hold the lineage's current key and
// certificate under the password (missing, stale after an interrupted run,
// damaged, or the password changed). Returns true when it wrote. Throws
// UsageError for an unusable password file, CryptoError / StorageError.
bool SyncKeystore(RunContext& ctx, const std::string& lineage,
                  const Pkcs12Settings& settings);

}  // namespace certpilot::app
