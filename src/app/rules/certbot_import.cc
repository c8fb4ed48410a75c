#include "app/rules/certbot_import.h"

#include <algorithm>
#include <set>

#include "app/rules/challenge_choice.h"
#include "app/types/options.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Keys naming certbot's own directories: certpilot keeps its own, and its
// CONFIG/cli.ini may not move CONFIG.
constexpr const char* kCertbotDirectories[] = {"config-dir", "work-dir",
                                               "logs-dir"};

constexpr char kMarker[] = "# certpilot import-certbot: ";

// One cli.ini line as far as the merge needs it (config_file.h has the
// syntax): the option's key and value, or no key for a comment,
// a blank line, a [section] or a --- line.
struct IniLine {
  std::string text;  // without the line break
  std::string key;   // "" when not an option; without a leading "--"
  std::optional<std::string> value;  // nullopt for a bare key
};

IniLine ReadIniLine(std::string text) {
  IniLine line;
  line.text = std::move(text);
  std::string_view body = line.text;
  if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
  const size_t start = body.find_first_not_of(" \t");
  if (start == std::string_view::npos) return line;
  std::string_view rest = body.substr(start);
  if (rest[0] == '#' || rest[0] == ';' || rest[0] == '[' ||
      StartsWith(rest, "---"))
    return line;
  if (StartsWith(rest, "--")) rest.remove_prefix(2);
  const size_t end = std::min(rest.find_first_of("=: \t"), rest.size());
  line.key = std::string(rest.substr(0, end));
  std::string_view value = Trim(rest.substr(end));
  if (!value.empty() && (value[0] == '=' || value[0] == ':'))
    value = Trim(value.substr(1));
  for (const char* comment : {" #", " ;", "\t#", "\t;"})
    if (size_t at = value.find(comment); at != std::string_view::npos)
      value = Trim(value.substr(0, at));
  if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') &&
      value.back() == value[0])
    value = value.substr(1, value.size() - 2);
  if (!value.empty() || end < rest.size()) line.value = std::string(value);
  return line;
}

std::vector<IniLine> ReadIni(std::string_view text) {
  std::vector<IniLine> lines;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.empty()) return lines;
  for (std::string& raw : Split(text, '\n'))
    lines.push_back(ReadIniLine(std::move(raw)));
  return lines;
}

bool IsOn(const IniLine& line) {
  if (!line.value) return true;
  const std::string v = ToLower(*line.value);
  return v == "true" || v == "yes" || v == "1";
}

// Whether the settings in `lines` talk to Let's Encrypt: certbot's default
// server is, and so are --staging and --test-cert.
bool TalksToLetsEncrypt(const std::vector<IniLine>& lines) {
  std::optional<std::string> server;
  bool staging = false;
  for (const IniLine& line : lines) {
    if (line.key == "server" && line.value) server = *line.value;
    if ((line.key == "staging" || line.key == "test-cert") && IsOn(line))
      staging = true;
  }
  return staging || !server || IsLetsEncryptServer(*server);
}

// `word` as one shell word: as it is when nothing in it is special.
std::string ShellWord(const std::string& word) {
  const bool plain =
      !word.empty() && word.find_first_not_of(
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
                           "xyz0123456789/._-+:@%=,") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "certpilot SUBCOMMAND [--config-dir DIR] --cert-name NAME".
std::string CommandFor(const std::string& subcommand, const std::string& name,
                       const std::string& config_dir) {
  std::string command = "certpilot " + subcommand;
  if (config_dir != CommonOptions{}.config_dir)
    command += " --config-dir " + ShellWord(config_dir);
  return command + " --cert-name " + ShellWord(name);
}

}  // namespace

std::optional<std::string> CertpilotAuthenticatorFor(
    const std::string& certbot_authenticator) {
  std::string name = certbot_authenticator;
  // "certbot-dns-rfc2136:dns-rfc2136": the plugin's distribution, then its
  // name.
  if (size_t colon = name.find(':'); colon != std::string::npos)
    name = name.substr(colon + 1);
  if (Contains(KnownAuthenticators(), name)) return name;
  return std::nullopt;
}

std::string ReconfigureCommandFor(const std::string& name,
                                  const std::string& authenticator,
                                  const std::vector<std::string>& domains,
                                  const std::string& config_dir) {
  std::string command = CommandFor("reconfigure", name, config_dir);
  const bool wildcard =
      std::any_of(domains.begin(), domains.end(),
                  [](const std::string& d) { return StartsWith(d, "*."); });
  const bool dns_plugin = StartsWith(authenticator, "dns-") ||
                          authenticator.find(":dns-") != std::string::npos;
  if (dns_plugin || wildcard)
    return command +
           " --manual --preferred-challenges dns --manual-auth-hook AUTH_HOOK "
           "--manual-cleanup-hook CLEANUP_HOOK";
  return command + " --webroot -w DOCUMENT_ROOT";
}

void CheckLineageAuthenticator(const std::string& name,
                               const std::string& authenticator,
                               const std::vector<std::string>& domains,
                               const std::string& config_dir) {
  if (Contains(KnownAuthenticators(), authenticator)) return;
  throw UsageError("the authenticator \"" + StripControl(authenticator) +
                   "\" is not in certpilot (it has " +
                   Join(KnownAuthenticators(), ", ") + "); to renew " + name +
                   " choose another: " +
                   ReconfigureCommandFor(name, StripControl(authenticator),
                                         domains, config_dir));
}

std::string InstallCommandFor(const std::string& name,
                              const NginxOptions& nginx, int http_port,
                              const std::string& config_dir) {
  std::string command = CommandFor("install", name, config_dir) + " --nginx";
  const NginxOptions defaults;
  if (nginx.server_root != defaults.server_root)
    command += " --nginx-server-root " + ShellWord(nginx.server_root);
  if (nginx.ctl != defaults.ctl)
    command += " --nginx-ctl " + ShellWord(nginx.ctl);
  if (http_port != 80)
    command += " --http-01-port " + std::to_string(http_port);
  return command;
}

std::string InstallCommandFor(const std::string& name,
                              const ApacheOptions& apache, int http_port,
                              const std::string& config_dir) {
  std::string command = CommandFor("install", name, config_dir) + " --apache";
  const ApacheOptions defaults;
  if (apache.server_root != defaults.server_root)
    command += " --apache-server-root " + ShellWord(apache.server_root);
  if (apache.ctl != defaults.ctl)
    command += " --apache-ctl " + ShellWord(apache.ctl);
  if (http_port != 80)
    command += " --http-01-port " + std::to_string(http_port);
  return command;
}

bool IsLetsEncryptServer(std::string_view directory_url) {
  const size_t scheme = directory_url.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = directory_url.substr(scheme + 3);
  host = host.substr(0, host.find_first_of("/:"));
  const std::string lower = ToLower(host);
  return lower == "acme-v02.api.letsencrypt.org" ||
         lower == "acme-staging-v02.api.letsencrypt.org";
}

CliIniMerge MergeCertbotCliIni(std::string_view certbot_text,
                               const std::string& certbot_path,
                               const std::optional<std::string>& existing) {
  std::vector<IniLine> lines = ReadIni(certbot_text);
  std::set<std::string> taken;
  if (existing)
    for (const IniLine& line : ReadIni(*existing))
      if (!line.key.empty()) taken.insert(line.key);
  const bool lets_encrypt = TalksToLetsEncrypt(lines);

  CliIniMerge out;
  std::string body;
  bool appended = false;
  for (const IniLine& line : lines) {
    std::string leave_out;
    if (std::find(std::begin(kCertbotDirectories),
                  std::end(kCertbotDirectories),
                  line.key) != std::end(kCertbotDirectories))
      leave_out = "certbot's directory; certpilot keeps its own";
    else if (line.key == "must-staple" && IsOn(line) && lets_encrypt)
      leave_out =
          "Let's Encrypt has rejected Must-Staple certificates since May 2025";
    else if (!line.key.empty() && taken.count(line.key))
      leave_out = "set already by certpilot's cli.ini";
    if (!leave_out.empty()) {
      out.notes.push_back(line.key + ": left out (" + leave_out + ")");
      body += std::string(kMarker) + "left out (" + leave_out +
              "): " + line.text + "\n";
      continue;
    }
    // Merging, certbot's comments and sections are of no use without its
    // options; an option certpilot's file lacks is the change.
    if (existing && line.key.empty()) continue;
    if (!line.key.empty()) appended = true;
    body += line.text + "\n";
  }
  if (existing && !appended) return out;
  std::string text;
  if (existing) {
    text = *existing;
    if (!text.empty() && text.back() != '\n') text += "\n";
    text += "\n";
  }
  text += std::string(kMarker) + "from certbot's " + certbot_path +
          (existing ? " (the options above stay as they were)" : "") + "\n" +
          body;
  out.text = std::move(text);
  return out;
}

}  // namespace certpilot::app
