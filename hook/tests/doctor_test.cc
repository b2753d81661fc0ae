#include "core/doctor.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "temp_dir.h"
#include "tsp_version.h"

namespace tsp::doctor {
namespace {

namespace fs = std::filesystem;

// A host where everything is in place.
HostFacts healthy() {
    HostFacts f;
    f.root = true;
    f.kernel_release = "7.3.4+deb13-cloud-amd64";
    f.btf_dir = "/sys/kernel/btf";
    f.vmlinux_btf = true;
    f.cgroup_root = "/sys/fs/cgroup";
    f.cgroup2 = true;
    f.bpffs = "/sys/fs/bpf";
    f.bpffs_mounted = true;
    f.module_loaded = true;
    f.module_version = TSP_VERSION;
    f.module_btf = true;
    f.kfunc_in_btf = true;
    f.program_pin = "/sys/fs/bpf/tcp_splice/prog";
    f.program = Seen::kPresent;
    f.program_version = TSP_VERSION;
    f.attachments = std::vector<std::string>{"host"};
    f.nri_socket_path = "/var/run/nri/nri.sock";
    f.nri_socket = true;
    f.containerd = true;
    f.nri_plugin_pid = 42;
    f.oci_hook = HookEntry{"/usr/share/containers/oci/hooks.d/50-tcp-splice-createruntime.json",
                           "/usr/libexec/tcp-splice/tcp-splice-hook", true, ""};
    f.docker_config_path = "/etc/docker/daemon.json";
    f.docker_config = Seen::kPresent;
    f.docker_runtime_path = "/usr/sbin/tcp-splice-runtime";
    f.docker_runtime_executable = true;
    f.busy_read_us = 0;
    f.busy_poll_us = 0;
    return f;
}

Check check(const HostFacts& f, const std::string& name) {
    for (auto& c : evaluate(f))
        if (c.name == name) return c;
    ADD_FAILURE() << "no check " << name;
    return {};
}

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

TEST(DoctorEvaluate, HealthyHostInOrder) {
    const auto checks = evaluate(healthy());
    std::vector<std::string> names;
    for (const auto& c : checks) {
        names.push_back(c.name);
        EXPECT_TRUE(c.level == Level::kOk || c.level == Level::kInfo) << format_line(c);
        if (c.level == Level::kOk) {
            EXPECT_TRUE(c.fix.empty()) << c.name;
        }
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"kernel", "kernel BTF", "cgroup2", "bpffs", "module",
                                        "kfunc", "program", "attachments", "nri", "nri plugin",
                                        "oci hook", "docker", "busy_read", "busy_poll"}));
    EXPECT_EQ(exit_status(checks), 0);
}

TEST(DoctorEvaluate, Kernel) {
    auto f = healthy();
    EXPECT_EQ(check(f, "kernel").detail, "7.3.4+deb13-cloud-amd64 (>= 6.15)");
    f.kernel_release = "6.15.0";
    EXPECT_EQ(check(f, "kernel").level, Level::kOk);
    f.kernel_release = "6.1.0-18-amd64";
    auto c = check(f, "kernel");
    EXPECT_EQ(c.level, Level::kFail);
    EXPECT_TRUE(has(c.fix, "6.15")) << c.fix;
    f.kernel_release = "weird";
    EXPECT_EQ(check(f, "kernel").level, Level::kWarn);
}

TEST(DoctorEvaluate, KernelBtfCgroupBpffs) {
    auto f = healthy();
    f.vmlinux_btf = false;
    f.cgroup2 = false;
    f.bpffs_mounted = false;
    auto btf = check(f, "kernel BTF");
    EXPECT_EQ(btf.level, Level::kFail);
    EXPECT_TRUE(has(btf.fix, "CONFIG_DEBUG_INFO_BTF"));
    EXPECT_EQ(check(f, "cgroup2").level, Level::kFail);
    auto bpffs = check(f, "bpffs");
    EXPECT_EQ(bpffs.level, Level::kFail);
    EXPECT_EQ(bpffs.fix, "run: mount -t bpf bpf /sys/fs/bpf");
}

TEST(DoctorEvaluate, Module) {
    auto f = healthy();
    EXPECT_EQ(check(f, "module").detail, std::string("loaded, version ") + TSP_VERSION);
    f.module_version = "0.1.0";
    auto c = check(f, "module");
    EXPECT_EQ(c.level, Level::kWarn);
    EXPECT_TRUE(has(c.detail, "loaded module is 0.1.0")) << c.detail;
    EXPECT_TRUE(has(c.detail, std::string("these tools are ") + TSP_VERSION)) << c.detail;
    EXPECT_TRUE(has(c.fix, "modprobe -r tcp_splice && modprobe tcp_splice")) << c.fix;
    f.module_version.reset();
    EXPECT_EQ(check(f, "module").level, Level::kWarn);
    f.module_loaded = false;
    c = check(f, "module");
    EXPECT_EQ(c.level, Level::kFail);
    EXPECT_EQ(format_line(c),
              "FAIL  module: not loaded -- run: modprobe tcp_splice (install tcp-splice-dkms for "
              "this kernel)");
}

TEST(DoctorEvaluate, Kfunc) {
    auto f = healthy();
    EXPECT_EQ(check(f, "kfunc").level, Level::kOk);
    f.kfunc_in_btf = false;
    EXPECT_EQ(check(f, "kfunc").level, Level::kFail);
    f.kfunc_in_btf.reset();
    f.btf_error = "cannot parse: Permission denied";
    f.root = false;
    auto c = check(f, "kfunc");
    EXPECT_EQ(c.level, Level::kWarn);
    EXPECT_EQ(c.fix, "run as root");
    f.module_btf = false;
    EXPECT_EQ(check(f, "kfunc").level, Level::kFail);
    f.module_loaded = false;
    EXPECT_EQ(check(f, "kfunc").level, Level::kInfo);
}

TEST(DoctorEvaluate, Program) {
    auto f = healthy();
    EXPECT_EQ(check(f, "program").level, Level::kOk);
    f.program_version = "0.1.0";
    auto c = check(f, "program");
    EXPECT_EQ(c.level, Level::kWarn);
    EXPECT_TRUE(has(c.fix, "tcp-splice-ctl reload")) << c.fix;
    f.program_version.reset();  // not known yet: no verdict on it
    EXPECT_EQ(check(f, "program").level, Level::kOk);
    f.program = Seen::kAbsent;
    c = check(f, "program");
    EXPECT_EQ(c.level, Level::kInfo);
    EXPECT_TRUE(has(c.detail, "nothing enabled"));
    f.program = Seen::kDenied;
    c = check(f, "program");
    EXPECT_EQ(c.level, Level::kWarn);
    EXPECT_EQ(c.fix, "run as root");
}

TEST(DoctorEvaluate, Attachments) {
    auto f = healthy();
    EXPECT_EQ(check(f, "attachments").detail, "1 (host)");
    f.attachments = std::vector<std::string>{"a", "b", "c", "d", "e", "f"};
    EXPECT_EQ(check(f, "attachments").detail, "6 (a, b, c, d, e, ...)");
    f.attachments = std::vector<std::string>{};
    EXPECT_EQ(check(f, "attachments").level, Level::kInfo);
    f.attachments.reset();
    f.attachments_error = "permission denied";
    f.root = false;
    auto c = check(f, "attachments");
    EXPECT_EQ(c.level, Level::kWarn);
    EXPECT_EQ(c.fix, "run as root");
}

TEST(DoctorEvaluate, NriAndPlugin) {
    auto f = healthy();
    auto c = check(f, "nri");
    EXPECT_EQ(c.level, Level::kOk);
    EXPECT_TRUE(has(c.detail, "containerd/CRI-O NRI enabled"));
    EXPECT_EQ(check(f, "nri plugin").detail, "tcp-splice-nri running (pid 42)");
    f.nri_plugin_pid.reset();
    EXPECT_EQ(check(f, "nri plugin").level, Level::kWarn);
    f.nri_socket = false;
    c = check(f, "nri");
    EXPECT_EQ(c.level, Level::kWarn);
    EXPECT_TRUE(has(c.fix, "tcp-splice-ctl runtime configure --runtime containerd")) << c.fix;
    EXPECT_EQ(check(f, "nri plugin").level, Level::kInfo);
    f.containerd = false;
    EXPECT_EQ(check(f, "nri").level, Level::kInfo);
}

TEST(DoctorEvaluate, OciHook) {
    auto f = healthy();
    EXPECT_EQ(check(f, "oci hook").level, Level::kOk);
    f.oci_hook->hook_executable = false;
    auto c = check(f, "oci hook");
    EXPECT_EQ(c.level, Level::kFail);
    EXPECT_TRUE(has(c.detail, "missing or not executable"));
    f.oci_hook->hook_path.clear();
    EXPECT_EQ(check(f, "oci hook").level, Level::kFail);
    f.oci_hook->error = "malformed: bad";
    EXPECT_EQ(check(f, "oci hook").level, Level::kFail);
    f.oci_hook.reset();
    EXPECT_EQ(check(f, "oci hook").level, Level::kInfo);
}

TEST(DoctorEvaluate, Docker) {
    auto f = healthy();
    EXPECT_EQ(check(f, "docker").level, Level::kOk);
    f.docker_runtime_executable = false;
    EXPECT_EQ(check(f, "docker").level, Level::kWarn);
    f.docker_runtime_path.reset();
    auto c = check(f, "docker");
    EXPECT_EQ(c.level, Level::kInfo);
    EXPECT_TRUE(has(c.fix, "tcp-splice-runtime"));
    f.docker_error = "malformed: x";
    EXPECT_EQ(check(f, "docker").level, Level::kWarn);
    f.docker_config = Seen::kDenied;
    EXPECT_EQ(check(f, "docker").fix, "run as root");
    f.docker_config = Seen::kAbsent;
    EXPECT_EQ(check(f, "docker").level, Level::kInfo);
}

TEST(DoctorEvaluate, BusyRead) {
    auto f = healthy();
    EXPECT_EQ(check(f, "busy_read").detail, "net.core.busy_read = 0 (busy polling off)");
    f.busy_read_us = 50;
    EXPECT_EQ(check(f, "busy_read").detail, "net.core.busy_read = 50 us");
    f.busy_read_us.reset();
    EXPECT_EQ(check(f, "busy_read").level, Level::kInfo);
    EXPECT_EQ(check(f, "busy_read").detail, "net.core.busy_read unknown (cannot read it)");
}

TEST(DoctorEvaluate, BusyPoll) {
    auto f = healthy();
    EXPECT_EQ(check(f, "busy_poll").detail, "net.core.busy_poll = 0 (busy polling off)");
    f.busy_poll_us = 50;
    auto c = check(f, "busy_poll");
    EXPECT_EQ(c.level, Level::kInfo);
    EXPECT_EQ(c.detail, "net.core.busy_poll = 50 us");
    EXPECT_EQ(check(f, "busy_read").detail, "net.core.busy_read = 0 (busy polling off)");
    f.busy_poll_us.reset();
    EXPECT_EQ(check(f, "busy_poll").level, Level::kInfo);
    EXPECT_EQ(check(f, "busy_poll").detail, "net.core.busy_poll unknown (cannot read it)");
}

TEST(Doctor, ExitStatusIsTheWorst) {
    const Check ok{"a", Level::kOk, "", ""}, info{"b", Level::kInfo, "", ""},
        warn{"c", Level::kWarn, "", "x"}, fail{"d", Level::kFail, "", "y"};
    EXPECT_EQ(exit_status({}), 0);
    EXPECT_EQ(exit_status({ok, info}), 0);
    EXPECT_EQ(exit_status({ok, warn, info}), 1);
    EXPECT_EQ(exit_status({fail, warn, ok}), 2);
}

TEST(Doctor, OutputFormats) {
    EXPECT_EQ(format_line({"kernel", Level::kOk, "7.3.4 (>= 6.15)", ""}),
              "ok    kernel: 7.3.4 (>= 6.15)");
    EXPECT_EQ(format_line({"nri", Level::kInfo, "not used", ""}), "info  nri: not used");
    EXPECT_EQ(format_line({"x", Level::kWarn, "d", "f"}), "WARN  x: d -- f");
    const auto j = to_json({{"a", Level::kOk, "d", ""}, {"b", Level::kFail, "e", "f"}});
    ASSERT_TRUE(j.is_array());
    EXPECT_EQ(j[0], (nlohmann::json{{"name", "a"}, {"level", "ok"}, {"detail", "d"}}));
    EXPECT_EQ(j[1]["level"], "fail");
    EXPECT_EQ(j[1]["fix"], "f");
}

// A fabricated host under a temporary directory.
class DoctorGather : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = tmp_.path();
        p_.bpffs = root_ + "/bpf";
        p_.module_dir = root_ + "/module/tcp_splice";
        p_.busy_read = root_ + "/busy_read";
        p_.busy_poll = root_ + "/busy_poll";
        p_.cgroup_root = root_ + "/cgroup";
        p_.btf_dir = root_ + "/btf";
        p_.proc_dir = root_ + "/proc";
        p_.nri_socket = root_ + "/nri.sock";
        p_.containerd_bin = root_ + "/containerd";
        p_.containerd_config_dir = root_ + "/etc-containerd";
        p_.hooks_dirs = {root_ + "/etc-hooks.d", root_ + "/share-hooks.d"};
        p_.docker_daemon_json = root_ + "/daemon.json";
        for (const auto& d : {p_.bpffs, p_.module_dir, p_.cgroup_root, p_.btf_dir,
                              p_.proc_dir + "/123", p_.proc_dir + "/sys", p_.hooks_dirs[1]})
            fs::create_directories(d);
    }
    void TearDown() override {
        if (sock_ >= 0) ::close(sock_);
    }

    static void write(const std::string& path, const std::string& text) {
        std::ofstream(path) << text;
    }
    std::string executable(const std::string& name) {
        const std::string path = root_ + "/" + name;
        write(path, "#!/bin/sh\n");
        ::chmod(path.c_str(), 0755);
        return path;
    }
    void listen_nri() {
        sock_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        ASSERT_LT(p_.nri_socket.size(), sizeof(a.sun_path));
        p_.nri_socket.copy(a.sun_path, p_.nri_socket.size());
        ASSERT_EQ(::bind(sock_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    }
    // vmlinux BTF with one int, and the module's split BTF over it, with
    // the kfunc's FUNC when `with_kfunc`.
    void write_btf(bool with_kfunc) {
        std::unique_ptr<btf, void (*)(btf*)> base(btf__new_empty(), btf__free);
        const int int_id = btf__add_int(base.get(), "int", 4, BTF_INT_SIGNED);
        ASSERT_GT(int_id, 0);
        dump(base.get(), p_.btf_dir + "/vmlinux");
        std::unique_ptr<btf, void (*)(btf*)> mod(btf__new_empty_split(base.get()), btf__free);
        const int proto = btf__add_func_proto(mod.get(), int_id);
        ASSERT_GT(proto, 0);
        const char* fn = with_kfunc ? "bpf_tcp_splice_pair" : "something_else";
        ASSERT_GT(btf__add_func(mod.get(), fn, BTF_FUNC_GLOBAL, proto), 0);
        dump(mod.get(), p_.btf_dir + "/tcp_splice");
    }
    static void dump(const btf* b, const std::string& path) {
        __u32 size = 0;
        const void* raw = btf__raw_data(b, &size);
        ASSERT_NE(raw, nullptr);
        std::ofstream(path, std::ios::binary).write(static_cast<const char*>(raw), size);
    }

    test::TempDir tmp_{"doctor"};

    std::string root_;
    Paths p_;
    int sock_ = -1;
};

TEST_F(DoctorGather, FabricatedHost) {
    write(p_.module_dir + "/version", std::string(TSP_VERSION) + "\n");
    write_btf(true);
    listen_nri();
    write(p_.proc_dir + "/123/comm", "tcp-splice-nri\n");
    write(p_.proc_dir + "/sys/comm", "tcp-splice-nri\n");  // not a pid
    const std::string hook = executable("tcp-splice-hook");
    write(p_.hooks_dirs[1] + "/50-tcp-splice-createruntime.json",
          R"({"version": "1.0.0", "hook": {"path": ")" + hook +
              R"(", "args": ["tcp-splice-hook", "createRuntime"]}, "stages": ["createRuntime"]})");
    const std::string runtime = executable("tcp-splice-runtime");
    write(p_.docker_daemon_json, R"({"runtimes": {"tcp-splice": {"path": ")" + runtime + "\"}}}");
    write(p_.busy_read, "50\n");
    write(p_.busy_poll, "30\n");

    const HostFacts f = gather_facts(p_);
    EXPECT_TRUE(f.module_loaded);
    EXPECT_EQ(f.module_version, TSP_VERSION);
    EXPECT_TRUE(f.vmlinux_btf);
    EXPECT_TRUE(f.module_btf);
    EXPECT_EQ(f.kfunc_in_btf, true) << f.btf_error;
    EXPECT_FALSE(f.cgroup2);        // a plain directory
    EXPECT_FALSE(f.bpffs_mounted);  // likewise
    EXPECT_EQ(f.program, Seen::kAbsent);
    ASSERT_TRUE(f.attachments) << f.attachments_error;
    EXPECT_TRUE(f.attachments->empty());
    EXPECT_TRUE(f.nri_socket);
    EXPECT_FALSE(f.containerd);
    EXPECT_EQ(f.nri_plugin_pid, 123);
    ASSERT_TRUE(f.oci_hook);
    EXPECT_EQ(f.oci_hook->file, p_.hooks_dirs[1] + "/50-tcp-splice-createruntime.json");
    EXPECT_EQ(f.oci_hook->hook_path, hook);
    EXPECT_TRUE(f.oci_hook->hook_executable);
    EXPECT_TRUE(f.oci_hook->error.empty());
    EXPECT_EQ(f.docker_config, Seen::kPresent);
    EXPECT_EQ(f.docker_runtime_path, runtime);
    EXPECT_TRUE(f.docker_runtime_executable);
    EXPECT_EQ(f.busy_read_us, 50u);
    EXPECT_EQ(f.busy_poll_us, 30u);

    const auto checks = evaluate(f);
    EXPECT_EQ(check(f, "module").level, Level::kOk);
    EXPECT_EQ(check(f, "kfunc").level, Level::kOk);
    EXPECT_EQ(check(f, "nri plugin").level, Level::kOk);
    EXPECT_EQ(exit_status(checks), 2);  // no cgroup2, no bpffs
}

TEST_F(DoctorGather, BrokenPieces) {
    write(p_.module_dir + "/version", "0.1.0\n");
    write_btf(false);
    write(p_.nri_socket, "");  // a file, not a socket
    fs::create_directories(p_.containerd_config_dir);
    fs::create_directories(p_.hooks_dirs[0]);  // /etc's entry wins over /usr/share's
    write(p_.hooks_dirs[0] + "/50-tcp-splice-createruntime.json", "{\"hook\": ");
    write(p_.hooks_dirs[1] + "/50-tcp-splice-createruntime.json", "{}");
    write(p_.docker_daemon_json, R"({"runtimes": {"runc": {"path": "runc"}}})");

    const HostFacts f = gather_facts(p_);
    EXPECT_EQ(f.module_version, "0.1.0");
    EXPECT_EQ(f.kfunc_in_btf, false) << f.btf_error;
    EXPECT_FALSE(f.nri_socket);
    EXPECT_TRUE(f.containerd);
    EXPECT_FALSE(f.nri_plugin_pid);
    ASSERT_TRUE(f.oci_hook);
    EXPECT_EQ(f.oci_hook->file, p_.hooks_dirs[0] + "/50-tcp-splice-createruntime.json");
    EXPECT_TRUE(has(f.oci_hook->error, "malformed")) << f.oci_hook->error;
    EXPECT_EQ(f.docker_config, Seen::kPresent);
    EXPECT_TRUE(f.docker_error.empty());
    EXPECT_FALSE(f.docker_runtime_path);
    EXPECT_FALSE(f.busy_read_us);
    EXPECT_FALSE(f.busy_poll_us);

    EXPECT_EQ(check(f, "module").level, Level::kWarn);
    EXPECT_EQ(check(f, "kfunc").level, Level::kFail);
    EXPECT_EQ(check(f, "nri").level, Level::kWarn);
    EXPECT_EQ(check(f, "oci hook").level, Level::kFail);
}

TEST_F(DoctorGather, NothingThere) {
    fs::remove_all(root_ + "/module");
    fs::remove_all(p_.hooks_dirs[1]);
    write(p_.docker_daemon_json, "not json");
    const HostFacts f = gather_facts(p_);
    EXPECT_FALSE(f.module_loaded);
    EXPECT_FALSE(f.module_version);
    EXPECT_FALSE(f.kfunc_in_btf);
    EXPECT_FALSE(f.vmlinux_btf);
    EXPECT_FALSE(f.oci_hook);
    EXPECT_TRUE(has(f.docker_error, "malformed")) << f.docker_error;
    EXPECT_EQ(check(f, "kfunc").level, Level::kInfo);
    EXPECT_EQ(check(f, "nri").level, Level::kInfo);
    EXPECT_EQ(check(f, "docker").level, Level::kWarn);
}

// This host cannot load the module: doctor runs anyway and says so.
TEST(DoctorHost, RealHostWithoutTheModule) {
    std::vector<Check> checks;
    ASSERT_NO_THROW(checks = evaluate(gather_facts(Paths{})));
    ASSERT_EQ(checks.size(), 14u);
    const auto& module = checks[4];
    EXPECT_EQ(module.name, "module");
    EXPECT_EQ(module.level, Level::kFail);
    EXPECT_EQ(module.detail, "not loaded");
    EXPECT_EQ(exit_status(checks), 2);
}

}  // namespace
}  // namespace tsp::doctor
