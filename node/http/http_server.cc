#include "node/http/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "ledger/base/thread_name.h"

namespace kpledger::node {
namespace {

// Scrapes and health probes are a few requests a minute: a small fixed
// pool keeps this side from taking cores from the ledger (httplib's
// default is at least 8 threads).
constexpr size_t kWorkerThreads = 2;
// Bounds how long a slow or silent client holds a worker, and so how long
// Stop waits for requests in flight.
constexpr time_t kReadWriteTimeoutSec = 2;

constexpr char kTextPlain[] = "text/plain; charset=utf-8";

// httplib's default socket options set SO_REUSEPORT on Linux, which lets a
// second server bind a port that is already serving (and the kernel share
// connections between them). SO_REUSEADDR alone still allows a quick
// restart over connections in TIME_WAIT but refuses a live port.
// (socket_t is httplib.h's global alias for a descriptor.)
void SetSocketOptions(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

void Configure(MetricsRegistry* registry, std::function<absl::Status()> health,
               httplib::Server* server) {
  server->new_task_queue = [] {
    return new httplib::ThreadPool(kWorkerThreads);
  };
  server->set_socket_options(SetSocketOptions);
  server->set_read_timeout(kReadWriteTimeoutSec);
  server->set_write_timeout(kReadWriteTimeoutSec);
  // One request per connection: a scraper every few seconds gains nothing
  // from keep-alive, and an idle kept-alive connection would hold a worker
  // and delay Stop by the keep-alive timeout.
  server->set_keep_alive_max_count(1);

  server->Get("/metrics",
              [registry](const httplib::Request&, httplib::Response& res) {
                res.set_content(registry->Render(), kPrometheusTextContentType);
              });
  server->Get("/healthz", [health = std::move(health)](const httplib::Request&,
                                                       httplib::Response& res) {
    const absl::Status status = health();
    if (status.ok()) {
      res.set_content("ok\n", kTextPlain);
      return;
    }
    res.status = 503;
    res.set_content(absl::StrCat(status.message(), "\n"), kTextPlain);
  });
  // Unmatched paths get httplib's 404 with an empty body.
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& host, int port, MetricsRegistry* registry,
    std::function<absl::Status()> health) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP port ", port, " is out of range 0..65535"));
  }
  auto server = std::make_unique<httplib::Server>();
  Configure(registry, std::move(health), server.get());

  // Bind here, on the caller's thread, so that a port in use is an error
  // of Start rather than a silent failure on the serving thread.
  const int bound = port == 0 ? server->bind_to_any_port(host)
                              : (server->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return absl::UnavailableError(absl::StrCat(
        "HTTP port ", host, ":", port, " is in use or cannot be bound"));
  }

  std::unique_ptr<HttpServer> http(new HttpServer(std::move(server), bound));
  httplib::Server* raw = http->server_.get();
  // Shared: the thread outlives this frame.
  auto returned = std::make_shared<std::atomic<bool>>(false);
  http->serving_thread_ = std::thread([raw, returned] {
    base::NameThisThread("kp-http");
    raw->listen_after_bind();
    *returned = true;
  });
  // httplib's stop() does nothing until the accept loop has started, so a
  // Stop right after Start could miss it and leave the thread serving.
  // Wait for the loop; the thread either starts it or returns at once, so
  // this ends within a scheduling delay.
  while (!raw->is_running() && !*returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!raw->is_running()) {
    http->serving_thread_.join();
    return absl::UnavailableError(absl::StrCat(
        "HTTP server on ", host, ":", bound, " stopped as soon as it started"));
  }
  return http;
}

void HttpServer::Stop() {
  if (!serving_thread_.joinable()) return;
  server_->stop();
  serving_thread_.join();
}

}  // namespace kpledger::node
