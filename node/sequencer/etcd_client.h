// A small client of etcd's v3 gRPC API (proto/etcd/rpc.proto): the calls
// the etcd sequencer makes, over one channel per member.
//
// Failover: a call goes to the current member; when that member cannot be
// reached (UNAVAILABLE), the call moves on to the next, until its deadline.
// A member that holds a call to its deadline is left for the next call.
// A put moves on only when it never reached the member: one that failed
// after it was sent (the member died, the leader changed) may still be
// applied, and sending it again would order it twice. etcd's own client
// retries writes on the same terms.
// One channel per member (not gRPC's address list) so that each member's
// TLS certificate is checked against its own host name.
//
// Thread-safe.
#ifndef KPLEDGER_NODE_SEQUENCER_ETCD_CLIENT_H_
#define KPLEDGER_NODE_SEQUENCER_ETCD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "etcd/rpc.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace kpledger::node {

// Whether a call failed before it reached the member (gRPC had no
// connection to send it on), so that it cannot have been applied there.
bool NeverReachedTheMember(const grpc::Status& status);

// The end of the key range of every key starting with `prefix` (etcd's
// "range_end = prefix + 1" convention).
std::string RangeEnd(std::string prefix);

class EtcdClient {
 public:
  // `endpoints`: host:port of each member. InvalidArgument if empty or an
  // endpoint has no port.
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Create(
      const std::vector<std::string>& endpoints,
      std::shared_ptr<grpc::ChannelCredentials> credentials);

  // Puts `value` at `key`; returns the put's revision. Unavailable when no
  // member confirmed it before `timeout` (no quorum, all members down, the
  // member failed while it held the put); the put may still have happened.
  // etcd's own refusals keep their code (InvalidArgument "request is too
  // large", ResourceExhausted "database space exceeded").
  absl::StatusOr<int64_t> Put(const std::string& key, const std::string& value,
                              absl::Duration timeout);
  // Puts `value` at `key` only if the key's mod revision is still
  // `mod_revision` (0: the key does not exist) and, unless `unchanged_prefix`
  // is empty, no key starting with it was put after `mod_revision`, in one
  // transaction; returns the put's revision. FailedPrecondition when one of
  // them was; otherwise as Put.
  absl::StatusOr<int64_t> PutIfUnchanged(const std::string& key,
                                         const std::string& value,
                                         int64_t mod_revision,
                                         const std::string& unchanged_prefix,
                                         absl::Duration timeout);
  absl::StatusOr<etcdserverpb::RangeResponse> Range(
      const etcdserverpb::RangeRequest& request, absl::Duration timeout);
  // Compacts history up to `revision`. OK when it was compacted already.
  absl::Status Compact(int64_t revision, absl::Duration timeout);
  // The current member's status (database size, leader).
  absl::StatusOr<etcdserverpb::StatusResponse> Status(absl::Duration timeout);

  // A watch stream on the current member, with etcd's "hasleader" metadata:
  // a member that loses its leader cancels the watch instead of going
  // quiet. The caller owns `context` (and may TryCancel it).
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest,
                                           etcdserverpb::WatchResponse>>
  Watch(grpc::ClientContext* context);
  // The member the next call goes to, and moving on from it (after its
  // watch broke).
  const std::string& current_endpoint() const;
  void Failover();

 private:
  struct Member {
    std::string endpoint;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
  };
  explicit EtcdClient(std::vector<Member> members)
      : members_(std::move(members)) {}

  // Runs `call` on members in turn, from the current one, until it returns
  // something other than UNAVAILABLE or the deadline passes; a `write`
  // moves on only after an UNAVAILABLE that never reached the member.
  template <typename Call>
  grpc::Status OnAnyMember(absl::Time deadline, bool write, Call call);

  std::vector<Member> members_;
  std::atomic<size_t> current_{0};
};

}  // namespace kpledger::node

#endif  // KPLEDGER_NODE_SEQUENCER_ETCD_CLIENT_H_
