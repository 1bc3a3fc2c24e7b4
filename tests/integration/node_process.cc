#include "tests/integration/node_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/base/proto_json.h"
#include "ledger/crypto/key_file.h"

extern char** environ;

namespace kpledger::testing {

std::string g_kpnode_path;

pid_t SpawnProgram(const std::string& program,
                   const std::vector<std::string>& args,
                   const std::string& log) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(),
                  environ) != 0) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int FreePort() {
  // The kernel may hand out a port it handed out a moment ago (it was
  // closed again), and two members of one etcd cluster on one port do not
  // start: a port is never given twice in one test binary.
  static absl::Mutex mu(absl::kConstInit);
  static std::set<int>* given = new std::set<int>;
  for (int tries = 0; tries < 100; ++tries) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    if (port == 0) return 0;
    absl::MutexLock lock(&mu);
    if (given->insert(port).second) return port;
  }
  return 0;
}

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  return SpawnProgram(g_kpnode_path, args, log);
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

void WriteLedgerFiles(const CustodyBuilder& builder, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string genesis = dir + "/genesis.json";
  const std::string key = dir + "/node.key";
  if (!std::filesystem::exists(genesis)) {
    (void)base::WriteJsonFile(genesis, builder.genesis_envelope());
  }
  if (!std::filesystem::exists(key)) {
    (void)crypto::WritePrivateKeyFile(
        key, builder.genesis().node_keys(0).name(), builder.node_key(0));
  }
}

std::string FreshLedgerDir(const CustodyBuilder& builder) {
  const std::string dir = absl::StrCat(
      ::testing::TempDir(), "/",
      ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  WriteLedgerFiles(builder, dir);
  return dir;
}

absl::StatusOr<std::unique_ptr<NodeProcess>> NodeProcess::Start(
    const std::string& dir, const std::vector<std::string>& extra) {
  std::unique_ptr<NodeProcess> node(new NodeProcess());
  const std::string ready = dir + "/ready";
  std::filesystem::remove(ready);
  node->log_path_ = dir + "/kpnode.log";
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"--data-dir", dir + "/data"},     {"--genesis", dir + "/genesis.json"},
      {"--node-key", dir + "/node.key"}, {"--listen", "127.0.0.1:0"},
      {"--http-listen", "127.0.0.1:0"},  {"--ready-file", ready}};
  std::vector<std::string> args;
  for (const auto& [flag, value] : defaults) {
    if (std::find(extra.begin(), extra.end(), flag) != extra.end()) continue;
    args.push_back(flag);
    args.push_back(value);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  node->pid_ = Spawn(args, node->log_path_);
  if (node->pid_ <= 0) return absl::InternalError("cannot spawn kpnode");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(node->pid_, &status, WNOHANG) == node->pid_) {
      node->pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("kpnode exited: ", node->Log()));
    }
    const std::string text = ReadAll(ready);
    if (absl::StrContains(text, "\nhttp=")) {
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        if (absl::StartsWith(line, "grpc="))
          node->grpc_address_ = line.substr(5);
        if (absl::StartsWith(line, "http="))
          node->http_address_ = line.substr(5);
      }
      return node;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("kpnode not ready after 20 s: ", node->Log()));
}

std::pair<int, std::string> NodeProcess::RunToExit(
    const std::vector<std::string>& args) {
  // TEST_TMPDIR: each test run's own (a sandbox's pid is not unique).
  static int runs = 0;
  const std::string log =
      absl::StrCat(::testing::TempDir(), "/kpnode-run-", ++runs, ".log");
  std::filesystem::remove(log);
  const pid_t pid = Spawn(args, log);
  const int code = WaitExit(pid);
  return {code, ReadAll(log)};
}

NodeProcess::~NodeProcess() { Kill(); }

std::shared_ptr<grpc::Channel> NodeProcess::Channel() const {
  return grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials());
}
std::unique_ptr<v1::LedgerService::Stub> NodeProcess::Ledger() const {
  return v1::LedgerService::NewStub(Channel());
}
std::unique_ptr<v1::ReportService::Stub> NodeProcess::Reports() const {
  return v1::ReportService::NewStub(Channel());
}
std::unique_ptr<v1::NodeService::Stub> NodeProcess::Node() const {
  return v1::NodeService::NewStub(Channel());
}

int NodeProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int code = WaitExit(pid_);
  pid_ = -1;
  return code;
}

void NodeProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
}

std::string NodeProcess::Log() const { return ReadAll(log_path_); }

}  // namespace kpledger::testing
