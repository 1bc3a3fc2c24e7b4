// kpctl genesis: makes a ledger's genesis envelope (its trust root, entry 0)
// from a JSON config that names key files, signed by governance key files.
// Checked with the rules' own genesis checks before it is written; never
// over an existing file.
#include "ledger/rules/genesis.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/kpctl.pb.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/base/proto_json.h"
#include "ledger/crypto/key_file.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::kpctl {
namespace {

namespace fs = std::filesystem;

constexpr char kCmd[] = "genesis";

struct GenesisFlags {
  std::string config;
  std::vector<std::string> sign;
  std::string out;
};

// Reads each key file of `refs` (paths relative to `base`) into `keys`.
absl::Status AddKeys(const google::protobuf::RepeatedPtrField<KeyFileRef>& refs,
                     const fs::path& base, absl::string_view field,
                     google::protobuf::RepeatedPtrField<v1::NamedKey>* keys) {
  for (int i = 0; i < refs.size(); ++i) {
    const std::string where = absl::StrCat(field, "[", i, "]");
    if (refs[i].file().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".file is empty"));
    }
    const fs::path path = base / refs[i].file();
    absl::StatusOr<crypto::NamedPublicKey> key =
        crypto::ReadPublicKeyFile(path.string());
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat(where, ": ", key.status().message()));
    }
    v1::NamedKey* named = keys->Add();
    named->set_name(refs[i].name().empty() ? key->name : refs[i].name());
    named->set_public_key(std::string(key->key.bytes()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Genesis> GenesisFromConfig(const std::string& path) {
  GenesisConfig config;
  absl::Status st = base::ReadJsonFile(path, &config);
  if (!st.ok()) return st;
  const fs::path base = fs::path(path).parent_path();
  v1::Genesis g;
  g.set_origin(config.origin());
  g.set_country_code(config.country_code());
  st = AddKeys(config.governance_keys(), base, "governanceKeys",
               g.mutable_governance_keys());
  if (st.ok()) {
    st = AddKeys(config.node_keys(), base, "nodeKeys", g.mutable_node_keys());
  }
  if (!st.ok()) {
    return absl::Status(st.code(),
                        absl::StrCat("config ", path, ": ", st.message()));
  }
  g.set_governance_threshold(config.governance_threshold());
  g.set_checkpoint_threshold(config.checkpoint_threshold());
  // A new ledger's node keys follow its agencies (docs/operations.md).
  g.set_node_keys_by_governance(true);
  *g.mutable_policy() = config.policy();
  if (config.has_created_at()) {
    *g.mutable_created_at() = config.created_at();
  } else {
    g.mutable_created_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  }
  if (absl::Status valid = rules::ValidateGenesis(g); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config ", path, " is not a valid genesis: ", valid.message()));
  }
  return g;
}

// The signing keys, each one of the genesis' governance keys.
absl::StatusOr<std::vector<crypto::PrivateKey>> SigningKeys(
    const v1::Genesis& g, const std::vector<std::string>& paths) {
  std::vector<crypto::PrivateKey> keys;
  for (const std::string& path : paths) {
    absl::StatusOr<crypto::NamedPrivateKey> key =
        crypto::ReadPrivateKeyFile(path);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat("--sign: ", key.status().message()));
    }
    bool governance = false;
    for (const v1::NamedKey& k : g.governance_keys()) {
      governance |= k.public_key() == key->key.public_key().bytes();
    }
    if (!governance) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sign: key file ", path, " (", key->name,
                       ") is not one of the genesis' governance keys"));
    }
    keys.push_back(std::move(key->key));
  }
  if (keys.size() < g.governance_threshold()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sign: ", keys.size(),
                     " signing key file(s), the governance "
                     "threshold is ",
                     g.governance_threshold()));
  }
  return keys;
}

int RunGenesis(const Globals& globals, const GenesisFlags& flags) {
  if (fs::exists(flags.out)) {
    return ReportError(kCmd, kExitUsage,
                       absl::StrCat(flags.out, " exists; not overwriting it"));
  }
  absl::StatusOr<v1::Genesis> g = GenesisFromConfig(flags.config);
  if (!g.ok()) return ReportError(kCmd, kExitUsage, g.status().message());
  absl::StatusOr<std::vector<crypto::PrivateKey>> keys =
      SigningKeys(*g, flags.sign);
  if (!keys.ok()) return ReportError(kCmd, kExitUsage, keys.status().message());
  std::vector<const crypto::PrivateKey*> signers;
  for (const crypto::PrivateKey& k : *keys) signers.push_back(&k);
  const v1::Envelope env = envelope::SignEnvelope(
      envelope::kGenesisPayloadType, g->SerializeAsString(), signers);
  // The check kpnode and `kpctl verify` make, before anyone relies on it.
  absl::StatusOr<rules::VerifiedGenesis> verified =
      rules::VerifyGenesisEnvelope(env);
  if (!verified.ok()) {
    return ReportError(kCmd, kExitUsage,
                       absl::StrCat("the signed genesis does not verify: ",
                                    verified.status().message()));
  }
  if (absl::Status st = base::WriteJsonFile(flags.out, env); !st.ok()) {
    return ReportError(kCmd, kExitUsage, st.message());
  }
  if (globals.json) {
    GenesisWritten out;
    out.set_path(flags.out);
    out.set_genesis_hash(verified->hash);
    *out.mutable_genesis() = verified->genesis;
    std::printf("%s", base::ToJson(out).c_str());
    return kExitOk;
  }
  std::vector<std::string> nodes;
  for (const v1::NamedKey& k : g->node_keys()) nodes.push_back(k.name());
  std::printf(
      "genesis written to %s\n"
      "  origin        %s (country %s)\n"
      "  genesis hash  %s\n"
      "  governance    %u of %d keys, signed by %zu\n"
      "  checkpoints   %u of %d node keys: %s (governance adds and removes "
      "node keys)\n"
      "  created at    %s\n",
      flags.out.c_str(), g->origin().c_str(), g->country_code().c_str(),
      verified->hash.c_str(), g->governance_threshold(),
      g->governance_keys_size(), signers.size(), g->checkpoint_threshold(),
      g->node_keys_size(), absl::StrJoin(nodes, ", ").c_str(),
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                       absl::FromUnixSeconds(g->created_at().seconds()),
                       absl::UTCTimeZone())
          .c_str());
  return kExitOk;
}

}  // namespace

void AddGenesis(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "genesis",
      "create a ledger's genesis (its trust root, entry 0) from a JSON "
      "config that names .pub key files; signed by governance key files");
  cmd->footer(
      "The config is a kpctl GenesisConfig in JSON (client/kpctl/README.md):\n"
      "origin, countryCode, governanceKeys [{file, name?}],\n"
      "governanceThreshold, nodeKeys [{file, name?}], checkpointThreshold,\n"
      "policy (as in kpledger.v1.Policy), createdAt (default: now). Key\n"
      "paths are relative to the config's folder. The output is the genesis\n"
      "envelope as JSON, what kpnode --genesis and kpctl verify --genesis\n"
      "read; it is never written over an existing file.\n\n"
      "Example:\n"
      "  kpctl keygen --name governance-1 --out keys/governance-1.key\n"
      "  kpctl keygen --name node-customs.kpledger.az --out "
      "keys/node-customs.key\n"
      "  kpctl genesis --config genesis.config.json \\\n"
      "      --sign keys/governance-1.key --out genesis.json");
  auto flags = std::make_shared<GenesisFlags>();
  cmd->add_option("--config", flags->config, "genesis config (JSON)")
      ->required();
  cmd->add_option("--sign", flags->sign,
                  "governance private key file(s) to sign with; at least the "
                  "governance threshold; repeat for each")
      ->allow_extra_args(false)
      ->required();
  cmd->add_option("--out", flags->out,
                  "genesis envelope to write (JSON); must not exist")
      ->required();
  cmd->callback(
      [&globals, flags] { globals.exit_code = RunGenesis(globals, *flags); });
}

}  // namespace kpledger::kpctl
