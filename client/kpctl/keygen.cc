// kpctl keygen: a new Ed25519 key in a private key file (mode 0600, never
// over an existing file), and its public half beside it for sharing.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/kpctl/commands.h"
#include "kpledger/v1/keys.pb.h"
#include "ledger/base/encoding.h"
#include "ledger/base/proto_json.h"
#include "ledger/crypto/key_file.h"

namespace kpledger::kpctl {

void AddKeygen(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "keygen",
      "create an Ed25519 key: FILE (private, mode 0600) and FILE.pub");
  cmd->footer(
      "The public key file, FILE.pub, is what goes into a genesis or a\n"
      "RegisterActor event; the private one never leaves its owner.\n\n"
      "Example:\n"
      "  kpctl keygen --name lab-baku --out keys/lab-baku.key\n"
      "  # writes keys/lab-baku.key (0600) and keys/lab-baku.key.pub");
  auto name = std::make_shared<std::string>();
  auto path = std::make_shared<std::string>();
  cmd->add_option("--name", *name,
                  "who the key is for, e.g. lab-baku (also its checkpoint "
                  "key name on a node)")
      ->required();
  cmd->add_option("--out", *path, "private key file to create")->required();
  cmd->callback([&globals, name, path] {
    const crypto::PrivateKey key = crypto::PrivateKey::Generate();
    absl::Status st = crypto::WritePrivateKeyFile(*path, *name, key);
    if (st.ok()) {
      st = crypto::WritePublicKeyFile(*path + ".pub", *name, key.public_key());
    }
    if (!st.ok()) {
      std::fprintf(stderr, "kpctl keygen: %s\n",
                   std::string(st.message()).c_str());
      globals.exit_code = kExitUsage;
      return;
    }
    if (globals.json) {
      v1::KeyFile pub;
      pub.set_algorithm("ed25519");
      pub.set_name(*name);
      pub.set_keyid(key.key_id());
      pub.set_public_key(std::string(key.public_key().bytes()));
      std::printf("%s", base::ToJson(pub).c_str());
      return;
    }
    std::printf(
        "key %s\n  private  %s (mode 0600: keep it)\n  public   %s.pub\n"
        "  key id   %s\n  public key (base64, for a genesis) %s\n",
        name->c_str(), path->c_str(), path->c_str(), key.key_id().c_str(),
        base::Base64Encode(key.public_key().bytes()).c_str());
  });
}

}  // namespace kpledger::kpctl
