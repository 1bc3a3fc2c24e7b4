#include "tests/bench/kpbench_node.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/proto_json.h"
#include "ledger/crypto/key_file.h"

extern char** environ;

namespace kpledger::bench {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::Status WriteNodeFiles(const testing::CustodyBuilder& builder,
                            const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  const std::string key = dir + "/node.key";
  std::filesystem::remove(key, ec);
  if (absl::Status s = base::WriteJsonFile(dir + "/genesis.json",
                                           builder.genesis_envelope());
      !s.ok()) {
    return s;
  }
  return crypto::WritePrivateKeyFile(key, builder.genesis().node_keys(0).name(),
                                     builder.node_key(0));
}

absl::StatusOr<std::unique_ptr<KpnodeProcess>> KpnodeProcess::Start(
    const std::string& kpnode, const std::string& dir,
    const std::string& data_dir, const std::vector<std::string>& extra,
    int ready_seconds) {
  std::unique_ptr<KpnodeProcess> node(new KpnodeProcess());
  const std::string ready = dir + "/ready";
  std::filesystem::remove(ready);
  node->log_path_ = dir + "/kpnode.log";
  std::vector<std::string> args = {kpnode,
                                   "--data-dir",
                                   data_dir,
                                   "--genesis",
                                   dir + "/genesis.json",
                                   "--node-key",
                                   dir + "/node.key",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--http-listen",
                                   "127.0.0.1:0",
                                   "--ready-file",
                                   ready};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
                                   node->log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, kpnode.c_str(), &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", kpnode, ": ", std::strerror(spawned)));
  }
  node->pid_ = pid;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(ready_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(node->pid_, &status, WNOHANG) == node->pid_) {
      node->pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("kpnode exited before it served: ", node->LogTail()));
    }
    const std::string text = ReadAll(ready);
    if (absl::StrContains(text, "\nhttp=")) {
      std::istringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        if (absl::StartsWith(line, "grpc=")) {
          node->grpc_address_ = line.substr(5);
        }
        if (absl::StartsWith(line, "http=")) {
          node->http_address_ = line.substr(5);
        }
      }
      return node;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "kpnode not ready after ", ready_seconds, " s: ", node->LogTail()));
}

KpnodeProcess::~KpnodeProcess() { Stop(); }

int KpnodeProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string KpnodeProcess::LogTail(size_t max_bytes) const {
  std::string log = ReadAll(log_path_);
  if (log.size() > max_bytes) log = "..." + log.substr(log.size() - max_bytes);
  return log;
}

}  // namespace kpledger::bench
