#include "core/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <set>
#include <utility>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

using NsId = std::pair<dev_t, ino_t>;

bool ns_id(int fd, NsId* id) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return false;
    *id = {st.st_dev, st.st_ino};
    return true;
}

// Calls @fn with every pid listed in cgroup.procs of @dir and below.
template <class Fn>
void cgroup_pids(const std::string& dir, int depth, Fn&& fn) {
    std::ifstream procs(dir + "/cgroup.procs");
    for (long pid; procs >> pid;) fn(pid);
    if (depth > 64) return;  // cgroup v2 nests far less; stop on loops
    for (const auto& sub : subdir_entries(dir)) cgroup_pids(dir + "/" + sub, depth + 1, fn);
}

template <class Fn>
void all_pids(Fn&& fn) {
    for (const long pid : pid_entries("/proc")) fn(pid);
}

}  // namespace

std::vector<UniqueFd> netns_of_cgroup(const std::string& cgroup_dir) {
    std::vector<UniqueFd> out;
    std::set<NsId> seen;
    UniqueFd self(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    NsId id;
    if (self && ns_id(self.get(), &id)) seen.insert(id);
    auto visit = [&](long pid) {
        std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd && ns_id(fd.get(), &id) && seen.insert(id).second) out.push_back(std::move(fd));
    };
    if (cgroup_dir.empty())
        all_pids(visit);
    else
        cgroup_pids(cgroup_dir, 0, visit);
    return out;
}

namespace {

// Enters @ns and runs @step (see in_netns); the setns errno when it could not.
int enter_and_run(int ns, const std::function<void()>& step) {
    UniqueFd self(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!self) return errno;
    if (::setns(ns, CLONE_NEWNET) != 0) return errno;
    auto back = [&] {
        if (::setns(self.get(), CLONE_NEWNET) != 0)
            throw Error(errno_message("cannot return to our network namespace", errno));
    };
    try {
        step();
    } catch (...) {
        back();
        throw;
    }
    back();
    return 0;
}

}  // namespace

bool in_netns(int ns, const std::function<void()>& step) { return enter_and_run(ns, step) == 0; }

void run_in_netns(const std::string& path, const std::function<void()>& step) {
    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) {
        const int err = errno;
        throw Error(errno_message("cannot open network namespace " + path, err) +
                    (err == EACCES || err == EPERM
                         ? ": run as root (opening another process's namespace needs ptrace access)"
                         : ": pass /proc/PID/ns/net of a running process or /run/netns/NAME"));
    }
    if (int err = enter_and_run(ns.get(), step); err != 0) {
        std::string hint = err == EINVAL ? ": it is not a network namespace; pass "
                                           "/proc/PID/ns/net or /run/netns/NAME"
                                         : ": run as root (CAP_SYS_ADMIN)";
        throw Error(errno_message("cannot enter network namespace " + path, err) + hint);
    }
}

}  // namespace tsp
