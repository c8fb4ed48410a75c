// Shared by the solvers_*_test.cc integration tests: an ACME session against
// Pebble (acme::Client over the real curl client, a fresh account) that
// drives issuance::Obtain with the solver under test, and a tiny static HTTP
// server standing in for the web server of a webroot. Header-only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "acme/client.h"
#include "crypto/certificate.h"
#include "crypto/private_key.h"
#include "http/curl_http_client.h"
#include "issuance/obtain.h"
#include "support/pebble_fixture.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"
#include "util/clock.h"

namespace certpilot::testing {

// One account on Pebble and what it takes to order with it.
class AcmeSession {
 public:
  explicit AcmeSession(const PebbleFixture& pebble)
      : http_(Options(pebble)), client_(http_, clock_, pebble.directory_url()) {
    client_.SetAccountKey(crypto::PrivateKey::Generate({}));
    acme::NewAccountOptions account;
    account.terms_of_service_agreed = true;
    client_.NewAccount(account);
  }

  // Orders a certificate for `names` ("*.x" for a wildcard) with `solvers`.
  issuance::ObtainResult Obtain(
      const std::vector<std::string>& names,
      const std::vector<issuance::ChallengeSolver*>& solvers) {
    std::vector<acme::Identifier> identifiers;
    for (const std::string& n : names) identifiers.push_back({"dns", n});
    issuance::ObtainRequest request{
        identifiers, crypto::PrivateKey::Generate({}),
        solvers,     "",
        "",          "",
        false,       std::nullopt};
    acme::RetryPolicy policy;
    policy.poll_deadline = std::chrono::seconds(60);
    return issuance::Obtain(client_, clock_, request, policy);
  }

  Clock& clock() { return clock_; }

 private:
  static http::CurlOptions Options(const PebbleFixture& pebble) {
    http::CurlOptions o;
    o.ca_bundle = pebble.ca_bundle_path();
    return o;
  }

  SystemClock clock_;
  http::CurlHttpClient http_;
  acme::Client client_;
};

// Tests sharing one Pebble, with a scratch directory per test.
class PebbleSuite : public SharedPebbleTest<> {
 protected:
  TempDir dir_;
};

// The lines of a file (none if it is missing).
inline std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Writes an executable /bin/sh script (set -eu, then `body`) named `name`
// in `dir`; returns its path.
inline std::string Script(const TempDir& dir, const std::string& name,
                          const std::string& body) {
  const std::string path = dir / name;
  std::ofstream(path) << "#!/bin/sh\nset -eu\n" << body;
  ::chmod(path.c_str(), 0755);
  return path;
}

// Script lines for a manual dns-01 hook: set or clear the TXT record of the
// hook's CERTBOT_DOMAIN (to its CERTBOT_VALIDATION) in pebble-challtestsrv,
// through its management API at `mgmt`.
inline std::string ChalltestsrvSetTxt(const std::string& mgmt) {
  return "curl --noproxy '*' -sSf -X POST -d "
         "\"{\\\"host\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN.\\\","
         "\\\"value\\\":\\\"$CERTBOT_VALIDATION\\\"}\" '" +
         mgmt + "/set-txt'\n";
}
inline std::string ChalltestsrvClearTxt(const std::string& mgmt) {
  return "curl --noproxy '*' -sSf -X POST -d "
         "\"{\\\"host\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN.\\\"}\" '" +
         mgmt + "/clear-txt'\n";
}

// The DNS names of an issued certificate, sorted.
inline std::vector<std::string> CertNames(const std::string& cert_pem) {
  std::vector<std::string> names =
      crypto::Certificate::FromPem(cert_pem).DnsNames();
  std::sort(names.begin(), names.end());
  return names;
}

// Serves the files under `root` on 127.0.0.1:`port` over HTTP/1.x, one
// connection at a time (GET only, no "..", 404 otherwise), as the site's web
// server would serve a webroot. Records the paths asked for.
class StaticHttpServer {
 public:
  StaticHttpServer(std::string root, int port) : root_(std::move(root)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
            0 ||
        ::listen(listen_fd_, 64) != 0 || ::pipe2(wake_, O_CLOEXEC) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("StaticHttpServer: cannot listen on port " +
                               std::to_string(port));
    }
    thread_ = std::thread([this] { Loop(); });
  }
  ~StaticHttpServer() {
    [[maybe_unused]] ssize_t ignored = ::write(wake_[1], "x", 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  StaticHttpServer(const StaticHttpServer&) = delete;
  StaticHttpServer& operator=(const StaticHttpServer&) = delete;

  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (true) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(fd);
      ::close(fd);
    }
  }

  void Serve(int fd) {
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos && in.size() < 65536) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
    }
    std::istringstream line(in.substr(0, in.find("\r\n")));
    std::string method, path;
    line >> method >> path;
    {
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(path);
    }
    std::string status = "404 Not Found", body = "not found\n";
    if (method == "GET" && !path.empty() && path[0] == '/' &&
        path.find("..") == std::string::npos) {
      std::ifstream file(root_ + path, std::ios::binary);
      if (file) {
        std::stringstream ss;
        ss << file.rdbuf();
        status = "200 OK";
        body = ss.str();
      }
    }
    std::string out = "HTTP/1.1 " + status +
                      "\r\nContent-Type: text/plain\r\nContent-Length: " +
                      std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body;
    ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  std::string root_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
};

}  // namespace certpilot::testing
