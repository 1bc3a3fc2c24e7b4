// kpctl submit: signs a custody event written as JSON with one or more key
// files (DSSE), fills in what the node knows (origin, parcel heads), submits
// it and prints the node's receipt. A malformed file is refused before
// anything is sent.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/kpctl/commands.h"
#include "client/kpctl/connect.h"
#include "client/kpctl/period.h"
#include "client/kpctl/text.h"
#include "kpledger/v1/envelope.pb.h"
#include "kpledger/v1/event.pb.h"
#include "ledger/base/proto_json.h"
#include "ledger/crypto/key_file.h"
#include "ledger/envelope/dsse.h"

namespace kpledger::kpctl {
namespace {

constexpr char kCmd[] = "submit";
// The trailing metadata key under which kpnode sends a refused event's
// kpledger.v1.Receipt (docs/node.md).
constexpr char kReceiptTrailer[] = "kpledger-receipt-bin";

struct SubmitFlags {
  std::string file;
  std::vector<std::string> keys;
  bool signed_envelope = false;
  bool no_fill = false;
};

// What FILE holds: an event to sign, or an envelope already signed.
struct Input {
  bool is_envelope = false;
  v1::CustodyEvent event;
  v1::Envelope envelope;
};

absl::StatusOr<Input> ReadInput(const SubmitFlags& flags) {
  Input in;
  if (!flags.signed_envelope) {
    absl::Status as_event = base::ReadJsonFile(flags.file, &in.event);
    if (as_event.ok()) {
      if (in.event.body_case() == v1::CustodyEvent::BODY_NOT_SET) {
        return absl::InvalidArgumentError(absl::StrCat(
            flags.file,
            " holds an event without a body: want one of import, "
            "labAssessment, custodyTransfer, split, merge, export, "
            "importConfirmation, inspection, hold, release, registerActor, "
            "rotateKey, revokeActor, updatePolicy"));
      }
      return in;
    }
    // Not an event: an already signed envelope (it has a payloadType)?
    if (!base::ReadJsonFile(flags.file, &in.envelope).ok() ||
        in.envelope.payload_type().empty()) {
      return as_event;
    }
  } else if (absl::Status st = base::ReadJsonFile(flags.file, &in.envelope);
             !st.ok()) {
    return st;
  }
  in.is_envelope = true;
  if (in.envelope.payload_type() != envelope::kEventPayloadType) {
    return absl::InvalidArgumentError(
        absl::StrCat(flags.file, ": payloadType \"", in.envelope.payload_type(),
                     "\" is not ", envelope::kEventPayloadType));
  }
  if (!in.event.ParseFromString(in.envelope.payload())) {
    return absl::InvalidArgumentError(absl::StrCat(
        flags.file, ": payload is not a serialized kpledger.v1.CustodyEvent"));
  }
  return in;
}

absl::StatusOr<std::vector<crypto::PrivateKey>> ReadKeys(
    const std::vector<std::string>& paths) {
  std::vector<crypto::PrivateKey> keys;
  for (const std::string& path : paths) {
    absl::StatusOr<crypto::NamedPrivateKey> key =
        crypto::ReadPrivateKeyFile(path);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          absl::StrCat("--key: ", key.status().message()));
    }
    keys.push_back(std::move(key->key));
  }
  return keys;
}

// Fills what the author left for the node to know: the origin, the time,
// the current head of every existing parcel named with an empty head.
// Notes each fill in `notes`. Returns an exit code, kExitOk to go on.
int Fill(NodeClient& client, v1::CustodyEvent* ev,
         std::vector<std::string>* notes) {
  if (ev->origin().empty()) {
    if (!client.status_error().ok()) {
      return ReportError(
          kCmd, kExitRefused,
          absl::StrCat("origin is empty and the node did not "
                       "give its status: ",
                       CodeName(client.status_error().error_code()), ": ",
                       client.status_error().error_message()));
    }
    ev->set_origin(client.status().origin());
    notes->push_back(absl::StrCat("origin ", ev->origin(), " (the node's)"));
  }
  if (!ev->has_created_at()) {
    *ev->mutable_created_at() = ToProto(absl::Now());
    notes->push_back(absl::StrCat("createdAt ", Time(ev->created_at())));
  }
  for (v1::ParcelHead& p : *ev->mutable_parcels()) {
    if (!p.head().empty()) continue;
    v1::GetParcelRequest req;
    req.set_parcel_id(p.parcel_id());
    v1::ParcelState state;
    std::unique_ptr<grpc::ClientContext> ctx = client.Context();
    const grpc::Status st = client.ledger().GetParcel(ctx.get(), req, &state);
    if (st.error_code() == grpc::StatusCode::NOT_FOUND) continue;  // new
    if (!st.ok()) return ReportRpcError(kCmd, st);
    p.set_head(state.head());
    notes->push_back(
        absl::StrCat("head of ", Clean(p.parcel_id()), " ", state.head()));
  }
  return kExitOk;
}

int PrintReceipt(const Globals& globals, const v1::Receipt& r) {
  const bool accepted = r.outcome() == v1::Receipt::ACCEPTED;
  if (globals.json) {
    std::printf("%s", base::ToJson(r).c_str());
  } else if (accepted) {
    std::printf("accepted: event %s at entry %llu, ledger time %s, flags %s\n",
                r.event_id().c_str(),
                static_cast<unsigned long long>(r.leaf_index()),
                Time(r.ledger_time()).c_str(), FormatFlags(r.flags()).c_str());
  } else {
    std::printf("refused: %s: %s\n", CodeName(r.code()).c_str(),
                Clean(r.reason()).c_str());
  }
  return accepted ? kExitOk : kExitRefused;
}

int RunSubmit(const Globals& globals, const SubmitFlags& flags) {
  absl::StatusOr<Input> in = ReadInput(flags);
  if (!in.ok()) return ReportError(kCmd, kExitUsage, in.status().message());
  if (!in->is_envelope && flags.keys.empty()) {
    return ReportError(kCmd, kExitUsage,
                       "an unsigned event needs at least one --key");
  }
  absl::StatusOr<std::vector<crypto::PrivateKey>> keys = ReadKeys(flags.keys);
  if (!keys.ok()) return ReportError(kCmd, kExitUsage, keys.status().message());
  int code = kExitOk;
  std::unique_ptr<NodeClient> client = ConnectOrReport(globals, kCmd, &code);
  if (client == nullptr) return code;
  v1::Envelope env;
  std::vector<std::string> notes;
  if (in->is_envelope) {
    env = in->envelope;  // the signed payload bytes stay as they are
    for (const crypto::PrivateKey& k : *keys) envelope::AddSignature(&env, k);
  } else {
    if (!flags.no_fill) {
      code = Fill(*client, &in->event, &notes);
      if (code != kExitOk) return code;
    }
    std::vector<const crypto::PrivateKey*> signers;
    for (const crypto::PrivateKey& k : *keys) signers.push_back(&k);
    env = envelope::SignEnvelope(envelope::kEventPayloadType,
                                 in->event.SerializeAsString(), signers);
  }
  if (!globals.json && !notes.empty()) {
    std::printf("filled in: %s\n", absl::StrJoin(notes, "; ").c_str());
  }
  v1::SubmitRequest req;
  *req.mutable_envelope() = env;
  v1::Receipt receipt;
  std::unique_ptr<grpc::ClientContext> ctx = client->Context();
  const grpc::Status st = client->ledger().Submit(ctx.get(), req, &receipt);
  if (!st.ok()) {
    const grpc::StatusCode c = st.error_code();
    if (c == grpc::StatusCode::UNAVAILABLE ||
        c == grpc::StatusCode::DEADLINE_EXCEEDED ||
        c == grpc::StatusCode::UNIMPLEMENTED ||
        c == grpc::StatusCode::INTERNAL || c == grpc::StatusCode::UNKNOWN) {
      return ReportRpcError(kCmd, st);
    }
    // A refusal carried as a gRPC status: the node's receipt from the
    // trailer (for ALREADY_EXISTS it names the original entry), else one
    // made from the status.
    receipt.Clear();
    const auto& trailers = ctx->GetServerTrailingMetadata();
    if (auto it = trailers.find(kReceiptTrailer); it != trailers.end()) {
      if (!receipt.ParseFromArray(it->second.data(),
                                  static_cast<int>(it->second.size()))) {
        receipt.Clear();
      }
    }
    receipt.set_outcome(v1::Receipt::REFUSED);
    if (receipt.event_id().empty()) {
      receipt.set_event_id(envelope::EventId(env.payload()));
    }
    receipt.set_code(static_cast<int32_t>(c));
    if (receipt.reason().empty()) receipt.set_reason(st.error_message());
  }
  return PrintReceipt(globals, receipt);
}

}  // namespace

void AddSubmit(CLI::App& app, Globals& globals) {
  CLI::App* cmd = app.add_subcommand(
      "submit",
      "sign a custody event (JSON) with key files, submit it to the node and "
      "print its receipt; exit 0 accepted, 1 refused");
  cmd->footer(
      "FILE is a kpledger.v1.CustodyEvent in protobuf's JSON mapping\n"
      "(camelCase field names, e.g. {\"custodyTransfer\": {...},\n"
      "\"parcels\": [{\"parcelId\": \"AZ-P-0001\"}]}), or an already signed\n"
      "DSSE envelope (detected by its payloadType; --signed to insist), to\n"
      "which each --key adds a co-signature.\n"
      "Before signing an event, kpctl fills in (unless --no-fill):\n"
      "  origin     if empty: the node's origin (NodeService.GetStatus)\n"
      "  createdAt  if unset: now\n"
      "  parcels[]  an empty head of a parcel the node knows: its current\n"
      "             head (new parcels keep an empty head)\n"
      "Prints 'accepted: event ID at entry N, ledger time T, flags F' or\n"
      "'refused: CODE: reason' (exit 1); --json prints the "
      "kpledger.v1.Receipt.\n"
      "A malformed FILE is exit 2, and nothing is sent.\n\n"
      "Example (a transfer needs both parties' signatures):\n"
      "  kpctl submit transfer.json --key keys/lab-baku.key "
      "--key keys/vault-baku.key");
  auto flags = std::make_shared<SubmitFlags>();
  cmd->add_option("FILE", flags->file, "the event (or envelope) as JSON")
      ->required();
  cmd->add_option("--key", flags->keys,
                  "private key file to sign with; repeat for each signer")
      ->allow_extra_args(false);
  cmd->add_flag("--signed", flags->signed_envelope,
                "FILE is a signed DSSE envelope (JSON)");
  cmd->add_flag("--no-fill", flags->no_fill,
                "send the event exactly as written: fill in no origin, "
                "createdAt or heads");
  cmd->callback(
      [&globals, flags] { globals.exit_code = RunSubmit(globals, *flags); });
}

}  // namespace kpledger::kpctl
