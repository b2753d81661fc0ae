// Operator-facing log lines, one per decision: to the journal with its
// native protocol when /run/systemd/journal/socket exists (with structured
// fields: CONTAINER_ID, POD_NAME, POD_NAMESPACE when known), else syslog
// with facility daemon; optionally also stderr.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace tsp {

inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Journal fields: names of [A-Z0-9_] not starting with '_'.
using LogFields = std::vector<std::pair<std::string, std::string>>;

// Fields added to every line this thread logs while the scope lives
// (nested scopes add up; a per-call field of the same name wins).
class LogScope {
public:
    explicit LogScope(const LogFields& fields);
    LogScope(std::initializer_list<LogFields::value_type> fields) : LogScope(LogFields(fields)) {}
    ~LogScope();
    LogScope(const LogScope&) = delete;
    LogScope& operator=(const LogScope&) = delete;

private:
    std::size_t size_before_;
};

// One journal entry as a datagram of the native protocol: "KEY=value\n"
// per field; a value holding a newline as "KEY\n", its length as 64-bit
// little endian, the value and "\n". Fields with invalid names are dropped;
// a later field replaces an earlier one of the same name.
std::string journal_datagram(const LogFields& fields);

class Log {
public:
    // Opens the journal socket or the syslog connection now, so it survives
    // later confinement. `journal_socket` is for tests.
    Log(const char* ident, bool to_stderr, std::string journal_socket = kJournalSocket);
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    void info(const std::string& msg, const LogFields& fields = {}) const;
    void warn(const std::string& msg, const LogFields& fields = {}) const;
    void error(const std::string& msg, const LogFields& fields = {}) const;

private:
    void emit(int prio, const char* tag, const std::string& msg, const LogFields& fields) const;
    bool send_journal(int prio, const std::string& msg, const LogFields& fields) const;
    std::string ident_;
    bool to_stderr_;
    std::string journal_path_;
    int journal_fd_ = -1;  // a datagram socket, when the journal is there
};

}  // namespace tsp
