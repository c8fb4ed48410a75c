#include "http/curl_http_client.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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
struct MultiDeleter {
  void operator()(CURLM* multi) const { Curl().multi_cleanup(multi); }
};

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

// One request in flight: its handle, what it points the handle at, and what
// the libcurl callbacks fill in. Never moved while the handle is in use (the
// handle holds pointers into it).
struct Transfer {
  bool is_head = false;
  size_t max_body_bytes = 0;
  bool over_cap = false;
  Response response;
  std::unique_ptr<CURL, EasyDeleter> easy;
  SlistPtr header_list;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURLcode result = CURLE_OK;
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
  // Made by the first request, which loads libcurl (curl_api.h). Every
  // transfer runs in this multi handle, so its connection cache keeps the
  // connection to the CA open from one request (and batch) to the next.
  std::unique_ptr<CURLM, MultiDeleter> multi;
  // Easy handles of finished transfers, reset and used again. Declared after
  // `multi`, so destroyed before it.
  std::vector<std::unique_ptr<CURL, EasyDeleter>> idle;
};

CurlHttpClient::CurlHttpClient(CurlOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

CurlHttpClient::~CurlHttpClient() = default;

namespace {

// PATCH, PUT and DELETE carry a body like POST (DNS provider APIs).
bool SendsBody(const Request& request) {
  return request.method == "POST" || request.method == "PATCH" ||
         request.method == "PUT" || request.method == "DELETE";
}

TransportError Failure(const Request& request, std::string_view cause) {
  return TransportError(request.url,
                        StripControl(request.method + " " + request.url + ": " +
                                     std::string(cause)));
}

// Refuses what must never reach libcurl; no I/O.
void Validate(const Request& request, const CurlOptions& options) {
  const std::string& url = request.url;
  // RFC 8555 §6.1: ACME is HTTPS only. Check before libcurl sees the URL.
  const bool https = HasScheme(url, "https");
  if (!https && !(!options.https_only && HasScheme(url, "http"))) {
    throw Failure(request,
                  options.https_only
                      ? "refusing a non-https URL"
                      : "only http:// and https:// URLs are supported");
  }
  // c_str() would cut it.
  if (HasForbiddenByte(url)) throw Failure(request, "invalid URL");
  if (request.method != "GET" && request.method != "HEAD" &&
      !SendsBody(request)) {
    throw Failure(request,
                  "unsupported method (GET, HEAD, POST, PATCH, PUT or DELETE)");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasForbiddenByte(name) || HasForbiddenByte(value) ||
        name.find(':') != std::string::npos) {
      throw Failure(request, "invalid request header \"" + name + "\"");
    }
  }
}

// Points t.easy (freshly reset) at `request`.
void Configure(const CurlApi& curl, const CurlOptions& options,
               const Request& request, Transfer& t) {
  auto append_header = [&](const std::string& line) {
    curl_slist* next = curl.slist_append(t.header_list.get(), line.c_str());
    if (next == nullptr) throw std::bad_alloc();
    (void)t.header_list.release();
    t.header_list.reset(next);
  };
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's spelling of a header with an empty value.
    append_header(value.empty() ? name + ";" : name + ": " + value);
  }
  if (SendsBody(request)) {
    // Send exactly what the caller asked for: no default form Content-Type,
    // no Expect: 100-continue round trip.
    if (!HeaderNamed(request.headers, "Content-Type"))
      append_header("Content-Type:");
    if (!HeaderNamed(request.headers, "Expect")) append_header("Expect:");
  }
  t.is_head = request.method == "HEAD";
  t.max_body_bytes = request.max_body_bytes;

  CURL* easy = t.easy.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    CURLcode result = SetOption(curl, easy, option, value);
    if (rc == CURLE_OK) rc = result;
  };
  const char* protocols = options.https_only ? "https" : "http,https";
  set(CURLOPT_URL, request.url.c_str());
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
  // Requests of one batch wait for the connection being made instead of each
  // opening its own: on HTTP/2 they become streams of that one connection.
  set(CURLOPT_PIPEWAIT, 1L);
  set(CURLOPT_USERAGENT, options.user_agent.empty()
                             ? kDefaultUserAgent
                             : options.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, t.header_list.get());
  set(CURLOPT_ERRORBUFFER, t.error_buffer);
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, &t);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, &t);
  if (t.is_head) {
    set(CURLOPT_NOBODY, 1L);
  } else if (SendsBody(request)) {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDSIZE_LARGE,
        static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST")
      set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else {
    set(CURLOPT_HTTPGET, 1L);
  }
  if (rc != CURLE_OK) {
    throw Failure(request, std::string("cannot configure libcurl: ") +
                               curl.easy_strerror(rc));
  }
}

}  // namespace

Response CurlHttpClient::Do(const Request& request) {
  return std::move(DoAll({request}).front());
}

std::vector<Response> CurlHttpClient::DoAll(
    const std::vector<Request>& requests) {
  if (requests.empty()) return {};
  for (const Request& request : requests) Validate(request, impl_->options);

  // Throws LibraryError (not a TransportError) when libcurl is missing.
  const CurlApi& curl = Curl();
  if (!impl_->multi) {
    impl_->multi.reset(curl.multi_init());
    if (!impl_->multi)
      throw Failure(requests.front(), "libcurl initialization failed");
    // Several requests to one origin share an HTTP/2 connection.
    curl.multi_setopt(impl_->multi.get(), CURLMOPT_PIPELINING,
                      static_cast<long>(CURLPIPE_MULTIPLEX));
  }
  CURLM* multi = impl_->multi.get();

  std::vector<std::unique_ptr<Transfer>> transfers;
  // Takes every handle out of the multi and back to the idle list, however
  // this function is left; the transfers they point into die with it.
  struct Detach {
    const CurlApi& curl;
    Impl& impl;
    std::vector<std::unique_ptr<Transfer>>& transfers;
    std::vector<bool> added;
    ~Detach() {
      for (size_t i = 0; i < transfers.size(); ++i) {
        CURL* easy = transfers[i]->easy.get();
        if (easy == nullptr) continue;
        if (i < added.size() && added[i])
          curl.multi_remove_handle(impl.multi.get(), easy);
        curl.easy_reset(easy);  // drops pointers into the transfer
        impl.idle.push_back(std::move(transfers[i]->easy));
      }
    }
  } detach{curl, *impl_, transfers, {}};

  for (const Request& request : requests) {
    auto t = std::make_unique<Transfer>();
    if (!impl_->idle.empty()) {
      t->easy = std::move(impl_->idle.back());
      impl_->idle.pop_back();
    } else {
      t->easy.reset(curl.easy_init());
      if (!t->easy) throw Failure(request, "libcurl initialization failed");
    }
    transfers.push_back(std::move(t));
    Configure(curl, impl_->options, request, *transfers.back());
  }
  for (size_t i = 0; i < transfers.size(); ++i) {
    CURLMcode mc = curl.multi_add_handle(multi, transfers[i]->easy.get());
    if (mc != CURLM_OK) throw Failure(requests[i], curl.multi_strerror(mc));
    detach.added.push_back(true);
  }

  int running = 0;
  do {
    CURLMcode mc = curl.multi_perform(multi, &running);
    if (mc == CURLM_OK && running > 0)
      mc = curl.multi_poll(multi, nullptr, 0, 1000, nullptr);
    if (mc != CURLM_OK)
      throw Failure(requests.front(), curl.multi_strerror(mc));
  } while (running > 0);
  int left = 0;
  while (CURLMsg* msg = curl.multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    for (auto& t : transfers)
      if (t->easy.get() == msg->easy_handle) t->result = msg->data.result;
  }

  std::vector<Response> responses(transfers.size());
  std::optional<TransportError> first_failure;
  for (size_t i = 0; i < transfers.size() && !first_failure; ++i) {
    Transfer& t = *transfers[i];
    if (t.over_cap) {
      first_failure =
          Failure(requests[i], "response body exceeds the limit of " +
                                   std::to_string(requests[i].max_body_bytes) +
                                   " bytes");
    } else if (t.result != CURLE_OK) {
      first_failure = Failure(requests[i], t.error_buffer[0] != '\0'
                                               ? t.error_buffer
                                               : curl.easy_strerror(t.result));
    } else {
      long status = 0;
      curl.easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &status);
      t.response.status = static_cast<int>(status);
      responses[i] = std::move(t.response);
    }
  }
  if (first_failure) throw *first_failure;
  return responses;
}

CurlPreload::CurlPreload()
    : thread_([] {
        try {
          Curl();
        } catch (const LibraryError&) {  // the first request reports it
        }
      }) {}

CurlPreload::~CurlPreload() { thread_.join(); }

}  // namespace certpilot::http
