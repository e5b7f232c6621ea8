// How govbus-node's log lines look. On a terminal or in a file: a timestamp, the level and the
// message. Under systemd, where stdout is the journal's stream, each line starts with its
// sd-daemon priority instead (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug; sd-daemon(3)),
// which journald strips and records as the line's PRIORITY, so `journalctl -p warning` works; the
// journal has its own timestamps.
#pragma once

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace govbus {

enum class LogFormat {
  kAuto,     // kJournal when stdout is the journal's stream (journalStreamIsStdout), else kPlain
  kPlain,    // 2026-05-01T10:00:00.123+0800 info  message
  kJournal,  // <6>info  message
};

// Parses "auto", "plain" or "journal".
bool parseLogFormat(const std::string& text, LogFormat& out);

// Whether this process's stdout is the journal stream systemd connected it to: JOURNAL_STREAM
// ("device:inode", systemd.exec(5)) names the same file as stdout. A child whose stdout was
// redirected inherits the variable but not the stream, and gets false.
bool journalStreamIsStdout();

// kAuto resolved against the environment.
LogFormat resolveLogFormat(LogFormat format);

// The sd-daemon priority of a level: 7 trace and debug, 6 info, 4 warn, 3 error, 2 critical.
int journalPriority(spdlog::level::level_enum level);

// The formatter of the node's logger for a resolved format (not kAuto).
std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format);

// A line the node writes before its logger exists or after it is gone (start-up and fatal errors
// on stderr): "govbus-node: message", with the priority prefix under the journal.
std::string plainLogLine(LogFormat format, spdlog::level::level_enum level,
                         const std::string& message);

}  // namespace govbus
