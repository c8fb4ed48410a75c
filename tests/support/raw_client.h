// A blocking loopback TCP client for the responder tests: every read has a
// deadline, so a broken server fails the test instead of hanging it. No
// sleeps. Not thread-safe (one thread may Send while another reads).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

namespace certpilot::testing {

class RawClient {
 public:
  explicit RawClient(int port, const char* ip = "127.0.0.1") {
    bool v6 = std::string_view(ip).find(':') != std::string_view::npos;
    fd_ = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    int rc;
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET6, ip, &a.sin6_addr);
      rc = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, ip, &a.sin_addr);
      rc = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    connected_ = rc == 0;
    EXPECT_TRUE(connected_) << "connect: " << strerror(errno);
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }
  // Closes with a reset (SO_LINGER 0) instead of a FIN.
  void Reset() {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (headers + Content-Length body; no body for HEAD).
  // Returns "" on EOF, error or deadline.
  std::string ReadResponse(
      bool head = false,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        size_t cl = buffer_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
          length = std::stoul(buffer_.substr(cl + 16));
        }
        size_t total = end + 4 + (head ? 0 : length);
        if (buffer_.size() >= total) {
          std::string response = buffer_.substr(0, total);
          buffer_.erase(0, total);
          return response;
        }
      }
      if (!ReadMore(deadline)) return "";
    }
  }

  // Reads through the next "\n" and returns that line with it; "" on EOF,
  // error or deadline.
  std::string ReadLine(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl + 1);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (!ReadMore(deadline)) return "";
    }
  }

  // True when the peer closes the connection before the deadline. Data that
  // arrives first is kept in the buffer.
  bool WaitForClose(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ReadMore(deadline)) {
    }
    return eof_;
  }

  const std::string& buffered() const { return buffer_; }

 private:
  bool ReadMore(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || eof_) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;  // EOF or reset: either way the server closed it
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

}  // namespace certpilot::testing
