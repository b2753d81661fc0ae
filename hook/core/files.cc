#include "core/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>
#include <string_view>

#include "core/error.h"
#include "core/fd.h"

namespace tsp {

std::string read_all(int fd, std::size_t limit) {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(errno_message("read", errno));
        if (n == 0) return out;
        if (out.size() + static_cast<std::size_t>(n) > limit)
            throw Error("input is over the " + std::to_string(limit) + " bytes accepted");
        out.append(buf, static_cast<std::size_t>(n));
    }
}

std::string read_file(const std::string& path, std::size_t limit) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw Error(errno_message("cannot open " + path, errno));
    try {
        return read_all(fd.get(), limit);
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
}

void write_file_atomic(const std::string& path, const std::string& data, mode_t mode, uid_t uid,
                       gid_t gid) {
    const std::string tmp = path + ".tcp-splice.tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) throw Error(errno_message("cannot create " + tmp, errno));
    try {
        if (::fchmod(fd.get(), mode) != 0) throw Error(errno_message("cannot chmod " + tmp, errno));
        if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) &&
            ::fchown(fd.get(), uid, gid) != 0 && errno != EPERM)
            throw Error(errno_message("cannot chown " + tmp, errno));
        for (std::size_t off = 0; off < data.size();) {
            ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error(errno_message("cannot write " + tmp, errno));
            off += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) throw Error(errno_message("cannot sync " + tmp, errno));
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw Error(errno_message("cannot replace " + path, errno));
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

namespace {

// Calls fn for each entry of @dir; none when it cannot be read.
template <class Fn>
void each_entry(const std::string& dir, Fn&& fn) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) return;
    while (const dirent* e = ::readdir(d.get())) fn(*e);
}

}  // namespace

std::vector<std::string> dir_entries(const std::string& dir) {
    std::vector<std::string> names;
    each_entry(dir, [&](const dirent& e) {
        const std::string_view n = e.d_name;
        if (n != "." && n != "..") names.emplace_back(n);
    });
    return names;
}

std::vector<std::string> subdir_entries(const std::string& dir) {
    std::vector<std::string> names;
    each_entry(dir, [&](const dirent& e) {
        if (e.d_type == DT_DIR && e.d_name[0] != '.') names.emplace_back(e.d_name);
    });
    return names;
}

std::vector<long> pid_entries(const std::string& dir) {
    std::vector<long> pids;
    each_entry(dir, [&](const dirent& e) {
        const std::string_view n = e.d_name;
        long pid = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), pid);
        if (ec == std::errc() && end == n.data() + n.size() && pid > 0) pids.push_back(pid);
    });
    return pids;
}

}  // namespace tsp
