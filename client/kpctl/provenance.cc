// kpctl provenance: fetches a parcel's provenance bundle from the node and
// writes it as JSON, for `kpctl verify` to check offline (anywhere, later).
#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/kpctl.pb.h"
#include "client/kpctl/text.h"
#include "ledger/base/proto_json.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "provenance";

struct ProvenanceFlags {
  std::string parcel;
  std::string out;
  bool force = false;
};

int Run(const Globals& globals, const ProvenanceFlags& flags) {
  if (!flags.force && std::filesystem::exists(flags.out)) {
    return ReportError(
        kCmd, kExitUsage,
        absl::StrCat(flags.out, " exists; not overwriting it (--force to)"));
  }
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::GetProvenanceRequest req;
  req.set_parcel_id(flags.parcel);
  v1::ProvenanceBundle bundle;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st =
      client->ledger().GetProvenance(ctx.get(), req, &bundle);
  if (!st.ok()) return ReportRpcError(kCmd, st);
  if (absl::Status w = base::WriteJsonFile(flags.out, bundle); !w.ok()) {
    return ReportError(kCmd, kExitUsage, w.message());
  }
  const v1::Checkpoint& cp = bundle.checkpoint();
  if (globals.json) {
    BundleWritten out;
    out.set_path(flags.out);
    out.set_parcel_id(bundle.parcel_id());
    out.set_entries(static_cast<uint32_t>(bundle.entries_size()));
    *out.mutable_checkpoint() = cp;
    std::printf("%s", base::ToJson(out).c_str());
    return kExitOk;
  }
  std::printf(
      "provenance bundle of parcel %s written to %s\n"
      "  %d entries and the genesis, against checkpoint tree size %llu "
      "signed by %s\n"
      "  check it offline: kpctl verify --bundle %s --genesis GENESIS.json\n",
      Clean(bundle.parcel_id()).c_str(), flags.out.c_str(),
      bundle.entries_size(), static_cast<unsigned long long>(cp.tree_size()),
      cp.signers().empty() ? "-" : absl::StrJoin(cp.signers(), ", ").c_str(),
      flags.out.c_str());
  return kExitOk;
}

}  // namespace

void AddProvenance(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "provenance",
      "write a parcel's provenance bundle (JSON) from the node, for "
      "`kpctl verify` to check offline");
  cmd->footer(
      "The bundle holds the parcel's ancestry back to its imports, the\n"
      "registrations its signers rely on, a cosigned checkpoint and an\n"
      "inclusion proof per entry (docs/formats/provenance.md).\n\n"
      "Example:\n"
      "  kpctl provenance AZ-P-0001 --out AZ-P-0001.bundle.json\n"
      "  kpctl verify --bundle AZ-P-0001.bundle.json --genesis genesis.json");
  auto flags = std::make_shared<ProvenanceFlags>();
  cmd->add_option("PARCEL", flags->parcel, "parcel id")->required();
  cmd->add_option("--out", flags->out, "bundle file to write")->required();
  cmd->add_flag("--force", flags->force, "overwrite --out if it exists");
  cmd->callback(
      [&globals, flags] { globals.exit_code = Run(globals, *flags); });
}

}  // namespace kpledger::kpctl
