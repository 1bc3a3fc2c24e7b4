// kpctl verify: checks a provenance bundle offline, trusting only the
// ledger's genesis, and prints the parcel's chain of custody and origin, or
// exactly why the bundle does not prove it (exit 1).
#include "ledger/provenance/verify.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/text.h"
#include "kpledger/v1/envelope.pb.h"
#include "kpledger/v1/ledger.pb.h"
#include "kpledger/v1/provenance.pb.h"
#include "ledger/base/proto_json.h"
#include "ledger/provenance/account_text.h"
#include "ledger/rules/genesis.h"

namespace kpledger::kpctl {
namespace {

int Fail(const Globals& globals, int code, absl::string_view what,
         const absl::Status& status) {
  if (globals.json) {
    v1::Receipt refusal;  // code and reason, in the ledger's own shape
    refusal.set_outcome(v1::Receipt::REFUSED);
    refusal.set_code(static_cast<int32_t>(status.code()));
    refusal.set_reason(absl::StrCat(what, status.message()));
    std::printf("%s", base::ToJson(refusal).c_str());
  } else {
    // The message may quote the bundle (its parcel id, say), which nothing
    // vouches for yet: one line, so that it cannot fake a verdict line.
    std::fprintf(stderr, "kpctl verify: %s\n",
                 Clean(absl::StrCat(what, status.message())).c_str());
  }
  return code;
}

int Verify(const Globals& globals, const std::string& bundle_path,
           const std::string& genesis_path) {
  v1::Envelope genesis_envelope;
  if (absl::Status st = base::ReadJsonFile(genesis_path, &genesis_envelope);
      !st.ok()) {
    return Fail(globals, kExitUsage, "genesis: ", st);
  }
  absl::StatusOr<rules::VerifiedGenesis> genesis =
      rules::VerifyGenesisEnvelope(genesis_envelope);
  if (!genesis.ok()) {
    return Fail(globals, kExitUsage,
                absl::StrCat("genesis ", genesis_path,
                             " is not a valid "
                             "genesis: "),
                genesis.status());
  }
  v1::ProvenanceBundle bundle;
  if (absl::Status st = base::ReadJsonFile(bundle_path, &bundle); !st.ok()) {
    return Fail(globals, kExitUsage, "bundle: ", st);
  }
  absl::StatusOr<v1::ProvenanceAccount> account =
      provenance::VerifyBundle(bundle, *genesis);
  if (!account.ok()) {
    return Fail(globals, kExitRefused,
                absl::StrCat("NOT VERIFIED: bundle ", bundle_path,
                             " does not prove parcel ",
                             bundle.parcel_id().substr(0, 128), ": "),
                account.status());
  }
  std::printf("%s", globals.json ? base::ToJson(*account).c_str()
                                 : provenance::FormatAccount(*account).c_str());
  return kExitOk;
}

}  // namespace

void AddVerify(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "verify a provenance bundle offline against the ledger's genesis; "
      "exit 0 verified, 1 not verified, 2 unusable input");
  cmd->footer(
      "Needs no node: every signature, inclusion proof and custody rule is\n"
      "checked against the genesis alone.\n\n"
      "Example:\n"
      "  kpctl verify --bundle AZ-P-0001.bundle.json --genesis genesis.json");
  auto bundle = std::make_shared<std::string>();
  auto genesis = std::make_shared<std::string>();
  cmd->add_option("--bundle", *bundle, "provenance bundle (JSON)")->required();
  cmd->add_option("--genesis", *genesis,
                  "the ledger's genesis envelope (JSON): the only thing "
                  "trusted")
      ->required();
  cmd->callback([&globals, bundle, genesis] {
    globals.exit_code = Verify(globals, *bundle, *genesis);
  });
}

}  // namespace kpledger::kpctl
