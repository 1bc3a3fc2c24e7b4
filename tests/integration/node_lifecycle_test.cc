// A kpnode process's life: clean shutdown and restart on its data dir, the
// configurations it refuses to start with, backpressure, TLS, and kill -9
// under load, after which every acknowledged event is in the log and the
// root equals a replay of the log from genesis.
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/audit/replay.h"
#include "ledger/merkle/hasher.h"
#include "tests/integration/ledger_client.h"
#include "tests/integration/node_process.h"
#include "tests/testing/custody_builder.h"

namespace kpledger::testing {
namespace {

using ::testing::HasSubstr;

class NodeLifecycleTest : public ::testing::Test {
 protected:
  NodeLifecycleTest() : b_(DefaultPolicy(), /*checkpoint_threshold=*/1) {}

  void SetUp() override { dir_ = FreshLedgerDir(b_); }

  std::unique_ptr<NodeProcess> StartNode(
      const std::vector<std::string>& extra = {}) {
    absl::StatusOr<std::unique_ptr<NodeProcess>> node =
        NodeProcess::Start(dir_, extra);
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  void RegisterActors(NodeProcess& node) {
    auto stub = node.Ledger();
    for (const auto& [id, role] : std::vector<std::pair<std::string, v1::Role>>{
             {"customs-1", v1::CUSTOMS}, {"vault-1", v1::VAULT}}) {
      const SubmitResult r = Submit(*stub, b_.Register(id, role));
      ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    }
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
    v1::NodeStatus status;
    EXPECT_TRUE(node.Node()->GetStatus(&ctx, {}, &status).ok());
    return status;
  }

  // Args for a kpnode run that must not start: the usual flags, with
  // `overrides` replacing the values of the flags they name.
  std::vector<std::string> Args(
      std::map<std::string, std::string> overrides = {}) {
    std::map<std::string, std::string> flags = {
        {"--data-dir", dir_ + "/data"},
        {"--genesis", dir_ + "/genesis.json"},
        {"--node-key", dir_ + "/node.key"},
        {"--listen", "127.0.0.1:0"},
        {"--http-listen", ""}};
    for (const auto& [k, v] : overrides) flags[k] = v;
    std::vector<std::string> args;
    for (const auto& [k, v] : flags) {
      args.push_back(k);
      args.push_back(v);
    }
    return args;
  }

  CustodyBuilder b_;
  std::string dir_;
};

TEST_F(NodeLifecycleTest, SigtermThenRestartKeepsTheLedger) {
  auto node = StartNode();
  ASSERT_NE(node, nullptr);
  RegisterActors(*node);
  auto stub = node->Ledger();
  const SubmitResult imported = Submit(*stub, Import(1));
  ASSERT_TRUE(imported.status.ok());
  const v1::NodeStatus before = Status(*node);
  EXPECT_EQ(node->Stop(), 0) << node->Log();
  EXPECT_THAT(node->Log(), HasSubstr("kpnode stopped"));

  node = StartNode();
  ASSERT_NE(node, nullptr);
  const v1::NodeStatus after = Status(*node);
  EXPECT_EQ(after.tree_size(), before.tree_size());
  EXPECT_EQ(after.root_hash(), before.root_hash());
  EXPECT_EQ(after.applied_position(), before.applied_position());
  // The ledger goes on where it stopped; the old event is a duplicate.
  stub = node->Ledger();
  const SubmitResult again = Submit(*stub, Import(1));
  EXPECT_EQ(again.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(again.receipt.leaf_index(), imported.receipt.leaf_index());
  const SubmitResult next = Submit(*stub, Import(2));
  ASSERT_TRUE(next.status.ok()) << next.status.error_message();
  EXPECT_EQ(next.receipt.leaf_index(), before.tree_size());
}

TEST_F(NodeLifecycleTest, RefusesToStartWithAClearMessage) {
  // A data dir of another ledger.
  {
    auto node = StartNode();
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->Stop(), 0);
  }
  CustodyBuilder other(DefaultPolicy(), 1);
  v1::Genesis g = other.genesis();
  const std::string other_dir = dir_ + "/other";
  // Same keys, another origin: another ledger.
  WriteLedgerFiles(CustodyBuilder(DefaultPolicy(), 2), other_dir);
  auto [code, log] = NodeProcess::RunToExit(
      Args({{"--genesis", other_dir + "/genesis.json"}}));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("holds another ledger"));

  std::tie(code, log) =
      NodeProcess::RunToExit(Args({{"--genesis", dir_ + "/missing.json"}}));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("cannot read the genesis"));

  chmod((dir_ + "/node.key").c_str(), 0644);
  std::tie(code, log) = NodeProcess::RunToExit(Args());
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("cannot read the node key"));
  chmod((dir_ + "/node.key").c_str(), 0600);

  std::tie(code, log) =
      NodeProcess::RunToExit(Args({{"--listen", "nonsense"}}));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("--listen \"nonsense\" is not HOST:PORT"));

  std::tie(code, log) =
      NodeProcess::RunToExit(Args({{"--tls-cert", dir_ + "/genesis.json"}}));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("--tls-cert and --tls-key go together"));

  std::ofstream(dir_ + "/bad.toml") << "batch-max-events = lots\n";
  std::tie(code, log) = NodeProcess::RunToExit(
      {"--config", dir_ + "/bad.toml", "--data-dir", dir_ + "/data",
       "--genesis", dir_ + "/genesis.json", "--node-key", dir_ + "/node.key"});
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("batch-max-events"));

  // A port in use: a running node's, and a data dir locked by it.
  auto node = StartNode();
  ASSERT_NE(node, nullptr);
  std::tie(code, log) = NodeProcess::RunToExit(Args(
      {{"--listen", node->grpc_address()}, {"--data-dir", dir_ + "/data2"}}));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("is in use"));
  std::tie(code, log) = NodeProcess::RunToExit(Args());
  EXPECT_EQ(code, 2);
  EXPECT_THAT(log, HasSubstr("cannot open the ledger"));
}

TEST_F(NodeLifecycleTest, ConfigFileSetsFlags) {
  std::ofstream(dir_ + "/kpnode.toml")
      << "data-dir = \"" << dir_ << "/data\"\n"
      << "genesis = \"" << dir_ << "/genesis.json\"\n"
      << "node-key = \"" << dir_ << "/node.key\"\n"
      << "max-envelope-bytes = 300\n";
  auto node = StartNode({"--config", dir_ + "/kpnode.toml"});
  ASSERT_NE(node, nullptr);
  auto stub = node->Ledger();
  const SubmitResult r = Submit(*stub, b_.Register("customs-1", v1::CUSTOMS));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(r.status.error_message(), HasSubstr("limit of 300 bytes"));
}

TEST_F(NodeLifecycleTest, ConfigFileWithAMisspeltSettingRefusesToStart) {
  std::ofstream(dir_ + "/kpnode.toml")
      << "data-dir = \"" << dir_ << "/data\"\n"
      << "genesis = \"" << dir_ << "/genesis.json\"\n"
      << "node-key = \"" << dir_ << "/node.key\"\n"
      << "sequenser = \"etcd\"\n";
  const auto [code, err] = NodeProcess::RunToExit(
      {"--config", dir_ + "/kpnode.toml", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(code, 2) << err;
  EXPECT_THAT(err, HasSubstr("sequenser"));
}

TEST_F(NodeLifecycleTest, BackpressureAnswersResourceExhausted) {
  // Batches close only after 3 s; at most 20 events may wait.
  auto node = StartNode({"--batch-max-events", "1000", "--batch-delay-ms",
                         "3000", "--max-pending", "20"});
  ASSERT_NE(node, nullptr);
  auto stub = node->Ledger();
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::SubmitRequest> requests(30);
  std::vector<v1::Receipt> receipts(30);
  for (int i = 0; i < 30; ++i) {
    *requests[i].mutable_envelope() =
        b_.Register(absl::StrCat("lab-", i), v1::LAB);
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    stub->async()->Submit(contexts.back().get(), &requests[i], &receipts[i],
                          [&](grpc::Status s) {
                            std::lock_guard<std::mutex> lock(mu);
                            ++codes[s.error_code()];
                            ++done;
                            cv.notify_one();
                          });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done == 30; });
  EXPECT_EQ(codes[grpc::StatusCode::OK], 20);
  EXPECT_EQ(codes[grpc::StatusCode::RESOURCE_EXHAUSTED], 10);
}

// openssl makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, as an agency's PKI would.
bool MakeCertificates(const std::string& d) {
  const std::string cmd = absl::StrCat(
      "set -e; cd ", d,
      "; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
      "-nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca "
      ">/dev/null 2>&1"
      "; for n in server client; do "
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
      "-keyout $n.key -out $n.csr -subj /CN=$n >/dev/null 2>&1; "
      "printf 'subjectAltName=IP:127.0.0.1\\n' > $n.ext; "
      "openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out $n.pem -days 2 -extfile $n.ext >/dev/null 2>&1; "
      "done");
  return std::system(cmd.c_str()) == 0;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

grpc::Status StatusOver(const std::string& address,
                        std::shared_ptr<grpc::ChannelCredentials> creds) {
  auto stub = v1::NodeService::NewStub(grpc::CreateChannel(address, creds));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::NodeStatus status;
  return stub->GetStatus(&ctx, {}, &status);
}

TEST_F(NodeLifecycleTest, TlsWithClientCertificates) {
  ASSERT_TRUE(MakeCertificates(dir_));
  auto node =
      StartNode({"--tls-cert", dir_ + "/server.pem", "--tls-key",
                 dir_ + "/server.key", "--tls-client-ca", dir_ + "/ca.pem"});
  ASSERT_NE(node, nullptr);
  grpc::SslCredentialsOptions with_cert;
  with_cert.pem_root_certs = Read(dir_ + "/ca.pem");
  with_cert.pem_cert_chain = Read(dir_ + "/client.pem");
  with_cert.pem_private_key = Read(dir_ + "/client.key");
  EXPECT_TRUE(
      StatusOver(node->grpc_address(), grpc::SslCredentials(with_cert)).ok());

  grpc::SslCredentialsOptions no_cert;
  no_cert.pem_root_certs = Read(dir_ + "/ca.pem");
  EXPECT_FALSE(
      StatusOver(node->grpc_address(), grpc::SslCredentials(no_cert)).ok());
  EXPECT_FALSE(
      StatusOver(node->grpc_address(), grpc::InsecureChannelCredentials())
          .ok());
}

// Streams the node's log and replays it from genesis into a scratch store
// under `dir` (ledger/audit/replay.h: every entry accepted again at its
// index with its leaf byte for byte), and returns the recomputed root.
absl::StatusOr<std::string> ReplayRoot(NodeProcess& node,
                                       const std::string& dir) {
  std::filesystem::create_directories(dir);
  absl::StatusOr<std::unique_ptr<audit::Replayer>> replayer =
      audit::Replayer::Create(dir);
  if (!replayer.ok()) return replayer.status();
  auto stub = node.Ledger();
  grpc::ClientContext ctx;
  auto reader = stub->StreamEntries(&ctx, {});
  v1::LedgerEntry e;
  absl::Status replayed;
  while (replayed.ok() && reader->Read(&e)) replayed = (*replayer)->Add(e);
  if (!replayed.ok()) ctx.TryCancel();
  const grpc::Status stream = reader->Finish();
  if (replayed.ok() && !stream.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot stream the log: ", stream.error_message()));
  }
  if (replayed.ok()) replayed = (*replayer)->Finish();
  if (!replayed.ok()) {
    return absl::Status(
        replayed.code(),
        absl::StrCat("replay failed at entry ", (*replayer)->failed_entry(),
                     ": ", replayed.message()));
  }
  if ((*replayer)->size() == 0) {
    return absl::InternalError("the node streamed no entries");
  }
  const merkle::Hash root = (*replayer)->root();
  return std::string(root.begin(), root.end());
}

TEST_F(NodeLifecycleTest, KillNineUnderLoadLosesNothingAcknowledged) {
  auto node = StartNode();
  ASSERT_NE(node, nullptr);
  RegisterActors(*node);
  constexpr int kClients = 8;
  constexpr int kPerClient = 400;
  std::vector<std::vector<v1::Envelope>> work(kClients);
  for (int c = 0; c < kClients; ++c) {
    for (int i = 0; i < kPerClient; ++i) {
      work[c].push_back(Import(c * kPerClient + i));
    }
  }
  std::mutex mu;
  std::map<std::string, uint64_t> acknowledged;  // event id -> index
  std::atomic<bool> killed{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto stub = node->Ledger();
      for (const v1::Envelope& env : work[c]) {
        if (killed) return;
        const SubmitResult r = Submit(*stub, env);
        if (r.status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged[r.receipt.event_id()] = r.receipt.leaf_index();
        }
      }
    });
  }
  // Kill once a good part of the load is acknowledged, mid-stream.
  for (int i = 0; i < 2000; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acknowledged.size() >= kClients * kPerClient / 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  node->Kill();
  killed = true;
  for (std::thread& t : clients) t.join();
  ASSERT_GT(acknowledged.size(), 0u);
  ASSERT_LT(acknowledged.size(), size_t{kClients * kPerClient})
      << "the kill came after all the load; nothing was tested";

  node = StartNode();
  ASSERT_NE(node, nullptr);
  auto stub = node->Ledger();
  for (const auto& [event_id, index] : acknowledged) {
    grpc::ClientContext ctx;
    v1::GetEventRequest req;
    req.set_event_id(event_id);
    v1::LedgerEntry entry;
    ASSERT_TRUE(stub->GetEvent(&ctx, req, &entry).ok()) << event_id;
    EXPECT_EQ(entry.index(), index);
  }
  // Everything again: each event is in the log once, whether or not its
  // receipt reached the client before the kill.
  std::atomic<int> unexpected{0};
  clients.clear();
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back(
        [&, c] { unexpected += ResubmitAll(*node->Ledger(), work[c]); });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(unexpected, 0);
  const v1::NodeStatus status = Status(*node);
  EXPECT_EQ(status.tree_size(), 3u + kClients * kPerClient);
  absl::StatusOr<std::string> replayed = ReplayRoot(*node, dir_ + "/replay");
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(*replayed, status.root_hash());
}

}  // namespace
}  // namespace kpledger::testing
