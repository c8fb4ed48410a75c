// --pkcs12-path end to end: the built binary against the real Pebble writes
// a PKCS#12 keystore beside the PEMs at certonly, keeps it in step at each
// renewal, repairs one an interrupted run left stale, and refuses bad
// settings with exit 2. The keystore is read back with `openssl pkcs12`
// (always installed with OpenSSL), not with certpilot's own code.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/cli_harness.h"
#include "support/keystore_reader.h"
#include "support/run_binary.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kOpenSsl[] = "/usr/bin/openssl";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class Pkcs12Test : public SharedPebbleTest<3600> {
 protected:
  Pkcs12Test() {
    std::ofstream(password_file_) << "changeit\n";
    fs::permissions(password_file_, fs::perms::owner_read);
  }

  RunResult Certonly(const std::string& name,
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"-d",
                                  name,
                                  "--pkcs12-path",
                                  keystore_,
                                  "--pkcs12-password-file",
                                  password_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli_.Certonly(args);
  }
  RunResult Renew(std::vector<std::string> extra) {
    extra.push_back("--no-random-sleep-on-renew");
    return cli_.Run("renew", extra);
  }

  // `openssl pkcs12 -in KEYSTORE -passin file:... ARGS`.
  RunResult OpenSsl(const std::vector<std::string>& args,
                    const std::string& password_file = "") {
    std::vector<std::string> argv{
        kOpenSsl,
        "pkcs12",
        "-in",
        keystore_,
        "-passin",
        "file:" + (password_file.empty() ? password_file_ : password_file)};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv);
  }

  // "" when the keystore holds exactly live/NAME's key, certificate (with
  // the lineage name as its alias) and chain; else what differs.
  std::string CheckKeystore(const std::string& name) {
    const std::string live = cli_.config() + "/live/" + name;
    KeystoreRead ks = ReadKeystore(keystore_, password_file_);
    if (!ks.error.empty()) return "reading: " + ks.error;
    if (ks.cert_pem != Slurp(live + "/cert.pem"))
      return "the certificate is not live/" + name + "/cert.pem";
    if (ks.alias != name) return "the alias is \"" + ks.alias + "\"";
    if (ks.chain_pem != Slurp(live + "/chain.pem"))
      return "the chain is not chain.pem";
    if (ks.key_public_pem != PublicKeyPemOf(live + "/privkey.pem"))
      return "the key is not privkey.pem's";
    return "";
  }

  int Mode() {
    struct stat st {};
    if (::stat(keystore_.c_str(), &st) != 0) return -1;
    return int(st.st_mode & 07777);
  }

  CliHarness cli_{*pebble_};
  TempDir dir_;
  std::string keystore_ = dir_ / "tomcat/keystore.p12";
  std::string password_file_ = dir_ / "keystore.pass";
};

class Pkcs12KeyTypeTest : public Pkcs12Test,
                          public ::testing::WithParamInterface<const char*> {};

TEST_P(Pkcs12KeyTypeTest, CertonlyWritesTheKeystoreAndRenewalReplacesIt) {
  fs::create_directories(dir_ / "tomcat");
  const std::string name = "java.example.com";
  RunResult r = Certonly(name, {"--key-type", GetParam()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("Keystore is saved at:    " + keystore_),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Mode(), 0600);
  EXPECT_EQ(CheckKeystore(name), "");
  const std::string conf = Slurp(cli_.config() + "/renewal/" + name + ".conf");
  EXPECT_NE(conf.find("pkcs12_path = " + keystore_), std::string::npos) << conf;
  EXPECT_NE(conf.find("pkcs12_password_file = " + password_file_),
            std::string::npos)
      << conf;
  EXPECT_EQ(conf.find("changeit"), std::string::npos) << conf;

  // OpenSSL 3's modern defaults, which Java 17's keytool reads.
  RunResult info = OpenSsl({"-info", "-noout"});
  EXPECT_EQ(info.exit_code, 0) << info.Describe();
  EXPECT_NE(info.err.find("MAC: sha256"), std::string::npos) << info.err;
  EXPECT_NE(info.err.find("PBES2, PBKDF2, AES-256-CBC"), std::string::npos)
      << info.err;
  EXPECT_EQ(info.err.find("RC2"), std::string::npos) << info.err;
  EXPECT_EQ(info.err.find("3DES"), std::string::npos) << info.err;

  const std::string wrong = dir_ / "wrong.pass";
  std::ofstream(wrong) << "not-the-password\n";
  EXPECT_NE(OpenSsl({"-nokeys"}, wrong).exit_code, 0);

  // A group and group-read bit set once by the administrator survive.
  fs::permissions(keystore_, fs::perms::group_read, fs::perm_options::add);
  const std::string old_cert =
      Slurp(cli_.config() + "/live/" + name + "/cert.pem");
  r = Renew({"--force-renewal", "--cert-name", name});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(Slurp(cli_.config() + "/live/" + name + "/cert.pem"), old_cert);
  EXPECT_EQ(CheckKeystore(name), "");
  EXPECT_EQ(Mode(), 0640);
  // No temporary file is left beside it.
  for (const auto& e : fs::directory_iterator(dir_ / "tomcat"))
    EXPECT_EQ(e.path().filename(), "keystore.p12");
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, Pkcs12KeyTypeTest,
                         ::testing::Values("ecdsa", "rsa"));

// What a run killed between the lineage's commit and the keystore's rename
// leaves: the new version live, the keystore the old one (or none). The next
// renew, with nothing due, brings the keystore in step.
TEST_F(Pkcs12Test, RenewRepairsAKeystoreLeftStaleOrMissing) {
  fs::create_directories(dir_ / "tomcat");
  const std::string name = "stale.example.com";
  ASSERT_EQ(Certonly(name).exit_code, 0);
  const std::string old_keystore = Slurp(keystore_);
  ASSERT_EQ(Renew({"--force-renewal"}).exit_code, 0);
  ASSERT_NE(Slurp(keystore_), old_keystore);

  std::ofstream(keystore_, std::ios::binary | std::ios::trunc) << old_keystore;
  ASSERT_NE(CheckKeystore(name), "");
  RunResult r = Renew({});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("0 renewed"), std::string::npos) << r.out;
  EXPECT_EQ(CheckKeystore(name), "");

  fs::remove(keystore_);
  r = Renew({});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(CheckKeystore(name), "");
  EXPECT_EQ(Mode(), 0600);

  // In step: left alone (same bytes; a rewrite would encrypt afresh).
  const std::string current = Slurp(keystore_);
  ASSERT_EQ(Renew({}).exit_code, 0);
  EXPECT_EQ(Slurp(keystore_), current);
}

// The password file gone: renew fails (exit 1) naming it, before the CA is
// asked, and leaves the lineage as it was.
TEST_F(Pkcs12Test, RenewFailsNamingAMissingPasswordFile) {
  fs::create_directories(dir_ / "tomcat");
  const std::string name = "nopass.example.com";
  ASSERT_EQ(Certonly(name).exit_code, 0);
  const int version = cli_.Version(name);
  fs::remove(password_file_);
  RunResult r = Renew({"--force-renewal"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find(password_file_), std::string::npos) << r.err;
  EXPECT_EQ(cli_.Version(name), version);
  EXPECT_EQ(CheckKeystore(name).find("reading"), 0u);  // cannot even read it
}

TEST_F(Pkcs12Test, ReconfigureAndCertonlyAddAKeystoreToAnExistingLineage) {
  fs::create_directories(dir_ / "tomcat");
  const std::string name = "later.example.com";
  ASSERT_EQ(cli_.Certonly({"-d", name}).exit_code, 0);
  ASSERT_FALSE(fs::exists(keystore_));
  RunResult r =
      cli_.Run("reconfigure", {"--cert-name", name, "--pkcs12-path", keystore_,
                               "--pkcs12-password-file", password_file_,
                               "--http-01-address", "127.0.0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(CheckKeystore(name), "");
  EXPECT_EQ(Mode(), 0600);

  // certonly for the same names, not due: no new certificate, but the
  // keystore it asks for (here: another path).
  const int version = cli_.Version(name);
  keystore_ = dir_ / "tomcat/other.p12";
  r = Certonly(name);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version(name), version);
  EXPECT_EQ(CheckKeystore(name), "");
  // A later certonly without --pkcs12-path keeps it.
  r = cli_.Certonly({"-d", name, "--force-renewal"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(CheckKeystore(name), "");
}

TEST_F(Pkcs12Test, BadSettingsAreUsageErrorsNamingTheFile) {
  fs::create_directories(dir_ / "tomcat");
  const std::string empty = dir_ / "empty.pass";
  std::ofstream(empty) << "\n";
  struct Case {
    std::vector<std::string> args;
    std::string named;
  } cases[] = {
      {{"--pkcs12-path", keystore_, "--pkcs12-password-file", empty}, empty},
      {{"--pkcs12-path", keystore_, "--pkcs12-password-file",
        dir_ / "missing.pass"},
       dir_ / "missing.pass"},
      {{"--pkcs12-path", dir_ / "nodir/k.p12", "--pkcs12-password-file",
        password_file_},
       dir_ / "nodir"},
      {{"--pkcs12-path", dir_ / "tomcat", "--pkcs12-password-file",
        password_file_},
       dir_ / "tomcat"},
      {{"--pkcs12-path", keystore_}, "--pkcs12-password-file"},
      {{"--pkcs12-password-file", password_file_}, "--pkcs12-path"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"-d", "bad.example.com"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    RunResult r = cli_.Certonly(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_NE(r.err.find(c.named), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(cli_.config() + "/live/bad.example.com"));
}

}  // namespace
}  // namespace certpilot::testing
