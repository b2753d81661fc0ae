#include "core/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <set>

#include "core/error.h"

namespace tsp {
namespace {

// The lock paths this thread holds (through its outermost FileLock).
thread_local std::set<std::string> t_held;

void lock_fd(int fd, const std::string& path) {
    while (::flock(fd, LOCK_EX) != 0)
        if (errno != EINTR)
            throw Error(errno_message("cannot lock " + path, errno) +
                        ": check that the filesystem supports flock");
}

}  // namespace

FileLock::FileLock(const Paths& paths) {
    const std::string path = paths.lock_path();
    if (t_held.count(path)) return;  // nested: the outer FileLock holds it
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0)
        ::mkdir(path.substr(0, slash).c_str(), 0755);  // state_dir may not exist yet
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_)
        throw Error(errno_message("cannot open lock file " + path, errno) + ": create " +
                    path.substr(0, slash) + " (0755) or run as root");
    lock_fd(fd_.get(), path);
    if (!paths.legacy_lock_file.empty() && paths.legacy_lock_file != path) {
        legacy_.reset(::open(paths.legacy_lock_file.c_str(), O_RDWR | O_CLOEXEC));
        if (!legacy_ && errno != ENOENT)
            throw Error(
                errno_message("cannot open the legacy lock file " + paths.legacy_lock_file, errno) +
                ": remove it once no older tcp-splice binary runs");
        if (legacy_) lock_fd(legacy_.get(), paths.legacy_lock_file);
    }
    path_ = path;
    t_held.insert(path_);
}

FileLock::~FileLock() {
    if (!path_.empty()) t_held.erase(path_);  // the fds close (and unlock) after this
}

}  // namespace tsp
