#include "core/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "core/error.h"

namespace tsp {

FileLock::FileLock(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0)
        ::mkdir(path.substr(0, slash).c_str(), 0755);  // /run exists; private dirs may not
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_) throw Error(errno_message("cannot open lock file " + path, errno));
    while (::flock(fd_.get(), LOCK_EX) != 0)
        if (errno != EINTR) throw Error(errno_message("cannot lock " + path, errno));
}

}  // namespace tsp
