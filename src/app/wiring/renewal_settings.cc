#include "app/wiring/renewal_settings.h"

#include <algorithm>
#include <cstdlib>

#include "app/rules/challenge_choice.h"
#include "app/rules/renewal_policy.h"
#include "dns_providers/providers.h"
#include "storage/renewal_conf.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

constexpr char kParams[] = "renewalparams";
constexpr char kWebrootMap[] = "renewalparams/webroot_map";

void SetOrRemove(storage::RenewalConf& conf, const char* key,
                 const std::string& value) {
  if (value.empty())
    conf.Remove(kParams, key);
  else
    conf.Set(kParams, key, value);
}

void WriteChallengeSettings(storage::RenewalConf& conf,
                            const ChallengeSettings& c) {
  if (c.preferred.empty())
    conf.Remove(kParams, "pref_challs");
  else
    conf.SetList(kParams, "pref_challs", c.preferred);
  // certbot writes the webroots both as a list and as the name → path map;
  // only the map says which name is served from where.
  std::vector<std::string> roots;
  for (const auto& [name, root] : c.webroot_map)
    if (std::find(roots.begin(), roots.end(), root) == roots.end())
      roots.push_back(root);
  if (roots.empty())
    conf.Remove(kParams, "webroot_path");
  else
    conf.SetList(kParams, "webroot_path", roots);
  for (const std::string& name : conf.Keys(kWebrootMap))
    if (!c.webroot_map.count(name)) conf.Remove(kWebrootMap, name);
  for (const auto& [name, root] : c.webroot_map)
    conf.Set(kWebrootMap, name, root);
  SetOrRemove(conf, "manual_auth_hook", c.manual_auth_hook);
  SetOrRemove(conf, "manual_cleanup_hook", c.manual_cleanup_hook);
  SetOrRemove(conf, "dns_resolver", c.dns_resolver);
  SetOrRemove(conf, "dns_propagation_seconds",
              c.dns_propagation_seconds
                  ? std::to_string(c.dns_propagation_seconds)
                  : "");
  SetOrRemove(conf, "dns_rfc2136_credentials", c.dns_rfc2136_credentials);
  for (const dns_providers::ProviderInfo& p : dns_providers::Providers()) {
    auto it = c.dns_provider_credentials.find(p.name);
    SetOrRemove(conf, p.credentials_key().c_str(),
                it == c.dns_provider_credentials.end() ? "" : it->second);
  }
  SetOrRemove(conf, "dns_cname_delegation",
              c.dns_cname_delegation ? "" : "False");
  SetOrRemove(
      conf, "tls_alpn_01_port",
      c.tls_alpn01_port != 443 ? std::to_string(c.tls_alpn01_port) : "");
  SetOrRemove(conf, "tls_alpn_01_address", c.tls_alpn01_address);
}

int ReadInt(const storage::RenewalConf& conf, const std::string& path,
            const char* key, int fallback, int min, int max) {
  std::optional<std::string> v = conf.Get(kParams, key);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (*end != '\0' || n < min || n > max)
    throw UsageError(path + ": " + key + " must be a number from " +
                     std::to_string(min) + " to " + std::to_string(max) +
                     ", not \"" + StripControl(*v) + "\"");
  return int(n);
}

// ConfigObj's as_bool words, any case; absent or empty: `fallback`.
bool ReadBool(const storage::RenewalConf& conf, const std::string& path,
              const char* key, bool fallback) {
  std::optional<std::string> v = conf.Get(kParams, key);
  if (!v || v->empty()) return fallback;
  const std::string word = ToLower(*v);
  for (const char* yes : {"true", "yes", "on", "1"})
    if (word == yes) return true;
  for (const char* no : {"false", "no", "off", "0"})
    if (word == no) return false;
  throw UsageError(path + ": " + key + " must be True or False, not \"" +
                   StripControl(*v) + "\"");
}

ChallengeSettings ReadChallengeSettings(const storage::RenewalConf& conf,
                                        const std::string& path) {
  ChallengeSettings c;
  if (auto list = conf.GetList(kParams, "pref_challs"))
    c.preferred = NormalizeChallengeTypes(*list);
  for (const std::string& name : conf.Keys(kWebrootMap))
    c.webroot_map[name] = conf.Get(kWebrootMap, name).value_or("");
  auto get = [&](const char* key) {
    return conf.Get(kParams, key).value_or("");
  };
  c.manual_auth_hook = get("manual_auth_hook");
  c.manual_cleanup_hook = get("manual_cleanup_hook");
  c.dns_resolver = get("dns_resolver");
  c.dns_propagation_seconds =
      ReadInt(conf, path, "dns_propagation_seconds", 0, 0, 86400);
  c.dns_rfc2136_credentials = get("dns_rfc2136_credentials");
  for (const dns_providers::ProviderInfo& p : dns_providers::Providers())
    if (std::string file = get(p.credentials_key().c_str()); !file.empty())
      c.dns_provider_credentials[p.name] = file;
  c.dns_cname_delegation = ReadBool(conf, path, "dns_cname_delegation", true);
  c.tls_alpn01_port = ReadInt(conf, path, "tls_alpn_01_port", 443, 1, 65535);
  c.tls_alpn01_address = get("tls_alpn_01_address");
  return c;
}

}  // namespace

storage::RenewalConf RenewalConfFor(RunContext& ctx, const std::string& name,
                                    const RenewalSettings& s) {
  const std::string path = ctx.layout().renewal_conf(name);
  storage::RenewalConf conf =
      ctx.fs().Exists(path)
          ? storage::RenewalConf::Load(ctx.fs(), path)
          : storage::NewRenewalConf(ctx.layout(), name, CERTPILOT_VERSION,
                                    {std::begin(kRenewalRuleComment),
                                     std::end(kRenewalRuleComment)});
  conf.Set("", "version", CERTPILOT_VERSION);
  if (s.renew_before_expiry)
    conf.Set("", "renew_before_expiry", *s.renew_before_expiry);
  conf.Set(kParams, "account", s.account_id);
  conf.Set(kParams, "authenticator", s.authenticator);
  conf.Set(kParams, "server", s.server);
  if (s.key_spec.type == crypto::KeyType::kRsa) {
    conf.Set(kParams, "key_type", "rsa");
    conf.Set(kParams, "rsa_key_size", std::to_string(s.key_spec.rsa_bits));
    conf.Remove(kParams, "elliptic_curve");
  } else {
    conf.Set(kParams, "key_type", "ecdsa");
    conf.Set(kParams, "elliptic_curve", s.key_spec.curve);
    conf.Remove(kParams, "rsa_key_size");
  }
  conf.Set(kParams, "http01_port", std::to_string(s.http01_port));
  if (s.http01_address.empty())
    conf.Remove(kParams, "http01_address");
  else
    conf.Set(kParams, "http01_address", s.http01_address);
  conf.Set(kParams, "reuse_key", s.reuse_key ? "True" : "False");
  SetOrRemove(conf, "pre_hook", s.pre_hook);
  SetOrRemove(conf, "post_hook", s.post_hook);
  SetOrRemove(conf, "renew_hook", s.deploy_hook);
  WriteChallengeSettings(conf, s.challenges);
  SetOrRemove(conf, "preferred_chain", s.order.preferred_chain);
  SetOrRemove(conf, "preferred_profile", s.order.preferred_profile);
  SetOrRemove(conf, "required_profile", s.order.required_profile);
  SetOrRemove(conf, "must_staple", s.order.must_staple ? "True" : "");
  SetOrRemove(conf, "pkcs12_path", s.pkcs12.path);
  SetOrRemove(conf, "pkcs12_password_file", s.pkcs12.password_file);
  SetOrRemove(conf, "autorenew", s.autorenew ? "" : "False");
  SetOrRemove(conf, "allow_subset_of_names",
              s.allow_subset_of_names ? "True" : "");
  // Kept when empty: a later certonly with another authenticator does not
  // make nginx forget the certificate it serves.
  if (!s.installer.empty()) conf.Set(kParams, "installer", s.installer);
  if (s.authenticator == "nginx" || s.installer == "nginx") {
    conf.Set(kParams, "nginx_server_root", s.nginx.server_root);
    conf.Set(kParams, "nginx_ctl", s.nginx.ctl);
  }
  if (s.authenticator == "apache" || s.installer == "apache") {
    conf.Set(kParams, "apache_server_root", s.apache.server_root);
    conf.Set(kParams, "apache_ctl", s.apache.ctl);
    SetOrRemove(conf, "apache_vhost_root", s.apache.vhost_root);
    SetOrRemove(conf, "apache_challenge_location", s.apache.challenge_location);
  }
  return conf;
}

void WriteRenewalConf(RunContext& ctx, const std::string& name,
                      const RenewalSettings& s) {
  const storage::RenewalConf conf = RenewalConfFor(ctx, name, s);
  ctx.fs().MakeDirs(ctx.layout().renewal_root(), 0755);
  conf.Save(ctx.fs(), ctx.layout().renewal_conf(name));
}

RenewalSettings ReadRenewalConf(RunContext& ctx, const std::string& name) {
  const std::string path = ctx.layout().renewal_conf(name);
  return RenewalSettingsOf(storage::RenewalConf::Load(ctx.fs(), path), path);
}

RenewalSettings RenewalSettingsOf(const storage::RenewalConf& conf,
                                  const std::string& path) {
  RenewalSettings s;
  auto get = [&](const char* key) {
    return conf.Get(kParams, key).value_or("");
  };
  s.server = get("server");
  s.account_id = get("account");
  s.authenticator = get("authenticator");
  std::string key_type = get("key_type");
  if (key_type == "rsa") {
    s.key_spec.type = crypto::KeyType::kRsa;
    s.key_spec.rsa_bits =
        ReadInt(conf, path, "rsa_key_size", 2048, 1024, 16384);
  } else {
    // certbot < 2.0 wrote no key_type and meant RSA; we write it always.
    s.key_spec.type =
        key_type.empty() ? crypto::KeyType::kRsa : crypto::KeyType::kEcdsa;
    std::string curve = get("elliptic_curve");
    if (!curve.empty()) s.key_spec.curve = curve;
  }
  s.http01_port = ReadInt(conf, path, "http01_port", 80, 1, 65535);
  s.http01_address = get("http01_address");
  s.renew_before_expiry = conf.Get("", "renew_before_expiry");
  s.reuse_key = get("reuse_key") == "True";
  s.pre_hook = get("pre_hook");
  s.post_hook = get("post_hook");
  s.deploy_hook = get("renew_hook");
  s.installer = get("installer");
  if (s.installer == "None") s.installer.clear();
  if (auto root = conf.Get(kParams, "nginx_server_root"))
    s.nginx.server_root = *root;
  if (auto ctl = conf.Get(kParams, "nginx_ctl")) s.nginx.ctl = *ctl;
  if (auto root = conf.Get(kParams, "apache_server_root"))
    s.apache.server_root = *root;
  if (auto ctl = conf.Get(kParams, "apache_ctl")) s.apache.ctl = *ctl;
  s.apache.vhost_root = get("apache_vhost_root");
  s.apache.challenge_location = get("apache_challenge_location");
  s.challenges = ReadChallengeSettings(conf, path);
  s.order.preferred_chain = get("preferred_chain");
  s.order.preferred_profile = get("preferred_profile");
  s.order.required_profile = get("required_profile");
  s.order.must_staple = get("must_staple") == "True";
  s.pkcs12.path = get("pkcs12_path");
  s.pkcs12.password_file = get("pkcs12_password_file");
  if (s.pkcs12.path.empty() != s.pkcs12.password_file.empty())
    throw UsageError(path +
                     ": pkcs12_path and pkcs12_password_file go together");
  // certbot reads these with ConfigObj's as_bool.
  s.autorenew = ReadBool(conf, path, "autorenew", true);
  s.allow_subset_of_names =
      ReadBool(conf, path, "allow_subset_of_names", false);
  if (s.server.empty())
    throw UsageError(path + ": [renewalparams] has no server");
  return s;
}

}  // namespace certpilot::app
