// libcurl, bound when first needed instead of when certpilot starts.
//
// Why: Debian's libcurl4 drags in some 27 shared libraries (nghttp2, ssh,
// LDAP, Kerberos, IDN, ...). Linked normally, the dynamic loader maps and
// relocates all of them at every start, which cost about 5 ms of CPU even for
// `certpilot --version` or `certificates`, neither of which talks to a CA. So
// certpilot does not link libcurl: the first request made by a
// CurlHttpClient dlopen()s it and resolves exactly the functions in CurlApi.
// <curl/curl.h> is still included, for types and constants only (they are
// fixed by libcurl's ABI, soname libcurl.so.4).
//
// Internal to http/: only curl_http_client.cc (and its tests) use this.
//
// Thread safety: Curl() may be called from any thread; the table it returns
// is immutable and never unloaded (libcurl and the TLS library under it must
// stay mapped while any handle exists, and certpilot keeps handles until
// exit).
#pragma once

#include <curl/curl.h>

#include <string>

#include "util/error.h"

namespace certpilot::http {

// The library Curl() loads, by soname (Debian package libcurl4).
inline constexpr char kCurlLibrary[] = "libcurl.so.4";

// libcurl could not be loaded or lacks a function certpilot calls. Not a
// TransportError: no retry can help, the installation must be fixed. The
// message says which library, why, and what to install.
class LibraryError : public Error {
 public:
  LibraryError(const std::string& library, const std::string& message)
      : Error(message), library_(library) {}
  const std::string& library() const { return library_; }

 private:
  std::string library_;
};

// Exactly the libcurl functions CurlHttpClient calls, with libcurl's own
// signatures. easy_setopt and easy_getinfo are variadic as in C: pass long,
// curl_off_t, pointers or callbacks, never int or bool.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
  // The multi interface: concurrent transfers sharing connections
  // (HttpClient::DoAll).
  decltype(&curl_multi_init) multi_init = nullptr;
  decltype(&curl_multi_cleanup) multi_cleanup = nullptr;
  decltype(&curl_multi_setopt) multi_setopt = nullptr;
  decltype(&curl_multi_add_handle) multi_add_handle = nullptr;
  decltype(&curl_multi_remove_handle) multi_remove_handle = nullptr;
  decltype(&curl_multi_perform) multi_perform = nullptr;
  decltype(&curl_multi_poll) multi_poll = nullptr;
  decltype(&curl_multi_info_read) multi_info_read = nullptr;
  decltype(&curl_multi_strerror) multi_strerror = nullptr;
};

// dlopen()s `library` (RTLD_NOW | RTLD_LOCAL: its symbols do not leak into
// the global namespace) and resolves every CurlApi function in it. Does not
// call curl_global_init and caches nothing; the library stays loaded.
// Loading the same library again is harmless and gives the same pointers.
// Throws LibraryError: "cannot load L: <dlerror>; install the libcurl4
// package" or "L has no F: ...".
CurlApi LoadCurlApi(const std::string& library);

// The process-wide table for kCurlLibrary: on the first call loads it
// (LoadCurlApi) and runs curl_global_init once; later calls return the same
// table without locking beyond std::call_once. Throws LibraryError when
// loading or global initialization fails; the next call then tries again.
const CurlApi& Curl();

}  // namespace certpilot::http
