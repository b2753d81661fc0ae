// Real BPF on the host kernel, without the module: loads the program, attaches
// it to a cgroup-v2 child this test creates, and checks the program's own
// counters for connections inside and outside that cgroup. Needs root and a
// cgroup2 mount; never touches cgroups it did not create.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/container_attach.h"
#include "core/error.h"
#include "core/lifecycle.h"
#include "core/params.h"
#include "core/program.h"
#include "tsp_version.h"

namespace tsp {
namespace {

std::string cgroup2_root() {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream tail(line.substr(dash + 3)), head(line);
        std::string fstype, f;
        tail >> fstype;
        if (fstype != "cgroup2") continue;
        for (int i = 0; i < 5 && head >> f; i++) {
        }
        return f;  // the 5th field is the mount point
    }
    return "";
}

bool exists(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0;
}

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// A TCP listener on @a (SO_REUSEADDR); -1 on failure.
int listener(const sockaddr_in& a) {
    int ls = ::socket(AF_INET, SOCK_STREAM, 0), one = 1;
    ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(ls, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) || ::listen(ls, 1)) {
        ::close(ls);
        return -1;
    }
    return ls;
}

// One loopback connection, both ends created by a child that first moves
// into @cgroup (when non-empty). Returns true when it connected.
bool connect_once(const std::string& cgroup, int port) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (!cgroup.empty()) {
            std::ofstream(cgroup + "/cgroup.procs") << ::getpid() << std::flush;
        }
        sockaddr_in a = loopback(port);
        int ls = listener(a);
        if (ls < 0) _exit(2);
        int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a))) _exit(3);
        int s = ::accept(ls, nullptr, nullptr);
        _exit(s < 0 ? 4 : 0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

class HostBpf : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root (BPF load and cgroup attach)";
        root_ = cgroup2_root();
        if (root_.empty()) GTEST_SKIP() << "no cgroup2 mount";
        char tmpl[] = "/tmp/tsp-bpffs-XXXXXX";
        bpffs_ = ::mkdtemp(tmpl);
        if (::mount("bpf", bpffs_.c_str(), "bpf", 0, nullptr) != 0)
            GTEST_SKIP() << "cannot mount bpffs: " << std::strerror(errno);
        mounted_ = true;
        cg_ = root_ + "/tsp-test-" + std::to_string(::getpid());
        ASSERT_EQ(::mkdir(cg_.c_str(), 0755), 0) << cg_;
        paths_.bpffs = bpffs_;
        paths_.lock_file = bpffs_ + ".lock";
        paths_.cgroup_root = root_;
        paths_.module_dir = "/nonexistent/tcp_splice";
        port_ = 20000 + ::getpid() % 20000;
    }
    void TearDown() override {
        if (mounted_) {
            Program prog(paths_, {false});
            for (auto& a : prog.list()) prog.detach(a.name);
            ::umount(bpffs_.c_str());
        }
        if (!cg_.empty()) ::rmdir(cg_.c_str());
        if (!bpffs_.empty()) ::rmdir(bpffs_.c_str());
        if (!paths_.lock_file.empty()) ::unlink(paths_.lock_file.c_str());
    }
    Program program() { return Program(paths_, {false}); }

    std::string root_, bpffs_, cg_;
    bool mounted_ = false;
    Paths paths_;
    int port_ = 0;
};

TEST_F(HostBpf, AttachPinsIsIdempotentAndDetachUnpins) {
    Program prog = program();
    Policy pol{true, false, {6379}};
    EXPECT_EQ(prog.attach("t1", cg_, pol), AttachResult::kAttached);
    EXPECT_TRUE(exists(paths_.pin_dir() + "/prog"));
    EXPECT_TRUE(exists(paths_.links_dir() + "/t1"));
    EXPECT_EQ(prog.attach("t1", cg_, pol), AttachResult::kAlreadyAttached);
    EXPECT_THROW(prog.attach("t1", cg_, Policy{true, false, {6380}}), ConflictError);
    EXPECT_THROW(prog.attach("t2", cg_, pol), Error);  // same program, same cgroup

    auto atts = prog.list();
    ASSERT_EQ(atts.size(), 1u);
    EXPECT_EQ(atts[0].name, "t1");
    EXPECT_EQ(atts[0].cgroup_path, cg_);
    EXPECT_EQ(atts[0].policy, pol);

    EXPECT_TRUE(prog.detach("t1"));
    EXPECT_FALSE(exists(paths_.pin_dir()));
    EXPECT_FALSE(prog.detach("t1"));
    EXPECT_TRUE(prog.list().empty());
}

TEST_F(HostBpf, ProgramAppliesThePolicyOfItsCgroup) {
    Program prog = program();
    ASSERT_EQ(prog.attach("t", cg_, Policy{true, false, {static_cast<uint16_t>(port_)}}),
              AttachResult::kAttached);
    auto s0 = prog.stats();
    ASSERT_TRUE(s0);

    ASSERT_TRUE(connect_once(cg_, port_));
    auto s1 = *prog.stats();
    EXPECT_EQ(s1.established, s0->established + 2);
    EXPECT_EQ(s1.matched, s0->matched + 2);
    EXPECT_EQ(s1.kfunc_called, 0u);  // no module: the weak kfunc is absent

    ASSERT_TRUE(connect_once(cg_, port_ + 1));  // port not in the policy
    auto s2 = *prog.stats();
    EXPECT_EQ(s2.established, s1.established + 2);
    EXPECT_EQ(s2.matched, s1.matched);

    ASSERT_TRUE(connect_once("", port_));  // outside the cgroup
    auto s3 = *prog.stats();
    EXPECT_EQ(s3.established, s2.established);
    EXPECT_EQ(s3.matched, s2.matched);
}

TEST_F(HostBpf, LoopbackOnlyAndAnyPort) {
    Program prog = program();
    ASSERT_EQ(prog.attach("t", cg_, Policy{true, true, {}}), AttachResult::kAttached);
    auto s0 = *prog.stats();
    ASSERT_TRUE(connect_once(cg_, port_ + 2));
    auto s1 = *prog.stats();
    EXPECT_EQ(s1.matched, s0.matched + 2);
}

// A listener that exists before the attachment, in @cgroup (or outside it
// when empty), in a child process; save_syn() asks the child for the
// listener's TCP_SAVE_SYN, which an attachment sets on the listeners it
// prepares and the last detach takes back.
struct OlderListener {
    pid_t pid = -1;
    int ask = -1, answer = -1;

    explicit OlderListener(const std::string& cgroup, int port) {
        int q[2], a[2];
        if (::pipe(q) || ::pipe(a)) return;
        pid = ::fork();
        if (pid == 0) {
            if (!cgroup.empty())
                std::ofstream(cgroup + "/cgroup.procs") << ::getpid() << std::flush;
            int ls = listener(loopback(port));
            if (ls < 0) _exit(100);
            char c = 0;
            if (::write(a[1], &c, 1) != 1) _exit(101);
            while (::read(q[0], &c, 1) == 1) {
                int save = -1;
                socklen_t len = sizeof(save);
                ::getsockopt(ls, IPPROTO_TCP, TCP_SAVE_SYN, &save, &len);
                c = static_cast<char>(save);
                if (::write(a[1], &c, 1) != 1) _exit(102);
            }
            _exit(0);
        }
        ::close(q[0]);
        ::close(a[1]);
        ask = q[1];
        answer = a[0];
        char c;
        if (::read(answer, &c, 1) != 1) pid = -1;  // listening
    }
    int save_syn() {
        char c = 0;
        if (::write(ask, &c, 1) != 1 || ::read(answer, &c, 1) != 1) return -1;
        return c;
    }
    ~OlderListener() {
        ::close(ask);
        ::close(answer);
        if (pid > 0) {
            ::kill(pid, SIGKILL);  // another child may hold our pipe open
            ::waitpid(pid, nullptr, 0);
        }
    }
};

TEST_F(HostBpf, AttachPreparesOlderListenersInItsCgroupAndTheLastDetachUndoes) {
    OlderListener inside(cg_, port_ + 3), outside("", port_ + 4);
    ASSERT_GT(inside.pid, 0);
    ASSERT_GT(outside.pid, 0);
    ASSERT_EQ(inside.save_syn(), 0);
    Program prog = program();
    ASSERT_EQ(prog.attach("t", cg_, Policy{true, false, {}}), AttachResult::kAttached);
    EXPECT_EQ(inside.save_syn(), 1) << "the older listener in the cgroup keeps no SYN";
    EXPECT_EQ(outside.save_syn(), 0) << "a listener outside the cgroup was touched";
    EXPECT_TRUE(prog.detach("t"));
    EXPECT_EQ(inside.save_syn(), 0) << "the last detach left the listener prepared";
}

TEST_F(HostBpf, FailedAttachLeavesNothing) {
    Program prog = program();
    EXPECT_THROW(prog.attach("t", "/tmp", Policy{}), Error);  // not a cgroup
    EXPECT_FALSE(exists(paths_.pin_dir() + "/prog"));
    EXPECT_THROW(prog.attach("bad/name", cg_, Policy{}), Error);
    EXPECT_THROW(prog.attach("..", cg_, Policy{}), Error);
    EXPECT_FALSE(exists(paths_.pin_dir() + "/prog"));
}

// A malformed record under the container's own name (a crash mid-write, an
// operator's edit) is replaced by attaching and removed by detaching: it
// never wedges the container.
TEST_F(HostBpf, AMalformedRecordIsReplacedByAttach) {
    paths_.state_dir = bpffs_ + ".state";
    ContainerRecords records(paths_.state_dir);
    ::mkdir(paths_.state_dir.c_str(), 0700);
    ::mkdir(records.dir().c_str(), 0700);
    const std::string rec = records.dir() + "/ctr-c1.json";
    std::ofstream(rec) << R"({"id":5})";
    Policy pol{true, false, {6379}};
    EXPECT_NO_THROW(attach_container(paths_, {false}, "c1", cg_, pol, "oci-hook"));
    EXPECT_TRUE(exists(paths_.links_dir() + "/ctr-c1"));
    auto r = records.load("c1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->cgroup, cg_);
    std::ofstream(rec) << "[";
    EXPECT_NO_THROW(detach_container(paths_, "c1"));
    EXPECT_FALSE(exists(rec));
    EXPECT_FALSE(exists(paths_.links_dir() + "/ctr-c1"));
    ::rmdir(records.dir().c_str());
    ::rmdir(paths_.state_dir.c_str());
}

// The id of the BPF program pinned at @pin, or of a link's program.
std::uint32_t prog_id(const std::string& pin) {
    int fd = bpf_obj_get(pin.c_str());
    if (fd < 0) return 0;
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    std::uint32_t id = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
    ::close(fd);
    return id;
}

std::uint32_t link_prog_id(const std::string& pin) {
    int fd = bpf_obj_get(pin.c_str());
    if (fd < 0) return 0;
    bpf_link_info info{};
    __u32 len = sizeof(info);
    std::uint32_t id = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.prog_id : 0;
    ::close(fd);
    return id;
}

// Makes the pinned program look like @version's (an empty one: older than
// 0.2.0, which pinned no meta map).
void pretend_version(const Paths& paths, const std::string& version) {
    const std::string pin = paths.pin_dir() + "/map_meta";
    if (version.empty()) {
        ASSERT_EQ(::unlink(pin.c_str()), 0);
        return;
    }
    int fd = bpf_obj_get(pin.c_str());
    ASSERT_GE(fd, 0);
    tsp_prog_meta meta{};
    std::snprintf(meta.version, sizeof(meta.version), "%s", version.c_str());
    __u32 zero = 0;
    ASSERT_EQ(bpf_map_update_elem(fd, &zero, &meta, BPF_ANY), 0);
    ::close(fd);
}

TEST(VersionOrder, NumericFields) {
    EXPECT_TRUE(version_less("0.1.0", "0.2.0"));
    EXPECT_TRUE(version_less("0.9.9", "0.10.0"));
    EXPECT_TRUE(version_less("0.2", "0.2.1"));
    EXPECT_FALSE(version_less("0.2.0", "0.2"));
    EXPECT_FALSE(version_less("1.0.0", "0.99.0"));
    EXPECT_FALSE(version_less("0.2.0", "0.2.0"));
    EXPECT_FALSE(version_less("0.2.0-rc1", "0.2.0"));
}

// A newer tool replaces the pinned program of an older one: the link moves
// to the new program (same link, same cgroup, same policy), the program's
// counters carry on, and the program keeps deciding connections.
TEST_F(HostBpf, ReloadReplacesAnOlderPinnedProgramAndMovesItsAttachments) {
    for (const std::string older : {"0.1.0", ""}) {
        SCOPED_TRACE("pinned version '" + older + "'");
        Program prog = program();
        const Policy pol{true, false, {static_cast<uint16_t>(port_)}};
        ASSERT_EQ(prog.attach("t", cg_, pol), AttachResult::kAttached);
        EXPECT_EQ(prog.pinned_version(), std::string(TSP_VERSION));
        pretend_version(paths_, older);
        EXPECT_EQ(prog.pinned_version(), older);
        const std::uint32_t old_id = prog_id(paths_.pin_dir() + "/prog");
        ASSERT_NE(old_id, 0u);
        EXPECT_EQ(link_prog_id(paths_.links_dir() + "/t"), old_id);
        ASSERT_TRUE(connect_once(cg_, port_));
        const auto s0 = *prog.stats();

        const ReloadReport r = prog.reload();
        EXPECT_EQ(r.outcome, ReloadOutcome::kReplaced);
        EXPECT_EQ(r.from, older);
        EXPECT_EQ(r.attachments, 1u);
        EXPECT_TRUE(r.counters_kept);
        const std::uint32_t new_id = prog_id(paths_.pin_dir() + "/prog");
        EXPECT_NE(new_id, old_id);
        EXPECT_EQ(link_prog_id(paths_.links_dir() + "/t"), new_id);
        EXPECT_EQ(prog.pinned_version(), std::string(TSP_VERSION));
        auto atts = prog.list();
        ASSERT_EQ(atts.size(), 1u);
        EXPECT_EQ(atts[0].policy, pol);
        EXPECT_EQ(prog.attach("t", cg_, pol), AttachResult::kAlreadyAttached);

        ASSERT_TRUE(connect_once(cg_, port_));
        const auto s1 = *prog.stats();
        EXPECT_EQ(s1.established, s0.established + 2);  // carried over, and counting
        EXPECT_EQ(s1.matched, s0.matched + 2);

        EXPECT_EQ(prog.reload().outcome, ReloadOutcome::kCurrent);
        EXPECT_TRUE(prog.detach("t"));
        EXPECT_FALSE(exists(paths_.pin_dir()));
    }
}

TEST_F(HostBpf, ANewerPinnedProgramIsLeftInPlace) {
    Program prog = program();
    ASSERT_EQ(prog.attach("t", cg_, Policy{true, false, {}}), AttachResult::kAttached);
    pretend_version(paths_, "99.0.0");
    const std::uint32_t id = prog_id(paths_.pin_dir() + "/prog");
    EXPECT_EQ(prog.reload().outcome, ReloadOutcome::kPinnedNewer);
    EXPECT_EQ(prog_id(paths_.pin_dir() + "/prog"), id);
    EXPECT_EQ(prog.pinned_version(), std::string("99.0.0"));
}

// Attaching with a newer tool replaces an older pinned program first.
TEST_F(HostBpf, AttachTakesOverAnOlderPinnedProgram) {
    Program prog = program();
    ASSERT_EQ(prog.attach("t", cg_, Policy{true, false, {}}), AttachResult::kAttached);
    pretend_version(paths_, "0.1.0");
    const std::uint32_t old_id = prog_id(paths_.pin_dir() + "/prog");
    const std::string cg2 = cg_ + "-b";
    ASSERT_EQ(::mkdir(cg2.c_str(), 0755), 0);
    EXPECT_EQ(prog.attach("t2", cg2, Policy{true, false, {}}), AttachResult::kAttached);
    const std::uint32_t new_id = prog_id(paths_.pin_dir() + "/prog");
    EXPECT_NE(new_id, old_id);
    EXPECT_EQ(link_prog_id(paths_.links_dir() + "/t"), new_id);
    EXPECT_EQ(link_prog_id(paths_.links_dir() + "/t2"), new_id);
    EXPECT_TRUE(prog.detach("t2"));
    ::rmdir(cg2.c_str());
}

// A pinned program whose per-attachment state has another layout cannot be
// replaced in place: reload says what to do and changes nothing.
TEST_F(HostBpf, ReloadRefusesAnIncompatibleLayoutAndChangesNothing) {
    Program prog = program();
    ASSERT_EQ(prog.attach("t", cg_, Policy{true, false, {}}), AttachResult::kAttached);
    pretend_version(paths_, "0.1.0");
    // An "older" acct map of another value size in place of the pinned one.
    const std::string acct = paths_.pin_dir() + "/map_acct";
    ASSERT_EQ(::unlink(acct.c_str()), 0);
    int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, nullptr,
                            sizeof(bpf_cgroup_storage_key), 8, 0, nullptr);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ASSERT_EQ(bpf_obj_pin(fd, acct.c_str()), 0);
    ::close(fd);
    const std::uint32_t id = prog_id(paths_.pin_dir() + "/prog");
    try {
        prog.reload();
        ADD_FAILURE() << "reload replaced a program with an incompatible layout";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("disable --all"), std::string::npos) << e.what();
    }
    EXPECT_EQ(prog_id(paths_.pin_dir() + "/prog"), id);
    EXPECT_EQ(link_prog_id(paths_.links_dir() + "/t"), id);
    EXPECT_EQ(prog.pinned_version(), std::string("0.1.0"));
}

// gc on real pins: of two containers and one bare link, the ones whose
// cgroup is removed go (record and link), the live container stays.
TEST_F(HostBpf, GcRemovesOnlyWhatOutlivedItsCgroup) {
    paths_.state_dir = bpffs_ + ".state";
    const std::string cg2 = cg_ + "-b", cg3 = cg_ + "-c";
    ASSERT_EQ(::mkdir(cg2.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(cg3.c_str(), 0755), 0);
    const Policy pol{true, false, {6379}};
    ContainerRecords records(paths_.state_dir);
    ASSERT_NO_THROW(attach_container(paths_, {false}, "c1", cg_, pol, "oci-hook"));
    ASSERT_NO_THROW(attach_container(paths_, {false}, "c2", cg2, pol, "nri"));
    ASSERT_EQ(program().attach("bare", cg3, pol), AttachResult::kAttached);

    GcReport none = gc(paths_, {false}, false);
    EXPECT_TRUE(none.plan.records.empty());
    EXPECT_TRUE(none.plan.attachments.empty());
    EXPECT_TRUE(none.problems.empty());

    ASSERT_EQ(::rmdir(cg2.c_str()), 0);
    ASSERT_EQ(::rmdir(cg3.c_str()), 0);
    GcReport dry = gc(paths_, {false}, true);
    ASSERT_EQ(dry.plan.records.size(), 1u);
    EXPECT_EQ(dry.plan.records[0].id, "c2");
    ASSERT_EQ(dry.plan.attachments.size(), 1u);
    EXPECT_EQ(dry.plan.attachments[0].name, "bare");
    EXPECT_FALSE(dry.unloaded);
    EXPECT_TRUE(exists(paths_.links_dir() + "/ctr-c2")) << "a dry run removed something";
    EXPECT_TRUE(records.load("c2"));

    GcReport r = gc(paths_, {false}, false);
    EXPECT_TRUE(r.problems.empty());
    EXPECT_EQ(r.plan.records.size(), 1u);
    EXPECT_EQ(r.plan.attachments.size(), 1u);
    EXPECT_FALSE(exists(paths_.links_dir() + "/ctr-c2"));
    EXPECT_FALSE(exists(paths_.links_dir() + "/bare"));
    EXPECT_FALSE(records.load("c2"));
    EXPECT_TRUE(exists(paths_.links_dir() + "/ctr-c1")) << "gc removed a live attachment";
    EXPECT_TRUE(records.load("c1"));

    GcReport again = gc(paths_, {false}, false);
    EXPECT_TRUE(again.plan.records.empty());
    EXPECT_TRUE(again.plan.attachments.empty());

    EXPECT_NO_THROW(detach_container(paths_, "c1"));
    std::filesystem::remove_all(paths_.state_dir);
}

// disable --all on real pins: every link, every record (a malformed one
// too), the program and maps, and busy_read and busy_poll back to what they
// were.
TEST_F(HostBpf, DisableAllRemovesEverythingAndRestoresBusySysctls) {
    paths_.state_dir = bpffs_ + ".state";
    paths_.busy_read = bpffs_ + ".busy_read";
    paths_.busy_poll = bpffs_ + ".busy_poll";
    std::ofstream(paths_.busy_read) << "7\n";
    std::ofstream(paths_.busy_poll) << "3\n";
    const std::string cg2 = cg_ + "-b";
    ASSERT_EQ(::mkdir(cg2.c_str(), 0755), 0);
    ASSERT_NO_THROW(attach_container(paths_, {false}, "c1", cg_, Policy{}, "oci-hook"));
    ASSERT_EQ(program().attach("host", cg2, Policy{true, true, {}}), AttachResult::kAttached);
    ContainerRecords records(paths_.state_dir);
    std::ofstream(records.dir() + "/ctr-junk.json") << "[";
    set_busy_sysctls(paths_, 50);

    DisableAllReport r = disable_all(paths_, {false});
    EXPECT_TRUE(r.problems.empty()) << r.problems.front();
    EXPECT_EQ(r.attachments.size(), 2u);
    EXPECT_EQ(r.records.size(), 2u);
    EXPECT_TRUE(r.unloaded);
    EXPECT_EQ(r.busy_sysctls.busy_read.outcome, SysctlOutcome::kRestored);
    EXPECT_EQ(r.busy_sysctls.busy_poll.outcome, SysctlOutcome::kRestored);
    EXPECT_FALSE(exists(paths_.pin_dir()));
    EXPECT_FALSE(exists(records.dir()));
    EXPECT_EQ(read_busy_read(paths_), 7u);
    EXPECT_EQ(read_busy_poll(paths_), 3u);

    DisableAllReport again = disable_all(paths_, {false});  // idempotent
    EXPECT_TRUE(again.problems.empty());
    EXPECT_TRUE(again.attachments.empty());
    EXPECT_TRUE(again.records.empty());
    EXPECT_FALSE(again.unloaded);
    EXPECT_FALSE(again.busy_sysctls.recorded());

    ::rmdir(cg2.c_str());
    ::unlink(paths_.busy_read.c_str());
    ::unlink(paths_.busy_poll.c_str());
    std::filesystem::remove_all(paths_.state_dir);
}

}  // namespace
}  // namespace tsp
