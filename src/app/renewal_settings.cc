#include "app/renewal_settings.h"

#include "storage/renewal_conf.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

constexpr char kParams[] = "renewalparams";

}  // namespace

void WriteRenewalConf(RunContext& ctx, const std::string& name,
                      const RenewalSettings& s) {
  const std::string path = ctx.layout().renewal_conf(name);
  storage::RenewalConf conf =
      ctx.fs().Exists(path) ? storage::RenewalConf::Load(ctx.fs(), path)
                            : storage::NewRenewalConf(ctx.layout(), name, CERTPILOT_VERSION);
  conf.Set("", "version", CERTPILOT_VERSION);
  if (s.renew_before_expiry) conf.Set("", "renew_before_expiry", *s.renew_before_expiry);
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
  if (s.http01_address.empty()) conf.Remove(kParams, "http01_address");
  else conf.Set(kParams, "http01_address", s.http01_address);
  conf.Set(kParams, "reuse_key", s.reuse_key ? "True" : "False");
  auto set_or_remove = [&](const char* key, const std::string& value) {
    if (value.empty()) conf.Remove(kParams, key);
    else conf.Set(kParams, key, value);
  };
  set_or_remove("pre_hook", s.pre_hook);
  set_or_remove("post_hook", s.post_hook);
  set_or_remove("renew_hook", s.deploy_hook);
  // Kept when empty: a later certonly with another authenticator does not
  // make nginx forget the certificate it serves.
  if (!s.installer.empty()) conf.Set(kParams, "installer", s.installer);
  if (s.authenticator == "nginx" || s.installer == "nginx") {
    conf.Set(kParams, "nginx_server_root", s.nginx.server_root);
    conf.Set(kParams, "nginx_ctl", s.nginx.ctl);
  }
  ctx.fs().MakeDirs(ctx.layout().renewal_root(), 0755);
  conf.Save(ctx.fs(), path);
}

RenewalSettings ReadRenewalConf(RunContext& ctx, const std::string& name) {
  const std::string path = ctx.layout().renewal_conf(name);
  storage::RenewalConf conf = storage::RenewalConf::Load(ctx.fs(), path);
  RenewalSettings s;
  auto get = [&](const char* key) { return conf.Get(kParams, key).value_or(""); };
  s.server = get("server");
  s.account_id = get("account");
  s.authenticator = get("authenticator");
  std::string key_type = get("key_type");
  if (key_type == "rsa") {
    s.key_spec.type = crypto::KeyType::kRsa;
    std::string bits = get("rsa_key_size");
    s.key_spec.rsa_bits = bits.empty() ? 2048 : std::atoi(bits.c_str());
  } else {
    // certbot < 2.0 wrote no key_type and meant RSA; we write it always.
    s.key_spec.type = key_type.empty() ? crypto::KeyType::kRsa : crypto::KeyType::kEcdsa;
    std::string curve = get("elliptic_curve");
    if (!curve.empty()) s.key_spec.curve = curve;
  }
  std::string port = get("http01_port");
  if (!port.empty()) s.http01_port = std::atoi(port.c_str());
  s.http01_address = get("http01_address");
  s.renew_before_expiry = conf.Get("", "renew_before_expiry");
  s.reuse_key = get("reuse_key") == "True";
  s.pre_hook = get("pre_hook");
  s.post_hook = get("post_hook");
  s.deploy_hook = get("renew_hook");
  s.installer = get("installer");
  if (s.installer == "None") s.installer.clear();
  if (auto root = conf.Get(kParams, "nginx_server_root")) s.nginx.server_root = *root;
  if (auto ctl = conf.Get(kParams, "nginx_ctl")) s.nginx.ctl = *ctl;
  if (s.server.empty())
    throw UsageError(path + ": [renewalparams] has no server");
  if (s.http01_port < 1 || s.http01_port > 65535)
    throw UsageError(path + ": http01_port is not a port: " + get("http01_port"));
  return s;
}

}  // namespace certpilot::app
