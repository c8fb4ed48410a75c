// man/ and packaging/bash-completion/ agree with the command line, so they
// cannot drift from it:
//  - for each subcommand `certpilot --help` lists (and for the top level),
//    the options `certpilot SUB --help` prints are exactly the options whose
//    entry under OPTIONS in man/certpilot.1 says SUB accepts them;
//  - SUBCOMMANDS and SYNOPSIS name every subcommand, and nothing else;
//  - every --option either page mentions exists, and every option in a
//    `certpilot ...` example is accepted where it is used;
//  - the keys under JSON OUTPUT are the keys certificates --json and
//    renew --json print (against the real Pebble CA);
//  - `man --warnings -l` renders both pages without a warning (Debian
//    packages man-db and groff-base; the test fails, never skips, without
//    them);
//  - the bash completion offers exactly the subcommands and options of each
//    subcommand, and --cert-name values from the --config-dir on the line.
//
// The man page conventions this relies on are described at the top of
// man/certpilot.1.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"
#include "sys/process_runner.h"

namespace certpilot::testing {
namespace {

using Set = std::set<std::string>;

const std::string kManDir = std::string(CERTPILOT_SOURCE_DIR) + "/man";
const std::string kManPage = kManDir + "/certpilot.1";
const std::string kConfPage = kManDir + "/certpilot.conf.5";
const std::string kCompletion =
    std::string(CERTPILOT_SOURCE_DIR) + "/packaging/bash-completion/certpilot";
// The scope name of options given before the subcommand.
const std::string kTopLevel = "(top level)";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Join(const Set& s) {
  std::string out;
  for (const std::string& x : s) out += (out.empty() ? "" : " ") + x;
  return out;
}

Set Minus(const Set& a, const Set& b) {
  Set out;
  for (const std::string& x : a)
    if (!b.count(x)) out.insert(x);
  return out;
}

// ---------------------------------------------------------------------------
// What the CLI says: CLI11's --help layout. Option lines start with two
// spaces and a dash; the spellings are comma-separated, then "{default}" or
// " TYPE=default"; subcommands are listed after "Subcommands:".

struct Help {
  Set options;
  std::vector<std::string> subcommands;
};

Help ParseHelp(const std::string& text) {
  Help help;
  bool in_subcommands = false;
  static const std::regex kSub("^  ([a-z][a-z0-9_-]*)( .*)?$");
  for (const std::string& line : Lines(text)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_subcommands = true;
      continue;
    }
    if (!line.empty() && line[0] != ' ') in_subcommands = false;
    if (line.rfind("  -", 0) == 0) {
      std::string names = line.substr(2, line.find(' ', 2) - 2);
      names = names.substr(0, names.find_first_of("{="));
      std::istringstream in(names);
      for (std::string name; std::getline(in, name, ',');)
        help.options.insert(name);
    } else if (std::smatch m;
               in_subcommands && std::regex_match(line, m, kSub)) {
      help.subcommands.push_back(m[1]);
    }
  }
  return help;
}

// scope (kTopLevel or a subcommand) -> every option spelling it accepts;
// also the list of subcommands.
struct Cli {
  std::map<std::string, Set> options;
  std::vector<std::string> subcommands;
};

const Cli& TheCli() {
  static const Cli cli = [] {
    Cli c;
    sys::ProcessResult top = RunTool({CERTPILOT_BINARY, "--help"});
    EXPECT_EQ(top.exit_code, 0) << top.err;
    Help h = ParseHelp(top.out);
    c.subcommands = h.subcommands;
    c.options[kTopLevel] = h.options;
    for (const std::string& sub : c.subcommands) {
      sys::ProcessResult r = RunTool({CERTPILOT_BINARY, sub, "--help"});
      EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.err;
      c.options[sub] = ParseHelp(r.out).options;
    }
    return c;
  }();
  return cli;
}

// ---------------------------------------------------------------------------
// What the man page says: its roff source, read by the conventions at the
// top of man/certpilot.1.

struct Entry {
  int line = 0;
  Set names;
  Set scopes;
};

struct ManPage {
  std::vector<Entry> options;            // under OPTIONS
  std::vector<std::string> subcommands;  // under SUBCOMMANDS
  std::string synopsis;                  // the SYNOPSIS text
};

std::string Unescape(std::string s) {
  for (size_t at; (at = s.find("\\-")) != std::string::npos;)
    s.replace(at, 2, "-");
  return s;
}

// Option spellings in a line of roff: \-x or \-\-long\-name tokens that
// start a word (after blank, quote, comma or a font escape).
Set OptionTokens(const std::string& roff) {
  std::string s = std::regex_replace(roff, std::regex(R"(\\f[BIRP])"), " ");
  static const std::regex kOpt(
      R"((^|[\s",(\[])((\\-){1,2}[A-Za-z][A-Za-z0-9]*(\\-[A-Za-z0-9]+)*))");
  Set out;
  for (std::sregex_iterator it(s.begin(), s.end(), kOpt), end; it != end; ++it)
    out.insert(Unescape((*it)[2]));
  return out;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string StripQuotes(std::string s) {
  s = Trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
    s = s.substr(1, s.size() - 2);
  return s;
}

ManPage ParseManPage(const std::string& path,
                     const std::vector<std::string>& all_subs) {
  ManPage page;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);

  std::string section;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind(".\\\"", 0) == 0) continue;  // comment
    if (line.rfind(".SH ", 0) == 0) {
      section = StripQuotes(line.substr(4));
      continue;
    }
    if (section == "SYNOPSIS") page.synopsis += line + "\n";
    if (line != ".TP" || i + 1 >= lines.size()) continue;
    const std::string& tag = lines[i + 1];
    if (section == "SUBCOMMANDS") {
      EXPECT_EQ(tag.rfind(".B ", 0), 0u) << path << ":" << i + 2 << ": " << tag;
      page.subcommands.push_back(Unescape(StripQuotes(tag.substr(3))));
    } else if (section == "OPTIONS") {
      Entry e;
      e.line = int(i + 2);
      e.names = OptionTokens(tag);
      EXPECT_FALSE(e.names.empty())
          << path << ":" << e.line << ": an entry under OPTIONS "
          << "names no option: " << tag;
      bool has_scope = false;
      for (size_t j = i + 2; j < lines.size(); ++j) {
        const std::string& body = lines[j];
        if (body == ".TP" || body.rfind(".SS", 0) == 0 ||
            body.rfind(".SH", 0) == 0)
          break;
        static const std::string kAccepted = "Accepted by: ";
        if (body.rfind(kAccepted, 0) != 0) continue;
        has_scope = true;
        std::string list = body.substr(kAccepted.size());
        EXPECT_EQ(list.back(), '.') << path << ":" << j + 1;
        if (!list.empty() && list.back() == '.') list.pop_back();
        std::istringstream items(list);
        for (std::string item; std::getline(items, item, ',');) {
          item = Trim(item);
          if (item == "every subcommand") {
            e.scopes.insert(all_subs.begin(), all_subs.end());
          } else if (item == "before the subcommand") {
            e.scopes.insert(kTopLevel);
          } else if (std::find(all_subs.begin(), all_subs.end(), item) !=
                     all_subs.end()) {
            e.scopes.insert(item);
          } else {
            ADD_FAILURE()
                << path << ":" << j + 1 << ": \"" << item
                << "\" is neither a subcommand of certpilot --help, \"every "
                   "subcommand\" nor \"before the subcommand\"";
          }
        }
      }
      EXPECT_TRUE(has_scope)
          << path << ":" << e.line << ": the entry for " << Join(e.names)
          << " has no \"Accepted by: ...\" line";
      page.options.push_back(e);
    }
  }
  return page;
}

// ---------------------------------------------------------------------------

TEST(ManPageTest, EveryOptionOfEverySubcommandIsDocumentedAndNothingElse) {
  const Cli& cli = TheCli();
  ASSERT_FALSE(cli.subcommands.empty())
      << "certpilot --help lists no subcommand";
  ManPage page = ParseManPage(kManPage, cli.subcommands);

  std::map<std::string, Set> documented;
  for (const Entry& e : page.options)
    for (const std::string& scope : e.scopes)
      documented[scope].insert(e.names.begin(), e.names.end());

  for (const auto& [scope, accepted] : cli.options) {
    std::string where = scope == kTopLevel ? "before the subcommand" : scope;
    EXPECT_EQ(Join(Minus(accepted, documented[scope])), "")
        << "certpilot " << (scope == kTopLevel ? "" : scope + " ")
        << "accepts these options, but man/certpilot.1 has no entry under "
           "OPTIONS whose "
           "\"Accepted by:\" line names "
        << where;
    EXPECT_EQ(Join(Minus(documented[scope], accepted)), "")
        << "man/certpilot.1 documents these options for " << where
        << ", but certpilot does not accept them there";
  }
  // A control: the parsers found the obvious.
  EXPECT_TRUE(cli.options.at(kTopLevel).count("--version"));
  EXPECT_TRUE(documented[kTopLevel].count("--version"));
  EXPECT_TRUE(documented["renew"].count("--no-random-sleep-on-renew"));
}

TEST(ManPageTest, SubcommandsAreTheOnesTheCliHas) {
  const Cli& cli = TheCli();
  ManPage page = ParseManPage(kManPage, cli.subcommands);
  EXPECT_EQ(page.subcommands, cli.subcommands)
      << "SUBCOMMANDS in man/certpilot.1 lists them in the order of certpilot "
         "--help";
  for (const std::string& sub : cli.subcommands)
    EXPECT_NE(Unescape(page.synopsis).find(".B certpilot " + sub + "\n"),
              std::string::npos)
        << "SYNOPSIS has no \".B certpilot " << sub << "\" line";
}

// Every --option mentioned outside examples exists in some scope; every option
// in a `certpilot ...` command line of an example (.EX ... .EE, continued with
// \e) is accepted by the subcommand it follows (or before it); no bare "--"
// (roff wants \-\- so the dashes render as ASCII hyphen-minus).
TEST(ManPageTest, MentionedOptionsExistAndExamplesUseThemRightly) {
  const Cli& cli = TheCli();
  Set all;
  for (const auto& [scope, options] : cli.options)
    all.insert(options.begin(), options.end());

  for (const std::string& path : {kManPage, kConfPage}) {
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    bool in_example = false, continued = false;
    std::string scope = kTopLevel;
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      if (line.rfind(".\\\"", 0) == 0) continue;
      EXPECT_EQ(line.find("--"), std::string::npos)
          << path << ":" << n << ": write \\-\\- in roff, not --: " << line;
      if (line == ".EX") in_example = true;
      if (line == ".EE") in_example = false;
      if (!in_example) {
        for (const std::string& opt : OptionTokens(line)) {
          if (opt.rfind("--", 0) == 0) {
            EXPECT_TRUE(all.count(opt)) << path << ":" << n << ": " << opt
                                        << " is not an option of certpilot";
          }
        }
        continue;
      }
      // In examples, other programs' options are fine (systemctl --now).

      // Words of a certpilot command line in an example.
      std::string words;
      size_t at = line.find("certpilot ");
      if (continued) {
        words = line;
      } else if (at != std::string::npos && (at == 0 || line[at - 1] == ' ')) {
        words = line.substr(at + 10);
        scope = kTopLevel;
      }
      continued = !words.empty() && line.size() >= 2 &&
                  line.substr(line.size() - 2) == "\\e";
      std::istringstream in_words(words);
      for (std::string w; in_words >> w;) {
        w = Unescape(w);
        if (w == "|") break;
        if (w.rfind("-", 0) == 0) {
          std::string opt = w.substr(0, w.find('='));
          EXPECT_TRUE(cli.options.at(scope).count(opt))
              << path << ":" << n << ": the example passes " << opt << " to "
              << (scope == kTopLevel ? "certpilot" : "certpilot " + scope)
              << ", which does not accept it there";
        } else if (scope == kTopLevel && cli.options.count(w)) {
          scope = w;
        }
      }
    }
  }
}

// `man --warnings -l`: what a user sees, with groff's warnings on. Also at
// 80 columns no rendered line is wider (an example line that overflows).
TEST(ManPageTest, PagesRenderWithoutWarnings) {
  for (const std::string& path : {kManPage, kConfPage}) {
    sys::ProcessResult r = RunTool({"man", "--warnings", "-l", path},
                                   {{"MANWIDTH", "80"},
                                    {"MANPAGER", "cat"},
                                    {"PAGER", "cat"},
                                    {"LC_ALL", "C.UTF-8"}},
                                   " -- install the Debian packages man-db and "
                                   "groff-base (scripts/deps should)");
    EXPECT_EQ(r.exit_code, 0) << path << ": " << r.Describe() << "\n" << r.err;
    EXPECT_EQ(r.err, "") << path << ": man/groff warned";
    EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SEE ALSO"), std::string::npos);
    for (const std::string& line : Lines(r.out)) {
      size_t columns = 0;  // UTF-8 code points
      for (unsigned char c : line) columns += (c & 0xC0) != 0x80;
      EXPECT_LE(columns, 80u)
          << path << ": rendered line wider than 80 columns:\n"
          << line;
    }
  }
}

// The control for the test above: a page with a roff mistake does warn.
TEST(ManPageTest, RenderCheckCatchesAMistake) {
  TempDir tmp;
  std::ofstream(tmp / "bad.1")
      << ".TH BAD 1\n.SH NAME\nbad \\- bad\n.XY nonsense\n";
  sys::ProcessResult r = RunTool({"man", "--warnings", "-l", tmp / "bad.1"},
                                 {{"MANPAGER", "cat"}, {"PAGER", "cat"}});
  EXPECT_NE(r.err, "") << "man --warnings did not warn about an unknown macro";
}

// ---------------------------------------------------------------------------
// JSON OUTPUT: the documented keys are the printed keys.

// .TP entries under `.SS <subsection>` of JSON OUTPUT: key -> the keys of
// its array's objects ("An array of objects with the keys \fBa\fR and ...").
std::map<std::string, Set> DocumentedJson(const std::string& subsection) {
  std::map<std::string, Set> keys;
  std::ifstream in(kManPage);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  bool in_json = false, in_sub = false;
  std::string current;
  static const std::regex kWord("[a-z][a-z_]*");
  static const std::regex kBold(R"(\\fB([a-z_]+)\\fR)");
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind(".SH", 0) == 0) in_json = line == ".SH JSON OUTPUT";
    if (!in_json) continue;
    if (line.rfind(".SS", 0) == 0) {
      in_sub = Unescape(StripQuotes(line.substr(4))) == subsection;
      current.clear();
      continue;
    }
    if (!in_sub) continue;
    if (line == ".PP") current.clear();
    if (line == ".TP" && i + 1 < lines.size()) {
      std::string tag = lines[++i];
      tag = tag.substr(tag.find(' ') + 1);  // drop .B / .BR
      tag = std::regex_replace(tag, std::regex("\"[^\"]*\""), " ");
      for (std::sregex_iterator it(tag.begin(), tag.end(), kWord), end;
           it != end; ++it) {
        keys[it->str()];
        current = it->str();
      }
      continue;
    }
    if (!current.empty() &&
        line.rfind("An array of objects with the keys", 0) == 0)
      for (std::sregex_iterator it(line.begin(), line.end(), kBold), end;
           it != end; ++it)
        keys[current].insert((*it)[1]);
  }
  return keys;
}

Set KeysOf(const nlohmann::json& object) {
  Set out;
  for (auto it = object.begin(); it != object.end(); ++it) out.insert(it.key());
  return out;
}

Set TopKeys(const std::map<std::string, Set>& documented) {
  Set out;
  for (const auto& [k, v] : documented) out.insert(k);
  return out;
}

TEST(ManPageTest, JsonKeysAreTheDocumentedOnes) {
  std::map<std::string, Set> certificates =
      DocumentedJson("certificates --json");
  std::map<std::string, Set> renew = DocumentedJson("renew --json");
  // The parser found what the page says (a control).
  ASSERT_TRUE(certificates.count("fullchain_path"))
      << Join(TopKeys(certificates));
  ASSERT_EQ(renew["failed"], (Set{"name", "error"}));

  // A renewed, a not-due and a failed lineage, from one-hour certificates.
  PebbleOptions o;
  o.certificate_validity_seconds = 3600;
  PebbleFixture ca(o);
  CliHarness cli(ca);
  for (const char* name : {"due.example.com", "fresh.example.com"}) {
    RunResult r = cli.Certonly({"-d", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  const std::string due_conf = cli.config() + "/renewal/due.example.com.conf";
  std::string conf = ReadFileOrEmpty(due_conf);
  ASSERT_NE(conf.find("version = "), std::string::npos) << conf;
  std::ofstream(due_conf, std::ios::trunc) << "renew_before_expiry = 2 hours\n"
                                           << conf;
  std::ofstream(cli.config() + "/renewal/broken.example.com.conf")
      << "[[[ not a conf\n";

  RunResult list = cli.Run("certificates", {"--json"});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  nlohmann::json lineages = nlohmann::json::parse(list.out);
  ASSERT_EQ(lineages.size(), 3u) << list.out;
  for (const nlohmann::json& l : lineages)
    EXPECT_EQ(Join(KeysOf(l)), Join(TopKeys(certificates))) << l.dump();

  RunResult renewal =
      cli.Run("renew", {"--json", "--no-random-sleep-on-renew"});
  EXPECT_EQ(renewal.exit_code, 1) << renewal.Describe();  // the broken one
  nlohmann::json j = nlohmann::json::parse(renewal.out);
  EXPECT_EQ(Join(KeysOf(j)), Join(TopKeys(renew))) << j.dump();
  for (const char* array : {"renewed", "not_due", "failed"}) {
    ASSERT_EQ(j[array].size(), 1u) << array << ": " << j.dump();
    EXPECT_EQ(Join(KeysOf(j[array][0])), Join(renew[array]))
        << array << ": " << j.dump();
  }
}

// ---------------------------------------------------------------------------
// packaging/bash-completion/certpilot: what it offers, by calling its
// function the way bash does (COMP_WORDS, COMP_CWORD).

Set Complete(const std::vector<std::string>& words) {
  std::vector<std::string> argv{"bash",
                                "--norc",
                                "--noprofile",
                                "-c",
                                "source \"$1\" || exit 1; shift\n"
                                "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1))\n"
                                "_certpilot || exit 1\n"
                                "printf '%s\\n' \"${COMPREPLY[@]}\"",
                                "bash",
                                kCompletion,
                                CERTPILOT_BINARY};
  argv.insert(argv.end(), words.begin(), words.end());
  sys::ProcessResult r = RunTool(argv);
  EXPECT_EQ(r.exit_code, 0) << r.Describe() << "\n" << r.err;
  EXPECT_EQ(r.err, "");
  Set out;
  for (const std::string& l : Lines(r.out))
    if (!l.empty()) out.insert(l);
  return out;
}

TEST(BashCompletionTest, OffersTheSubcommandsAndEachOnesOptions) {
  const Cli& cli = TheCli();
  EXPECT_EQ(Join(Complete({""})),
            Join(Set(cli.subcommands.begin(), cli.subcommands.end())));
  EXPECT_EQ(Join(Complete({"-"})), Join(cli.options.at(kTopLevel)));
  for (const std::string& sub : cli.subcommands) {
    EXPECT_EQ(Join(Complete({sub, "-"})), Join(cli.options.at(sub))) << sub;
    // Also after options with values, before and after the subcommand.
    EXPECT_EQ(
        Join(Complete({"--config-dir", "/x", sub, "-m", "a@example.com", "-"})),
        Join(cli.options.at(sub)))
        << sub;
  }
  EXPECT_EQ(Complete({"renew", "--no-r"}),
            (Set{"--no-random-sleep-on-renew", "--no-reuse-key"}));
  EXPECT_EQ(Complete({"certonly", "--key-type", ""}), (Set{"ecdsa", "rsa"}));
  EXPECT_EQ(Complete({"renew", "--elliptic-curve", "secp3"}),
            (Set{"secp384r1"}));
}

TEST(BashCompletionTest, CertNameValuesComeFromTheConfigDirOnTheLine) {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "config/renewal");
  for (const char* f : {"a.example.com.conf", "b.example.com.conf",
                        "with space.conf", ".hidden.conf", "notes.txt"})
    std::ofstream(tmp / "config/renewal/" + f) << "";
  const std::string config = tmp / "config";
  const Set all{"a.example.com", "b.example.com", "with\\ space"};

  EXPECT_EQ(Complete({"--config-dir", config, "renew", "--cert-name", ""}),
            all);
  EXPECT_EQ(
      Complete({"certificates", "--config-dir", config, "--cert-name", "a"}),
      (Set{"a.example.com"}));
  // "--opt=value" as bash splits it by default ('=' in COMP_WORDBREAKS)...
  EXPECT_EQ(
      Complete({"renew", "--config-dir", "=", config, "--cert-name", "=", ""}),
      all);
  // ...and as one word, when '=' is not a word break.
  EXPECT_EQ(Complete({"renew", "--config-dir=" + config, "--cert-name=b"}),
            (Set{"--cert-name=b.example.com"}));
  // The config dir decides: an empty one offers nothing.
  std::filesystem::create_directories(tmp / "empty");
  EXPECT_EQ(
      Complete({"--config-dir", tmp / "empty", "renew", "--cert-name", ""}),
      Set{});
}

}  // namespace
}  // namespace certpilot::testing
