#include "node/server/config.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kpledger::node {
namespace {

using ::testing::HasSubstr;

// kpnode's flags parsed as kpnode parses them, after the ones it requires.
KpnodeConfig Parse(std::vector<std::string> args) {
  CLI::App app;
  KpnodeConfig config;
  AddFlags(app, &config);
  args.insert(args.begin(), {"kpnode", "--data-dir", "/nonexistent/data",
                             "--genesis", "/nonexistent/genesis.json",
                             "--node-key", "/nonexistent/node.key"});
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return config;
}

TEST(ExampleConfig, EveryKeyOfDeployConfigKpnodeTomlIsAFlag) {
  // kpnode refuses a config file with a key it does not know; the example
  // the docs point operators at must load.
  KpnodeConfig config;
  ASSERT_NO_THROW(config = Parse({"--config", "deploy/config/kpnode.toml"}));
  EXPECT_EQ(config.sequencer, "etcd");
  EXPECT_EQ(config.etcd_endpoints.size(), 3u);
  EXPECT_EQ(config.peers.size(), 2u);
  EXPECT_EQ(config.etcd_quota_bytes, uint64_t{2147483648});
}

TEST(BatchesInFlight, PipelinesAloneAndTakesOneAtATimeOnEtcd) {
  EXPECT_EQ(BatchesInFlight(Parse({})), kLocalBatchesInFlight);
  EXPECT_EQ(BatchesInFlight(Parse(
                {"--sequencer", "etcd", "--etcd-endpoints", "127.0.0.1:2379"})),
            kEtcdBatchesInFlight);
  EXPECT_EQ(kLocalBatchesInFlight, 3u);
  EXPECT_EQ(kEtcdBatchesInFlight, 1u);
}

TEST(BatchesInFlight, TheFlagWinsOverTheSequencersDefault) {
  EXPECT_EQ(BatchesInFlight(Parse({"--batch-max-in-flight", "5"})), 5u);
  EXPECT_EQ(
      BatchesInFlight(Parse({"--sequencer", "etcd", "--etcd-endpoints",
                             "127.0.0.1:2379", "--batch-max-in-flight", "4"})),
      4u);
  // 0 asks for the default, as --verify-threads 0 does.
  const KpnodeConfig zero = Parse({"--batch-max-in-flight", "0"});
  EXPECT_TRUE(Validate(zero).ok());
  EXPECT_EQ(BatchesInFlight(zero), kLocalBatchesInFlight);
}

TEST(Validate, NamesTheFlagThatIsWrong) {
  const absl::Status no_endpoints = Validate(Parse({"--sequencer", "etcd"}));
  EXPECT_EQ(no_endpoints.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_endpoints.message(), HasSubstr("--etcd-endpoints"));

  const absl::Status empty_batch = Validate(Parse({"--batch-max-events", "0"}));
  EXPECT_EQ(empty_batch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty_batch.message(), HasSubstr("--batch-max-events"));
}

// Values a node could not run on are refused at start, naming the flag.
TEST(Validate, RefusesValuesANodeCannotRunOn) {
  const std::vector<std::string> etcd = {"--sequencer", "etcd",
                                         "--etcd-endpoints", "127.0.0.1:2379"};
  auto with_etcd = [&](std::vector<std::string> more) {
    more.insert(more.begin(), etcd.begin(), etcd.end());
    return Parse(more);
  };
  for (const auto& [config, flag] :
       std::vector<std::pair<KpnodeConfig, std::string>>{
           {with_etcd({"--etcd-quota-bytes", "0"}), "--etcd-quota-bytes"},
           {with_etcd({"--etcd-quota-bytes", "8589934593"}),
            "--etcd-quota-bytes"},
           {with_etcd({"--batch-max-bytes", "1048577"}), "--batch-max-bytes"},
           {Parse({"--max-envelope-bytes", "262145"}), "--max-envelope-bytes"},
           {Parse({"--verify-threads", "257"}), "--verify-threads"},
           {Parse({"--peers", "127.0.0.1:0"}), "--peers \"127.0.0.1:0\""},
           {Parse({"--etcd-key", "k.pem", "--etcd-cert", "c.pem"}),
            "--etcd-* flags are for --sequencer etcd"},
           {Parse({"--tls-cert", "n.crt", "--tls-key", "n.key", "--peers",
                   "10.0.0.2:7400"}),
            "would dial --peers or --mirror-of in plaintext"},
           {with_etcd({"--tls-cert", "n.crt", "--tls-key", "n.key"}),
            "would talk to etcd in plaintext"},
       }) {
    const absl::Status st = Validate(config);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << flag;
    EXPECT_THAT(st.message(), HasSubstr(flag));
  }
  // Their limits themselves are fine; port 0 is "any" where the node
  // listens.
  EXPECT_TRUE(Validate(with_etcd({"--etcd-quota-bytes", "8589934592",
                                  "--batch-max-bytes", "1048576"}))
                  .ok());
  EXPECT_TRUE(
      Validate(Parse({"--max-envelope-bytes", "262144", "--verify-threads",
                      "256", "--listen", "127.0.0.1:0"}))
          .ok());
  EXPECT_TRUE(Validate(Parse({"--batch-max-bytes", "4194304"})).ok());
}

}  // namespace
}  // namespace kpledger::node
