// The LMDB store: persistence, limits and errors, on a real LMDB in a temp dir.
#include "node/lmdb_store.h"

#include <gtest/gtest.h>
#include <lmdb.h>

#include <functional>

#include "protocol/record_codec.h"
#include "sync/ingest.h"
#include "testing/test_network.h"

namespace govbus {
namespace {

using testing::TempDir;
using testing::TestNetwork;
using testing::wireBytes;

std::vector<Bytes> countyRecords(TestNetwork& net, const std::string& county, int n,
                                 size_t bytes = 400) {
  std::vector<Bytes> out;
  for (int i = 0; i < n; ++i)
    out.push_back(wireBytes(net.author(county, testing::sampleCaseEvent(county, i, bytes))));
  return out;
}

// Runs `use` in one transaction on the store's LMDB environment opened directly, as another build
// of GovBus would: committed when `write`, aborted otherwise.
void withRawTxn(const std::filesystem::path& dir, bool write,
                const std::function<void(MDB_txn*)>& use) {
  MDB_env* env;
  mdb_env_create(&env);
  mdb_env_set_maxdbs(env, 16);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), write ? 0 : MDB_RDONLY, 0600), 0);
  MDB_txn* txn;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, write ? 0 : MDB_RDONLY, &txn), 0);
  use(txn);
  if (write) {
    EXPECT_EQ(mdb_txn_commit(txn), 0);
  } else {
    mdb_txn_abort(txn);
  }
  mdb_env_close(env);
}

MDB_val schemaVersionKey() { return MDB_val{14, const_cast<char*>("schema_version")}; }

void putRawSchemaVersion(const std::filesystem::path& dir, uint64_t version) {
  withRawTxn(dir, true, [&](MDB_txn* txn) {
    MDB_dbi meta;
    mdb_dbi_open(txn, "meta", 0, &meta);
    uint8_t v[8];
    putBigEndian64(version, v);
    MDB_val k = schemaVersionKey(), val{8, v};
    EXPECT_EQ(mdb_put(txn, meta, &k, &val, 0), 0);
  });
}

uint64_t rawSchemaVersion(const std::filesystem::path& dir) {
  uint64_t version = 0;
  withRawTxn(dir, false, [&](MDB_txn* txn) {
    MDB_dbi meta;
    mdb_dbi_open(txn, "meta", 0, &meta);
    MDB_val k = schemaVersionKey(), v;
    if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 8)
      version = getBigEndian64(static_cast<const uint8_t*>(v.mv_data));
  });
  return version;
}

TEST(LmdbStoreTest, CommittedRecordsArePresentAfterReopen) {
  TempDir dir;
  TestNetwork net;
  TrustStore trust = net.trustStore();
  auto records = countyRecords(net, "430102", 50);
  {
    auto store = LmdbStore::open(dir.path());
    ASSERT_TRUE(store.ok());
    auto r = ingestBatch(**store, trust, records);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto store = LmdbStore::open(dir.path());
  ASSERT_TRUE(store.ok());
  auto view = (*store)->beginRead();
  auto head = (*view)->head("430102");
  ASSERT_TRUE(head.ok() && head->has_value());
  EXPECT_EQ((*head)->seq, 50u);
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    auto rec = (*view)->record("430102", seq);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ(toBytes(**rec), records[seq - 1]);
  }
  EXPECT_EQ(*(*view)->maxLamport(), 50u);
}

TEST(LmdbStoreTest, PeerPositionsSurviveReopen) {
  TempDir dir;
  Frontier position = {{"430000", 7}, {"430100", 3}, {"430102", 12}};
  {
    auto store = LmdbStore::open(dir.path());
    auto txn = (*store)->beginWrite();
    ASSERT_TRUE((*txn)->putPeerPosition("430100", position).ok());
    ASSERT_TRUE((*txn)->commit().ok());
  }
  auto store = LmdbStore::open(dir.path());
  auto view = (*store)->beginRead();
  auto got = (*view)->peerPosition("430100");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, position);
  EXPECT_FALSE((*view)->peerPosition("430200")->has_value());
}

TEST(LmdbStoreTest, UncommittedTransactionLeavesNoTrace) {
  TempDir dir;
  TestNetwork net;
  auto store = LmdbStore::open(dir.path());
  auto rec = net.author("430102", testing::sampleCaseEvent("430102", 1));
  {
    auto txn = (*store)->beginWrite();
    ASSERT_TRUE((*txn)->append("430102", FeedHead{1, {}, 1}, wireBytes(rec)).ok());
    // destroyed without commit
  }
  auto view = (*store)->beginRead();
  EXPECT_FALSE((*view)->head("430102")->has_value());
}

TEST(LmdbStoreTest, FullMapIsAClearErrorAndKeepsWhatWasCommitted) {
  TempDir dir;
  TestNetwork net;
  TrustStore trust = net.trustStore();
  LmdbOptions options;
  options.mapSizeBytes = 1 << 20;  // 1 MiB
  auto store = LmdbStore::open(dir.path(), options);
  ASSERT_TRUE(store.ok());
  uint64_t committed = 0;
  std::optional<Error> failure;
  for (int batch = 0; batch < 100 && !failure; ++batch) {
    auto records = countyRecords(net, "430102", 50, 2000);
    auto r = ingestBatch(**store, trust, records);
    if (r.ok()) {
      committed += 50;
    } else {
      failure = r.error();
    }
  }
  ASSERT_TRUE(failure) << "1 MiB cannot hold 10 MB of records";
  EXPECT_EQ(failure->code, ErrorCode::kMapFull);
  EXPECT_NE(failure->message.find("map_size"), std::string::npos) << failure->message;
  // The failed batch is all-or-nothing; everything before it is intact and readable.
  auto view = (*store)->beginRead();
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*(*view)->head("430102"))->seq, committed);
}

TEST(LmdbStoreTest, StoreFromANewerSchemaVersionIsRefused) {
  TempDir dir;
  { ASSERT_TRUE(LmdbStore::open(dir.path()).ok()); }
  putRawSchemaVersion(dir.path(), 99);  // as a future version would write it
  auto r = LmdbStore::open(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kVersion);
  EXPECT_NE(r.error().message.find("schema version 99"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("upgrade govbus-node"), std::string::npos) << r.error().message;
}

// Issue 13, item 6: schema 2 added a byte count to every head (the per-author quota reads it). A
// store written by the previous build (48-byte heads, schema 1) is read as it is by a read-only
// open (verify, backups), and upgraded by a writable one: every head then counts its whole feed,
// so the quota covers what the author stored before the upgrade too.
TEST(LmdbStoreTest,
     AVersionOneStoreIsReadAsItIsAndUpgradedWithEveryFeedsByteCountWhenOpenedToWrite) {
  TempDir dir;
  TestNetwork net;
  TrustStore trust = net.trustStore();
  auto a = countyRecords(net, "430102", 7);
  auto b = countyRecords(net, "430103", 3, 900);
  uint64_t aBytes = 0, bBytes = 0;
  for (const Bytes& r : a) aBytes += r.size();
  for (const Bytes& r : b) bBytes += r.size();
  {
    auto store = LmdbStore::open(dir.path());
    ASSERT_TRUE(store.ok());
    std::vector<Bytes> all = a;
    all.insert(all.end(), b.begin(), b.end());
    ASSERT_TRUE(ingestBatch(**store, trust, all).ok());
  }
  EXPECT_EQ(rawSchemaVersion(dir.path()), 2u);
  // Turn it into what the previous build wrote: 48-byte heads, schema version 1.
  putRawSchemaVersion(dir.path(), 1);
  withRawTxn(dir.path(), true, [&](MDB_txn* txn) {
    MDB_dbi heads;
    mdb_dbi_open(txn, "heads", 0, &heads);
    std::vector<std::pair<Bytes, Bytes>> old;
    MDB_cursor* c;
    mdb_cursor_open(txn, heads, &c);
    MDB_val hk, hv;
    for (int rc = mdb_cursor_get(c, &hk, &hv, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &hk, &hv, MDB_NEXT)) {
      EXPECT_EQ(hv.mv_size, 56u);
      const auto* kp = static_cast<const uint8_t*>(hk.mv_data);
      const auto* vp = static_cast<const uint8_t*>(hv.mv_data);
      old.emplace_back(Bytes(kp, kp + hk.mv_size), Bytes(vp, vp + 48));
    }
    mdb_cursor_close(c);
    EXPECT_EQ(old.size(), 2u);
    for (auto& [key, value] : old) {
      MDB_val k2{key.size(), key.data()}, v2{value.size(), value.data()};
      EXPECT_EQ(mdb_put(txn, heads, &k2, &v2, 0), 0);
    }
  });
  {  // verify and backups open it read-only: read as it is, nothing written.
    auto store = LmdbStore::open(dir.path(), LmdbOptions{.readOnly = true});
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto view = (*store)->beginRead();
    auto head = (*view)->head("430102");
    ASSERT_TRUE(head.ok() && head->has_value()) << "a 48-byte head still reads";
    EXPECT_EQ((*head)->seq, 7u);
    EXPECT_EQ((*head)->bytes, 0u);
  }
  EXPECT_EQ(rawSchemaVersion(dir.path()), 1u);
  {
    auto store = LmdbStore::open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto view = (*store)->beginRead();
    EXPECT_EQ((*(*view)->head("430102"))->bytes, aBytes);
    EXPECT_EQ((*(*view)->head("430103"))->bytes, bBytes);
    EXPECT_EQ((*(*view)->head("430103"))->seq, 3u);
  }
  EXPECT_EQ(rawSchemaVersion(dir.path()), 2u);
}

TEST(LmdbStoreTest, UnwritableDataDirectoryIsAClearError) {
  auto r = LmdbStore::open("/proc/govbus-cannot-be-here");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/proc/govbus-cannot-be-here"), std::string::npos)
      << r.error().message;
}

TEST(LmdbStoreTest, BackupIsAConsistentStoreOfItsOwn) {
  TempDir dir;
  TestNetwork net;
  TrustStore trust = net.trustStore();
  auto store = LmdbStore::open(dir.path() / "live");
  ASSERT_TRUE(ingestBatch(**store, trust, countyRecords(net, "430102", 20)).ok());
  ASSERT_TRUE((*store)->backupTo(dir.path() / "backup.mdb").ok());
  EXPECT_FALSE((*store)->backupTo(dir.path() / "backup.mdb").ok()) << "never overwrite a backup";
  std::filesystem::create_directories(dir.path() / "restored");
  std::filesystem::copy_file(dir.path() / "backup.mdb", dir.path() / "restored" / "data.mdb");
  auto restored = LmdbStore::open(dir.path() / "restored");
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  auto view = (*restored)->beginRead();
  EXPECT_EQ((*(*view)->head("430102"))->seq, 20u);
}

// LMDB maps the whole file: a page past the end of a truncated file used to be a SIGBUS when it
// was first read. The size is now checked against the newest meta page before mapping.
TEST(LmdbStoreTest, ATruncatedStoreOrBackupIsAClearErrorNotABusError) {
  TempDir dir;
  TestNetwork net;
  TrustStore trust = net.trustStore();
  {
    auto store = LmdbStore::open(dir.path() / "live");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(ingestBatch(**store, trust, countyRecords(net, "430102", 400, 1000)).ok());
    ASSERT_TRUE((*store)->backupTo(dir.path() / "backup.mdb").ok());
  }
  const std::filesystem::path backup = dir.path() / "backup.mdb";
  std::filesystem::resize_file(backup, std::filesystem::file_size(backup) / 2);
  LmdbOptions readOnly;
  readOnly.readOnly = true;
  readOnly.mapSizeBytes = 0;
  auto fromBackup = LmdbStore::open(backup, readOnly);
  ASSERT_FALSE(fromBackup.ok()) << "opened a truncated backup";
  EXPECT_EQ(fromBackup.error().code, ErrorCode::kStorage);
  EXPECT_NE(fromBackup.error().message.find("backup.mdb is truncated"), std::string::npos)
      << fromBackup.error().message;

  // The same for a node's data directory, read-write (node start) and read-only (verify).
  const std::filesystem::path live = dir.path() / "live" / "data.mdb";
  std::filesystem::resize_file(live, std::filesystem::file_size(live) / 2);
  for (bool ro : {false, true}) {
    auto reopened = LmdbStore::open(dir.path() / "live", ro ? readOnly : LmdbOptions{});
    ASSERT_FALSE(reopened.ok()) << (ro ? "read-only" : "read-write");
    EXPECT_NE(reopened.error().message.find("is truncated"), std::string::npos)
        << reopened.error().message;
  }
  // Shorter than one meta page is truncated too; an empty file is a new store.
  std::filesystem::resize_file(live, 100);
  EXPECT_FALSE(LmdbStore::open(dir.path() / "live").ok());
  std::filesystem::resize_file(live, 0);
  EXPECT_TRUE(LmdbStore::open(dir.path() / "live").ok());
}

}  // namespace
}  // namespace govbus
