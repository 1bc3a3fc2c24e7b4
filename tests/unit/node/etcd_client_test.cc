#include "node/sequencer/etcd_client.h"

#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

// A put is sent to another member only when it never reached the first:
// one that failed after it was sent may still be ordered, and sending it
// again would order it twice.
TEST(EtcdClientTest, OnlyACallWithNoConnectionNeverReachedTheMember) {
  EXPECT_TRUE(NeverReachedTheMember(grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      "failed to connect to all addresses; last error: UNKNOWN: "
      "ipv4:127.0.0.1:2379: Failed to connect to remote host: Connection "
      "refused")));
  // The member died, or the leader changed, while it held the put.
  EXPECT_FALSE(NeverReachedTheMember(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed")));
  EXPECT_FALSE(NeverReachedTheMember(grpc::Status(
      grpc::StatusCode::UNAVAILABLE, "etcdserver: leader changed")));
  EXPECT_FALSE(NeverReachedTheMember(
      grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                   "failed to connect to all addresses")));
  EXPECT_FALSE(NeverReachedTheMember(grpc::Status::OK));
}

}  // namespace
}  // namespace kpledger::node
