#include "core/log.h"

#include <syslog.h>

#include <cstdio>

namespace tsp {

Log::Log(const char* ident, bool to_stderr) : to_stderr_(to_stderr) {
    ::openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

Log::~Log() { ::closelog(); }

void Log::emit(int prio, const char* tag, const std::string& msg) const {
    ::syslog(prio, "%s", msg.c_str());
    if (to_stderr_) std::fprintf(stderr, "%s%s\n", tag, msg.c_str());
}

void Log::info(const std::string& msg) const { emit(LOG_INFO, "", msg); }
void Log::warn(const std::string& msg) const { emit(LOG_WARNING, "warning: ", msg); }
void Log::error(const std::string& msg) const { emit(LOG_ERR, "error: ", msg); }

}  // namespace tsp
