#include "core/checks.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>

#include "core/error.h"

namespace tsp {
namespace {

std::optional<int> leading_int(std::string_view& s) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end == s.data()) return std::nullopt;
    s.remove_prefix(static_cast<std::size_t>(end - s.data()));
    return v;
}

}  // namespace

bool has_fs_magic(const std::string& path, long magic) {
    struct statfs st;
    return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

std::optional<std::pair<int, int>> parse_kernel_release(std::string_view release) {
    auto major = leading_int(release);
    if (!major || release.empty() || release.front() != '.') return std::nullopt;
    release.remove_prefix(1);
    auto minor = leading_int(release);
    if (!minor) return std::nullopt;
    return std::pair{*major, *minor};
}

void require_root() {
    if (::geteuid() != 0)
        throw Error("must run as root (loading and attaching BPF programs needs it)");
}

std::string running_kernel_release() {
    struct utsname u;
    if (::uname(&u) != 0) return "";
    return u.release;
}

void require_kernel(std::string_view release) {
    auto v = parse_kernel_release(release);
    if (!v) throw Error("cannot parse kernel release '" + std::string(release) + "'");
    if (*v < kMinKernel)
        throw Error("kernel " + std::string(release) +
                    " is older than 6.15: sock_ops programs cannot call kfuncs before 6.15; "
                    "boot a newer kernel");
}

void require_module(const Paths& paths) {
    struct stat st;
    if (::stat(paths.module_dir.c_str(), &st) != 0)
        throw Error(
            "tcp_splice module is not loaded: run 'modprobe tcp_splice' "
            "(or 'insmod tcp_splice.ko')");
}

void require_bpffs(const Paths& paths) {
    if (!has_fs_magic(paths.bpffs, BPF_FS_MAGIC))
        throw Error("no BPF filesystem at " + paths.bpffs + ": run 'mount -t bpf bpf " +
                    paths.bpffs + "'");
}

void require_cgroup2_dir(const std::string& path) {
    struct stat st;
    if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        !has_fs_magic(path, CGROUP2_SUPER_MAGIC))
        throw Error(path +
                    " is not a cgroup-v2 directory: pass a directory of the cgroup2 "
                    "mount, e.g. /sys/fs/cgroup/<group>");
}

}  // namespace tsp
