// The C++ side of the signed-note interoperability test with Go's
// golang.org/x/mod/sumdb/note:
//   note_tool sign DIR        writes DIR/checkpoint.note (signed by three
//                             node keys) and DIR/verifiers.txt
//   note_tool verify NOTE VKEYS ORIGIN THRESHOLD
//                             verifies a checkpoint someone else signed
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "ledger/checkpoint/checkpoint.h"
#include "ledger/checkpoint/policy_line.h"
#include "ledger/crypto/sha256.h"
#include "tests/testing/sample_events.h"

namespace kpledger {
namespace {

constexpr char kOrigin[] = "kpledger.test/custody";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Sign(const std::string& dir) {
  std::vector<crypto::PrivateKey> keys;
  std::vector<checkpoint::NoteSigner> signers;
  const char* names[] = {"customs.node.test", "authority.node.test",
                         "lab.node.test"};
  for (const char* name : names)
    keys.push_back(testing::DeterministicKey(name));
  for (size_t i = 0; i < keys.size(); ++i) {
    signers.push_back(*checkpoint::NoteSigner::Create(names[i], keys[i]));
  }
  checkpoint::CheckpointBody body;
  body.origin = kOrigin;
  body.tree_size = 1234567;
  body.root = crypto::Sha256("a root");
  body.extensions = {checkpoint::PolicyUpdatesLine(2)};
  auto note = checkpoint::SignCheckpoint(body, signers);
  if (!note.ok()) {
    std::fprintf(stderr, "%s\n", note.status().ToString().c_str());
    return 1;
  }
  std::ofstream(dir + "/checkpoint.note", std::ios::binary) << *note;
  std::ofstream vkeys(dir + "/verifiers.txt");
  for (const auto& s : signers) vkeys << s.Verifier().ToString() << "\n";
  std::printf("%s", note->c_str());
  return 0;
}

int Verify(const std::string& note_path, const std::string& vkeys_path,
           const std::string& origin, const std::string& threshold_text) {
  std::vector<checkpoint::NoteVerifier> trusted;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(vkeys_path), '\n', absl::SkipEmpty())) {
    auto v = checkpoint::NoteVerifier::Parse(line);
    if (!v.ok()) {
      std::fprintf(stderr, "%s\n", v.status().ToString().c_str());
      return 1;
    }
    trusted.push_back(*v);
  }
  uint32_t threshold = 0;
  if (!absl::SimpleAtoi(threshold_text, &threshold)) return 2;
  auto cp = checkpoint::VerifyCheckpoint(ReadFile(note_path), origin, trusted,
                                         threshold);
  if (!cp.ok()) {
    std::fprintf(stderr, "%s\n", cp.status().ToString().c_str());
    return 1;
  }
  std::printf("verified checkpoint of size %llu signed by %zu trusted keys\n",
              static_cast<unsigned long long>(cp->body.tree_size),
              cp->signers.size());
  return 0;
}

}  // namespace
}  // namespace kpledger

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "sign" && argc == 3) return kpledger::Sign(argv[2]);
  if (cmd == "verify" && argc == 6) {
    return kpledger::Verify(argv[2], argv[3], argv[4], argv[5]);
  }
  std::fprintf(
      stderr,
      "usage: note_tool sign DIR | verify NOTE VKEYS ORIGIN THRESHOLD\n");
  return 2;
}
