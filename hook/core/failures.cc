#include "core/failures.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <tuple>

#include "core/files.h"

namespace tsp {
namespace {

constexpr int kLockTries = 250;  // 1 ms apart
constexpr std::size_t kMaxName = 64;
constexpr std::size_t kMaxPath = 4096;

bool valid_id(std::string_view s) {
    if (s.empty() || s.size() > kMaxName) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// flock with bounded patience; false when it stays taken.
bool lock(int fd, int op) {
    for (int i = 0; i < kLockTries; ++i) {
        if (::flock(fd, op | LOCK_NB) == 0) return true;
        if (errno != EWOULDBLOCK && errno != EINTR) return false;
        const timespec ms{0, 1000000};
        ::nanosleep(&ms, nullptr);
    }
    return false;
}

// The decimal number at the start of buf[0..n); 0 when there is none.
std::uint64_t parse_count(const char* buf, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i)
        v = v * 10 + static_cast<unsigned>(buf[i] - '0');
    return v;
}

// The counter's value read under a shared lock; nullopt when unreadable.
std::optional<std::uint64_t> read_count(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    std::optional<std::uint64_t> out;
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && lock(fd, LOCK_SH)) {
        char buf[32];
        const ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
        if (n >= 0) out = parse_count(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

}  // namespace

const char* failure_reason(const std::exception& e, const char* fallback) {
    if (const auto* r = dynamic_cast<const ReasonError*>(&e)) return r->reason();
    return fallback;
}

// Only syscalls and the stack: it runs in a signal handler too.
void count_failure_at(const char* state_dir, const char* dir, const char* file) noexcept {
    const int saved_errno = errno;
    ::mkdir(state_dir, 0700);
    ::mkdir(dir, 0700);
    const int fd = ::open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd >= 0) {
        struct stat st;
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && lock(fd, LOCK_EX)) {
            char buf[32];
            const ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
            if (n >= 0) {
                std::uint64_t v = parse_count(buf, static_cast<std::size_t>(n)) + 1;
                char digits[24];
                std::size_t len = 0;
                do {
                    digits[len++] = static_cast<char>('0' + v % 10);
                    v /= 10;
                } while (v);
                char out[25];
                for (std::size_t i = 0; i < len; ++i) out[i] = digits[len - 1 - i];
                out[len++] = '\n';
                // Counts only grow, so the new text covers the old one.
                if (::pwrite(fd, out, len, 0) == static_cast<ssize_t>(len) &&
                    ::ftruncate(fd, static_cast<off_t>(len)) != 0) {
                    // The new count is written; nothing longer was there.
                }
            }
        }
        ::close(fd);  // drops the lock
    }
    errno = saved_errno;
}

void count_failure(std::string_view state_dir, std::string_view source,
                   std::string_view reason) noexcept {
    if (!valid_id(source) || !valid_id(reason) || state_dir.empty()) return;
    char sd[kMaxPath], dir[kMaxPath], file[kMaxPath];
    constexpr std::string_view kSub = "/failures";
    const std::size_t need = state_dir.size() + kSub.size() + 1 + source.size() + 1 + reason.size();
    if (need >= kMaxPath) return;
    std::size_t n = state_dir.copy(sd, state_dir.size());
    sd[n] = '\0';
    n = state_dir.copy(dir, state_dir.size());
    n += kSub.copy(dir + n, kSub.size());
    dir[n] = '\0';
    std::copy(dir, dir + n, file);
    file[n++] = '/';
    n += source.copy(file + n, source.size());
    file[n++] = '.';
    n += reason.copy(file + n, reason.size());
    file[n] = '\0';
    count_failure_at(sd, dir, file);
}

std::vector<FailureCount> read_failures(const std::string& state_dir) {
    std::vector<FailureCount> out;
    try {
        const std::string dir = state_dir + "/failures";
        for (const auto& name : dir_entries(dir)) {
            const auto dot = name.find('.');
            if (dot == std::string::npos) continue;
            FailureCount c{name.substr(0, dot), name.substr(dot + 1), 0};
            if (!valid_id(c.source) || !valid_id(c.reason)) continue;
            const auto v = read_count(dir + "/" + name);
            if (!v) continue;
            c.count = *v;
            out.push_back(std::move(c));
        }
        std::sort(out.begin(), out.end(), [](const FailureCount& a, const FailureCount& b) {
            return std::tie(a.source, a.reason) < std::tie(b.source, b.reason);
        });
    } catch (const std::bad_alloc&) {
        out.clear();
    }
    return out;
}

}  // namespace tsp
