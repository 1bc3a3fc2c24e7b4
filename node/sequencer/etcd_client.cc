#include "node/sequencer/etcd_client.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kpledger::node {
namespace {

std::chrono::system_clock::time_point ToChrono(absl::Time t) {
  return absl::ToChronoTime(t);
}

absl::Status FromGrpc(const grpc::Status& s, const std::string& endpoint) {
  if (s.ok()) return absl::OkStatus();
  const std::string message =
      absl::StrCat("etcd ", endpoint, ": ", s.error_message());
  switch (s.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
      return absl::UnavailableError(message);
    default:
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                          message);
  }
}

}  // namespace

bool NeverReachedTheMember(const grpc::Status& status) {
  // gRPC's answer for a call it found no connection for.
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         absl::StrContains(status.error_message(),
                           "failed to connect to all addresses");
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Create(
    const std::vector<std::string>& endpoints,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  if (endpoints.empty()) {
    return absl::InvalidArgumentError("no etcd endpoints");
  }
  std::vector<Member> members;
  for (const std::string& endpoint : endpoints) {
    const size_t colon = endpoint.rfind(':');
    if (colon == std::string::npos || colon == 0 ||
        colon + 1 == endpoint.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd endpoint \"", endpoint, "\" is not host:port"));
    }
    grpc::ChannelArguments args;
    // Reconnect quickly after a member comes back (gRPC's default backoff
    // grows to two minutes).
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 16 << 20);
    // A member whose host stops answering (powered off, cut off, frozen)
    // sends no reset: without pings the watch would wait on it until the
    // kernel gives up on the connection, ~15 minutes. etcd refuses pings
    // more often than every 5 s (--grpc-keepalive-min-time), and any on a
    // connection without a call; an idle watch is a call that may carry no
    // data for long.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
    Member m;
    m.endpoint = endpoint;
    m.channel = grpc::CreateCustomChannel(endpoint, credentials, args);
    m.kv = etcdserverpb::KV::NewStub(m.channel);
    m.watch = etcdserverpb::Watch::NewStub(m.channel);
    m.maintenance = etcdserverpb::Maintenance::NewStub(m.channel);
    members.push_back(std::move(m));
  }
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(members)));
}

template <typename Call>
grpc::Status EtcdClient::OnAnyMember(absl::Time deadline, bool write,
                                     Call call) {
  grpc::Status status;
  // Each member at most once per call: a member that is down answers
  // UNAVAILABLE at once; one without quorum holds the call to its deadline.
  for (size_t tries = 0; tries < members_.size(); ++tries) {
    size_t seen = current_.load();
    grpc::ClientContext context;
    context.set_deadline(ToChrono(deadline));
    status = call(members_[seen % members_.size()], &context);
    // Held to its deadline (the member is frozen, cut off, or without
    // quorum): this call is over, and the next one tries the next member.
    const bool held =
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    const bool unreachable =
        status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        (!write || NeverReachedTheMember(status));
    // On to the next member, unless another call moved on already.
    if (held || unreachable) current_.compare_exchange_strong(seen, seen + 1);
    if (!unreachable || absl::Now() >= deadline) return status;
  }
  return status;
}

absl::StatusOr<int64_t> EtcdClient::Put(const std::string& key,
                                        const std::string& value,
                                        absl::Duration timeout) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  std::string endpoint;
  grpc::Status s = OnAnyMember(absl::Now() + timeout, /*write=*/true,
                               [&](Member& m, grpc::ClientContext* context) {
                                 endpoint = m.endpoint;
                                 return m.kv->Put(context, request, &response);
                               });
  if (!s.ok()) return FromGrpc(s, endpoint);
  return response.header().revision();
}

std::string RangeEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

absl::StatusOr<int64_t> EtcdClient::PutIfUnchanged(
    const std::string& key, const std::string& value, int64_t mod_revision,
    const std::string& unchanged_prefix, absl::Duration timeout) {
  etcdserverpb::TxnRequest request;
  etcdserverpb::Compare* compare = request.add_compare();
  compare->set_key(key);
  compare->set_target(etcdserverpb::Compare::MOD);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_mod_revision(mod_revision);  // a missing key compares as 0
  if (!unchanged_prefix.empty()) {
    // Every key of the range (none: true).
    etcdserverpb::Compare* range = request.add_compare();
    range->set_key(unchanged_prefix);
    range->set_range_end(RangeEnd(unchanged_prefix));
    range->set_target(etcdserverpb::Compare::MOD);
    range->set_result(etcdserverpb::Compare::LESS);
    range->set_mod_revision(mod_revision + 1);
  }
  etcdserverpb::PutRequest* put = request.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  etcdserverpb::TxnResponse response;
  std::string endpoint;
  grpc::Status s = OnAnyMember(absl::Now() + timeout, /*write=*/true,
                               [&](Member& m, grpc::ClientContext* context) {
                                 endpoint = m.endpoint;
                                 return m.kv->Txn(context, request, &response);
                               });
  if (!s.ok()) return FromGrpc(s, endpoint);
  if (!response.succeeded()) {
    return absl::FailedPreconditionError(
        absl::StrCat(key, " changed in etcd meanwhile"));
  }
  return response.header().revision();
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request, absl::Duration timeout) {
  etcdserverpb::RangeResponse response;
  std::string endpoint;
  grpc::Status s =
      OnAnyMember(absl::Now() + timeout, /*write=*/false,
                  [&](Member& m, grpc::ClientContext* context) {
                    endpoint = m.endpoint;
                    return m.kv->Range(context, request, &response);
                  });
  if (!s.ok()) return FromGrpc(s, endpoint);
  return response;
}

absl::Status EtcdClient::Compact(int64_t revision, absl::Duration timeout) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  etcdserverpb::CompactionResponse response;
  std::string endpoint;
  grpc::Status s =
      OnAnyMember(absl::Now() + timeout, /*write=*/false,
                  [&](Member& m, grpc::ClientContext* context) {
                    endpoint = m.endpoint;
                    return m.kv->Compact(context, request, &response);
                  });
  if (s.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
    return absl::OkStatus();  // "required revision has been compacted"
  }
  return FromGrpc(s, endpoint);
}

absl::StatusOr<etcdserverpb::StatusResponse> EtcdClient::Status(
    absl::Duration timeout) {
  etcdserverpb::StatusResponse response;
  std::string endpoint;
  grpc::Status s =
      OnAnyMember(absl::Now() + timeout, /*write=*/false,
                  [&](Member& m, grpc::ClientContext* context) {
                    endpoint = m.endpoint;
                    return m.maintenance->Status(
                        context, etcdserverpb::StatusRequest(), &response);
                  });
  if (!s.ok()) return FromGrpc(s, endpoint);
  return response;
}

std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest,
                                         etcdserverpb::WatchResponse>>
EtcdClient::Watch(grpc::ClientContext* context) {
  // etcd's rpctypes.MetadataHasLeader: without it, a watch on a member cut
  // off from the others waits forever.
  context->AddMetadata("hasleader", "true");
  return members_[current_.load() % members_.size()].watch->Watch(context);
}

const std::string& EtcdClient::current_endpoint() const {
  return members_[current_.load() % members_.size()].endpoint;
}

void EtcdClient::Failover() { current_.fetch_add(1); }

}  // namespace kpledger::node
