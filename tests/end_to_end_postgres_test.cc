// The end-to-end indicators case (end_to_end_test.cc) against PostgreSQL (label `postgres`):
// two `ramette-aggregator`s on one database receive the same jobs at the same moment; each job
// is accepted by one of them, stored once, and `ramette indicators` gives the hand-computed
// figures.
#include <gtest/gtest.h>

#include "tests/end_to_end.h"

namespace {

using ramette::testing::EndToEndTest;
using ramette::testing::Engine;

class EndToEndOnPostgresTest : public EndToEndTest {
 protected:
  EndToEndOnPostgresTest() : EndToEndTest(Engine::kPostgres) {}
};

TEST_F(EndToEndOnPostgresTest, TwoAggregatorsOnOneDatabaseGiveTheHandComputedIndicators) {
  ExpectHandComputedIndicatorsWhateverTheImportOrder(/*aggregators=*/2);
}

}  // namespace
