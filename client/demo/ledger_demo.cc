// kpledger ledger-core demo: what the README's main command runs until the
// node exists. It does, for real and on disk: key files, a genesis, signed
// custody events appended to the RocksDB store, a checkpoint cosigned by two
// of three node keys, inclusion and consistency proofs checked against it,
// refusals of tampered input, and an audit of the whole store.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "client/demo/demo_events.h"
#include "kpledger/v1/genesis.pb.h"
#include "ledger/audit/audit.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/crypto/key_file.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/merkle/verify.h"
#include "ledger/rules/genesis.h"
#include "ledger/store/store.h"

namespace kpledger::demo {
namespace {

namespace fs = std::filesystem;

// Fails the demo with the status, naming the step.
#define DEMO_CHECK_OK(expr, what)                         \
  do {                                                    \
    const absl::Status demo_st_ = (expr);                 \
    if (!demo_st_.ok()) {                                 \
      std::fprintf(stderr, "demo failed: %s: %s\n", what, \
                   demo_st_.ToString().c_str());          \
      std::exit(1);                                       \
    }                                                     \
  } while (0)

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  DEMO_CHECK_OK(v.status(), what);
  return std::move(*v);
}

void Step(const char* title) { std::printf("\n==> %s\n", title); }

// 2026-09-01T00:00:00Z plus `day` days, as a batch's ledger time.
entry::LedgerTime LedgerDay(int day) {
  return entry::LedgerTime{1788220800 + int64_t{86400} * day, 0};
}

class Demo {
 public:
  explicit Demo(std::string dir) : dir_(std::move(dir)) {}

  void Run() {
    MakeKeys();
    WriteGenesis();
    SubmitCustodyChain();
    std::string cp1 = PublishCheckpoint();
    ProveInclusion(cp1);
    AppendBackgroundImports(2000);
    std::string cp2 = PublishCheckpoint();
    ProveConsistency(cp1, cp2);
    ShowRefusals(cp1, cp2);
    AuditAndReopen();
  }

 private:
  void MakeKeys() {
    Step("Create Ed25519 key files (private keys mode 0600)");
    fs::create_directories(dir_ + "/keys");
    for (const char* name :
         {"governance", "customs-baku", "lab-baku", "vault-baku",
          "node-customs", "node-authority", "node-lab"}) {
      const std::string path = absl::StrCat(dir_, "/keys/", name, ".key");
      if (!fs::exists(path)) {
        DEMO_CHECK_OK(crypto::WritePrivateKeyFile(
                          path, name, crypto::PrivateKey::Generate()),
                      "write key file");
      }
      crypto::NamedPrivateKey key =
          OrDie(crypto::ReadPrivateKeyFile(path), "read key file");
      std::printf("  %-15s keyid %s…  %s\n", name,
                  key.key.key_id().substr(0, 16).c_str(), path.c_str());
      keys_.emplace(name, std::move(key.key));
    }
  }

  const crypto::PrivateKey& Key(const std::string& name) {
    return keys_.at(name);
  }

  // A callable for envelope::VerifyEnvelope's KeyResolver (which, being a
  // FunctionRef, must not outlive the call it is made for).
  auto Resolver() {
    return [this](absl::string_view keyid) -> const crypto::PublicKey* {
      for (const auto& [name, key] : keys_) {
        if (key.key_id() == keyid) return &key.public_key();
      }
      return nullptr;
    };
  }

  void WriteGenesis() {
    Step("Write the genesis as entry 0 (signed by governance)");
    store_ = OrDie(store::Store::Open(dir_ + "/store"), "open store");
    if (store_->size() > 0) {
      std::printf("  store already holds %llu entries; starting over\n",
                  static_cast<unsigned long long>(store_->size()));
      store_.reset();
      fs::remove_all(dir_ + "/store");
      store_ = OrDie(store::Store::Open(dir_ + "/store"), "open store");
    }
    v1::Genesis g;
    g.set_origin(kOrigin);
    g.set_country_code("AZ");
    auto* gk = g.add_governance_keys();
    gk->set_name("governance");
    gk->set_public_key(std::string(Key("governance").public_key().bytes()));
    g.set_governance_threshold(1);
    for (const char* node : {"node-customs", "node-authority", "node-lab"}) {
      auto* nk = g.add_node_keys();
      nk->set_name(absl::StrCat(node, ".kpledger.demo"));
      nk->set_public_key(std::string(Key(node).public_key().bytes()));
    }
    g.set_checkpoint_threshold(2);
    g.mutable_policy()->set_mass_tolerance_ppm(5000);
    g.mutable_created_at()->set_seconds(LedgerDay(1).seconds);
    const v1::Envelope env =
        envelope::SignEnvelope(envelope::kGenesisPayloadType,
                               g.SerializeAsString(), {&Key("governance")});
    // The genesis vouches for itself: checked before it becomes entry 0.
    genesis_ =
        OrDie(rules::VerifyGenesisEnvelope(env), "verify genesis").genesis;
    trusted_ = rules::NodeVerifiers(genesis_);
    Append(LedgerDay(1), {env});
    std::printf("  origin %s, checkpoint threshold 2 of 3 node keys\n",
                kOrigin);
    std::printf("  genesis hash %s\n", store_->genesis_hash().c_str());
  }

  // Signs `ev` once with every signer; the bytes are never re-serialized.
  v1::Envelope SignEvent(const v1::CustodyEvent& ev,
                         std::vector<std::string> signers) {
    std::vector<const crypto::PrivateKey*> keys;
    for (const std::string& s : signers) keys.push_back(&Key(s));
    return envelope::SignEnvelope(envelope::kEventPayloadType,
                                  ev.SerializeAsString(), keys);
  }

  // Verifies every envelope's signatures, then appends them as one batch.
  void Append(entry::LedgerTime time, const std::vector<v1::Envelope>& envs) {
    store::Batch batch;
    batch.ledger_time = time;
    for (const v1::Envelope& env : envs) {
      OrDie(envelope::VerifyEnvelope(env, env.payload_type(), Resolver()),
            "verify envelope");
      batch.entries.push_back(store::PendingEntry{
          env.SerializeAsString(), envelope::EventId(env.payload())});
    }
    OrDie(store_->Append(batch), "append batch");
  }

  void SubmitCustodyChain() {
    Step("Sign and append a chain of custody for parcel AZ-P-0001");
    const std::string parcel = "AZ-P-0001";
    v1::Envelope imp =
        SignEvent(ImportEvent(parcel, "BW-2026-004512", 1250000, 250000000),
                  {"customs-baku"});
    v1::Envelope to_lab =
        SignEvent(TransferEvent(parcel, envelope::EventId(imp.payload()),
                                "customs-baku", "lab-baku"),
                  {"customs-baku", "lab-baku"});
    Append(LedgerDay(2), {imp, to_lab});
    v1::Envelope lab =
        SignEvent(LabAssessmentEvent(
                      parcel, envelope::EventId(to_lab.payload()), 1248300),
                  {"lab-baku"});
    v1::Envelope to_vault =
        SignEvent(TransferEvent(parcel, envelope::EventId(lab.payload()),
                                "lab-baku", "vault-baku"),
                  {"lab-baku", "vault-baku"});
    Append(LedgerDay(5), {lab, to_vault});
    lab_event_id_ = envelope::EventId(lab.payload());
    for (const v1::Envelope* env : {&imp, &to_lab, &lab, &to_vault}) {
      v1::CustodyEvent ev;
      ev.ParseFromString(env->payload());
      const uint64_t index =
          OrDie(store_->FindEvent(envelope::EventId(env->payload())), "find");
      std::printf("  entry %llu  %s…  %s  (%d signature%s)\n",
                  static_cast<unsigned long long>(index),
                  envelope::EventId(env->payload()).substr(0, 12).c_str(),
                  Describe(ev).c_str(), env->signatures_size(),
                  env->signatures_size() == 1 ? "" : "s");
    }
  }

  std::string PublishCheckpoint() {
    const store::TreeHead head = store_->head();
    std::printf(
        "\n==> Publish a checkpoint at tree size %llu, cosigned by 2 "
        "of 3 nodes\n",
        static_cast<unsigned long long>(head.size));
    checkpoint::CheckpointBody body{kOrigin, head.size, head.root, {}};
    std::vector<checkpoint::NoteSigner> signers = {
        OrDie(checkpoint::NoteSigner::Create(trusted_[0].name(),
                                             Key("node-customs")),
              "signer"),
        OrDie(checkpoint::NoteSigner::Create(trusted_[1].name(),
                                             Key("node-authority")),
              "signer")};
    std::string note = OrDie(checkpoint::SignCheckpoint(body, signers), "sign");
    std::printf("%s", note.c_str());
    checkpoint::VerifiedCheckpoint v =
        OrDie(checkpoint::VerifyCheckpoint(note, kOrigin, trusted_,
                                           genesis_.checkpoint_threshold()),
              "verify checkpoint");
    std::printf("  verified against the genesis node keys: %zu of %d signed\n",
                v.signers.size(), genesis_.node_keys_size());
    return note;
  }

  checkpoint::CheckpointBody Verified(const std::string& note) {
    return OrDie(checkpoint::VerifyCheckpoint(note, kOrigin, trusted_, 2),
                 "verify checkpoint")
        .body;
  }

  void ProveInclusion(const std::string& note) {
    Step("Prove the lab assessment is in the checkpointed log (RFC 9162)");
    const checkpoint::CheckpointBody cp = Verified(note);
    const uint64_t index = OrDie(store_->FindEvent(lab_event_id_), "find");
    const std::string leaf = OrDie(store_->GetLeaf(index), "leaf");
    std::vector<merkle::Hash> proof =
        OrDie(store_->InclusionProof(index, cp.tree_size), "proof");
    for (const merkle::Hash& h : proof) {
      std::printf("  path %s\n", merkle::HashHex(h).c_str());
    }
    DEMO_CHECK_OK(
        merkle::VerifyInclusion(index, cp.tree_size, merkle::HashLeaf(leaf),
                                proof, cp.root),
        "verify inclusion");
    entry::LeafView view = OrDie(entry::DecodeLeaf(leaf), "decode leaf");
    std::printf(
        "  entry %llu (ledger time %lld) is included in tree %llu: OK\n",
        static_cast<unsigned long long>(index),
        static_cast<long long>(view.time.seconds),
        static_cast<unsigned long long>(cp.tree_size));
  }

  void AppendBackgroundImports(int count) {
    std::printf("\n==> Append %d more imports in batches of 500\n", count);
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < count / 500; ++b) {
      std::vector<v1::Envelope> batch;
      for (int i = 0; i < 500; ++i) {
        const int n = b * 500 + i + 2;
        batch.push_back(
            SignEvent(ImportEvent(absl::StrCat("AZ-P-", 10000 + n),
                                  absl::StrCat("BW-2026-", 100000 + n),
                                  10000 + n, 1500000 + n),
                      {"customs-baku"}));
      }
      Append(LedgerDay(6 + b), batch);
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    std::printf("  signed, verified and appended %d events in %.2f s\n", count,
                s);
  }

  void ProveConsistency(const std::string& old_note,
                        const std::string& new_note) {
    Step("Prove the new checkpoint extends the old one (append-only)");
    const checkpoint::CheckpointBody a = Verified(old_note);
    const checkpoint::CheckpointBody b = Verified(new_note);
    std::vector<merkle::Hash> proof = OrDie(
        store_->ConsistencyProof(a.tree_size, b.tree_size), "consistency");
    DEMO_CHECK_OK(merkle::VerifyConsistency(a.tree_size, b.tree_size, proof,
                                            a.root, b.root),
                  "verify consistency");
    std::printf("  tree %llu is a prefix of tree %llu (%zu hashes): OK\n",
                static_cast<unsigned long long>(a.tree_size),
                static_cast<unsigned long long>(b.tree_size), proof.size());
  }

  void ShowRefusals(const std::string& first_note, const std::string& note) {
    Step("Refuse tampered input, with the reason");
    v1::Envelope forged =
        SignEvent(ImportEvent("AZ-P-0666", "BW-2026-000666", 500000, 1000000),
                  {"customs-baku"});
    v1::CustodyEvent ev;
    ev.ParseFromString(forged.payload());
    ev.mutable_import()->mutable_certificate()->set_mass_mct(400000);
    forged.set_payload(ev.SerializeAsString());
    Refused("envelope whose mass was changed after signing",
            envelope::VerifyEnvelope(forged, envelope::kEventPayloadType,
                                     Resolver())
                .status());
    const crypto::PrivateKey unregistered = crypto::PrivateKey::Generate();
    v1::Envelope stranger = envelope::SignEnvelope(
        envelope::kEventPayloadType, ev.SerializeAsString(), {&unregistered});
    Refused("event signed by an unregistered key",
            envelope::VerifyEnvelope(stranger, envelope::kEventPayloadType,
                                     Resolver())
                .status());
    const std::string one_sig = note.substr(0, note.rfind("— "));
    Refused(
        "checkpoint with one node signature",
        checkpoint::VerifyCheckpoint(one_sig, kOrigin, trusted_, 2).status());
    const checkpoint::CheckpointBody cp = Verified(note);
    std::vector<merkle::Hash> proof =
        OrDie(store_->InclusionProof(3, cp.tree_size), "proof");
    Refused("inclusion proof of entry 3 presented for entry 1's bytes",
            merkle::VerifyInclusion(3, cp.tree_size,
                                    merkle::HashLeaf(*store_->GetLeaf(1)),
                                    proof, cp.root));
    const checkpoint::CheckpointBody first = Verified(first_note);
    Refused("proof for the new tree checked against the first checkpoint",
            merkle::VerifyInclusion(3, first.tree_size,
                                    merkle::HashLeaf(*store_->GetLeaf(3)),
                                    proof, first.root));
  }

  void Refused(const char* what, const absl::Status& st) {
    if (st.ok()) {
      std::fprintf(stderr, "demo failed: %s was accepted\n", what);
      std::exit(1);
    }
    std::printf("  refused %s:\n    %s\n", what, st.ToString().c_str());
  }

  void AuditAndReopen() {
    Step("Audit the whole store, then reopen it");
    audit::AuditReport report =
        OrDie(audit::AuditStore(*store_), "audit store");
    std::printf(
        "  audit: %llu entries re-read, every leaf, node and event id "
        "recomputed; root %s\n",
        static_cast<unsigned long long>(report.entries),
        merkle::HashHex(report.root).c_str());
    const store::TreeHead before = store_->head();
    store_.reset();
    store_ = OrDie(store::Store::Open(dir_ + "/store"), "reopen store");
    const bool same =
        store_->head().root == before.root && store_->size() == before.size;
    std::printf("  reopened: size %llu, same root: %s\n",
                static_cast<unsigned long long>(store_->size()),
                same ? "yes" : "NO");
    if (!same) std::exit(1);
  }

  std::string dir_;
  std::map<std::string, crypto::PrivateKey> keys_;
  std::vector<checkpoint::NoteVerifier> trusted_;
  v1::Genesis genesis_;
  std::unique_ptr<store::Store> store_;
  std::string lab_event_id_;
};

}  // namespace
}  // namespace kpledger::demo

int main(int argc, char** argv) {
  CLI::App app{
      "kpledger ledger-core demo: keys, genesis, signed custody events, a "
      "cosigned checkpoint, proofs, refusals and an audit, on a real store"};
  std::string dir = ".scratch/demo";
  app.add_option("--dir", dir, "folder for key files and the store")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const auto start = std::chrono::steady_clock::now();
  std::printf("kpledger ledger-core demo in %s\n", dir.c_str());
  kpledger::demo::Demo(dir).Run();
  std::printf(
      "\ndemo finished in %.2f s\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return 0;
}
