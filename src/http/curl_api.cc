#include "http/curl_api.h"

#include <dlfcn.h>

#include <mutex>

namespace certpilot::http {
namespace {

// dlerror() text, or a fallback when there is none.
std::string LastDlError() {
  const char* text = dlerror();
  return text != nullptr ? text : "unknown error";
}

template <typename F>
void Resolve(void* handle, const std::string& library, const char* name,
             F* out) {
  (void)dlerror();  // clear a stale error so the one below is ours
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    throw LibraryError(library, library + " has no " + name + " (" +
                                    LastDlError() +
                                    "); install the libcurl4 package");
  }
  *out = reinterpret_cast<F>(symbol);
}

}  // namespace

CurlApi LoadCurlApi(const std::string& library) {
  // Never dlclose()d: see the header (and libcurl's TLS backend registers
  // process-wide state that must not be unmapped under it).
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw LibraryError(library, "cannot load " + library + ": " +
                                    LastDlError() +
                                    "; install the libcurl4 package");
  }
  CurlApi api;
  Resolve(handle, library, "curl_global_init", &api.global_init);
  Resolve(handle, library, "curl_easy_init", &api.easy_init);
  Resolve(handle, library, "curl_easy_cleanup", &api.easy_cleanup);
  Resolve(handle, library, "curl_easy_reset", &api.easy_reset);
  Resolve(handle, library, "curl_easy_setopt", &api.easy_setopt);
  Resolve(handle, library, "curl_easy_perform", &api.easy_perform);
  Resolve(handle, library, "curl_easy_getinfo", &api.easy_getinfo);
  Resolve(handle, library, "curl_easy_strerror", &api.easy_strerror);
  Resolve(handle, library, "curl_slist_append", &api.slist_append);
  Resolve(handle, library, "curl_slist_free_all", &api.slist_free_all);
  Resolve(handle, library, "curl_multi_init", &api.multi_init);
  Resolve(handle, library, "curl_multi_cleanup", &api.multi_cleanup);
  Resolve(handle, library, "curl_multi_setopt", &api.multi_setopt);
  Resolve(handle, library, "curl_multi_add_handle", &api.multi_add_handle);
  Resolve(handle, library, "curl_multi_remove_handle",
          &api.multi_remove_handle);
  Resolve(handle, library, "curl_multi_perform", &api.multi_perform);
  Resolve(handle, library, "curl_multi_poll", &api.multi_poll);
  Resolve(handle, library, "curl_multi_info_read", &api.multi_info_read);
  Resolve(handle, library, "curl_multi_strerror", &api.multi_strerror);
  return api;
}

const CurlApi& Curl() {
  static CurlApi api;
  static std::once_flag once;
  // call_once: curl_global_init is not thread-safe on every libcurl build,
  // and two threads may make their first request at once. If the lambda
  // throws, the flag stays unset and a later call retries. There is
  // deliberately no curl_global_cleanup: a handle may be in use until exit.
  std::call_once(once, [] {
    CurlApi loaded = LoadCurlApi(kCurlLibrary);
    if (loaded.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw LibraryError(kCurlLibrary, "libcurl global initialization failed");
    }
    api = loaded;
  });
  return api;
}

}  // namespace certpilot::http
