#include "app/wiring/fleet_connection.h"

#include <cctype>
#include <utility>
#include <vector>

#include "app/rules/fleet_responder.h"
#include "http/curl_http_client.h"
#include "sys/host.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "[::1]" || StartsWith(host, "127.");
}

// "https://HOST:PORT" with an optional trailing '/'; nothing else.
void CheckEndpoint(const std::string& url) {
  const std::string shown = StripControl(url);
  auto bad = [&](const std::string& why) {
    return UsageError("--fleet-endpoints: \"" + shown + "\" " + why);
  };
  std::string_view rest = url;
  bool https = StartsWith(rest, "https://");
  if (!https && !StartsWith(rest, "http://"))
    throw bad("is not an https:// URL");
  rest.remove_prefix(https ? 8 : 7);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw bad("needs a host and a port (https://HOST:PORT)");
  std::string_view host = rest.substr(0, colon);
  std::string_view port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5) throw bad("has no valid port");
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      throw bad("has no valid port");
  const int number = std::stoi(std::string(port));
  if (number < 1 || number > 65535) throw bad("has no valid port");
  for (char c : host)
    if (c == '/' || c == '@' || c == '?' || c == '#' ||
        std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c)))
      throw bad("has no valid host");
  if (!https && !IsLoopbackHost(host))
    throw bad("is plain http to another machine; use https://");
}

void CheckFile(sys::Filesystem& fs, const std::string& option,
               const std::string& path) {
  if (path.empty()) return;
  if (!fs.Exists(path) || fs.IsDir(path))
    throw UsageError(option + " " + StripControl(path) + ": no such file");
}

// A fleet key file: exactly 32 bytes (fleet keygen writes them).
void CheckKeyFile(sys::Filesystem& fs, const std::string& option,
                  const std::string& path) {
  CheckFile(fs, option, path);
  if (!path.empty() && fs.ReadFile(path).size() != crypto::kSealKeyBytes)
    throw UsageError(option + " " + StripControl(path) +
                     " does not hold a fleet key (32 bytes; make one with "
                     "`certpilot fleet keygen`)");
}

bool ValidNodeName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      return false;
  return true;
}

std::string PasswordOf(sys::Filesystem& fs, const std::string& path) {
  std::string text = fs.ReadFile(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.empty())
    throw UsageError("--fleet-password-file " + StripControl(path) +
                     " is empty");
  return text;
}

}  // namespace

FleetOptions CheckFleetOptions(FleetOptions o, sys::Filesystem& fs) {
  if (o.endpoints.empty())
    throw UsageError("--fleet-endpoints URL[,URL...] is required");
  for (const std::string& url : o.endpoints) CheckEndpoint(url);
  if (o.prefix.size() < 2 || o.prefix[0] != '/' || o.prefix.back() == '/')
    throw UsageError("--fleet-prefix \"" + StripControl(o.prefix) +
                     "\" must start with '/' and not end with one");
  for (char c : o.prefix)
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::iscntrl(static_cast<unsigned char>(c)))
      throw UsageError("--fleet-prefix \"" + StripControl(o.prefix) +
                       "\" holds whitespace or control characters");
  CheckFile(fs, "--fleet-cacert", o.cacert);
  CheckFile(fs, "--fleet-client-cert", o.client_cert);
  CheckFile(fs, "--fleet-client-key", o.client_key);
  if (o.client_cert.empty() != o.client_key.empty())
    throw UsageError("--fleet-client-cert and --fleet-client-key go together");
  if (o.user.empty() != o.password_file.empty())
    throw UsageError("--fleet-user and --fleet-password-file go together");
  CheckFile(fs, "--fleet-password-file", o.password_file);
  if (!o.password_file.empty()) PasswordOf(fs, o.password_file);
  CheckKeyFile(fs, "--fleet-secret-file", o.secret_file);
  for (const std::string& path : o.old_secret_files) {
    if (path.empty()) throw UsageError("--fleet-old-secret-file: empty path");
    CheckKeyFile(fs, "--fleet-old-secret-file", path);
  }
  if (!o.old_secret_files.empty() && o.secret_file.empty())
    throw UsageError(
        "--fleet-old-secret-file needs --fleet-secret-file (the key that "
        "seals)");
  if (!o.responder.empty()) ParseFleetResponder(o.responder);
  if (o.node.empty()) o.node = sys::Hostname();
  if (!ValidNodeName(o.node))
    throw UsageError("--fleet-node \"" + StripControl(o.node) +
                     "\" is not 1-63 letters, digits, '.', '_' or '-'");
  return o;
}

crypto::SealKeys ReadFleetKeys(const FleetOptions& checked, sys::Filesystem& fs,
                               const std::string& needed_for) {
  if (checked.secret_file.empty())
    throw UsageError(needed_for +
                     " needs --fleet-secret-file (the fleet key, made by "
                     "`certpilot fleet keygen`)");
  std::vector<std::string> paths = {checked.secret_file};
  std::vector<std::string> ids;
  for (const std::string& path : checked.old_secret_files)
    paths.push_back(path);
  std::vector<std::string> keys;
  for (const std::string& path : paths) {
    keys.push_back(fs.ReadFile(path));
    const std::string id = crypto::SealKeyId(keys.back());
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == id)
        throw UsageError("--fleet-old-secret-file " + StripControl(path) +
                         " holds the same fleet key as " +
                         StripControl(paths[i]));
    ids.push_back(id);
  }
  std::string sealing = std::move(keys.front());
  keys.erase(keys.begin());
  return crypto::SealKeys(std::move(sealing), std::move(keys));
}

namespace {

etcd::ClientOptions EtcdOptionsOf(const FleetOptions& checked,
                                  sys::Filesystem& fs) {
  etcd::ClientOptions options;
  options.endpoints = checked.endpoints;
  options.user = checked.user;
  if (!checked.password_file.empty())
    options.password = PasswordOf(fs, checked.password_file);
  return options;
}

}  // namespace

FleetConnection ConnectFleet(const FleetOptions& checked, sys::Filesystem& fs) {
  http::CurlOptions curl;
  curl.ca_bundle = checked.cacert;
  curl.client_cert = checked.client_cert;
  curl.client_key = checked.client_key;
  curl.connect_timeout = std::chrono::seconds(5);
  curl.total_timeout = std::chrono::seconds(30);
  for (const std::string& url : checked.endpoints)
    if (StartsWith(url, "http://")) curl.https_only = false;
  FleetConnection connection;
  connection.http = std::make_unique<http::CurlHttpClient>(curl);
  connection.etcd = std::make_unique<etcd::Client>(*connection.http,
                                                   EtcdOptionsOf(checked, fs));
  return connection;
}

FleetConnection ConnectFleet(const FleetOptions& checked, Services& services) {
  if (!services.make_fleet_http) return ConnectFleet(checked, services.fs);
  FleetConnection connection;
  connection.http = services.make_fleet_http(checked);
  connection.etcd = std::make_unique<etcd::Client>(
      *connection.http, EtcdOptionsOf(checked, services.fs));
  return connection;
}

}  // namespace certpilot::app
