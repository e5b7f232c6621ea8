// WitnessSchedule and OutageTracker: how often a parent states what it stored of its children's
// feeds, and when a node reports that its upstream link was down (DESIGN §6, witnessed time).
#include "sync/witness_schedule.h"

#include <gtest/gtest.h>

namespace govbus {
namespace {

constexpr int64_t kT0 = 1'790'000'000'000;

TEST(WitnessScheduleTest, AWitnessComesAtMostOncePerIntervalAndNamesOnlyTheFeedsThatMoved) {
  WitnessSchedule schedule(60'000);
  std::map<std::string, uint64_t> heads{{"430102", 3}, {"430103", 0}};
  auto first = schedule.due(heads, kT0);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->feeds.size(), 1u) << "an empty feed is not stated";
  EXPECT_EQ(first->feeds[0].author, "430102");
  EXPECT_EQ(first->feeds[0].seq, 3u);
  schedule.authored(*first, kT0);
  heads["430103"] = 1;
  EXPECT_FALSE(schedule.due(heads, kT0 + 59'999)) << "within the interval";
  auto second = schedule.due(heads, kT0 + 60'000);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->feeds.size(), 1u) << "430102 did not move";
  EXPECT_EQ(second->feeds[0].author, "430103");
  schedule.authored(*second, kT0 + 60'000);
  EXPECT_FALSE(schedule.due(heads, kT0 + 10 * 60'000)) << "nothing moved: no record";
}

TEST(WitnessScheduleTest, AStoppingNodeStatesWhatItStoredWithoutWaitingForTheInterval) {
  WitnessSchedule schedule(60'000);
  std::map<std::string, uint64_t> heads{{"430102", 3}};
  schedule.authored(*schedule.due(heads, kT0), kT0);
  heads["430102"] = 5;
  EXPECT_FALSE(schedule.due(heads, kT0 + 1'000));
  auto last = schedule.due(heads, kT0 + 1'000, /*stopping=*/true);
  ASSERT_TRUE(last) << "otherwise seq 4 and 5 would be witnessed only after the restart";
  EXPECT_EQ(last->feeds.at(0).seq, 5u);
  schedule.authored(*last, kT0 + 1'000);
  EXPECT_FALSE(schedule.due(heads, kT0 + 2'000, /*stopping=*/true)) << "nothing new to state";
}

TEST(OutageTrackerTest, OnlyAnOutageOfAtLeastAMinuteIsReportedWithItsStartAndEnd) {
  OutageTracker tracker;
  EXPECT_FALSE(tracker.up("430100", kT0)) << "never down";
  tracker.down(kT0);
  EXPECT_FALSE(tracker.up("430100", kT0 + kMinReportedOutageMs - 1));
  tracker.down(kT0 + 100'000);
  tracker.down(kT0 + 150'000);  // still down: the outage began at the first
  auto outage = tracker.up("430100", kT0 + 100'000 + kMinReportedOutageMs + 5'000);
  ASSERT_TRUE(outage);
  EXPECT_EQ(outage->peer, "430100");
  EXPECT_EQ(outage->fromMs, kT0 + 100'000);
  EXPECT_EQ(outage->untilMs, kT0 + 100'000 + kMinReportedOutageMs + 5'000);
  EXPECT_FALSE(tracker.up("430100", kT0 + 400'000)) << "reported once";
}

}  // namespace
}  // namespace govbus
