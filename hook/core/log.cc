#include "core/log.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace tsp {
namespace {

// The fields of the LogScopes of this thread.
thread_local LogFields t_scope_fields;

// Messages longer than this are cut: one datagram stays well below the
// socket's buffer.
constexpr std::size_t kMaxValue = 32 << 10;

bool valid_field_name(const std::string& k) {
    if (k.empty() || k.size() > 64 || k[0] == '_' || (k[0] >= '0' && k[0] <= '9')) return false;
    return std::all_of(k.begin(), k.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

}  // namespace

LogScope::LogScope(const LogFields& fields) : size_before_(t_scope_fields.size()) {
    t_scope_fields.insert(t_scope_fields.end(), fields.begin(), fields.end());
}

LogScope::~LogScope() { t_scope_fields.resize(size_before_); }

std::string journal_datagram(const LogFields& fields) {
    // The last of each name wins, in the order of first appearance.
    LogFields uniq;
    for (const auto& [k, v] : fields) {
        if (!valid_field_name(k)) continue;
        auto it =
            std::find_if(uniq.begin(), uniq.end(), [&](const auto& f) { return f.first == k; });
        if (it == uniq.end())
            uniq.emplace_back(k, v);
        else
            it->second = v;
    }
    std::string out;
    for (auto [k, v] : uniq) {
        if (v.size() > kMaxValue) v.resize(kMaxValue);
        if (v.find('\n') == std::string::npos) {
            out += k + "=" + v + "\n";
            continue;
        }
        out += k + "\n";
        std::uint64_t n = v.size();
        for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
        out += v + "\n";
    }
    return out;
}

Log::Log(const char* ident, bool to_stderr, std::string journal_socket)
    : ident_(ident), to_stderr_(to_stderr), journal_path_(std::move(journal_socket)) {
    struct stat st;
    sockaddr_un addr{};
    if (!journal_path_.empty() && journal_path_.size() < sizeof(addr.sun_path) &&
        ::stat(journal_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        journal_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    // Syslog stays open either way: the fallback when the journal refuses.
    ::openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

Log::~Log() {
    if (journal_fd_ >= 0) ::close(journal_fd_);
    ::closelog();
}

bool Log::send_journal(int prio, const std::string& msg, const LogFields& fields) const {
    if (journal_fd_ < 0) return false;
    LogFields all = {{"MESSAGE", msg},
                     {"PRIORITY", std::to_string(prio)},
                     {"SYSLOG_IDENTIFIER", ident_},
                     {"SYSLOG_FACILITY", std::to_string(LOG_DAEMON >> 3)},
                     {"SYSLOG_PID", std::to_string(::getpid())}};
    all.insert(all.end(), t_scope_fields.begin(), t_scope_fields.end());
    all.insert(all.end(), fields.begin(), fields.end());
    const std::string d = journal_datagram(all);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, journal_path_.c_str(), journal_path_.size());
    const ssize_t n = ::sendto(journal_fd_, d.data(), d.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    return n == static_cast<ssize_t>(d.size());
}

void Log::emit(int prio, const char* tag, const std::string& msg, const LogFields& fields) const {
    if (!send_journal(prio, msg, fields)) ::syslog(prio, "%s", msg.c_str());
    if (to_stderr_) std::fprintf(stderr, "%s%s\n", tag, msg.c_str());
}

void Log::info(const std::string& msg, const LogFields& f) const { emit(LOG_INFO, "", msg, f); }
void Log::warn(const std::string& msg, const LogFields& f) const {
    emit(LOG_WARNING, "warning: ", msg, f);
}
void Log::error(const std::string& msg, const LogFields& f) const {
    emit(LOG_ERR, "error: ", msg, f);
}

}  // namespace tsp
