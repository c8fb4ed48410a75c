#include "solvers/ldns_dns_client.h"

#include "util/c_ptr.h"

// Before ldns: without __bool_true_false_are_defined its common.h would
// #define bool, true and false. (CMakeLists.txt compiles this file without
// OPENSSL_NO_DEPRECATED: ldns's headers name OpenSSL's RSA and DSA types.)
// clang-format off
#include <stdbool.h>
#include <ldns/ldns.h>
// clang-format on

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "solvers/dns01.h"
#include "solvers/dns_types.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

// RAII for ldns objects.
template <typename T, auto Free>
using LdnsPtr = CPtr<T, Free>;
using PktPtr = LdnsPtr<ldns_pkt, ldns_pkt_free>;
using RdfPtr = LdnsPtr<ldns_rdf, ldns_rdf_deep_free>;
using RrPtr = LdnsPtr<ldns_rr, ldns_rr_free>;
using RrListPtr = LdnsPtr<ldns_rr_list, ldns_rr_list_deep_free>;
using BufferPtr = LdnsPtr<ldns_buffer, ldns_buffer_free>;
struct MallocFree {
  void operator()(uint8_t* p) const { std::free(p); }
};

constexpr std::uint16_t kTsigFudgeSeconds = 300;  // RFC 8945 §10
constexpr int kMaxCnameHops = 8;

const char* AlgorithmDname(TsigAlgorithm a) {
  switch (a) {
    case TsigAlgorithm::kHmacMd5:
      return "hmac-md5.sig-alg.reg.int.";
    case TsigAlgorithm::kHmacSha1:
      return "hmac-sha1.";
    case TsigAlgorithm::kHmacSha256:
      return "hmac-sha256.";
    case TsigAlgorithm::kHmacSha512:
      return "hmac-sha512.";
  }
  return "hmac-sha256.";
}

std::string TsigErrorName(int error) {
  switch (error) {
    case 16:
      return "BADSIG";
    case 17:
      return "BADKEY";
    case 18:
      return "BADTIME";
    case 22:
      return "BADTRUNC";
  }
  return std::to_string(error);
}

RdfPtr Dname(const std::string& name) {
  RdfPtr rdf(ldns_dname_new_frm_str(Fqdn(name).c_str()));
  if (!rdf) throw DnsError("not a valid DNS name: " + StripControl(name));
  return rdf;
}

// The TXT RDATA for `value`: character-strings of at most 255 bytes.
void PushTxtRdata(ldns_rr* rr, const std::string& value) {
  size_t pos = 0;
  do {
    size_t len = std::min<size_t>(255, value.size() - pos);
    std::string wire(1, static_cast<char>(len));
    wire.append(value, pos, len);
    ldns_rdf* rdf =
        ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, wire.size(), wire.data());
    if (!rdf || !ldns_rr_push_rdf(rr, rdf)) {
      ldns_rdf_deep_free(rdf);
      throw DnsError("out of memory building a TXT record");
    }
    pos += len;
  } while (pos < value.size());
}

// A TXT record's character-strings, concatenated (RFC 8555 §8.4 values fit
// in one; longer ones are split by whoever published them).
std::string TxtValue(const ldns_rr* rr) {
  std::string out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    const uint8_t* data = ldns_rdf_data(rdf);
    size_t size = ldns_rdf_size(rdf);
    if (size == 0) continue;
    size_t len = std::min<size_t>(data[0], size - 1);
    out.append(reinterpret_cast<const char*>(data + 1), len);
  }
  return out;
}

bool SameName(const ldns_rdf* a, const ldns_rdf* b) {
  return ldns_dname_compare(a, b) == 0;
}

struct Sockaddr {
  sockaddr_storage storage{};
  socklen_t len = 0;
};

Sockaddr ToSockaddr(const DnsServerAddress& server) {
  Sockaddr out;
  auto* a4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET, server.ip.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(server.port);
    out.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, server.ip.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(server.port);
    out.len = sizeof(sockaddr_in6);
  } else {
    throw DnsError("not an IP address: " + StripControl(server.ip));
  }
  return out;
}

struct Reply {
  PktPtr pkt;
  std::unique_ptr<uint8_t, MallocFree> wire;
  size_t wire_size = 0;
};

class Exchanger {
 public:
  explicit Exchanger(const LdnsDnsClientOptions& options) : options_(options) {}

  std::string Server() const { return options_.server.ToString(); }

  // Sends `query` once over TCP, or over UDP (up to udp_tries times, then
  // TCP if the answer was truncated). Checks the ID, and the question when
  // `question` is set.
  Reply Exchange(ldns_pkt* query, bool tcp, const std::string& what) const {
    if (!tcp) {
      std::string last_error;
      for (int attempt = 0; attempt < std::max(1, options_.udp_tries);
           ++attempt) {
        try {
          Reply r = SendOnce(query, false, what);
          if (ldns_pkt_tc(r.pkt.get())) return SendOnce(query, true, what);
          return r;
        } catch (const DnsError& e) {
          if (e.rcode()) throw;
          last_error = e.what();
        }
      }
      throw DnsError(last_error);
    }
    return SendOnce(query, true, what);
  }

  void Sign(ldns_pkt* pkt) const {
    const TsigKey& key = *options_.tsig;
    ldns_status s = ldns_pkt_tsig_sign(pkt, Fqdn(key.name).c_str(),
                                       key.secret.c_str(), kTsigFudgeSeconds,
                                       AlgorithmDname(key.algorithm), nullptr);
    if (s != LDNS_STATUS_OK) {
      throw DnsError("cannot TSIG-sign a DNS message with key " +
                     StripControl(key.name) + ": " +
                     ldns_get_errorstr_by_id(s) +
                     " (is dns_rfc2136_secret valid base64?)");
    }
  }

  // A successful answer to a signed message must carry a valid TSIG made
  // with the same key (RFC 8945 §5.3).
  void Verify(ldns_pkt* query, Reply& reply, const std::string& what) const {
    ldns_rr* query_tsig = ldns_pkt_tsig(query);
    if (!query_tsig) return;
    const TsigKey& key = *options_.tsig;
    if (!ldns_pkt_tsig(reply.pkt.get())) {
      throw DnsError(what + ": the answer from " + Server() +
                     " is not TSIG-signed");
    }
    if (!ldns_pkt_tsig_verify(reply.pkt.get(), reply.wire.get(),
                              reply.wire_size, Fqdn(key.name).c_str(),
                              key.secret.c_str(), ldns_rr_rdf(query_tsig, 3))) {
      throw DnsError(what + ": the answer from " + Server() +
                     " failed TSIG verification with key " +
                     StripControl(key.name));
    }
  }

  // " (TSIG error BADSIG)" when the answer's TSIG carries an error.
  static std::string TsigErrorNote(const ldns_pkt* pkt) {
    const ldns_rr* tsig = ldns_pkt_tsig(pkt);
    if (!tsig || ldns_rr_rd_count(tsig) < 6) return "";
    int error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
    if (error == 0) return "";
    return " (TSIG error " + TsigErrorName(error) + ")";
  }

 private:
  Reply SendOnce(ldns_pkt* query, bool tcp, const std::string& what) const {
    BufferPtr buffer(ldns_buffer_new(LDNS_MIN_BUFLEN));
    if (!buffer || ldns_pkt2buffer_wire(buffer.get(), query) != LDNS_STATUS_OK)
      throw DnsError(what + ": cannot encode the DNS message");
    Sockaddr to = ToSockaddr(options_.server);
    const auto ms = options_.timeout.count();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    uint8_t* raw = nullptr;
    size_t size = 0;
    ldns_status s =
        tcp ? ldns_tcp_send(&raw, buffer.get(), &to.storage, to.len, tv, &size)
            : ldns_udp_send(&raw, buffer.get(), &to.storage, to.len, tv, &size);
    Reply reply;
    reply.wire.reset(raw);
    reply.wire_size = size;
    if (s != LDNS_STATUS_OK || !raw || size == 0) {
      throw DnsError(what + ": no answer from " + Server() + " over " +
                     (tcp ? "TCP" : "UDP") + " within " + std::to_string(ms) +
                     " ms (" + ldns_get_errorstr_by_id(s) + ")");
    }
    ldns_pkt* pkt = nullptr;
    s = ldns_wire2pkt(&pkt, raw, size);
    reply.pkt.reset(pkt);
    if (s != LDNS_STATUS_OK || !pkt) {
      throw DnsError(what + ": malformed answer from " + Server() + " (" +
                     ldns_get_errorstr_by_id(s) + ")");
    }
    if (ldns_pkt_id(pkt) != ldns_pkt_id(query) || !ldns_pkt_qr(pkt)) {
      throw DnsError(what + ": " + Server() +
                     " answered with a mismatched message ID");
    }
    return reply;
  }

  const LdnsDnsClientOptions& options_;
};

// The answer's question must be the one asked (RFC 1035 §7.3).
void CheckQuestion(const ldns_pkt* answer, const ldns_rdf* name,
                   ldns_rr_type type, const std::string& what,
                   const std::string& server) {
  const ldns_rr_list* q = ldns_pkt_question(answer);
  if (!q || ldns_rr_list_rr_count(q) != 1 ||
      !SameName(ldns_rr_owner(ldns_rr_list_rr(q, 0)), name) ||
      ldns_rr_get_type(ldns_rr_list_rr(q, 0)) != type) {
    throw DnsError(what + ": " + server +
                   " answered a different question than was asked");
  }
}

PktPtr NewQuery(const ldns_rdf* name, ldns_rr_type type, bool recursion) {
  PktPtr q(ldns_pkt_query_new(ldns_rdf_clone(name), type, LDNS_RR_CLASS_IN,
                              recursion ? LDNS_RD : 0));
  if (!q) throw DnsError("out of memory building a DNS query");
  ldns_pkt_set_random_id(q.get());
  return q;
}

// Sends a query for (`qname`, `type`) through `ex` and checks the answer:
// it is for that question, its RCODE is NOERROR or NXDOMAIN (others throw
// DnsError naming `what` and the server) and, when signed, its TSIG.
Reply AskChecked(const LdnsDnsClientOptions& options, Exchanger& ex,
                 const ldns_rdf* qname, ldns_rr_type type,
                 const std::string& what) {
  PktPtr query = NewQuery(qname, type, true);
  if (options.sign_queries && options.tsig) ex.Sign(query.get());
  Reply reply = ex.Exchange(query.get(), false, what);
  ldns_pkt* answer = reply.pkt.get();
  CheckQuestion(answer, qname, type, what, ex.Server());
  const int rcode = ldns_pkt_get_rcode(answer);
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    throw DnsError(what + ": " + ex.Server() + " answered " + RcodeName(rcode) +
                       Exchanger::TsigErrorNote(answer),
                   rcode);
  }
  ex.Verify(query.get(), reply, what);
  return reply;
}

// The first RDATA field, as text, of each answer record of `type` owned by
// `name`; empty for NXDOMAIN or no such records. Other RCODEs throw.
std::vector<std::string> QueryRdata(const LdnsDnsClientOptions& options,
                                    const std::string& name, ldns_rr_type type,
                                    const std::string& type_name) {
  const std::string what = type_name + " query for " + StripControl(Fqdn(name));
  Exchanger ex(options);
  RdfPtr qname = Dname(name);
  Reply reply = AskChecked(options, ex, qname.get(), type, what);
  ldns_pkt* answer = reply.pkt.get();
  std::vector<std::string> out;
  const ldns_rr_list* rrs = ldns_pkt_answer(answer);
  for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) < 1 ||
        !SameName(ldns_rr_owner(rr), qname.get()))
      continue;
    char* text = ldns_rdf2str(ldns_rr_rdf(rr, 0));
    if (!text) throw DnsError("out of memory reading a " + type_name);
    out.emplace_back(text);
    std::free(text);
  }
  return out;
}

}  // namespace

LdnsDnsClient::LdnsDnsClient(LdnsDnsClientOptions options)
    : options_(std::move(options)) {}

std::string LdnsDnsClient::Describe() const {
  return options_.server.ToString();
}

std::vector<std::string> LdnsDnsClient::QueryTxt(const std::string& name) {
  const std::string what = "TXT query for " + StripControl(Fqdn(name));
  Exchanger ex(options_);
  RdfPtr qname = Dname(name);
  Reply reply = AskChecked(options_, ex, qname.get(), LDNS_RR_TYPE_TXT, what);
  ldns_pkt* answer = reply.pkt.get();
  const int rcode = ldns_pkt_get_rcode(answer);
  std::vector<std::string> values;
  if (rcode == LDNS_RCODE_NXDOMAIN) return values;
  const ldns_rr_list* rrs = ldns_pkt_answer(answer);
  const ldns_rdf* current = qname.get();
  for (int hop = 0; hop <= kMaxCnameHops && rrs; ++hop) {
    const ldns_rdf* cname = nullptr;
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
      if (!SameName(ldns_rr_owner(rr), current)) continue;
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT) {
        values.push_back(TxtValue(rr));
      } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
                 ldns_rr_rd_count(rr) == 1) {
        cname = ldns_rr_rdf(rr, 0);
      }
    }
    if (!values.empty() || !cname) break;
    current = cname;
  }
  return values;
}

std::optional<std::string> LdnsDnsClient::QueryCname(const std::string& name) {
  std::vector<std::string> targets =
      QueryRdata(options_, name, LDNS_RR_TYPE_CNAME, "CNAME");
  if (targets.empty()) return std::nullopt;
  return Fqdn(ToLower(targets.front()));
}

std::vector<std::string> LdnsDnsClient::QueryNs(const std::string& zone) {
  std::vector<std::string> out;
  for (const std::string& ns :
       QueryRdata(options_, zone, LDNS_RR_TYPE_NS, "NS"))
    out.push_back(Fqdn(ToLower(ns)));
  return out;
}

std::vector<std::string> LdnsDnsClient::QueryAddresses(
    const std::string& host) {
  std::vector<std::string> out =
      QueryRdata(options_, host, LDNS_RR_TYPE_A, "A");
  for (const std::string& a :
       QueryRdata(options_, host, LDNS_RR_TYPE_AAAA, "AAAA"))
    out.push_back(a);
  return out;
}

std::string LdnsDnsClient::FindZone(const std::string& name) {
  Exchanger ex(options_);
  std::string current = ToLower(Fqdn(name));
  std::vector<std::string> tried;
  while (current != ".") {
    tried.push_back(current);
    const std::string what = "SOA query for " + StripControl(current);
    RdfPtr qname = Dname(current);
    PktPtr query = NewQuery(qname.get(), LDNS_RR_TYPE_SOA, false);
    if (options_.sign_queries && options_.tsig) ex.Sign(query.get());
    Reply reply;
    try {
      reply = ex.Exchange(query.get(), true, what);
    } catch (const DnsError& e) {
      if (e.rcode()) throw;
      // certbot falls back to UDP when TCP fails; so do we.
      reply = ex.Exchange(query.get(), false, what);
    }
    ldns_pkt* answer = reply.pkt.get();
    CheckQuestion(answer, qname.get(), LDNS_RR_TYPE_SOA, what, ex.Server());
    if (ldns_pkt_get_rcode(answer) == LDNS_RCODE_NOERROR &&
        ldns_pkt_aa(answer)) {
      const ldns_rr_list* rrs = ldns_pkt_answer(answer);
      for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
            SameName(ldns_rr_owner(rr), qname.get())) {
          ex.Verify(query.get(), reply, what);
          return current;
        }
      }
    }
    size_t dot = current.find('.');
    current = current.substr(dot + 1);
    if (current.empty()) current = ".";
  }
  throw DnsError("cannot find the DNS zone of " + StripControl(Fqdn(name)) +
                 ": " + ex.Server() +
                 " is not authoritative (no SOA with the AA flag) for any of " +
                 StripControl(Join(tried, ", ")));
}

namespace {

void SendUpdate(const LdnsDnsClientOptions& options, const std::string& zone,
                const std::string& name, const std::string& value,
                std::uint32_t ttl, bool add) {
  const std::string what =
      std::string("RFC 2136 update of zone ") + StripControl(Fqdn(zone)) +
      " (" + (add ? "add" : "delete") + " TXT \"" + StripControl(value) +
      "\" at " + StripControl(Fqdn(name)) + ")";
  Exchanger ex(options);
  RdfPtr zone_name = Dname(zone);
  RrPtr rr(ldns_rr_new());
  if (!rr) throw DnsError("out of memory building a DNS update");
  ldns_rr_set_owner(rr.get(), Dname(name).release());
  ldns_rr_set_type(rr.get(), LDNS_RR_TYPE_TXT);
  // §2.5.1 adds with class IN and a TTL; §2.5.4 deletes one RR with class
  // NONE and TTL 0, the RDATA naming the record.
  ldns_rr_set_class(rr.get(), add ? LDNS_RR_CLASS_IN : LDNS_RR_CLASS_NONE);
  ldns_rr_set_ttl(rr.get(), add ? ttl : 0);
  PushTxtRdata(rr.get(), value);
  RrListPtr updates(ldns_rr_list_new());
  if (!updates || !ldns_rr_list_push_rr(updates.get(), rr.get()))
    throw DnsError("out of memory building a DNS update");
  rr.release();  // owned by `updates` now
  PktPtr update(ldns_update_pkt_new(ldns_rdf_clone(zone_name.get()),
                                    LDNS_RR_CLASS_IN, nullptr, updates.get(),
                                    nullptr));
  if (!update) throw DnsError(what + ": cannot build the message");
  ldns_pkt_set_rd(update.get(), false);
  ldns_pkt_set_random_id(update.get());
  if (options.tsig) ex.Sign(update.get());
  Reply reply = ex.Exchange(update.get(), true, what);
  const int rcode = ldns_pkt_get_rcode(reply.pkt.get());
  if (rcode != LDNS_RCODE_NOERROR) {
    std::string hint;
    if (rcode == LDNS_RCODE_NOTAUTH)
      hint = "; check dns_rfc2136_name, _secret and _algorithm";
    else if (rcode == LDNS_RCODE_REFUSED)
      hint = "; the server does not allow this key to update the zone";
    throw DnsError(what + " failed: " + ex.Server() + " answered " +
                       RcodeName(rcode) +
                       Exchanger::TsigErrorNote(reply.pkt.get()) + hint,
                   rcode);
  }
  ex.Verify(update.get(), reply, what);
}

}  // namespace

void LdnsDnsClient::AddTxt(const std::string& zone, const std::string& name,
                           const std::string& value, std::uint32_t ttl) {
  SendUpdate(options_, zone, name, value, ttl, true);
}

void LdnsDnsClient::DeleteTxt(const std::string& zone, const std::string& name,
                              const std::string& value) {
  SendUpdate(options_, zone, name, value, 0, false);
}

}  // namespace certpilot::solvers
