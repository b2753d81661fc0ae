// tcp-splice-ctl command line, built separately from its execution so tests
// can parse argv and inspect the result.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace tsp::ctl {

struct Options {
    std::string command;  // enable | disable | status | ... | doctor | runtime-configure
    std::string cgroup;
    bool loopback_only = false;
    std::string ports;            // raw; parsed by parse_ports()
    long long busy_poll_us = -1;  // -1: leave net.core.busy_read and busy_poll alone
    long long ring_kbytes = -1;   // -1: leave ring_kbytes alone
    bool json = false;
    std::string bpffs = "/sys/fs/bpf";
    std::string output;  // metrics: write here (atomically) instead of stdout
    // sockets
    int port = -1;        // -1: any
    std::string address;  // empty: any
    std::string netns;    // a netns path; empty: ours
    int pid = 0;          // 0: none; else its netns
    bool all = false;     // every TCP socket, not only tcp-splice's (disable: everything)
    // runtime configure | unconfigure (command "runtime-configure" | "runtime-unconfigure")
    std::string runtime;         // docker | containerd | crio | podman
    std::string runtime_config;  // empty: the runtime's usual file (podman: hooks directory)
    bool dry_run = false;        // runtime, gc: only say what would change
    bool set_as_default = false;
};

std::unique_ptr<CLI::App> make_cli(Options& opts);

}  // namespace tsp::ctl
