#include "node/http/http_server.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "node/http/metrics.h"

namespace kpledger::node {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kHost[] = "127.0.0.1";

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = StartOn(0);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    ASSERT_GT(server_->port(), 0);
  }

  absl::StatusOr<std::unique_ptr<HttpServer>> StartOn(int port) {
    return HttpServer::Start(kHost, port, &registry_, [this] {
      absl::MutexLock lock(&mu_);
      return health_;
    });
  }

  void SetHealth(absl::Status status) {
    absl::MutexLock lock(&mu_);
    health_ = std::move(status);
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client(kHost, server_->port());
    client.set_connection_timeout(5);
    return client.Get(path.c_str());
  }

  MetricsRegistry registry_;
  absl::Mutex mu_;
  absl::Status health_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, MetricsServesTheRegistryAsPrometheusText) {
  registry_
      .GetCounter("kpledger_events_refused_total", "Refused events.",
                  {{"code", "FAILED_PRECONDITION"}})
      ->Increment(2);

  httplib::Result res = Get("/metrics");

  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"),
              StartsWith("text/plain; version=0.0.4"));
  EXPECT_EQ(res->body, registry_.Render());
  EXPECT_THAT(
      res->body,
      HasSubstr(
          "kpledger_events_refused_total{code=\"FAILED_PRECONDITION\"} 2\n"));
}

TEST_F(HttpServerTest, HealthzIsOkWhileTheCallbackIsOk) {
  httplib::Result res = Get("/healthz");

  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
}

TEST_F(HttpServerTest, HealthzIs503WithTheMessageWhenTheCallbackFails) {
  ASSERT_EQ(Get("/healthz")->status, 200);
  SetHealth(absl::UnavailableError("no quorum: 1 of 3 peers reachable"));

  httplib::Result res = Get("/healthz");

  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "no quorum: 1 of 3 peers reachable\n");
}

TEST_F(HttpServerTest, OtherPathsAre404) {
  for (const char* path : {"/", "/metrics/x", "/healthzz", "/debug"}) {
    httplib::Result res = Get(path);
    ASSERT_TRUE(res) << path << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 404) << path;
  }
}

TEST_F(HttpServerTest, StopIsIdempotentAndFreesThePort) {
  const int port = server_->port();
  server_->Stop();
  server_->Stop();

  absl::StatusOr<std::unique_ptr<HttpServer>> again = StartOn(port);

  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->port(), port);
}

TEST_F(HttpServerTest, StopRightAfterStartReturns) {
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = StartOn(0);
    ASSERT_TRUE(server.ok()) << server.status();
    (*server)->Stop();
  }
}

// --- Refusals ---

TEST_F(HttpServerTest, SecondServerOnABoundPortFailsWithAClearError) {
  absl::StatusOr<std::unique_ptr<HttpServer>> second = StartOn(server_->port());

  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(),
            "HTTP port 127.0.0.1:" + std::to_string(server_->port()) +
                " is in use or cannot be bound");
  // The first server is unharmed.
  EXPECT_EQ(Get("/healthz")->status, 200);
}

TEST_F(HttpServerTest, PortOutOfRangeIsInvalidArgument) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server = StartOn(70000);

  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("70000"));
}

}  // namespace
}  // namespace kpledger::node
