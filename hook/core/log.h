// Operator-facing log lines: syslog (the journal picks it up) with facility
// daemon, and optionally stderr. One line per decision.
#pragma once

#include <string>

namespace tsp {

class Log {
public:
    // Opens the syslog connection now, so it survives later confinement.
    Log(const char* ident, bool to_stderr);
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    void info(const std::string& msg) const;
    void warn(const std::string& msg) const;
    void error(const std::string& msg) const;

private:
    void emit(int prio, const char* tag, const std::string& msg) const;
    bool to_stderr_;
};

}  // namespace tsp
