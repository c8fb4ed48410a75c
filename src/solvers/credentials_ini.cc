#include "solvers/credentials_ini.h"

#include <cstdio>

#include "util/strings.h"

namespace certpilot::solvers {
namespace {

// "value", 'value', or value with an inline comment (" # ...") cut off.
std::string UnquoteValue(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
    size_t close = v.find(v.front(), 1);
    if (close != std::string_view::npos)
      return std::string(v.substr(1, close - 1));
  }
  for (size_t i = 1; i < v.size(); ++i) {
    if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
      v = v.substr(0, i);
      break;
    }
  }
  return std::string(Trim(v));
}

}  // namespace

CredentialsIni CredentialsIni::Parse(std::string_view text,
                                     const std::string& source,
                                     std::string_view prefix) {
  CredentialsIni ini;
  ini.source_ = StripControl(source);
  ini.prefix_ = std::string(prefix);
  int line_no = 0;
  for (const std::string& raw : Split(text, '\n')) {
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      throw UsageError(ini.source_ + ", line " + std::to_string(line_no) +
                       ": expected \"key = value\"");
    }
    std::string key = ToLower(Trim(line.substr(0, eq)));
    if (size_t colon = key.find(':'); colon != std::string::npos)
      key = key.substr(colon + 1);  // certbot < 1.7: "certbot_dns_x:dns_x_…"
    if (!StartsWith(key, prefix)) continue;  // another plugin's setting
    if (ini.values_.count(key)) {
      throw UsageError(ini.source_ + ", line " + std::to_string(line_no) +
                       ": duplicate " + StripControl(key));
    }
    ini.values_[key] = {UnquoteValue(Trim(line.substr(eq + 1))), line_no};
  }
  return ini;
}

std::optional<CredentialValue> CredentialsIni::Get(
    const std::string& name) const {
  auto it = values_.find(prefix_ + name);
  if (it == values_.end() || it->second.text.empty()) return std::nullopt;
  return it->second;
}

CredentialValue CredentialsIni::Required(const std::string& name,
                                         const std::string& format) const {
  std::optional<CredentialValue> v = Get(name);
  if (!v) {
    throw UsageError(source_ + ": missing " + prefix_ + name + " (" + format +
                     ")");
  }
  return *v;
}

UsageError CredentialsIni::Bad(const std::string& name,
                               const CredentialValue& value,
                               const std::string& why) const {
  return UsageError(source_ + ", line " + std::to_string(value.line) + ": " +
                    prefix_ + name + " " + why);
}

std::string ReadCredentialsFile(sys::Filesystem& fs, const std::string& path,
                                const std::string& what,
                                const std::string& secret) {
  const std::string shown = StripControl(path);
  sys::FileInfo info = fs.Stat(path);
  if (info.type != sys::FileType::kRegular)
    throw UsageError(what + " " + shown + " is not a regular file");
  if ((info.mode & 077) != 0) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(info.mode & 07777));
    throw UsageError(what + " " + shown +
                     " are accessible to other users (mode " + mode +
                     "); it holds " + secret + ": run chmod 600 " + shown);
  }
  return fs.ReadFile(path);
}

}  // namespace certpilot::solvers
