// The connection-serving core of the challenge responders (HTTP-01, RFC 8555
// §8.3; TLS-ALPN-01, RFC 8737): a TCP server that owns the sockets and one
// poll() thread, and leaves the protocol to a ConnectionHandler per
// connection (bytes in → bytes out, or close).
//
// Start() binds and listens, then one background thread runs a poll() loop
// over non-blocking sockets; Stop() (or the destructor) wakes it through a
// self-pipe, closes every socket and joins. The constructor does no I/O.
//
// Robustness, the same for every protocol:
//  - A connection is closed when it has read or written nothing for
//    idle_timeout, when the bytes its handler has not consumed yet (a
//    request still arriving) are older than request_timeout (slowloris),
//    and, if connection_timeout is set, that long after accept.
//  - At most max_connections are open: a new one evicts the connection that
//    has made no progress for longest, so a flood of idle or trickling
//    clients never stops the server from answering a fresh one. accept()
//    failing for lack of descriptors (EMFILE) evicts the same way.
//  - Nothing more is read from a client that does not read what it was
//    sent (output queued beyond a bound).
//  - Every write is send(MSG_NOSIGNAL): a peer that closes mid-write is an
//    EPIPE/ECONNRESET that closes its connection, never a SIGPIPE.
//  - After a handler asks to close, its output is sent, the write side is
//    shut down and what the client still sends is discarded briefly
//    (linger), so the close never turns into a reset that destroys the last
//    response in flight.
//
// Thread safety: port() may be called from any thread at any time. Start and
// Stop must not race each other. Handlers run on the loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.h"

namespace certpilot::solvers {

// Start() failed: the socket could not be created, bound or listened on, or
// the server is already running.
class ResponderError : public certpilot::Error {
 public:
  ResponderError(int port, const std::string& message)
      : Error(message), port_(port) {}
  int port() const { return port_; }

 private:
  int port_;
};

// The protocol's side of one connection. Created when the connection is
// accepted, destroyed when it closes (or starts lingering); only ever called
// on the loop thread, so it needs no locking of its own.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;

  struct Step {
    size_t consumed = 0;  // bytes of `input` used
    // Send what is in `output`, then close: nothing more is read.
    bool close = false;
  };
  // `input` holds the bytes received and not consumed yet (never empty).
  // Appends what to send to `output`. Consuming nothing without closing
  // means "read more"; OnInput is called again when more bytes arrive (or
  // when output queued earlier has drained). Must not block or throw.
  virtual Step OnInput(std::string_view input, std::string& output) = 0;
};

struct ConnectionServerOptions {
  // IP literal to listen on ("127.0.0.1", "::1", "[::1]"); never resolved.
  // "" = all addresses: [::] dual-stack (IPV6_V6ONLY=0), falling back to
  // 0.0.0.0 when IPv6 is unavailable.
  std::string address;
  int port = 0;  // 0 = an ephemeral port; see port()
  int max_connections = 4096;
  std::chrono::milliseconds idle_timeout{10'000};
  std::chrono::milliseconds request_timeout{10'000};
  // 0 = none.
  std::chrono::milliseconds connection_timeout{0};

  // For messages: "the <server_name> is already running", "cannot start the
  // <server_name>: ...".
  std::string server_name = "responder";
  // Appended to "cannot listen on port N (address): <errno text>" when the
  // port is taken (EADDRINUSE) or privileged (EACCES), e.g. "; stop the
  // process using it or use --webroot".
  std::string address_in_use_hint;
  std::string permission_hint;
};

class ConnectionServer {
 public:
  // Called on the loop thread for every accepted connection; nullptr
  // refuses it (it is closed at once).
  using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>()>;

  ConnectionServer(ConnectionServerOptions options, HandlerFactory factory);
  ~ConnectionServer();  // Stop()
  ConnectionServer(const ConnectionServer&) = delete;
  ConnectionServer& operator=(const ConnectionServer&) = delete;

  // Throws ResponderError when already running or when the port cannot be
  // listened on (the message names port, address, cause and the hint).
  // Start after Stop is allowed.
  void Start();
  // Idempotent; prompt even with connections open.
  void Stop();
  bool running() const;
  // REQUIRES: Start() succeeded. The ephemeral port when options.port was 0.
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certpilot::solvers
