// certbot's DNS plugin credentials files, read in one place for RFC 2136 and
// every DNS provider: an INI file without sections, "key = value" lines,
// "#" and ";" comments (whole-line, or after whitespace), values optionally
// quoted. Each plugin's keys share a prefix ("dns_rfc2136_",
// "dns_powerdns_"); keys of other plugins are ignored, so one file may serve
// several. certbot before 1.7 wrote keys as "certbot_dns_X:dns_X_key": the
// part before the colon is dropped.
//
// Messages name the file, the line and the key, never a value (values are
// secrets). Thread-safe (plain values).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::solvers {

struct CredentialValue {
  std::string text;
  int line = 0;
};

class CredentialsIni {
 public:
  // Throws UsageError for a line that is not "key = value" and for a
  // duplicated key of this plugin. `source` names the file in messages.
  static CredentialsIni Parse(std::string_view text, const std::string& source,
                              std::string_view prefix);

  // The value of PREFIX + `name`; nullopt when absent or empty.
  std::optional<CredentialValue> Get(const std::string& name) const;
  // Throws UsageError "FILE: missing PREFIXname (FORMAT)" when absent.
  CredentialValue Required(const std::string& name,
                           const std::string& format) const;
  // "FILE, line N: PREFIXname WHY", to throw.
  UsageError Bad(const std::string& name, const CredentialValue& value,
                 const std::string& why) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;  // control characters stripped
  std::string prefix_;
  std::map<std::string, CredentialValue> values_;  // full key → value
};

// The text of the credentials file `path`, after checking that it is a
// regular file no one but its owner may read, write or execute (mode &
// 077 == 0). certbot only warns about a looser file; refusing keeps a leaked
// secret from going unnoticed and is one chmod to fix. `what` names the file
// ("RFC 2136 credentials"), `secret` what it holds ("a TSIG secret").
// Throws UsageError (not a regular file, too open) or sys::SysError (cannot
// be read).
std::string ReadCredentialsFile(sys::Filesystem& fs, const std::string& path,
                                const std::string& what,
                                const std::string& secret);

}  // namespace certpilot::solvers
