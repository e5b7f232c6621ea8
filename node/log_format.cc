#include "node/log_format.h"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/pattern_formatter.h>

#include <cstdio>
#include <cstdlib>

namespace govbus {

namespace {

// %* in the pattern: the line's sd-daemon priority prefix, e.g. "<4>".
class PriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char prefix[4] = {'<', static_cast<char>('0' + journalPriority(msg.level)), '>', '\0'};
    dest.append(prefix, prefix + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

}  // namespace

bool parseLogFormat(const std::string& text, LogFormat& out) {
  if (text == "auto") {
    out = LogFormat::kAuto;
  } else if (text == "plain") {
    out = LogFormat::kPlain;
  } else if (text == "journal") {
    out = LogFormat::kJournal;
  } else {
    return false;
  }
  return true;
}

bool journalStreamIsStdout() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (::fstat(STDOUT_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

LogFormat resolveLogFormat(LogFormat format) {
  if (format != LogFormat::kAuto) return format;
  return journalStreamIsStdout() ? LogFormat::kJournal : LogFormat::kPlain;
}

int journalPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;  // LOG_CRIT
    case spdlog::level::err:
      return 3;  // LOG_ERR
    case spdlog::level::warn:
      return 4;  // LOG_WARNING
    case spdlog::level::info:
      return 6;  // LOG_INFO
    default:
      return 7;  // LOG_DEBUG: trace, debug
  }
}

std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (format == LogFormat::kJournal) {
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%-5l %v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %-5l %v");
  }
  return formatter;
}

std::string plainLogLine(LogFormat format, spdlog::level::level_enum level,
                         const std::string& message) {
  std::string line;
  if (format == LogFormat::kJournal) {
    line = "<" + std::to_string(journalPriority(level)) + ">";
  }
  return line + "govbus-node: " + message;
}

}  // namespace govbus
