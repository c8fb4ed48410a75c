#include "cli/config_args.h"

#include <optional>
#include <set>

#include "cli/certbot_options.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::cli {
namespace {

std::optional<bool> ParseBool(std::string_view value) {
  std::string v = ToLower(value);
  if (v == "true" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "no" || v == "0") return false;
  return std::nullopt;
}

// True if any subcommand of `root` accepts `name` ("--key").
bool AnySubcommandAccepts(const CLI::App& root, const std::string& name) {
  for (const CLI::App* sub :
       root.get_subcommands(std::function<bool(const CLI::App*)>()))
    if (sub->get_option_no_throw(name) != nullptr) return true;
  return false;
}

class Collector {
 public:
  Collector(const CLI::App& root, const CLI::App& sub)
      : root_(root), sub_(sub) {}

  void Add(const ConfigEntry& e) {
    if (e.key == "config" || e.key == "help" || e.key == "version")
      throw UsageError(e.source + ": " + e.key +
                       " cannot be set in a configuration file");
    std::string name = "--" + e.key;
    if (!AnySubcommandAccepts(root_, name)) {
      std::optional<CertbotOption> certbot = FindCertbotOption(e.key);
      if (!certbot)
        throw UsageError(e.source + ": \"" + StripControl(e.key) +
                         "\" is not an option of certpilot or certbot");
      if (certbot->kind == CertbotOption::Kind::kIgnored) {
        out_.ignored.push_back({e.key, e.source});
        return;
      }
      if (certbot->kind == CertbotOption::Kind::kCertpilotDefault) {
        out_.notes.push_back(e.source + ": " + e.key +
                             ": certbot's, and what certpilot does anyway");
        return;
      }
      name = "--" + std::string(certbot->certpilot_name);
      out_.notes.push_back(e.source + ": " + e.key + ": certpilot's " +
                           name.substr(2));
    }
    const CLI::Option* opt = sub_.get_option_no_throw(name);
    if (opt == nullptr) {
      out_.notes.push_back(e.source + ": " + e.key + ": not an option of " +
                           sub_.get_name() + "; left out");
      return;
    }
    if (Settled(*opt, name)) return;
    decided_.insert(opt);
    if (opt->get_expected_min() == 0)
      AddFlag(e, name, *opt);
    else
      AddValues(e, name, *opt);
  }

  ConfigArguments Take() { return std::move(out_); }

 private:
  // Given on the command line (to the subcommand, or before it), set by an
  // earlier entry, or excluded by an option that was.
  bool Settled(const CLI::Option& opt, const std::string& name) const {
    if (GivenOnCommandLine(root_, sub_, name) || decided_.count(&opt))
      return true;
    for (const CLI::Option* other : opt.get_excludes())
      if (other->count() > 0 || on_.count(other)) return true;
    return false;
  }

  void AddFlag(const ConfigEntry& e, const std::string& name,
               const CLI::Option& opt) {
    std::optional<bool> on = e.bare                 ? std::optional<bool>(true)
                             : e.values.size() == 1 ? ParseBool(e.values[0])
                                                    : std::nullopt;
    if (!on)
      throw UsageError(e.source + ": " + e.key +
                       " is a flag: give it alone, or = true or false");
    if (*on) Push(name, e.source, opt);
  }

  void AddValues(const ConfigEntry& e, const std::string& name,
                 const CLI::Option& opt) {
    if (e.bare)
      throw UsageError(e.source + ": " + e.key + " needs a value (" + e.key +
                       " = ...)");
    for (const std::string& value : e.values)
      Push(name + "=" + value, e.source, opt);
  }

  void Push(const std::string& arg, const std::string& source,
            const CLI::Option& opt) {
    out_.args.push_back(arg);
    out_.sources.push_back(source);
    on_.insert(&opt);
  }

  const CLI::App& root_;
  const CLI::App& sub_;
  std::set<const CLI::Option*> decided_;  // by an earlier entry
  std::set<const CLI::Option*> on_;  // given a value or turned on by an entry
  ConfigArguments out_;
};

}  // namespace

std::string IgnoredSettingsWarning(
    const std::vector<ConfigArguments::Ignored>& ignored) {
  std::string text, file;
  for (const ConfigArguments::Ignored& i : ignored) {
    const size_t colon = i.source.rfind(':');
    const std::string this_file = i.source.substr(0, colon);
    const std::string line = i.source.substr(colon + 1);
    if (text.empty() || this_file != file) {
      if (!text.empty()) text += "; ";
      text +=
          StripControl(this_file) + ": certbot settings certpilot ignores: ";
      file = this_file;
    } else {
      text += ", ";
    }
    text += i.key + " (line " + line + ")";
  }
  return text;
}

bool GivenOnCommandLine(const CLI::App& root, const CLI::App& sub,
                        const std::string& name) {
  for (const CLI::App* app : {&root, &sub}) {
    const CLI::Option* opt = app->get_option_no_throw(name);
    if (opt != nullptr && opt->count() > 0) return true;
  }
  return false;
}

ConfigArguments ArgumentsFromConfig(
    const CLI::App& root, const CLI::App& sub,
    const std::vector<std::vector<ConfigEntry>>& files) {
  Collector collector(root, sub);
  for (const std::vector<ConfigEntry>& entries : files)
    for (const ConfigEntry& e : entries) collector.Add(e);
  return collector.Take();
}

}  // namespace certpilot::cli
