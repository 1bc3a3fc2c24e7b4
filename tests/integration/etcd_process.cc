#include "tests/integration/etcd_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "node/sequencer/etcd_client.h"
#include "tests/integration/node_process.h"

namespace kpledger::testing {
namespace {

bool Listening(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

EtcdCluster::EtcdCluster(std::string dir, int members,
                         std::vector<std::string> extra_flags)
    : dir_(std::move(dir)), extra_flags_(std::move(extra_flags)) {
  for (int i = 0; i < members; ++i) {
    client_ports_.push_back(FreePort());
    peer_ports_.push_back(FreePort());
    pids_.push_back(-1);
  }
}

EtcdCluster::~EtcdCluster() {
  for (size_t i = 0; i < pids_.size(); ++i) KillMember(static_cast<int>(i));
}

absl::Status EtcdCluster::StartMember(int i) {
  std::vector<std::string> initial;
  for (size_t m = 0; m < peer_ports_.size(); ++m) {
    initial.push_back(
        absl::StrCat("etcd-", m, "=http://127.0.0.1:", peer_ports_[m]));
  }
  const std::string client =
      absl::StrCat("http://127.0.0.1:", client_ports_[i]);
  const std::string peer = absl::StrCat("http://127.0.0.1:", peer_ports_[i]);
  const std::string data = absl::StrCat(dir_, "/etcd-", i);
  const bool fresh = !std::filesystem::exists(data);
  std::filesystem::create_directories(dir_);
  std::vector<std::string> args = {
      "--name", absl::StrCat("etcd-", i), "--data-dir", data,
      "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
      "--initial-cluster", absl::StrJoin(initial, ","),
      "--initial-cluster-state", fresh ? "new" : "existing",
      "--initial-cluster-token", "kpledger-test",
      // Faster elections than the default 1 s keep the tests short.
      "--heartbeat-interval", "50", "--election-timeout", "500", "--log-level",
      "warn"};
  args.insert(args.end(), extra_flags_.begin(), extra_flags_.end());
  pids_[i] = SpawnProgram("/usr/bin/etcd", args, Log(i));
  if (pids_[i] <= 0) return absl::InternalError("cannot start /usr/bin/etcd");
  return absl::OkStatus();
}

absl::Status EtcdCluster::Start() {
  for (size_t i = 0; i < pids_.size(); ++i) {
    if (absl::Status st = StartMember(static_cast<int>(i)); !st.ok()) return st;
  }
  // Every member listening before the client's first call: a gRPC channel
  // refused at once backs off longer than this test wants to wait.
  for (int port : client_ports_) {
    for (int tries = 0; tries < 300 && !Listening(port); ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  auto client = node::EtcdClient::Create(EndpointList(),
                                         grpc::InsecureChannelCredentials());
  if (!client.ok()) return client.status();
  absl::Status last;
  for (int tries = 0; tries < 150; ++tries) {
    absl::StatusOr<int64_t> put =
        (*client)->Put("/kpledger-test/up", "1", absl::Seconds(1));
    if (put.ok()) return absl::OkStatus();
    last = put.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("etcd cluster not up: ", last.message()));
}

void EtcdCluster::KillMember(int i) {
  if (pids_[i] <= 0) return;
  kill(pids_[i], SIGKILL);
  int status = 0;
  waitpid(pids_[i], &status, 0);
  pids_[i] = -1;
}

std::vector<std::string> EtcdCluster::EndpointList() const {
  std::vector<std::string> out;
  for (int p : client_ports_) out.push_back(absl::StrCat("127.0.0.1:", p));
  return out;
}

std::string EtcdCluster::Endpoints() const {
  return absl::StrJoin(EndpointList(), ",");
}

std::string EtcdCluster::Log(int i) const {
  return absl::StrCat(dir_, "/etcd-", i, ".log");
}

}  // namespace kpledger::testing
