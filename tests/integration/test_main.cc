// main() of the integration tests: argv[1] is the kpnode binary.
#include <cstdio>

#include "gtest/gtest.h"
#include "tests/integration/node_process.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s KPNODE\n", argv[0]);
    return 2;
  }
  kpledger::testing::g_kpnode_path = argv[1];
  return RUN_ALL_TESTS();
}
