// Durability: a batch committed before a kill -9 of the writing process is there on reopen, and a
// transaction in flight at the kill leaves no trace.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/lmdb_store.h"
#include "sync/ingest.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TempDir;
using testing::TestNetwork;
using testing::wireBytes;

TEST(CrashTest, BatchCommittedBeforeKillNineIsThereOnReopen) {
  TempDir dir;
  TestNetwork net;
  std::vector<Bytes> committed, inFlight;
  for (int i = 0; i < 1000; ++i)
    committed.push_back(wireBytes(net.author("430102", testing::sampleCaseEvent("430102", i))));
  for (int i = 0; i < 1000; ++i)
    inFlight.push_back(
        wireBytes(net.author("430102", testing::sampleCaseEvent("430102", 1000 + i))));

  int toParent[2];
  ASSERT_EQ(::pipe(toParent), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child is a writer process: it commits one batch, reports, then dies mid-transaction.
    ::close(toParent[0]);
    TrustStore trust = net.trustStore();
    auto store = LmdbStore::open(dir.path());
    if (!store.ok()) ::_exit(2);
    auto r = ingestBatch(**store, trust, committed);
    if (!r.ok()) ::_exit(3);
    auto txn = (*store)->beginWrite();
    if (!txn.ok()) ::_exit(4);
    Ingestor ingestor(trust);
    std::vector<CheckedRecord> appended;
    for (const auto& raw : inFlight) {
      auto c = checkRecord(raw, trust);
      if (!c.ok() || !ingestor.apply(**txn, std::move(*c), appended).ok()) ::_exit(5);
    }
    char done = 'C';
    if (::write(toParent[1], &done, 1) != 1) ::_exit(6);
    for (;;) ::pause();  // killed here, with the second transaction open
  }
  ::close(toParent[1]);
  char signal = 0;
  ASSERT_EQ(::read(toParent[0], &signal, 1), 1) << "child failed before committing";
  ASSERT_EQ(signal, 'C');
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ::close(toParent[0]);

  auto store = LmdbStore::open(dir.path());
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto view = (*store)->beginRead();
  auto head = (*view)->head("430102");
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->seq, 1000u) << "the committed batch survives; the open transaction does not";
  for (uint64_t seq : {uint64_t{1}, uint64_t{500}, uint64_t{1000}}) {
    auto rec = (*view)->record("430102", seq);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ(toBytes(**rec), committed[seq - 1]);
  }
  EXPECT_FALSE((*view)->record("430102", 1001)->has_value());

  // And the store keeps working: the in-flight batch can be delivered again.
  view->reset();
  TrustStore trust = net.trustStore();
  auto again = ingestBatch(**store, trust, inFlight);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->results.back().outcome, IngestOutcome::kAppended);
}

}  // namespace
}  // namespace govbus
