// Every parser of outside bytes against many mutated and random inputs: it
// must answer with a status, never crash, and never let changed bytes pass
// as the original signed content. Deterministic (fixed seed) so a failure
// reproduces.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/entry/leaf.h"
#include "ledger/envelope/dsse.h"
#include "ledger/store/tile.h"
#include "tests/testing/sample_events.h"

namespace kpledger {
namespace {

constexpr int kRounds = 20000;

class Mutator {
 public:
  // A copy of `in` with one random change: a flipped bit, a cut, an
  // inserted byte, or a byte overwritten.
  std::string Mutate(const std::string& in) {
    std::string out = in;
    const size_t at = out.empty() ? 0 : rng_() % out.size();
    switch (rng_() % 4) {
      case 0:
        if (!out.empty()) out[at] ^= static_cast<char>(1u << (rng_() % 8));
        break;
      case 1:
        out.resize(at);
        break;
      case 2:
        out.insert(out.begin() + at, static_cast<char>(rng_()));
        break;
      default:
        if (!out.empty()) out[at] = static_cast<char>(rng_());
    }
    return out;
  }
  std::string Random(size_t max_len) {
    std::string out(rng_() % max_len, '\0');
    for (char& c : out) c = static_cast<char>(rng_());
    return out;
  }

 private:
  std::mt19937_64 rng_{20261128};
};

TEST(MutatedInputTest, NoChangedEnvelopeVerifiesAsTheSignedContent) {
  const crypto::PrivateKey customs = testing::DeterministicKey("customs");
  const crypto::PrivateKey lab = testing::DeterministicKey("lab");
  v1::Envelope env = testing::SampleImport(customs, 7);
  envelope::AddSignature(&env, lab);
  const std::string good = env.SerializeAsString();
  const auto resolve = [&](absl::string_view id) -> const crypto::PublicKey* {
    if (id == customs.key_id()) return &customs.public_key();
    if (id == lab.key_id()) return &lab.public_key();
    return nullptr;
  };
  Mutator m;
  int verified = 0;
  for (int i = 0; i < kRounds; ++i) {
    const std::string bytes = i % 10 == 0 ? m.Random(600) : m.Mutate(good);
    absl::StatusOr<v1::Envelope> parsed = envelope::ParseEnvelope(bytes);
    if (!parsed.ok()) continue;
    if (!envelope::VerifyEnvelope(*parsed, envelope::kEventPayloadType, resolve)
             .ok()) {
      continue;
    }
    ++verified;
    // Whatever verified must carry exactly what was signed.
    ASSERT_EQ(parsed->payload(), env.payload()) << "round " << i;
    ASSERT_EQ(parsed->payload_type(), env.payload_type());
  }
  // A cut exactly between the two signatures drops the co-signature and
  // still verifies (with the payload unchanged); nothing else should.
  EXPECT_LT(verified, kRounds / 100);
}

TEST(MutatedInputTest, NoChangedCheckpointVerifiesWithAnotherBody) {
  const crypto::PrivateKey a = testing::DeterministicKey("node-a");
  const crypto::PrivateKey b = testing::DeterministicKey("node-b");
  std::vector<checkpoint::NoteSigner> signers = {
      *checkpoint::NoteSigner::Create("a.node", a),
      *checkpoint::NoteSigner::Create("b.node", b)};
  std::vector<checkpoint::NoteVerifier> trusted = {signers[0].Verifier(),
                                                   signers[1].Verifier()};
  checkpoint::CheckpointBody body{
      "kpledger.test/custody", 4242, merkle::HashLeaf("root"), {}};
  const std::string good = *checkpoint::SignCheckpoint(body, signers);
  Mutator m;
  for (int i = 0; i < kRounds; ++i) {
    const std::string note = i % 10 == 0 ? m.Random(300) : m.Mutate(good);
    absl::StatusOr<checkpoint::VerifiedCheckpoint> v =
        checkpoint::VerifyCheckpoint(note, body.origin, trusted, 2);
    if (!v.ok()) continue;
    ASSERT_EQ(v->body.tree_size, body.tree_size) << "round " << i;
    ASSERT_EQ(v->body.root, body.root) << "round " << i;
  }
}

TEST(MutatedInputTest, DecodersAnswerEveryInputWithAStatus) {
  Mutator m;
  const std::string leaf = entry::EncodeLeaf(9, {1788000000, 5}, "envelope");
  store::Tile tile(store::TileId{0, 0});
  for (uint64_t i = 0; i < 6; ++i) {
    tile.Add(store::Locate({0, i}), merkle::HashLeaf(std::to_string(i)));
    if (i % 2 == 1) {
      tile.Add(store::Locate({1, i / 2}),
               merkle::HashLeaf("n" + std::to_string(i)));
    }
    if (i == 3) tile.Add(store::Locate({2, 0}), merkle::HashLeaf("q"));
  }
  const std::string tile_bytes = tile.Encode();
  const std::string vkey =
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  int ok = 0;
  for (int i = 0; i < kRounds; ++i) {
    ok += entry::DecodeLeaf(m.Mutate(leaf)).ok();
    ok += store::Tile::Decode(store::TileId{0, 0}, m.Mutate(tile_bytes)).ok();
    merkle::Hash h;
    ok += store::Tile::ReadNode(store::TileId{0, 0}, m.Mutate(tile_bytes),
                                i % 3, i % 7, &h)
              .ok();
    ok += checkpoint::NoteVerifier::Parse(m.Mutate(vkey)).ok();
    ok += checkpoint::CheckpointBody::Parse(m.Random(80)).ok();
    ok += checkpoint::ParseNote(m.Random(120)).ok();
  }
  // Some mutations are harmless (a flipped bit in a hash); most are not.
  EXPECT_GT(ok, 0);
  EXPECT_LT(ok, 6 * kRounds);
}

}  // namespace
}  // namespace kpledger
