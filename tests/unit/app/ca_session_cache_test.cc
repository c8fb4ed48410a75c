// The ACME session kept between runs (app/wiring/ca_session_cache.h): a run
// soon after another neither fetches the directory nor asks for a nonce; an
// old directory is fetched again; a run that fails keeps nothing; a damaged
// file is ignored.
#include "app/wiring/ca_session_cache.h"

#include <gtest/gtest.h>

#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace certpilot::app {
namespace {

class CaSessionCacheTest : public ::testing::Test {
 protected:
  CaSessionCacheTest() {
    layout_.work_dir = dir_ / "work";
    key_ = crypto::PrivateKey::Generate({});
    acme::Client client(ca_, clock_, ca_.directory_url());
    client.SetAccountKey(*key_);
    acme::NewAccountOptions o;
    o.terms_of_service_agreed = true;
    kid_ = client.NewAccount(o).url;
  }
  void TearDown() override {
    EXPECT_TRUE(ca_.violations().empty())
        << ::testing::PrintToString(ca_.violations());
  }
  // One run: a client with the cache around one new order. Returns the
  // round trips it took.
  int Run() {
    const int before = ca_.RoundTrips();
    acme::Client client(ca_, clock_, ca_.directory_url());
    client.SetAccountKey(*key_, kid_);
    CaSessionCache session(fs_, layout_, clock_, client);
    client.NewOrder({{"dns", "a.example"}});
    return ca_.RoundTrips() - before;
  }

  testing::TempDir dir_;
  sys::PosixFilesystem fs_;
  storage::Layout layout_;
  testing::FakeAcmeServer ca_;
  testing::FakeClock clock_;
  std::optional<crypto::PrivateKey> key_;
  std::string kid_;
};

TEST_F(CaSessionCacheTest, ARunSoonAfterAnotherSkipsDirectoryAndNonce) {
  EXPECT_EQ(Run(), 3);  // GET directory, HEAD newNonce, newOrder
  clock_.Advance(std::chrono::minutes(2));
  const int directories = ca_.CountRequests("/directory");
  const int nonces = ca_.CountRequests("/new-nonce");
  EXPECT_EQ(Run(), 1);  // newOrder alone
  EXPECT_EQ(ca_.CountRequests("/directory"), directories);
  EXPECT_EQ(ca_.CountRequests("/new-nonce"), nonces);
}

TEST_F(CaSessionCacheTest, AStaleNonceCostsWhatHeadNewNonceWould) {
  Run();
  clock_.Advance(std::chrono::minutes(2));
  ca_.bad_nonce_next = 1;  // the CA has forgotten the kept nonce
  EXPECT_EQ(Run(), 2);     // badNonce (with a fresh nonce), newOrder again
}

TEST_F(CaSessionCacheTest, OldDirectoryAndNonceAreFetchedAgain) {
  Run();
  clock_.Advance(kNonceMaxAge + std::chrono::seconds(1));
  EXPECT_EQ(Run(), 2);  // HEAD newNonce, newOrder
  clock_.Advance(kDirectoryMaxAge + std::chrono::seconds(1));
  EXPECT_EQ(Run(), 3);
}

TEST_F(CaSessionCacheTest, ARunThatFailsKeepsNothing) {
  Run();
  try {
    acme::Client client(ca_, clock_, ca_.directory_url());
    client.SetAccountKey(*key_, kid_);
    CaSessionCache session(fs_, layout_, clock_, client);
    throw Error("the run failed");
  } catch (const Error&) {
  }
  EXPECT_EQ(Run(), 3);
}

TEST_F(CaSessionCacheTest, ADamagedFileIsIgnored) {
  Run();
  for (const std::string& name :
       fs_.ListDir(layout_.work_dir + "/acme-session"))
    sys::WriteFileAtomic(fs_, layout_.work_dir + "/acme-session/" + name,
                         "{\"url\": 3", 0600);
  EXPECT_EQ(Run(), 3);
}

}  // namespace
}  // namespace certpilot::app
