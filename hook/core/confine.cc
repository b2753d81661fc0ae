#include "core/confine.h"

#include <seccomp.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>

#include "core/error.h"

namespace tsp {
namespace {

// Installed before the hook reads its input, so the JSON parsing of that
// input runs under it too; parsing itself needs nothing beyond memory
// (brk, mmap, munmap, mremap, madvise). The rest: reading the input and
// /proc/<pid>/cgroup and finding the cgroup (open, read, stat, readlink,
// getdents64), pin and record management (mkdir, rename, unlink, fsync,
// fchmod, fchown), libbpf's load/attach path (bpf, mmap, memfd_create,
// ftruncate, uname, getrlimit/setrlimit), the lock (flock), time, signals
// (the watchdog's alarm) and exit; the fail-open counters need only open,
// flock, pread/pwrite, ftruncate and nanosleep from that list. No exec,
// fork, ptrace or network: sockets are limited to AF_UNIX (syslog's
// /dev/log, the journal's socket).
constexpr const char* kAllowed[] = {"read",          "pread64",
                                    "readv",         "write",
                                    "writev",        "pwrite64",
                                    "open",          "openat",
                                    "close",         "fstat",
                                    "newfstatat",    "stat",
                                    "lstat",         "statx",
                                    "statfs",        "fstatfs",
                                    "lseek",         "fcntl",
                                    "flock",         "fsync",
                                    "fchmod",        "fchown",
                                    "fdatasync",     "mkdir",
                                    "mkdirat",       "rmdir",
                                    "unlink",        "unlinkat",
                                    "rename",        "renameat",
                                    "renameat2",     "getdents64",
                                    "readlink",      "readlinkat",
                                    "access",        "faccessat",
                                    "faccessat2",    "getcwd",
                                    "dup",           "dup2",
                                    "dup3",          "bpf",
                                    "mmap",          "munmap",
                                    "mprotect",      "mremap",
                                    "madvise",       "brk",
                                    "uname",         "getpid",
                                    "gettid",        "getppid",
                                    "getuid",        "geteuid",
                                    "getgid",        "getegid",
                                    "clock_gettime", "clock_nanosleep",
                                    "nanosleep",     "gettimeofday",
                                    "futex",         "sched_yield",
                                    "getrandom",     "prlimit64",
                                    "getrlimit",     "setrlimit",
                                    "rt_sigaction",  "rt_sigprocmask",
                                    "rt_sigreturn",  "sigaltstack",
                                    "alarm",         "tgkill",
                                    "exit",          "exit_group",
                                    "connect",       "sendto",
                                    "sendmsg",       "close_range",
                                    "rseq",          "set_robust_list",
                                    "membarrier",    "memfd_create",
                                    "ftruncate"};

}  // namespace

void confine_hook(ConfineMode mode) {
    const std::uint32_t deny = mode == ConfineMode::kLog ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM);
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(deny), seccomp_release);
    if (!ctx) throw Error("seccomp_init failed");
    for (const char* name : kAllowed) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
        if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0); rc != 0)
            throw Error(errno_message(std::string("seccomp rule for ") + name, -rc));
    }
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        rc != 0)
        throw Error(errno_message("seccomp rule for socket", -rc));
    if (int rc = seccomp_load(ctx.get()); rc != 0)
        throw Error(errno_message("loading the seccomp filter", -rc));
}

}  // namespace tsp
