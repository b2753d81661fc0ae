// Every filesystem location the control plane touches. Defaults are the
// production ones; tests point them at private mounts.
#pragma once

#include <string>
#include <vector>

namespace tsp {

struct Paths {
    std::string bpffs = "/sys/fs/bpf";  // pins live in <bpffs>/tcp_splice
    std::string module_dir = "/sys/module/tcp_splice";
    std::string proc_counters = "/proc/net/tcp_splice";
    std::string proc_pairs = "/proc/net/tcp_splice_pairs";
    std::string busy_read = "/proc/sys/net/core/busy_read";  // blocking reads spin
    std::string busy_poll = "/proc/sys/net/core/busy_poll";  // epoll/poll/select spin
    // The flock serialising every change of the pins, the records and the
    // busy_read record (busy_read and busy_poll); empty: <state_dir>/tcp-splice.lock, in the
    // directory the DaemonSet mounts, so host tools and the plugin share it.
    std::string lock_file;
    // The lock of releases before it moved into state_dir: also taken (after
    // lock_path()) when it exists, so an older binary mid-upgrade is
    // serialised with us; never created. Empty: none.
    std::string legacy_lock_file = "/run/tcp-splice.lock";
    std::string cgroup_root = "/sys/fs/cgroup";  // the cgroup2 mount
    std::string state_dir = "/run/tcp-splice";   // per-container records
    // Where `tcp-splice-ctl doctor` looks besides.
    std::string btf_dir = "/sys/kernel/btf";  // vmlinux and per-module BTF
    std::string proc_dir = "/proc";           // processes (the NRI plugin)
    std::string nri_socket = "/var/run/nri/nri.sock";
    std::string containerd_bin = "/usr/bin/containerd";
    std::string containerd_config_dir = "/etc/containerd";
    // podman/CRI-O hooks.d, in precedence order (/etc overrides /usr/share).
    std::vector<std::string> hooks_dirs = {"/etc/containers/oci/hooks.d",
                                           "/usr/share/containers/oci/hooks.d"};
    std::string docker_daemon_json = "/etc/docker/daemon.json";

    std::string pin_dir() const { return bpffs + "/tcp_splice"; }
    std::string links_dir() const { return pin_dir() + "/links"; }
    std::string lock_path() const {
        return lock_file.empty() ? state_dir + "/tcp-splice.lock" : lock_file;
    }
    std::string ring_param() const { return module_dir + "/parameters/ring_kbytes"; }
};

}  // namespace tsp
