#include "http/curl_http_client.h"

#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include "http/curl_api.h"
#include "util/strings.h"

namespace certpilot::http {
namespace {

#ifdef CERTPILOT_VERSION
constexpr char kDefaultUserAgent[] = "certpilot/" CERTPILOT_VERSION;
#else
constexpr char kDefaultUserAgent[] = "certpilot";
#endif

// Handles are only ever created after Curl() has loaded libcurl, so the
// deleters (which run only for non-null handles) can use its table.
struct EasyDeleter {
  void operator()(CURL* easy) const { Curl().easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { Curl().slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

bool HasScheme(std::string_view url, std::string_view scheme) {
  // Scheme comparison is case-insensitive (RFC 3986 §3.1).
  return url.size() > scheme.size() + 3 &&
         ToLower(url.substr(0, scheme.size())) == scheme &&
         url.substr(scheme.size(), 3) == "://";
}

bool HasForbiddenByte(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) !=
         std::string_view::npos;
}

bool HeaderNamed(const Headers& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (ToLower(header.first) == ToLower(name)) return true;
  }
  return false;
}

// Per-transfer state shared with the libcurl callbacks.
struct Transfer {
  bool is_head = false;
  size_t max_body_bytes = 0;
  bool over_cap = false;
  Response response;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (StartsWith(line, "HTTP/")) {
    // A status line starts a new response (after 1xx interim responses or a
    // proxy CONNECT): keep only the final response's headers.
    transfer->response.headers.clear();
    return n;
  }
  Headers& headers = transfer->response.headers;
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    // Obsolete line folding (RFC 9112 §5.2): continue the previous value.
    std::string_view more = Trim(line);
    if (!headers.empty() && !more.empty()) {
      std::string& value = headers.back().second;
      if (!value.empty()) value += ' ';
      value.append(more);
    }
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // blank/junk
  std::string name(line.substr(0, colon));
  std::string value(Trim(line.substr(colon + 1)));
  if (!transfer->is_head && ToLower(name) == "content-length") {
    // Refuse an announced oversize body before reading any of it.
    uint64_t length = 0;
    bool numeric = !value.empty();
    for (char c : value) {
      if (c < '0' || c > '9' ||
          length > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
        numeric = false;
        break;
      }
      length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    if (numeric && length > transfer->max_body_bytes) {
      transfer->over_cap = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return n;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string& body = transfer->response.body;
  if (n > transfer->max_body_bytes - body.size()) {
    transfer->over_cap = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  body.append(data, n);
  return n;
}

// libcurl reads each option's value with va_arg as a long, a curl_off_t or a
// pointer. Calls through CurlApi's function pointer skip curl's compile-time
// checks (typecheck-gcc.h), so keep the one that matters: an int or a bool
// would be read as a long from a slot whose upper half is garbage.
template <typename T>
CURLcode SetOption(const CurlApi& curl, CURL* easy, CURLoption option,
                   T value) {
  static_assert(std::is_same_v<T, long> || std::is_same_v<T, curl_off_t> ||
                    std::is_pointer_v<T>,
                "curl_easy_setopt takes long, curl_off_t or a pointer");
  return curl.easy_setopt(easy, option, value);
}

}  // namespace

struct CurlHttpClient::Impl {
  CurlOptions options;
  // Made by the first Do(), which loads libcurl (curl_api.h).
  std::unique_ptr<CURL, EasyDeleter> easy;
};

CurlHttpClient::CurlHttpClient(CurlOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

CurlHttpClient::~CurlHttpClient() = default;

Response CurlHttpClient::Do(const Request& request) {
  const CurlOptions& options = impl_->options;
  const std::string& url = request.url;
  auto fail = [&](std::string_view cause) {
    return TransportError(url, StripControl(request.method + " " + url + ": " +
                                            std::string(cause)));
  };

  // RFC 8555 §6.1: ACME is HTTPS only. Check before libcurl sees the URL.
  const bool https = HasScheme(url, "https");
  if (!https && !(!options.https_only && HasScheme(url, "http"))) {
    throw fail(options.https_only
                   ? "refusing a non-https URL"
                   : "only http:// and https:// URLs are supported");
  }
  if (HasForbiddenByte(url)) throw fail("invalid URL");  // c_str() would cut it
  const bool is_head = request.method == "HEAD";
  if (request.method != "GET" && !is_head && request.method != "POST") {
    throw fail("unsupported method (GET, HEAD or POST only)");
  }

  // Throws LibraryError (not a TransportError) when libcurl is missing.
  const CurlApi& curl = Curl();
  if (!impl_->easy) {
    impl_->easy.reset(curl.easy_init());
    if (!impl_->easy) throw fail("libcurl initialization failed");
  }

  SlistPtr header_list;
  auto append_header = [&](const std::string& line) {
    curl_slist* next = curl.slist_append(header_list.get(), line.c_str());
    if (next == nullptr) throw std::bad_alloc();
    (void)header_list.release();
    header_list.reset(next);
  };
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasForbiddenByte(name) || HasForbiddenByte(value) ||
        name.find(':') != std::string::npos) {
      throw fail("invalid request header \"" + name + "\"");
    }
    // "Name;" is libcurl's spelling of a header with an empty value.
    append_header(value.empty() ? name + ";" : name + ": " + value);
  }
  if (request.method == "POST") {
    // Send exactly what the caller asked for: no default form Content-Type,
    // no Expect: 100-continue round trip.
    if (!HeaderNamed(request.headers, "Content-Type"))
      append_header("Content-Type:");
    if (!HeaderNamed(request.headers, "Expect")) append_header("Expect:");
  }

  Transfer transfer;
  transfer.is_head = is_head;
  transfer.max_body_bytes = request.max_body_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};

  // Reset clears every option from the previous request but keeps the
  // connection cache, so keep-alive connections are reused.
  CURL* easy = impl_->easy.get();
  curl.easy_reset(easy);
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    CURLcode result = SetOption(curl, easy, option, value);
    if (rc == CURLE_OK) rc = result;
  };
  const char* protocols = options.https_only ? "https" : "http,https";
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, protocols);
  set(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_bundle.empty()) {
    set(CURLOPT_CAINFO, options.ca_bundle.c_str());
  }
  if (!options.client_cert.empty()) {
    set(CURLOPT_SSLCERT, options.client_cert.c_str());
    set(CURLOPT_SSLKEY, options.client_key.c_str());
  }
  set(CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(options.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  set(CURLOPT_NOSIGNAL, 1L);  // threads, no SIGALRM
  set(CURLOPT_USERAGENT, options.user_agent.empty()
                             ? kDefaultUserAgent
                             : options.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, header_list.get());
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, &transfer);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, &transfer);
  if (is_head) {
    set(CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST") {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDSIZE_LARGE,
        static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.data());
  } else {
    set(CURLOPT_HTTPGET, 1L);
  }
  if (rc != CURLE_OK) {
    throw fail(std::string("cannot configure libcurl: ") +
               curl.easy_strerror(rc));
  }

  rc = curl.easy_perform(easy);
  // The handle outlives this call: drop pointers to locals it still holds.
  SetOption(curl, easy, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
  SetOption(curl, easy, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  if (transfer.over_cap) {
    throw fail("response body exceeds the limit of " +
               std::to_string(request.max_body_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    throw fail(error_buffer[0] != '\0' ? error_buffer : curl.easy_strerror(rc));
  }
  long status = 0;
  curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

}  // namespace certpilot::http
