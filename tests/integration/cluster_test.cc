// A cluster with real processes: a 3-member etcd cluster and 3 kpnodes on
// the etcd sequencer, each asking the others to cosign its checkpoints.
// Submissions are spread over every node while a node is killed with
// kill -9 and restarted, an etcd member is killed, and a majority of etcd
// is killed and brought back; a batch of forged and malformed bytes is put
// straight into etcd; a node's data is wiped and it bootstraps from a peer;
// a read-only mirror follows. Afterwards every acknowledged event is on
// every node, no event is in the log twice, and all nodes and the mirror
// have the same root at the same size, cosigned.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/apply/applier.h"
#include "ledger/base/proto_json.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/crypto/key_file.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/compact_range.h"
#include "ledger/merkle/hasher.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"
#include "node/sequencer/batch_codec.h"
#include "node/sequencer/etcd_client.h"
#include "tests/integration/etcd_process.h"
#include "tests/integration/ledger_client.h"
#include "tests/integration/node_process.h"
#include "tests/testing/custody_builder.h"
#include "tests/testing/node_metrics.h"

namespace kpledger::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kNodes = 3;

std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() : b_(DefaultPolicy(), /*checkpoint_threshold=*/2) {}

  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/cluster");
    std::filesystem::remove_all(dir_);
    etcd_ = std::make_unique<EtcdCluster>(dir_ + "/etcd");
    const absl::Status up = etcd_->Start();
    ASSERT_TRUE(up.ok()) << up << "\n" << ReadLog(etcd_->Log(0));
    for (int i = 0; i < kNodes; ++i) {
      ports_.push_back(FreePort());
      const std::string d = NodeDir(i);
      std::filesystem::create_directories(d);
      ASSERT_TRUE(
          base::WriteJsonFile(d + "/genesis.json", b_.genesis_envelope()).ok());
      ASSERT_TRUE(crypto::WritePrivateKeyFile(d + "/node.key",
                                              b_.genesis().node_keys(i).name(),
                                              b_.node_key(i))
                      .ok());
    }
    nodes_.resize(kNodes);
    for (int i = 0; i < kNodes; ++i) StartNode(i);
  }

  std::string NodeDir(int i) const { return absl::StrCat(dir_, "/node-", i); }

  std::string GenesisHash() const {
    return rules::VerifyGenesisEnvelope(b_.genesis_envelope())->hash;
  }

  // Stops every node and replaces the cluster's etcd with a new, empty one
  // (as after all of it was lost).
  void ReplaceEtcd() {
    for (auto& n : nodes_) n->Stop();
    etcd_.reset();
    etcd_ = std::make_unique<EtcdCluster>(dir_ + "/etcd-new");
    ASSERT_TRUE(etcd_->Start().ok());
  }

  // A client of the cluster's etcd, for what the test puts or reads there
  // itself; null (and a failure) if it cannot be made.
  std::unique_ptr<node::EtcdClient> DirectEtcd() {
    auto etcd = node::EtcdClient::Create(etcd_->EndpointList(),
                                         grpc::InsecureChannelCredentials());
    EXPECT_TRUE(etcd.ok()) << etcd.status();
    return etcd.ok() ? *std::move(etcd) : nullptr;
  }

  // Node i, on the cluster's etcd; its peers are the other nodes unless
  // `peers` says otherwise (none: no --peers at all).
  void StartNode(int i, const std::vector<std::string>& extra_flags = {},
                 std::optional<std::vector<std::string>> peers = std::nullopt) {
    if (!peers.has_value()) {
      peers.emplace();
      for (int p = 0; p < kNodes; ++p) {
        if (p != i) peers->push_back(absl::StrCat("127.0.0.1:", ports_[p]));
      }
    }
    std::vector<std::string> flags = {"--listen",
                                      absl::StrCat("127.0.0.1:", ports_[i]),
                                      "--sequencer",
                                      "etcd",
                                      "--etcd-endpoints",
                                      etcd_->Endpoints(),
                                      "--etcd-timeout-ms",
                                      "1500",
                                      "--checkpoint-interval-ms",
                                      "200"};
    if (!peers->empty()) {
      flags.insert(flags.end(), {"--peers", absl::StrJoin(*peers, ",")});
    }
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    absl::StatusOr<std::unique_ptr<NodeProcess>> node =
        NodeProcess::Start(NodeDir(i), flags);
    ASSERT_TRUE(node.ok()) << node.status();
    nodes_[i] = *std::move(node);
  }

  v1::Envelope Import(int i) {
    const std::string id = absl::StrCat("P-", i);
    return b_.Sign(
        ImportEvent(id, "vault-1",
                    IncomingCertificate("BW-" + id, "BW", 10000, 1000000)),
        {"customs-1"});
  }

  static v1::NodeStatus Status(NodeProcess& node) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::NodeStatus status;
    EXPECT_TRUE(node.Node()->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  // Whether every node has `size` entries and a cosigned checkpoint of
  // them.
  bool AllHold(uint64_t size) {
    for (auto& n : nodes_) {
      const v1::NodeStatus s = Status(*n);
      if (s.tree_size() != size || s.latest_cosigned().tree_size() != size) {
        return false;
      }
    }
    return true;
  }

  // Waits until every node has `size` entries and a cosigned checkpoint
  // of them.
  void WaitForSize(uint64_t size) {
    for (int tries = 0; tries < 300 && !AllHold(size); ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (AllHold(size)) return;
    for (auto& n : nodes_) {
      ADD_FAILURE() << Status(*n).DebugString() << n->Log();
    }
  }

  // Waits until every node holds the same log, at least `size` entries,
  // with a cosigned checkpoint of all of it: for when batches that were
  // not confirmed may still be ordered, so the final size is not known.
  void WaitForAgreement(uint64_t size) {
    for (int tries = 0; tries < 300; ++tries) {
      const uint64_t now = Status(*nodes_[0]).tree_size();
      if (now >= size && AllHold(now)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    WaitForSize(size);  // says what each node holds
  }

  // Registrations through two different nodes: every node applies both.
  void RegisterActors() {
    ASSERT_TRUE(
        Submit(*nodes_[0]->Ledger(), b_.Register("customs-1", v1::CUSTOMS))
            .status.ok());
    ASSERT_TRUE(Submit(*nodes_[1]->Ledger(), b_.Register("vault-1", v1::VAULT))
                    .status.ok());
    WaitForSize(3);
  }

  // Serves `service` (a peer that lies) on a free loopback port, which
  // `address` is set to; null if it cannot.
  static std::unique_ptr<grpc::Server> ServeOnLoopback(grpc::Service* service,
                                                       std::string* address) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    *address = absl::StrCat("127.0.0.1:", port);
    return port == 0 ? nullptr : std::move(server);
  }

  // A read-only mirror of the node at `address`, in dir_/name.
  std::unique_ptr<NodeProcess> StartMirror(const std::string& name,
                                           const std::string& address) {
    const std::string d = absl::StrCat(dir_, "/", name);
    std::filesystem::create_directories(d);
    EXPECT_TRUE(
        base::WriteJsonFile(d + "/genesis.json", b_.genesis_envelope()).ok());
    absl::StatusOr<std::unique_ptr<NodeProcess>> mirror =
        NodeProcess::Start(d, {"--node-key", "", "--mirror-of", address,
                               "--mirror-interval-ms", "100"});
    EXPECT_TRUE(mirror.ok()) << mirror.status();
    return mirror.ok() ? *std::move(mirror) : nullptr;
  }

  v1::ListNodeKeysResponse NodeKeys(NodeProcess& node) {
    grpc::ClientContext ctx;
    v1::ListNodeKeysResponse keys;
    EXPECT_TRUE(node.Ledger()->ListNodeKeys(&ctx, {}, &keys).ok());
    return keys;
  }

  std::string Metrics(NodeProcess& node) {
    return MetricsPage(node.http_address()).value_or("");
  }

  CustodyBuilder b_;
  std::string dir_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
};

TEST_F(ClusterTest, FaultsLoseNothingAndAllNodesAgree) {
  // Registrations through two different nodes: every node applies both.
  RegisterActors();

  constexpr int kClients = 6;
  constexpr int kPerClient = 150;
  std::vector<std::vector<v1::Envelope>> work(kClients);
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kPerClient; ++i) {
      work[c].push_back(Import(c * kPerClient + i));
    }
  }
  std::mutex mu;
  std::map<std::string, uint64_t> acknowledged;  // event id -> index
  std::atomic<int> done{0};
  std::atomic<bool> node1_down{false};
  auto client = [&](int c) {
    const int target = c % kNodes;
    std::unique_ptr<v1::LedgerService::Stub> stub;
    for (const v1::Envelope& env : work[c]) {
      if (target == 1 && node1_down) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        stub = nodes_[target]->Ledger();
      }
      const SubmitResult r = Submit(*stub, env);
      if (r.status.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acknowledged[r.receipt.event_id()] = r.receipt.leaf_index();
      }
    }
    ++done;
  };
  auto acked = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  auto wait_acked = [&](size_t n) {
    for (int i = 0; i < 3000 && acked() < n && done < kClients; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(client, c);

  // (a) kill -9 a node under load, then restart it on its data dir.
  wait_acked(150);
  {
    std::lock_guard<std::mutex> lock(mu);
    node1_down = true;
    nodes_[1]->Kill();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  {
    std::lock_guard<std::mutex> lock(mu);
    StartNode(1);
    node1_down = false;
  }
  // (b) one etcd member killed: the others go on.
  wait_acked(400);
  etcd_->KillMember(0);
  wait_acked(600);
  ASSERT_TRUE(etcd_->StartMember(0).ok());
  for (std::thread& t : clients) t.join();
  const size_t acked_under_faults = acked();
  EXPECT_GT(acked_under_faults, size_t{kClients * kPerClient / 2});
  {
    // Node 0 (never restarted) timed every batch etcd took from it, and
    // every one of its batches' rounds, now that all are answered.
    absl::StatusOr<MetricsScrape> m = ScrapeMetrics(nodes_[0]->http_address());
    ASSERT_TRUE(m.ok()) << m.status();
    const double taken = Value(*m, "kpledger_etcd_batches_proposed_total");
    EXPECT_GT(taken, 0);
    EXPECT_EQ(Value(*m, "kpledger_etcd_put_seconds_count"), taken);
    EXPECT_GT(Value(*m, "kpledger_etcd_put_seconds_sum"), 0);
    // A put that timed out while a member was down may still have been
    // taken: its batch is then answered by its receipts, a round counted
    // for a proposal counted as failed.
    const double rounds = Value(*m, "kpledger_batch_round_seconds_count");
    EXPECT_GE(rounds, taken);
    EXPECT_LE(rounds,
              taken + Value(*m, "kpledger_etcd_propose_failures_total"));
  }
  {
    // Once every node reported its progress, the one furthest behind
    // compacts etcd there (every 5 s): the old batches are gone.
    double compacted = 0;
    for (int i = 0; i < 300 && compacted == 0; ++i) {
      for (auto& n : nodes_) {
        absl::StatusOr<MetricsScrape> m = ScrapeMetrics(n->http_address());
        if (m.ok()) {
          compacted = std::max(compacted,
                               Value(*m, "kpledger_etcd_compacted_revision"));
        }
      }
      if (compacted == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    ASSERT_GT(compacted, 1);
    std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
    ASSERT_NE(etcd, nullptr);
    etcdserverpb::RangeRequest old;
    old.set_key(absl::StrCat("/kpledger/", GenesisHash(), "/batch/",
                             b_.genesis().node_keys(0).name()));
    old.set_revision(1);
    EXPECT_EQ(etcd->Range(old, absl::Seconds(5)).status().code(),
              absl::StatusCode::kOutOfRange);
  }

  // (c) a majority of etcd killed: submissions fail fast with UNAVAILABLE,
  // reads go on; then the members come back and submissions succeed.
  etcd_->KillMember(1);
  etcd_->KillMember(2);
  {
    const auto start = std::chrono::steady_clock::now();
    const SubmitResult r = Submit(*nodes_[2]->Ledger(), Import(100000));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << r.status.error_message();
    EXPECT_THAT(r.status.error_message(), HasSubstr("etcd"));
    EXPECT_LT(took, std::chrono::seconds(5));
    const v1::NodeStatus s = Status(*nodes_[2]);
    EXPECT_GT(s.tree_size(), 3u);  // reads keep working
  }
  ASSERT_TRUE(etcd_->StartMember(1).ok());
  ASSERT_TRUE(etcd_->StartMember(2).ok());
  {
    SubmitResult r;
    for (int tries = 0; tries < 50; ++tries) {
      r = Submit(*nodes_[2]->Ledger(), Import(100001));
      if (r.status.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  }

  // (f) bytes put straight into etcd, bypassing every node: garbage, a
  // batch signed by an actor's key (not a node's), and a batch for another
  // ledger. Each is refused alike on every node; nothing is applied.
  {
    std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
    ASSERT_NE(etcd, nullptr);
    const std::string hash = GenesisHash();
    const std::string prefix = absl::StrCat("/kpledger/", hash, "/batch/");
    node::ProposedBatch forged;
    forged.proposer = b_.genesis().node_keys(0).name();
    forged.nonce = 1;
    forged.proposed_time = {1900000000, 0};
    forged.envelopes = {Import(200000).SerializeAsString(), "garbage"};
    auto codec = node::BatchCodec::Create(b_.genesis(), hash);
    ASSERT_TRUE(codec.ok());
    auto other = node::BatchCodec::Create(b_.genesis(), std::string(64, 'a'));
    ASSERT_TRUE(other.ok());
    for (const std::string& value :
         {std::string("\x0a\x05hello not a batch"),
          codec->Encode(forged, CustodyBuilder::ActorKey("customs-1")),
          other->Encode(forged, b_.node_key(0))}) {
      ASSERT_TRUE(etcd->Put(prefix + "intruder", value, absl::Seconds(5)).ok());
    }
  }
  // Once node 0 applied 100002 (and any batch before it), every node holds
  // what it holds. (100000, answered UNAVAILABLE, may still be ordered
  // after its members came back, so the size before says nothing.)
  {
    // etcd's members came back from (c) a moment ago: a put they did not
    // confirm in time is answered UNAVAILABLE and may be submitted again
    // (ALREADY_EXISTS once it was ordered after all). Nothing else is.
    const v1::Envelope last = Import(100002);
    SubmitResult r = Submit(*nodes_[0]->Ledger(), last);
    for (int tries = 0;
         tries < 20 && r.status.error_code() == grpc::StatusCode::UNAVAILABLE;
         ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      r = Submit(*nodes_[0]->Ledger(), last);
    }
    ASSERT_TRUE(r.status.ok() ||
                r.status.error_code() == grpc::StatusCode::ALREADY_EXISTS)
        << r.status.error_code() << " " << r.status.error_message() << "\n"
        << nodes_[0]->Log();
  }
  WaitForSize(Status(*nodes_[0]).tree_size());
  for (auto& n : nodes_) {
    const std::string m = Metrics(*n);
    EXPECT_THAT(m, HasSubstr("kpledger_etcd_batches_refused_total{reason="
                             "\"INVALID_ARGUMENT\"} 1"));
    EXPECT_THAT(m, HasSubstr("kpledger_etcd_batches_refused_total{reason="
                             "\"UNAUTHENTICATED\"} 1"));
    EXPECT_THAT(m, HasSubstr("kpledger_etcd_batches_refused_total{reason="
                             "\"FAILED_PRECONDITION\"} 1"));
    // And each is logged with its key and why.
    const std::string log = n->Log();
    size_t refused_lines = 0;
    for (size_t at = log.find("refused the batch at etcd revision");
         at != std::string::npos;
         at = log.find("refused the batch at etcd revision", at + 1)) {
      ++refused_lines;
    }
    EXPECT_EQ(refused_lines, 3u);
    EXPECT_THAT(log, HasSubstr("/batch/intruder)"));
    grpc::ClientContext ctx;
    v1::GetEventRequest req;
    req.set_event_id(envelope::EventId(Import(200000).payload()));
    v1::LedgerEntry entry;
    EXPECT_EQ(n->Ledger()->GetEvent(&ctx, req, &entry).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  // (d) a fresh node joins: node 2's data is wiped; it bootstraps from a
  // peer (verified against a cosigned checkpoint), then follows etcd.
  nodes_[2]->Stop();
  std::filesystem::remove_all(NodeDir(2) + "/data");
  StartNode(2);
  // (e) a read-only mirror follows node 0, with no etcd and no node key.
  std::unique_ptr<NodeProcess> mirror =
      StartMirror("mirror", nodes_[0]->grpc_address());
  ASSERT_NE(mirror, nullptr);
  {
    const SubmitResult r =
        Submit(*mirror->Ledger(), b_.Register("lab-9", v1::LAB));
    EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(r.status.error_message(), HasSubstr("read-only mirror"));
  }

  // Every event once more, through every node: each is in the log already
  // (ALREADY_EXISTS) or was never acknowledged (accepted now).
  std::atomic<int> unexpected{0};
  done = 0;
  clients.clear();
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      unexpected += ResubmitAll(*nodes_[(c + 1) % kNodes]->Ledger(), work[c]);
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(unexpected, 0);

  // genesis + 2 registrations + every import once + 100001 and 100002
  // (100000 was refused UNAVAILABLE: it may or may not have been ordered).
  const uint64_t without_maybe = 3 + kClients * kPerClient + 2;
  v1::NodeStatus s0 = Status(*nodes_[0]);
  const uint64_t final_size = s0.tree_size();
  EXPECT_TRUE(final_size == without_maybe || final_size == without_maybe + 1)
      << final_size;
  WaitForSize(final_size);
  s0 = Status(*nodes_[0]);
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("bootstrapped"));
  // The mirror catches up with node 0's cosigned checkpoint.
  for (int tries = 0; tries < 300; ++tries) {
    if (Status(*mirror).tree_size() == final_size) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  {
    const v1::NodeStatus m = Status(*mirror);
    EXPECT_EQ(m.sequencer(), "mirror");
    EXPECT_EQ(m.tree_size(), final_size) << mirror->Log();
    EXPECT_EQ(m.root_hash(), s0.root_hash());
    EXPECT_GE(m.latest_cosigned().signers_size(), 2);
  }
  for (auto& n : nodes_) {
    const v1::NodeStatus s = Status(*n);
    EXPECT_EQ(s.tree_size(), s0.tree_size());
    EXPECT_EQ(s.root_hash(), s0.root_hash());
    EXPECT_FALSE(s.diverged());
    EXPECT_GE(s.latest_cosigned().signers_size(), 2);
    auto stub = n->Ledger();
    for (const auto& [event_id, index] : acknowledged) {
      grpc::ClientContext ctx;
      v1::GetEventRequest req;
      req.set_event_id(event_id);
      v1::LedgerEntry entry;
      ASSERT_TRUE(stub->GetEvent(&ctx, req, &entry).ok()) << event_id;
      EXPECT_EQ(entry.index(), index);
    }
  }
}

// An etcd member whose host stops answering without closing its
// connections (a power or network cut; here the process is frozen with
// SIGSTOP) sends no reset. Every node starts on member 0, the first of
// --etcd-endpoints: keepalive pings find it dead and the nodes go on with
// the other two members, within seconds rather than the kernel's ~15
// minutes.
TEST_F(ClusterTest, AnEtcdMemberThatStopsAnsweringIsLeftForTheOthers) {
  ASSERT_TRUE(
      Submit(*nodes_[0]->Ledger(), b_.Register("customs-1", v1::CUSTOMS))
          .status.ok());
  const pid_t frozen = etcd_->pids()[0];
  ASSERT_EQ(kill(frozen, SIGSTOP), 0);
  bool acknowledged = false;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  for (int n = 0; !acknowledged && absl::Now() < give_up; ++n) {
    acknowledged = Submit(*nodes_[0]->Ledger(),
                          b_.Register(absl::StrCat("vault-", n), v1::VAULT))
                       .status.ok();
    if (!acknowledged) absl::SleepFor(absl::Milliseconds(500));
  }
  kill(frozen, SIGCONT);
  ASSERT_TRUE(acknowledged) << nodes_[0]->Log();
  // Puts the frozen member held are ordered once it runs again: the nodes
  // agree on a log at least this long.
  WaitForAgreement(Status(*nodes_[0]).tree_size());
}

// A node that restarts behind a backlog larger than one gRPC message
// takes (16 MiB) still catches up: its watch asks etcd to split the
// answer. The backlog here is 20 puts of 1 MiB that are not batches, put
// while node 1 was down; every node refuses them alike.
TEST_F(ClusterTest, ANodeCatchesUpBehindABacklogLargerThanOneMessage) {
  ASSERT_TRUE(
      Submit(*nodes_[0]->Ledger(), b_.Register("customs-1", v1::CUSTOMS))
          .status.ok());
  WaitForSize(2);
  nodes_[1]->Stop();
  {
    std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
    ASSERT_NE(etcd, nullptr);
    const std::string key =
        absl::StrCat("/kpledger/", GenesisHash(), "/batch/bulk");
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(etcd->Put(key, std::string(1 << 20, static_cast<char>(i)),
                            absl::Seconds(10))
                      .ok());
    }
  }
  StartNode(1);
  bool acknowledged = false;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (!acknowledged && absl::Now() < give_up) {
    acknowledged =
        Submit(*nodes_[1]->Ledger(), b_.Register("vault-1", v1::VAULT))
            .status.ok();
    if (!acknowledged) absl::SleepFor(absl::Milliseconds(500));
  }
  ASSERT_TRUE(acknowledged) << nodes_[1]->Log();
  EXPECT_THAT(Metrics(*nodes_[1]),
              HasSubstr("kpledger_etcd_batches_refused_total{reason="
                        "\"INVALID_ARGUMENT\"} 20"));
  WaitForSize(3);
}

// etcd refuses a put over its --max-request-bytes. Such a batch is not
// ordered, and waiting will not help: its events are refused with the
// setting to change, not answered UNAVAILABLE as if etcd were away.
TEST_F(ClusterTest, ABatchEtcdFindsTooLargeIsRefusedWithTheSettingToChange) {
  for (auto& n : nodes_) n->Stop();
  // Below a batch of one import (its envelope and the node's signature on
  // the batch), above what the nodes put besides batches.
  etcd_ = std::make_unique<EtcdCluster>(
      dir_ + "/etcd-small", 3,
      std::vector<std::string>{"--max-request-bytes", "512"});
  const absl::Status up = etcd_->Start();
  ASSERT_TRUE(up.ok()) << up;
  for (int i = 0; i < kNodes; ++i) {
    std::filesystem::remove_all(NodeDir(i) + "/data");
    StartNode(i);
  }
  const SubmitResult r = Submit(*nodes_[0]->Ledger(), Import(1));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("as too large: etcd's --max-request-bytes is below "
                        "this node's batches"));
  EXPECT_THAT(nodes_[0]->Log(), HasSubstr("as too large: etcd's"));
}

// A call that finds its member down moves on to the next one, however
// many times the watch has failed over before.
TEST_F(ClusterTest, TheEtcdClientMovesPastMembersThatAreDown) {
  const std::vector<std::string> endpoints = {
      absl::StrCat("127.0.0.1:", FreePort()),
      absl::StrCat("127.0.0.1:", FreePort()), etcd_->EndpointList()[1]};
  auto etcd =
      node::EtcdClient::Create(endpoints, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  for (int i = 0; i < 3; ++i) (*etcd)->Failover();  // back to the first
  ASSERT_EQ((*etcd)->current_endpoint(), endpoints[0]);
  absl::StatusOr<int64_t> put =
      (*etcd)->Put("/test/failover", "x", absl::Seconds(10));
  EXPECT_TRUE(put.ok()) << put.status();
  EXPECT_EQ((*etcd)->current_endpoint(), endpoints[2]);
}

// A member that holds calls to their deadline (frozen, or cut off) is
// left for the next call, whether or not a watch broke on it.
TEST_F(ClusterTest, TheEtcdClientLeavesAMemberThatHoldsCallsToTheirDeadline) {
  const std::vector<std::string> endpoints = etcd_->EndpointList();
  auto etcd =
      node::EtcdClient::Create(endpoints, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  ASSERT_TRUE((*etcd)->Put("/test/held", "x", absl::Seconds(10)).ok());
  const pid_t frozen = etcd_->pids()[0];
  ASSERT_EQ(kill(frozen, SIGSTOP), 0);
  const absl::StatusOr<int64_t> held =
      (*etcd)->Put("/test/held", "y", absl::Seconds(1));
  absl::StatusOr<int64_t> next = held;
  if (!held.ok()) next = (*etcd)->Put("/test/held", "z", absl::Seconds(10));
  kill(frozen, SIGCONT);
  EXPECT_FALSE(held.ok());
  EXPECT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*etcd)->current_endpoint(), endpoints[1]);
}

TEST_F(ClusterTest, ANodeRefusesToCosignARootItDidNotCompute) {
  ASSERT_TRUE(
      Submit(*nodes_[0]->Ledger(), b_.Register("customs-1", v1::CUSTOMS))
          .status.ok());
  WaitForSize(2);
  // A checkpoint of a made-up root at size 2, signed by node 0's key: node
  // 1 computed another root there and says so.
  checkpoint::CheckpointBody body;
  body.origin = b_.genesis().origin();
  body.tree_size = 2;
  body.root.fill(7);
  auto note = checkpoint::SignCheckpoint(body, b_.NodeSigners(1));
  ASSERT_TRUE(note.ok());
  v1::CosignRequest req;
  req.set_checkpoint_note(*note);
  req.set_genesis_hash(GenesisHash());
  {
    grpc::ClientContext ctx;
    v1::CosignResponse resp;
    const grpc::Status st = nodes_[1]->Node()->Cosign(&ctx, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(), HasSubstr("did not compute"));
    EXPECT_FALSE(Status(*nodes_[1]).diverged());
    EXPECT_THAT(Metrics(*nodes_[1]),
                HasSubstr("kpledger_peer_calls_refused_total{call=\"Cosign\","
                          "reason=\"not_computed_here\"} 1"));
    EXPECT_THAT(nodes_[1]->Log(), HasSubstr("refused Cosign from"));
  }
  // The right root with a policy line that is not node 1's: refused too.
  // No checkpoint with the line node 1 computes would verify a bundle
  // that left out a policy update.
  v1::CosignRequest wrong_count_at_threshold;
  {
    v1::Checkpoint latest;
    for (int i = 0; i < 200 && latest.tree_size() < 2; ++i) {
      grpc::ClientContext ctx;
      ASSERT_TRUE(nodes_[1]->Ledger()->GetCheckpoint(&ctx, {}, &latest).ok());
      if (latest.tree_size() < 2) absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(latest.tree_size(), 2u);
    checkpoint::CheckpointBody other =
        checkpoint::CheckpointBody::Parse(
            checkpoint::ParseNote(latest.note()).value().text)
            .value();
    ASSERT_EQ(other.extensions,
              std::vector<std::string>{"kpledger/policy-updates 0"});
    auto cosign = [&](const std::vector<std::string>& lines, int signers) {
      checkpoint::CheckpointBody asked = other;
      asked.extensions = lines;
      v1::CosignRequest lie = req;
      lie.set_checkpoint_note(
          checkpoint::SignCheckpoint(asked, b_.NodeSigners(signers)).value());
      grpc::ClientContext ctx;
      v1::CosignResponse resp;
      return nodes_[1]->Node()->Cosign(&ctx, lie, &resp);
    };
    grpc::Status st = cosign({"kpledger/policy-updates 5"}, 1);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(
        st.error_message(),
        HasSubstr("this node's log holds 0 policy update(s), but the "
                  "checkpoint signed by node-1.kpledger.test counts 5"));
    // A node of an earlier release signs no policy line. Even with the
    // threshold's signatures that is no history node 1 disagrees with: it
    // refuses, and does not call itself diverged.
    st = cosign({}, 2);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(),
                HasSubstr("has the extension lines (none), this node's are "
                          "\"kpledger/policy-updates 0\" (a node of another "
                          "release?)"));
    EXPECT_FALSE(Status(*nodes_[1]).diverged());
    checkpoint::CheckpointBody miscounted = other;
    miscounted.extensions = {"kpledger/policy-updates 5"};
    wrong_count_at_threshold = req;
    wrong_count_at_threshold.set_checkpoint_note(
        checkpoint::SignCheckpoint(miscounted, b_.NodeSigners(2)).value());
  }
  // Another ledger's node is refused, for cosigning and for its log.
  {
    v1::SyncRequest sync;
    sync.set_genesis_hash(std::string(64, 'b'));
    grpc::ClientContext ctx;
    auto reader = nodes_[1]->Node()->Sync(&ctx, sync);
    v1::SyncResponse item;
    EXPECT_FALSE(reader->Read(&item));
    const grpc::Status st = reader->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(), HasSubstr("not a node of the same ledger"));
    EXPECT_THAT(Metrics(*nodes_[1]),
                HasSubstr("kpledger_peer_calls_refused_total{call=\"Sync\","
                          "reason=\"other_ledger\"} 1"));
    EXPECT_THAT(nodes_[1]->Log(), HasSubstr("refused Sync from"));
  }
  {
    v1::CosignRequest other = req;
    other.set_genesis_hash(std::string(64, 'b'));
    grpc::ClientContext ctx;
    v1::CosignResponse resp;
    EXPECT_EQ(nodes_[1]->Node()->Cosign(&ctx, other, &resp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(Metrics(*nodes_[1]),
                HasSubstr("kpledger_peer_calls_refused_total{call=\"Cosign\","
                          "reason=\"other_ledger\"} 1"));
  }
  // The same made-up root signed by two node keys is a cosigned checkpoint
  // node 2 disagrees with: it has diverged, stops, and says so.
  note = checkpoint::SignCheckpoint(body, b_.NodeSigners(2));
  ASSERT_TRUE(note.ok());
  req.set_checkpoint_note(*note);
  {
    grpc::ClientContext ctx;
    v1::CosignResponse resp;
    const grpc::Status st = nodes_[2]->Node()->Cosign(&ctx, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(), HasSubstr("diverged"));
  }
  const v1::NodeStatus s = Status(*nodes_[2]);
  EXPECT_TRUE(s.diverged());
  EXPECT_THAT(Metrics(*nodes_[2]), HasSubstr("kpledger_diverged 1"));
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("DIVERGED"));
  // It serves no checkpoint and takes no submissions.
  {
    grpc::ClientContext ctx;
    v1::GetCheckpointRequest creq;
    v1::Checkpoint cp;
    EXPECT_EQ(nodes_[2]->Ledger()->GetCheckpoint(&ctx, creq, &cp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  EXPECT_FALSE(Submit(*nodes_[2]->Ledger(), b_.Register("vault-1", v1::VAULT))
                   .status.ok());
  // Nor does it answer from its state, which is not the cluster's ledger:
  // an inspector who asks is sent to another node.
  {
    grpc::ClientContext ctx;
    v1::ListActorsResponse actors;
    const grpc::Status st = nodes_[2]->Ledger()->ListActors(&ctx, {}, &actors);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(),
                HasSubstr("diverged and serves no checkpoint"));
    EXPECT_THAT(st.error_message(), HasSubstr("ask another agency's node"));
  }
  {
    grpc::ClientContext ctx;
    v1::ListNodeKeysResponse keys;
    EXPECT_EQ(nodes_[2]->Ledger()->ListNodeKeys(&ctx, {}, &keys).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext ctx;
    v1::Balance balance;
    EXPECT_EQ(nodes_[2]->Reports()->GetBalance(&ctx, {}, &balance).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  // Its log entries are still served, for an operator to compare.
  {
    grpc::ClientContext ctx;
    v1::StreamEntriesRequest entries;
    auto reader = nodes_[2]->Ledger()->StreamEntries(&ctx, entries);
    v1::LedgerEntry entry;
    int read = 0;
    while (reader->Read(&entry)) ++read;
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_GE(read, 2);
  }
  // Node 1's own root, with a policy count the threshold signed and node 1
  // did not compute: its history is not its cluster's either.
  {
    grpc::ClientContext ctx;
    v1::CosignResponse resp;
    const grpc::Status st =
        nodes_[1]->Node()->Cosign(&ctx, wrong_count_at_threshold, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(), HasSubstr("diverged"));
    EXPECT_TRUE(Status(*nodes_[1]).diverged());
    EXPECT_THAT(nodes_[1]->Log(),
                HasSubstr("this node's log holds 0 policy update(s), but the "
                          "checkpoint signed by node-1.kpledger.test, "
                          "node-2.kpledger.test counts 5, and they are the "
                          "threshold of 2"));
  }
}

// A node that lies to a mirror: it relays a real node's log, with one byte
// of one entry changed, or with the checkpoint's root changed.
class LyingNode final : public v1::NodeService::Service {
 public:
  enum class Lie { kChangedEntry, kWrongRoot };
  LyingNode(std::string real, Lie lie) : real_(std::move(real)), lie_(lie) {}

  grpc::Status GetStatus(grpc::ServerContext*,
                         const v1::GetStatusRequest* request,
                         v1::NodeStatus* response) override {
    auto stub = v1::NodeService::NewStub(
        grpc::CreateChannel(real_, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    return stub->GetStatus(&ctx, *request, response);
  }

  grpc::Status Sync(grpc::ServerContext*, const v1::SyncRequest* request,
                    grpc::ServerWriter<v1::SyncResponse>* writer) override {
    auto stub = v1::NodeService::NewStub(
        grpc::CreateChannel(real_, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    auto reader = stub->Sync(&ctx, *request);
    v1::SyncResponse item;
    bool changed = false;
    while (reader->Read(&item)) {
      if (lie_ == Lie::kChangedEntry && item.has_entry() && !changed &&
          item.entry().index() >= 2) {
        std::string* leaf = item.mutable_entry()->mutable_leaf();
        (*leaf)[leaf->size() - 3] ^= 1;
        changed = true;
      }
      if (lie_ == Lie::kWrongRoot && item.has_checkpoint()) {
        // The root line (the third of the note) of another tree.
        std::string* note = item.mutable_checkpoint()->mutable_note();
        const size_t root = note->find('\n', note->find('\n') + 1) + 1;
        (*note)[root] = (*note)[root] == 'A' ? 'B' : 'A';
      }
      writer->Write(item);
    }
    return reader->Finish();
  }

 private:
  const std::string real_;
  const Lie lie_;
};

TEST_F(ClusterTest, AMirrorRefusesANodeThatLies) {
  RegisterActors();
  for (LyingNode::Lie lie :
       {LyingNode::Lie::kChangedEntry, LyingNode::Lie::kWrongRoot}) {
    LyingNode liar(nodes_[0]->grpc_address(), lie);
    std::string address;
    std::unique_ptr<grpc::Server> server = ServeOnLoopback(&liar, &address);
    ASSERT_NE(server, nullptr);
    std::unique_ptr<NodeProcess> mirror =
        StartMirror(absl::StrCat("mirror-", static_cast<int>(lie)), address);
    ASSERT_NE(mirror, nullptr);
    std::string metrics;
    for (int tries = 0; tries < 100; ++tries) {
      metrics = Metrics(*mirror);
      if (absl::StrContains(metrics, "kpledger_sync_refused_total 1") ||
          absl::StrContains(metrics, "kpledger_sync_refused_total 2")) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_THAT(metrics,
                ::testing::ContainsRegex("kpledger_sync_refused_total [1-9]"));
    // Nothing of the lie was applied: the mirror holds the genesis only.
    EXPECT_EQ(Status(*mirror).tree_size(), 1u);
    EXPECT_THAT(mirror->Log(), HasSubstr(lie == LyingNode::Lie::kChangedEntry
                                             ? "changed an entry"
                                             : "does not verify"));
    mirror->Stop();
    server->Shutdown();
  }
}

TEST_F(ClusterTest, ABootstrappingNodeRefusesAPeerThatLies) {
  RegisterActors();
  LyingNode liar(nodes_[0]->grpc_address(), LyingNode::Lie::kChangedEntry);
  std::string address;
  std::unique_ptr<grpc::Server> server = ServeOnLoopback(&liar, &address);
  ASSERT_NE(server, nullptr);
  // Node 2 starts over with the liar as its only peer.
  nodes_[2]->Stop();
  std::filesystem::remove_all(NodeDir(2) + "/data");
  StartNode(2, {}, std::vector<std::string>{address});
  // The copy is refused before anything of it is applied; etcd's history
  // (not compacted here) then gives the node the same log. (It cannot
  // have it cosigned: its only peer is the liar.)
  for (int tries = 0; tries < 100 && Status(*nodes_[2]).tree_size() < 3;
       ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Status(*nodes_[2]).tree_size(), 3u);
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("changed an entry"));
  EXPECT_THAT(Metrics(*nodes_[2]), HasSubstr("kpledger_sync_refused_total 1"));
  EXPECT_EQ(Status(*nodes_[2]).root_hash(), Status(*nodes_[0]).root_hash());
  server->Shutdown();
}

// A peer whose log, under a checkpoint with the genesis threshold of node
// signatures, ends in an entry this node's rules refuse: the replay of an
// event already in the log (as if the cluster ran rules that let it in).
// Or, with `policy_updates`, the real log under a checkpoint that counts
// that many policy updates (as if the cluster's rules accepted some this
// node's refused). Everything the follower checks before applying holds.
class ThresholdSignedReplay final : public v1::NodeService::Service {
 public:
  ThresholdSignedReplay(std::string real, const CustodyBuilder& b,
                        std::optional<uint64_t> policy_updates = std::nullopt)
      : real_(std::move(real)), b_(b), policy_updates_(policy_updates) {}

  grpc::Status Sync(grpc::ServerContext*, const v1::SyncRequest* request,
                    grpc::ServerWriter<v1::SyncResponse>* writer) override {
    auto stub = v1::NodeService::NewStub(
        grpc::CreateChannel(real_, grpc::InsecureChannelCredentials()));
    v1::SyncRequest all = *request;
    all.set_from_index(0);
    grpc::ClientContext ctx;
    auto reader = stub->Sync(&ctx, all);
    std::vector<std::string> leaves;
    v1::SyncResponse item, end;
    while (reader->Read(&item)) {
      if (item.has_entry()) leaves.push_back(item.entry().leaf());
      if (item.has_checkpoint()) end = item;
    }
    grpc::Status st = reader->Finish();
    if (!st.ok()) return st;
    if (!policy_updates_.has_value()) {
      const entry::LeafView last = entry::DecodeLeaf(leaves.back()).value();
      leaves.push_back(
          entry::EncodeLeaf(leaves.size(), last.time, last.envelope));
    }
    merkle::CompactRange range;
    for (const std::string& leaf : leaves) {
      range.Append(merkle::HashLeaf(leaf), [](auto&&...) {});
    }
    checkpoint::CheckpointBody body;
    body.origin = b_.genesis().origin();
    body.tree_size = leaves.size();
    body.root = range.Root();
    // The duplicate is no policy update: the real checkpoint's count holds.
    body.extensions =
        checkpoint::CheckpointBody::Parse(
            checkpoint::ParseNote(end.checkpoint().note()).value().text)
            .value()
            .extensions;
    if (policy_updates_.has_value()) {
      body.extensions = {checkpoint::PolicyUpdatesLine(*policy_updates_)};
    }
    v1::Checkpoint* cp = end.mutable_checkpoint();
    cp->set_note(checkpoint::SignCheckpoint(body, b_.NodeSigners(2)).value());
    cp->set_tree_size(body.tree_size);
    cp->set_root_hash(std::string(body.root.begin(), body.root.end()));
    end.set_position(end.position() + 1);
    for (uint64_t i = request->from_index(); i < leaves.size(); ++i) {
      item.Clear();
      item.mutable_entry()->set_index(i);
      item.mutable_entry()->set_leaf(leaves[i]);
      writer->Write(item);
    }
    writer->Write(end);
    return grpc::Status::OK;
  }

 private:
  const std::string real_;
  const CustodyBuilder& b_;
  const std::optional<uint64_t> policy_updates_;
};

// An agency joins by governance (docs/operations.md): its node key is
// registered as a NODE actor, its node bootstraps, proposes and cosigns;
// and an agency that leaves is shut out by revoking its node key, genesis
// key or not. Every node agrees throughout.
TEST_F(ClusterTest, AnAgencyJoinsAndAnotherLeavesByGovernance) {
  RegisterActors();
  // An import the rules would accept, signed without moving the builder's
  // heads, for the submissions that are refused as a whole.
  auto refused_import = [this](int i) {
    const std::string id = absl::StrCat("R-", i);
    return b_.Sign(
        ImportEvent(id, "vault-1",
                    IncomingCertificate("BW-" + id, "BW", 10000, 1000000)),
        {"customs-1"}, /*expect_accept=*/false);
  };
  // The new agency's key; its file names it as governance registers it.
  const std::string agency = "vault-agency";
  const crypto::PrivateKey key = CustodyBuilder::ActorKey(agency);
  ports_.push_back(FreePort());
  const std::string d = NodeDir(kNodes);
  std::filesystem::create_directories(d);
  ASSERT_TRUE(
      base::WriteJsonFile(d + "/genesis.json", b_.genesis_envelope()).ok());
  ASSERT_TRUE(crypto::WritePrivateKeyFile(d + "/node.key", agency, key).ok());
  std::vector<std::string> peers;
  for (int p = 0; p < kNodes; ++p) {
    peers.push_back(absl::StrCat("127.0.0.1:", ports_[p]));
  }
  nodes_.resize(kNodes + 1);
  StartNode(kNodes, {}, peers);
  NodeProcess* joining = nodes_[kNodes].get();
  for (int tries = 0; tries < 300 && Status(*joining).tree_size() < 3;
       ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Status(*joining).tree_size(), 3u) << joining->Log();
  EXPECT_EQ(Status(*joining).node_name(), agency);
  EXPECT_THAT(Status(*joining).node_key(),
              HasSubstr("not in force: not a node key of this ledger up to "
                        "entry"));

  // Before governance registers its key, its batches are refused by every
  // node, and its submitters are told why.
  SubmitResult r = Submit(*joining->Ledger(), refused_import(1));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << r.status.error_message();
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("was proposed by \"vault-agency\", which is not a "
                        "node key of this ledger"));

  r = Submit(*nodes_[0]->Ledger(), b_.Register(agency, v1::NODE));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  r = Submit(*joining->Ledger(), Import(1));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  WaitForSize(5);
  // Its signature counts: its own checkpoints are cosigned with it. Four
  // keys are in force now, and a checkpoint needs three.
  v1::ListNodeKeysResponse keys = NodeKeys(*nodes_[0]);
  ASSERT_EQ(keys.keys_size(), 4);
  EXPECT_EQ(keys.keys(3).name(), agency);
  EXPECT_TRUE(keys.keys(3).in_force());
  EXPECT_EQ(keys.checkpoint_threshold(), 3u);
  EXPECT_EQ(Status(*joining).node_key(), "in force");
  EXPECT_THAT(Status(*joining).latest_cosigned().signers(),
              ::testing::Contains(agency));
  EXPECT_THAT(joining->Log(),
              HasSubstr("this node's key vault-agency is not in force: not a "
                        "node key of this ledger"));

  // Node 2's agency leaves: governance revokes its genesis key.
  v1::CustodyEvent revoke;
  const std::string leaving = b_.genesis().node_keys(2).name();
  revoke.mutable_revoke_actor()->set_actor_id(leaving);
  revoke.mutable_revoke_actor()->set_reason("the agency left the scheme");
  const SubmitResult revoked =
      Submit(*nodes_[1]->Ledger(), b_.Governance(revoke));
  ASSERT_TRUE(revoked.status.ok()) << revoked.status.error_message();
  for (int tries = 0; tries < 300 && Status(*nodes_[2]).tree_size() < 6;
       ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  r = Submit(*nodes_[2]->Ledger(), refused_import(2));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << r.status.error_message();
  EXPECT_THAT(r.status.error_message(),
              HasSubstr(absl::StrCat("was revoked at entry ",
                                     revoked.receipt.leaf_index())));
  EXPECT_EQ(Status(*nodes_[2]).node_key(),
            absl::StrCat("not in force: revoked at entry ",
                         revoked.receipt.leaf_index()));
  keys = NodeKeys(*nodes_[0]);
  ASSERT_EQ(keys.keys_size(), 4);
  EXPECT_FALSE(keys.keys(2).in_force());
  EXPECT_EQ(keys.keys(2).removed_at(), revoked.receipt.leaf_index());
  EXPECT_EQ(keys.checkpoint_threshold(), 2u);
  // Its node is stopped (it could only follow: its checkpoint signatures
  // no longer count). The others go on and agree, cosigned without it.
  nodes_.erase(nodes_.begin() + 2);
  ASSERT_TRUE(Submit(*joining->Ledger(), Import(2)).status.ok());
  WaitForSize(7);
  for (auto& n : nodes_) {
    EXPECT_THAT(Metrics(*n),
                HasSubstr("kpledger_etcd_batches_refused_total{reason="
                          "\"PERMISSION_DENIED\"} 2"));
    EXPECT_THAT(Status(*n).latest_cosigned().signers(),
                ::testing::Not(::testing::Contains(leaving)));
  }
}

TEST_F(ClusterTest, AMirrorThatDoesNotReachACosignedCheckpointSaysItDiverged) {
  RegisterActors();
  struct Case {
    const char* mirror;
    std::optional<uint64_t> policy_updates;
    std::string why;
  };
  const Case cases[] = {
      // It applies the three real entries, refuses the replay, and then
      // does not have the cosigned root.
      {"mirror-replay", std::nullopt, "refused or changed an entry"},
      // The entries give the cosigned root, but its own log holds no
      // policy update.
      {"mirror-policy", 7,
       "the checkpoint says the log holds 7 policy update(s) below tree "
       "size 3; this node's log holds 0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.mirror);
    ThresholdSignedReplay peer(nodes_[0]->grpc_address(), b_, c.policy_updates);
    std::string address;
    std::unique_ptr<grpc::Server> server = ServeOnLoopback(&peer, &address);
    ASSERT_NE(server, nullptr);
    std::unique_ptr<NodeProcess> mirror = StartMirror(c.mirror, address);
    ASSERT_NE(mirror, nullptr);
    bool diverged = false;
    for (int tries = 0; tries < 100 && !diverged; ++tries) {
      diverged = Status(*mirror).diverged();
      if (!diverged) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    // It says so, adopts no checkpoint and follows no further.
    EXPECT_TRUE(diverged) << mirror->Log();
    EXPECT_EQ(Status(*mirror).tree_size(), 3u);
    EXPECT_THAT(Metrics(*mirror), HasSubstr("kpledger_diverged 1"));
    EXPECT_THAT(mirror->Log(), HasSubstr(c.why));
    EXPECT_THAT(Metrics(*mirror), HasSubstr("kpledger_sync_refused_total 0"));
    grpc::ClientContext ctx;
    v1::Checkpoint cp;
    EXPECT_EQ(mirror->Ledger()->GetCheckpoint(&ctx, {}, &cp).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
    mirror->Stop();
    server->Shutdown();
  }
}

TEST_F(ClusterTest, ACopyCutShortIsFinishedFromAPeerNotFromEtcd) {
  RegisterActors();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Submit(*nodes_[0]->Ledger(), Import(i)).status.ok());
  }
  WaitForSize(5);
  // Node 2's log as a bootstrap leaves it when killed after its first
  // copied batch: the genesis and entry 1, and no etcd revision.
  nodes_[2]->Stop();
  std::filesystem::remove_all(NodeDir(2) + "/data");
  {
    auto store = store::Store::Open(NodeDir(2) + "/data");
    ASSERT_TRUE(store.ok()) << store.status();
    auto applier = apply::Applier::Open(store->get());
    ASSERT_TRUE(applier.ok());
    ASSERT_TRUE((*applier)->Bootstrap(b_.genesis_envelope()).ok());
    v1::SyncRequest sync;
    sync.set_genesis_hash(GenesisHash());
    sync.set_from_index(1);
    grpc::ClientContext ctx;
    auto reader = nodes_[0]->Node()->Sync(&ctx, sync);
    v1::SyncResponse item;
    ASSERT_TRUE(reader->Read(&item) && item.has_entry());
    ctx.TryCancel();
    reader->Finish();
    const entry::LeafView view = entry::DecodeLeaf(item.entry().leaf()).value();
    apply::OrderedBatch copied;
    copied.position = 0;
    copied.from_peer = true;
    copied.proposed_time = view.time;
    copied.envelopes.emplace_back(view.envelope);
    ASSERT_TRUE((*applier)->Apply(std::move(copied)).ok());
    ASSERT_EQ((*store)->size(), 2u);
  }
  // Without peers it cannot finish the copy, and does not watch etcd from
  // its first revision instead.
  {
    StartNode(2, {}, std::vector<std::string>{});
    std::string log;
    for (int tries = 0; tries < 100; ++tries) {
      log = nodes_[2]->Log();
      if (absl::StrContains(log, "cut short")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_THAT(log, HasSubstr("list them in --peers"));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    EXPECT_EQ(Status(*nodes_[2]).tree_size(), 2u);
    nodes_[2]->Stop();
  }
  // With its peers it finishes the copy, then follows etcd.
  StartNode(2);
  WaitForSize(5);
  ASSERT_TRUE(Submit(*nodes_[2]->Ledger(), Import(2)).status.ok());
  WaitForSize(6);
  EXPECT_EQ(Status(*nodes_[2]).root_hash(), Status(*nodes_[0]).root_hash());
}

TEST_F(ClusterTest, ANodeThatCompactionLeftBehindBootstrapsFromAPeer) {
  // With a quota this small etcd is always near full: every node compacts
  // at its own progress (every 5 s), whichever node lags.
  const std::vector<std::string> tiny_quota = {"--etcd-quota-bytes", "1000"};
  for (auto& n : nodes_) n->Stop();
  for (int i = 0; i < kNodes; ++i) StartNode(i, tiny_quota);
  RegisterActors();
  // Once node 2 has reported its progress, it holds ordinary compaction
  // back while it is down: only the quota's can pass it.
  {
    std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
    ASSERT_NE(etcd, nullptr);
    etcdserverpb::RangeRequest progress;
    progress.set_key(absl::StrCat("/kpledger/", GenesisHash(), "/progress/",
                                  b_.genesis().node_keys(2).name()));
    bool reported = false;
    for (int tries = 0; tries < 150 && !reported; ++tries) {
      absl::StatusOr<etcdserverpb::RangeResponse> r =
          etcd->Range(progress, absl::Seconds(5));
      reported = r.ok() && r->kvs_size() == 1;
      if (!reported)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(reported);
  }
  uint64_t stopped_at = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(Status(*nodes_[2]).applied_position(), &stopped_at));
  nodes_[2]->Stop();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Submit(*nodes_[0]->Ledger(), Import(i)).status.ok());
  }
  double compacted = 0;
  for (int tries = 0; tries < 200 && compacted <= stopped_at; ++tries) {
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<MetricsScrape> m =
          ScrapeMetrics(nodes_[i]->http_address());
      if (m.ok()) {
        compacted =
            std::max(compacted, Value(*m, "kpledger_etcd_compacted_revision"));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(compacted, stopped_at);
  EXPECT_THAT(nodes_[0]->Log() + nodes_[1]->Log(),
              HasSubstr("over 3/4 of its 1000 byte quota"));
  // Its watch from where it stopped finds the batches gone: it copies the
  // log from a peer, then follows etcd again.
  StartNode(2, tiny_quota);
  WaitForSize(6);
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("etcd compacted its history"));
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("bootstrapped"));
  ASSERT_TRUE(Submit(*nodes_[2]->Ledger(), Import(3)).status.ok());
  WaitForSize(7);
  EXPECT_EQ(Status(*nodes_[2]).root_hash(), Status(*nodes_[0]).root_hash());
}

// Waits until `node`'s log says `text` (up to ~20 s).
bool LogSays(NodeProcess& node, const std::string& text) {
  for (int tries = 0; tries < 200; ++tries) {
    if (absl::StrContains(node.Log(), text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Submits `event` to `node` until `done` holds for the answer (~20 s at
// most); the last answer.
SubmitResult SubmitUntil(NodeProcess& node, const v1::Envelope& event,
                         const std::function<bool(const SubmitResult&)>& done) {
  SubmitResult r;
  for (int tries = 0; tries < 100; ++tries) {
    r = Submit(*node.Ledger(), event);
    if (done(r)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return r;
}

// Until the node is placed in etcd's order: answered other than
// UNAVAILABLE.
SubmitResult SubmitWhenPlaced(NodeProcess& node, const v1::Envelope& event) {
  return SubmitUntil(node, event, [](const SubmitResult& r) {
    return r.status.error_code() != grpc::StatusCode::UNAVAILABLE;
  });
}

// Until the answer says `text`.
SubmitResult SubmitUntilSays(NodeProcess& node, const v1::Envelope& event,
                             const std::string& text) {
  return SubmitUntil(node, event, [&text](const SubmitResult& r) {
    return absl::StrContains(r.status.error_message(), text);
  });
}

TEST_F(ClusterTest, NodesRefuseAnEtcdThatLostTheirHistory) {
  RegisterActors();
  // etcd replaced by a new, empty cluster (as after a lost cluster or a
  // restore of an old snapshot): its revisions start again below what the
  // nodes applied.
  ASSERT_NO_FATAL_FAILURE(ReplaceEtcd());
  for (int i = 0; i < kNodes; ++i) StartNode(i);
  const SubmitResult r = SubmitUntilSays(*nodes_[2], Import(1), "is behind");
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(r.status.error_message(), HasSubstr("etcd was restored"));
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("is behind"));
  EXPECT_EQ(Status(*nodes_[2]).tree_size(), 3u);  // reads go on
}

TEST_F(ClusterTest, TheLedgerGoesOnOnANewEtcdInANewEpoch) {
  RegisterActors();
  // Node 2 stops one entry behind the others.
  nodes_[2]->Stop();
  ASSERT_TRUE(Submit(*nodes_[0]->Ledger(), Import(1)).status.ok());
  for (int tries = 0; tries < 300; ++tries) {
    const v1::NodeStatus s0 = Status(*nodes_[0]);
    if (s0.tree_size() == 4 && s0.latest_cosigned().tree_size() == 4 &&
        Status(*nodes_[1]).tree_size() == 4) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Status(*nodes_[0]).latest_cosigned().tree_size(), 4u);
  ASSERT_NO_FATAL_FAILURE(ReplaceEtcd());
  StartNode(0);
  const SubmitResult behind =
      SubmitUntilSays(*nodes_[0], Import(2), "is behind");
  EXPECT_EQ(behind.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(behind.status.error_message(), HasSubstr("is behind"));
  // Other writes take the new etcd's revision past the nodes': it still is
  // not their history.
  std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
  ASSERT_NE(etcd, nullptr);
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(etcd->Put("/elsewhere", "x", absl::Seconds(3)).ok());
  }
  EXPECT_TRUE(LogSays(*nodes_[0],
                      "etcd does not hold the batch this node "
                      "applied"))
      << nodes_[0]->Log();
  // Told to start an epoch, node 2 refuses: node 1 does not answer, and
  // then two peers hold more.
  StartNode(2, {"--etcd-new-epoch"});
  EXPECT_TRUE(LogSays(*nodes_[2], "nodes node-2.kpledger.test did not answer"))
      << nodes_[2]->Log();
  nodes_[2]->Stop();
  StartNode(1);
  StartNode(2, {"--etcd-new-epoch"});
  // (By tree size, or by the cosigned checkpoint, whichever is known.)
  EXPECT_TRUE(LogSays(*nodes_[2], "start the epoch on")) << nodes_[2]->Log();

  // Started on the node with the most entries: node 1 enters it, node 2
  // copies the entry it lacks from a peer first.
  nodes_[0]->Stop();
  StartNode(0, {"--etcd-new-epoch"});
  EXPECT_TRUE(LogSays(*nodes_[0],
                      "started etcd epoch 1 on this node's 4 "
                      "entries"))
      << nodes_[0]->Log();
  EXPECT_TRUE(LogSays(*nodes_[1],
                      "entering etcd epoch 1 at this node's 4 "
                      "entries"))
      << nodes_[1]->Log();
  const SubmitResult accepted = SubmitWhenPlaced(*nodes_[2], Import(2));
  ASSERT_TRUE(accepted.status.ok())
      << accepted.status.error_message() << nodes_[2]->Log();
  WaitForSize(5);
  EXPECT_THAT(nodes_[2]->Log(), HasSubstr("bootstrapped 1 entries"));
  for (auto& n : nodes_) {
    EXPECT_THAT(Status(*n).applied_position(), HasSubstr("in etcd epoch 1"));
    EXPECT_EQ(Status(*n).etcd_epoch(), 1u);
    absl::StatusOr<MetricsScrape> m = ScrapeMetrics(n->http_address());
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(Value(*m, "kpledger_etcd_epoch"), 1);
  }
  // A restart resumes inside the epoch.
  nodes_[1]->Stop();
  StartNode(1);
  ASSERT_TRUE(SubmitWhenPlaced(*nodes_[1], Import(3)).status.ok());
  WaitForSize(6);
  const v1::NodeStatus s0 = Status(*nodes_[0]);
  for (auto& n : nodes_) {
    EXPECT_EQ(Status(*n).root_hash(), s0.root_hash());
    EXPECT_FALSE(Status(*n).diverged());
  }
}

TEST_F(ClusterTest, EntriesNoCheckpointCoversAreLeftOutOfANewEpoch) {
  RegisterActors();
  // Node 0 alone applies one more batch: with a threshold of 2 it is
  // acknowledged but never cosigned.
  nodes_[1]->Stop();
  nodes_[2]->Stop();
  ASSERT_TRUE(Submit(*nodes_[0]->Ledger(), Import(1)).status.ok());
  ASSERT_EQ(Status(*nodes_[0]).tree_size(), 4u);
  ASSERT_NO_FATAL_FAILURE(ReplaceEtcd());
  StartNode(0);
  StartNode(2);
  StartNode(1, {"--etcd-new-epoch"});
  EXPECT_TRUE(LogSays(*nodes_[1],
                      "started etcd epoch 1 on this node's 3 "
                      "entries"))
      << nodes_[1]->Log();
  EXPECT_TRUE(LogSays(*nodes_[1], "which fewer than 2 nodes hold"));
  // Node 0 refuses the epoch, and cannot start one of its own.
  const SubmitResult refused =
      SubmitUntilSays(*nodes_[0], Import(2), "epoch 1");
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.status.error_message(),
              HasSubstr("etcd epoch 1 starts on a log of 3 entries but this "
                        "node holds 4"));
  nodes_[0]->Stop();
  StartNode(0, {"--etcd-new-epoch"});
  EXPECT_TRUE(LogSays(*nodes_[0], "not all covered by a cosigned checkpoint"))
      << nodes_[0]->Log();
  // Its data dir replaced, it bootstraps and follows; the event it alone
  // held is submitted again.
  nodes_[0]->Stop();
  std::filesystem::remove_all(NodeDir(0) + "/data");
  StartNode(0);
  const SubmitResult again = SubmitWhenPlaced(*nodes_[0], Import(1));
  ASSERT_TRUE(again.status.ok())
      << again.status.error_message() << nodes_[0]->Log();
  WaitForSize(4);
  EXPECT_EQ(Status(*nodes_[0]).etcd_epoch(), 1u);
}

TEST_F(ClusterTest, AMalformedEpochRecordStopsEveryNodeUntilOneReplacesIt) {
  RegisterActors();
  std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
  ASSERT_NE(etcd, nullptr);
  ASSERT_TRUE(etcd->Put(absl::StrCat("/kpledger/", GenesisHash(), "/epoch"),
                        "kpledger etcd epoch\n1\n3\n", absl::Seconds(3))
                  .ok());
  const SubmitResult r =
      SubmitUntil(*nodes_[1], Import(1), [](const SubmitResult& answer) {
        return answer.status.error_code() == grpc::StatusCode::UNAVAILABLE;
      });
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(r.status.error_message(),
              HasSubstr("etcd's epoch record is malformed: it has 3 lines"));
  for (auto& n : nodes_) {
    EXPECT_TRUE(LogSays(*n, "epoch record is malformed")) << n->Log();
    EXPECT_EQ(Status(*n).tree_size(), 3u);  // reads go on
  }
  // Replaced by a node whose operator vouches that node 0 is gone.
  nodes_[0]->Stop();
  nodes_[2]->Stop();
  StartNode(2, {"--etcd-new-epoch", "--etcd-new-epoch-absent",
                "node-1.kpledger.test"});
  EXPECT_TRUE(LogSays(*nodes_[2], "started etcd epoch 1")) << nodes_[2]->Log();
  ASSERT_TRUE(SubmitWhenPlaced(*nodes_[1], Import(1)).status.ok());
  StartNode(0);
  WaitForSize(4);
}

// The guard kpnode --etcd-new-epoch relies on: the epoch record is
// replaced only while it is unchanged and no batch was put since it.
TEST_F(ClusterTest, AnEpochIsStartedOnlyIfNoBatchWasPutSinceTheLast) {
  std::unique_ptr<node::EtcdClient> etcd = DirectEtcd();
  ASSERT_NE(etcd, nullptr);
  const std::string epoch = "/guard/epoch";
  const std::string batches = "/guard/batch/";
  const absl::Duration t = absl::Seconds(3);
  absl::StatusOr<int64_t> first =
      etcd->PutIfUnchanged(epoch, "1", 0, batches, t);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(absl::IsFailedPrecondition(
      etcd->PutIfUnchanged(epoch, "1", 0, batches, t).status()));
  ASSERT_TRUE(etcd->Put(batches + "node-1", "batch", t).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(
      etcd->PutIfUnchanged(epoch, "2", *first, batches, t).status()));
  // Without the guard (a malformed record: no node took those batches).
  EXPECT_TRUE(etcd->PutIfUnchanged(epoch, "2", *first, "", t).ok());
  // A new etcd that already holds a batch: no first epoch either.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      etcd->PutIfUnchanged("/guard2/epoch", "1", 0, batches, t).status()));
}

}  // namespace
}  // namespace kpledger::testing
