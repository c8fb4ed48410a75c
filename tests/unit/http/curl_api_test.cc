// The run-time loader of libcurl: a missing library or function is a clear
// LibraryError naming it and the package to install; loading again (or from
// several threads at once) is harmless and yields the same functions.
#include "http/curl_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace certpilot::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

void ExpectComplete(const CurlApi& api) {
  EXPECT_NE(api.global_init, nullptr);
  EXPECT_NE(api.easy_init, nullptr);
  EXPECT_NE(api.easy_cleanup, nullptr);
  EXPECT_NE(api.easy_reset, nullptr);
  EXPECT_NE(api.easy_setopt, nullptr);
  EXPECT_NE(api.easy_perform, nullptr);
  EXPECT_NE(api.easy_getinfo, nullptr);
  EXPECT_NE(api.easy_strerror, nullptr);
  EXPECT_NE(api.slist_append, nullptr);
  EXPECT_NE(api.slist_free_all, nullptr);
  EXPECT_NE(api.multi_init, nullptr);
  EXPECT_NE(api.multi_cleanup, nullptr);
  EXPECT_NE(api.multi_setopt, nullptr);
  EXPECT_NE(api.multi_add_handle, nullptr);
  EXPECT_NE(api.multi_remove_handle, nullptr);
  EXPECT_NE(api.multi_perform, nullptr);
  EXPECT_NE(api.multi_poll, nullptr);
  EXPECT_NE(api.multi_info_read, nullptr);
  EXPECT_NE(api.multi_strerror, nullptr);
}

TEST(CurlApiTest, MissingLibraryIsAClearError) {
  const std::string missing = "libcurl-certpilot-missing.so.4";
  try {
    LoadCurlApi(missing);
    FAIL() << "loaded a library that does not exist";
  } catch (const LibraryError& e) {
    EXPECT_EQ(e.library(), missing);
    EXPECT_THAT(e.what(), StartsWith("cannot load " + missing + ": "));
    // dlerror's own words say why.
    EXPECT_THAT(e.what(), HasSubstr("No such file"));
    EXPECT_THAT(e.what(), HasSubstr("; install the libcurl4 package"));
  }
}

TEST(CurlApiTest, LibraryWithoutCurlFunctionsIsRefusedByName) {
  // libc is always there and has none of them.
  try {
    LoadCurlApi("libc.so.6");
    FAIL() << "libc passed for libcurl";
  } catch (const LibraryError& e) {
    EXPECT_EQ(e.library(), "libc.so.6");
    EXPECT_THAT(e.what(), StartsWith("libc.so.6 has no curl_global_init ("));
    EXPECT_THAT(e.what(), HasSubstr("install the libcurl4 package"));
  }
}

TEST(CurlApiTest, LoadingTwiceGivesTheSameFunctions) {
  CurlApi first = LoadCurlApi(kCurlLibrary);
  CurlApi second = LoadCurlApi(kCurlLibrary);
  ExpectComplete(first);
  EXPECT_EQ(first.easy_init, second.easy_init);
  EXPECT_EQ(first.easy_setopt, second.easy_setopt);
  EXPECT_EQ(first.slist_free_all, second.slist_free_all);
}

TEST(CurlApiTest, ProcessTableIsLoadedOnceAndWorks) {
  // First use from several threads at once: one load, one global init, the
  // same table for all.
  std::vector<const CurlApi*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (auto& slot : seen) threads.emplace_back([&slot] { slot = &Curl(); });
  for (auto& t : threads) t.join();
  for (const CurlApi* api : seen) EXPECT_EQ(api, &Curl());
  const CurlApi& curl = Curl();
  ExpectComplete(curl);
  EXPECT_EQ(curl.easy_init, LoadCurlApi(kCurlLibrary).easy_init);

  // The functions are libcurl's: a handle can be made, set up and freed.
  CURL* easy = curl.easy_init();
  ASSERT_NE(easy, nullptr);
  EXPECT_EQ(curl.easy_setopt(easy, CURLOPT_TIMEOUT_MS, 1000L), CURLE_OK);
  curl.easy_cleanup(easy);
  EXPECT_STREQ(curl.easy_strerror(CURLE_OK), "No error");
}

}  // namespace
}  // namespace certpilot::http
