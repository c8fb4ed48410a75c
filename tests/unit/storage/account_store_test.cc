#include "storage/account_store.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/jwk.h"
#include "support/fake_clock.h"
#include "support/fault_filesystem.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace certpilot::storage {
namespace {

using certpilot::testing::FakeClock;
using certpilot::testing::FaultFilesystem;
using certpilot::testing::ModeOf;
using certpilot::testing::ScopedUmask;
using certpilot::testing::TempDir;
using nlohmann::json;

constexpr char kServer[] = "https://acme-v02.api.letsencrypt.org/directory";

using testing::ReadFileOrEmpty;

// MD5 of the DER SPKI, computed here independently of crypto/.
// certbot's id: MD5 of the PEM SubjectPublicKeyInfo (account.py hashes
// public_bytes(Encoding.PEM, SubjectPublicKeyInfo)), computed here with
// OpenSSL's PEM writer.
std::string IndependentId(const crypto::PrivateKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.get());
  char* pem = nullptr;
  long len = BIO_get_mem_data(bio, &pem);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(pem, static_cast<size_t>(len), md, &md_len, EVP_md5(), nullptr);
  BIO_free(bio);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < md_len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

StoredAccount NewAccount(const crypto::KeySpec& spec, const std::string& url) {
  crypto::PrivateKey key = crypto::PrivateKey::Generate(spec);
  return StoredAccount{
      AccountStore::AccountId(key), url, key,
      R"({"status":"valid","contact":["mailto:a@example.com"]})"};
}

class AccountStoreTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  Layout layout_{tmp_ / "etc", tmp_ / "var", tmp_ / "log"};
  sys::PosixFilesystem fs_;
  FakeClock clock_{
      std::chrono::system_clock::from_time_t(1767225600)};  // 2026-01-01
  AccountStore store_{fs_, layout_, clock_, "testhost"};
};

TEST_F(AccountStoreTest, IdIsCertbotsMd5OfTheSpki) {
  crypto::PrivateKey key = crypto::PrivateKey::Generate(crypto::KeySpec{});
  EXPECT_EQ(AccountStore::AccountId(key), IndependentId(key));
  EXPECT_EQ(AccountStore::AccountId(key).size(), 32u);
}

TEST_F(AccountStoreTest, SaveWritesCertbotsFilesWithItsModes) {
  ScopedUmask umask(0);
  StoredAccount account =
      NewAccount(crypto::KeySpec{}, "https://ca.example/acct/1");
  store_.Save(kServer, account);

  std::string root = layout_.accounts_root();
  std::string dir = layout_.accounts_dir(kServer) + "/" + account.id;
  for (const std::string& d : {root, root + "/acme-v02.api.letsencrypt.org",
                               layout_.accounts_dir(kServer), dir}) {
    EXPECT_EQ(ModeOf(d), 0700u) << d;
  }
  EXPECT_EQ(ModeOf(dir + "/private_key.json"), 0400u);
  EXPECT_EQ(ModeOf(dir + "/regr.json"), 0644u);
  EXPECT_EQ(ModeOf(dir + "/meta.json"), 0644u);

  json jwk = json::parse(ReadFileOrEmpty(dir + "/private_key.json"));
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_TRUE(jwk.contains("d"));
  json regr = json::parse(ReadFileOrEmpty(dir + "/regr.json"));
  EXPECT_EQ(regr["uri"], "https://ca.example/acct/1");
  EXPECT_EQ(regr["body"]["status"], "valid");
  json meta = json::parse(ReadFileOrEmpty(dir + "/meta.json"));
  EXPECT_EQ(meta["creation_dt"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(meta["creation_host"], "testhost");
  EXPECT_TRUE(meta.contains("register_to_eff"));
  EXPECT_TRUE(meta["register_to_eff"].is_null());
  EXPECT_EQ(fs_.ListDir(layout_.accounts_dir(kServer)),
            std::vector<std::string>{account.id})
      << "no temporary left";
}

TEST_F(AccountStoreTest, ListFindRemove) {
  EXPECT_TRUE(store_.List(kServer).empty());
  StoredAccount ec = NewAccount(crypto::KeySpec{}, "https://ca.example/acct/1");
  crypto::KeySpec rsa;
  rsa.type = crypto::KeyType::kRsa;
  StoredAccount rs = NewAccount(rsa, "https://ca.example/acct/2");
  store_.Save(kServer, ec);
  store_.Save(kServer, rs);
  store_.Save("https://localhost:14000/dir",
              NewAccount(crypto::KeySpec{}, "https://x/1"));
  EXPECT_TRUE(std::filesystem::is_directory(layout_.accounts_root() +
                                            "/localhost:14000/dir"));

  std::vector<StoredAccount> all = store_.List(kServer);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].id, all[1].id) << "sorted by id";
  std::optional<StoredAccount> found = store_.Find(kServer, rs.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->url, "https://ca.example/acct/2");
  EXPECT_EQ(crypto::PublicJwk(found->key), crypto::PublicJwk(rs.key));
  EXPECT_EQ(found->key.ToPem(), rs.key.ToPem())
      << "the private half round-trips";
  EXPECT_EQ(json::parse(found->body_json), json::parse(rs.body_json));
  EXPECT_EQ(store_.Find(kServer, std::string(32, 'a')), std::nullopt);
  EXPECT_THROW(store_.Find(kServer, "../../etc"), UsageError);

  store_.Remove(kServer, ec.id);
  ASSERT_EQ(store_.List(kServer).size(), 1u);
  EXPECT_EQ(store_.List(kServer)[0].id, rs.id);
  try {
    store_.Remove(kServer, ec.id);
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_EQ(e.error_code(), ENOENT);
  }
}

TEST_F(AccountStoreTest, SavingAgainUpdatesOnlyTheRegistration) {
  StoredAccount account =
      NewAccount(crypto::KeySpec{}, "https://ca.example/acct/1");
  store_.Save(kServer, account);
  std::string dir = layout_.accounts_dir(kServer) + "/" + account.id;
  std::string key_before = ReadFileOrEmpty(dir + "/private_key.json");
  std::string meta_before = ReadFileOrEmpty(dir + "/meta.json");
  clock_.Advance(std::chrono::hours(24));
  account.body_json = R"({"status":"deactivated"})";
  store_.Save(kServer, account);
  EXPECT_EQ(ReadFileOrEmpty(dir + "/private_key.json"), key_before);
  EXPECT_EQ(ReadFileOrEmpty(dir + "/meta.json"), meta_before);
  EXPECT_EQ(json::parse(store_.Find(kServer, account.id)->body_json)["status"],
            "deactivated");
}

TEST_F(AccountStoreTest, RefusesInconsistentAccountsWithoutWriting) {
  StoredAccount account =
      NewAccount(crypto::KeySpec{}, "https://ca.example/acct/1");
  StoredAccount wrong_id = account;
  wrong_id.id = std::string(32, '0');
  EXPECT_THROW(store_.Save(kServer, wrong_id), StorageError);
  StoredAccount no_url = account;
  no_url.url = "";
  EXPECT_THROW(store_.Save(kServer, no_url), StorageError);
  StoredAccount bad_body = account;
  bad_body.body_json = "[1,2]";
  EXPECT_THROW(store_.Save(kServer, bad_body), StorageError);
  bad_body.body_json = "{not json";
  EXPECT_THROW(store_.Save(kServer, bad_body), StorageError);
  EXPECT_FALSE(std::filesystem::exists(layout_.accounts_root()));
  StoredAccount empty_body = account;
  empty_body.body_json = "";
  store_.Save(kServer, empty_body);
  EXPECT_EQ(store_.Find(kServer, account.id)->body_json, "{}");
}

TEST_F(AccountStoreTest, ReadsAnAccountWrittenByCertbot) {
  // josepy's layout: other member order, spaces, extra members.
  crypto::KeySpec rsa;
  rsa.type = crypto::KeyType::kRsa;
  crypto::PrivateKey key = crypto::PrivateKey::Generate(rsa);
  std::string id = IndependentId(key);
  std::string dir = layout_.accounts_dir(kServer) + "/" + id;
  std::filesystem::create_directories(dir);
  auto f = crypto::PrivateJwkFields(key);
  std::ofstream(dir + "/private_key.json")
      << "{\"n\": \"" << f["n"] << "\", \"e\": \"" << f["e"] << "\", \"d\": \""
      << f["d"] << "\", \"p\": \"" << f["p"] << "\", \"q\": \"" << f["q"]
      << "\", \"dp\": \"" << f["dp"] << "\", \"dq\": \"" << f["dq"]
      << "\", \"qi\": \"" << f["qi"] << "\", \"kty\": \"RSA\"}";
  std::ofstream(dir + "/regr.json")
      << R"({"body": {}, "uri": "https://acme-v02.api.letsencrypt.org/acme/acct/123", )"
      << R"("new_authzr_uri": "x", "terms_of_service": "y"})";
  std::ofstream(dir + "/meta.json")
      << R"({"creation_dt": "2023-01-01T00:00:00Z", "creation_host": "h", "register_to_eff": null})";
  std::vector<StoredAccount> all = store_.List(kServer);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, id);
  EXPECT_EQ(all[0].url, "https://acme-v02.api.letsencrypt.org/acme/acct/123");
  EXPECT_EQ(crypto::PublicJwk(all[0].key), crypto::PublicJwk(key));
}

TEST_F(AccountStoreTest, CorruptAccountIsReportedByFile) {
  StoredAccount account =
      NewAccount(crypto::KeySpec{}, "https://ca.example/acct/1");
  store_.Save(kServer, account);
  std::string file =
      layout_.accounts_dir(kServer) + "/" + account.id + "/regr.json";
  std::filesystem::permissions(file, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(file) << "{\"body\": {}}";
  try {
    store_.List(kServer);
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_EQ(e.path(), file);
    EXPECT_NE(std::string(e.what()).find(account.id), std::string::npos);
  }
}

TEST_F(AccountStoreTest, EveryCrashPointLeavesNoAccountOrACompleteOne) {
  StoredAccount account =
      NewAccount(crypto::KeySpec{}, "https://ca.example/acct/1");
  int total = 0;
  {
    TempDir tmp;
    sys::PosixFilesystem real;
    FaultFilesystem counting(real, 0);
    AccountStore(counting, Layout{tmp / "etc", "", ""}, clock_, "h")
        .Save(kServer, account);
    total = counting.mutations();
  }
  ASSERT_GE(total, 6);
  for (int k = 1; k <= total; ++k) {
    SCOPED_TRACE("crash at mutating call " + std::to_string(k));
    TempDir tmp;
    Layout layout{tmp / "etc", "", ""};
    sys::PosixFilesystem real;
    FaultFilesystem faulty(real, k);
    try {
      AccountStore(faulty, layout, clock_, "h").Save(kServer, account);
    } catch (const StorageError&) {
    }
    AccountStore store(real, layout, clock_, "h");
    std::vector<StoredAccount> seen = store.List(kServer);  // must not throw
    ASSERT_LE(seen.size(), 1u);
    if (!seen.empty()) {
      EXPECT_EQ(seen[0].key.ToPem(), account.key.ToPem());
    }
    store.Save(kServer, account);
    ASSERT_EQ(store.List(kServer).size(), 1u);
    EXPECT_EQ(fs_.ListDir(layout.accounts_dir(kServer)),
              std::vector<std::string>{account.id});
  }
}

}  // namespace
}  // namespace certpilot::storage
