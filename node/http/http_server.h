// kpnode's small HTTP side: GET /metrics (the registry in Prometheus text
// format 0.0.4) and GET /healthz (200 "ok\n" or 503 with the health
// callback's message); every other path is 404. Plain HTTP, meant for a
// scraper and a load balancer on a private interface.
//
// Ownership: the server borrows the registry, which must outlive it; it
// owns the health callback. Thread safety: requests are served on
// httplib's worker threads, so the health callback must be safe to call
// from any thread, concurrently. Start, port and Stop belong to the owner's
// thread.
#ifndef KPLEDGER_NODE_HTTP_HTTP_SERVER_H_
#define KPLEDGER_NODE_HTTP_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/http/metrics.h"

// Keeps httplib.h (and the OpenSSL, zlib and Brotli headers it pulls in)
// out of the files that include this one.
namespace httplib {
class Server;
}

namespace kpledger::node {

class HttpServer final {
 public:
  // Binds host:port before returning, so a port in use is reported here
  // (Unavailable), then serves on a background thread until Stop. Port 0
  // binds a free port; port() says which.
  // REQUIRES: registry != nullptr and outlives the server; health set.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& host, int port, MetricsRegistry* registry,
      std::function<absl::Status()> health);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // Stops.

  // The bound port (the chosen one when Start was given port 0).
  int port() const { return port_; }

  // Closes the listening socket, lets requests in flight finish and joins
  // the serving thread. Idempotent.
  void Stop();

 private:
  HttpServer(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  const int port_;
  std::thread serving_thread_;
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_HTTP_HTTP_SERVER_H_
