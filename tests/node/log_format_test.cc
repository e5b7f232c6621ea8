// The node's log lines under systemd (sd-daemon priority prefixes) and its build info metric.
#include "node/log_format.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "govbus_version.h"
#include "node/metrics.h"

namespace govbus {
namespace {

std::string logEveryLevel(LogFormat format) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(makeLogFormatter(format));
  logger.set_level(spdlog::level::trace);
  logger.trace("t");
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  logger.critical("c");
  return out.str();
}

TEST(LogFormatTest, JournalLinesStartWithTheirSdDaemonPriority) {
  EXPECT_EQ(logEveryLevel(LogFormat::kJournal),
            "<7>trace t\n<7>debug d\n<6>info  i\n<4>warning w\n<3>error e\n<2>critical c\n");
}

TEST(LogFormatTest, PlainLinesHaveATimestampAndNoPriority) {
  std::string text = logEveryLevel(LogFormat::kPlain);
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_NE(text.find(" warning w\n"), std::string::npos) << text;
  EXPECT_EQ(text.substr(0, 2), "20") << text;  // 2026-…T…
}

TEST(LogFormatTest, StartupErrorsOnStderrCarryThePriorityUnderTheJournal) {
  EXPECT_EQ(plainLogLine(LogFormat::kJournal, spdlog::level::err, "bad key"),
            "<3>govbus-node: bad key");
  EXPECT_EQ(plainLogLine(LogFormat::kPlain, spdlog::level::err, "bad key"), "govbus-node: bad key");
}

TEST(LogFormatTest, AutoIsJournalOnlyWhenJournalStreamNamesStdout) {
  const char* saved = std::getenv("JOURNAL_STREAM");
  std::string savedValue = saved ? saved : "";
  struct stat st {};
  ASSERT_EQ(::fstat(STDOUT_FILENO, &st), 0);
  const std::string self = std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
                           std::to_string(static_cast<unsigned long long>(st.st_ino));

  ::unsetenv("JOURNAL_STREAM");
  EXPECT_EQ(resolveLogFormat(LogFormat::kAuto), LogFormat::kPlain);
  ::setenv("JOURNAL_STREAM", self.c_str(), 1);
  EXPECT_EQ(resolveLogFormat(LogFormat::kAuto), LogFormat::kJournal);
  // Inherited by a process whose stdout went elsewhere: not the journal.
  ::setenv("JOURNAL_STREAM",
           (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str(), 1);
  EXPECT_EQ(resolveLogFormat(LogFormat::kAuto), LogFormat::kPlain);
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  EXPECT_EQ(resolveLogFormat(LogFormat::kAuto), LogFormat::kPlain);
  // An explicit format wins.
  EXPECT_EQ(resolveLogFormat(LogFormat::kJournal), LogFormat::kJournal);
  ::setenv("JOURNAL_STREAM", self.c_str(), 1);
  EXPECT_EQ(resolveLogFormat(LogFormat::kPlain), LogFormat::kPlain);

  if (saved) {
    ::setenv("JOURNAL_STREAM", savedValue.c_str(), 1);
  } else {
    ::unsetenv("JOURNAL_STREAM");
  }
}

TEST(LogFormatTest, ParsesTheCommandLineNames) {
  LogFormat f = LogFormat::kPlain;
  EXPECT_TRUE(parseLogFormat("auto", f));
  EXPECT_EQ(f, LogFormat::kAuto);
  EXPECT_TRUE(parseLogFormat("journal", f));
  EXPECT_EQ(f, LogFormat::kJournal);
  EXPECT_TRUE(parseLogFormat("plain", f));
  EXPECT_EQ(f, LogFormat::kPlain);
  EXPECT_FALSE(parseLogFormat("syslog", f));
}

TEST(MetricsTest, BuildInfoNamesTheVersionAndCommit) {
  Metrics metrics;
  std::string text = metrics.render();
  std::string line =
      std::string("govbus_build_info{version=\"") + kVersion + "\",commit=\"" + kCommit + "\"} 1\n";
  EXPECT_NE(text.find(line), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE govbus_build_info gauge\n"), std::string::npos);
  EXPECT_NE(std::string(kVersion), "");
  EXPECT_NE(std::string(kCommit), "");
}

}  // namespace
}  // namespace govbus
