#include "core/sockdiag.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "core/cgroup_path.h"
#include "core/cgroup_tree.h"
#include "core/error.h"
#include "core/fd.h"
#include "core/netns.h"

namespace tsp {
namespace {

using Bytes = std::vector<unsigned char>;

void put(Bytes& b, std::uint16_t type, const void* p, std::size_t n) {
    nlattr h{static_cast<std::uint16_t>(NLA_HDRLEN + n), type};
    const auto* hp = reinterpret_cast<const unsigned char*>(&h);
    b.insert(b.end(), hp, hp + sizeof(h));
    const auto* pp = static_cast<const unsigned char*>(p);
    b.insert(b.end(), pp, pp + n);
    b.resize(NLA_ALIGN(b.size()), 0);
}

template <class T>
void put_int(Bytes& b, std::uint16_t type, T v) {
    put(b, type, &v, sizeof(v));
}

void put_nest(Bytes& b, std::uint16_t type, const Bytes& inner) {
    put(b, type, inner.data(), inner.size());
}

Bytes full_tsp_info(bool with_netns) {
    Bytes in;
    put_int<std::uint8_t>(in, TSP_INFO_STATE, TSP_END_PAIRED);
    put_int<std::uint8_t>(in, TSP_INFO_SIDE, 1);
    put_int<std::uint8_t>(in, TSP_INFO_ACTIVE, 1);
    put_int<std::uint8_t>(in, TSP_INFO_NAT, 1);
    put_int<std::uint32_t>(in, TSP_INFO_RING_SIZE, 262144);
    put_int<std::uint32_t>(in, TSP_INFO_TX_FILL, 7);
    put_int<std::uint32_t>(in, TSP_INFO_RX_FILL, 12);
    put(in, TSP_INFO_PAD, nullptr, 0);  // what nla_put_u64_64bit may add
    put_int<std::uint64_t>(in, TSP_INFO_TX_BYTES, 0x100000001ULL);
    put_int<std::uint64_t>(in, TSP_INFO_RX_BYTES, 5678);
    put_int<std::uint64_t>(in, TSP_INFO_STARTUP_BYTES, 9);
    put_int<std::uint8_t>(in, TSP_INFO_TX_REFUSED, 1);
    if (with_netns) put_int<std::uint32_t>(in, TSP_INFO_PEER_NETNS, 4026531840U);
    put_int<std::uint32_t>(in, TSP_INFO_SPIN_NS, 24000);
    put_int<std::uint32_t>(in, TSP_INFO_WAKE_NS, 12000);
    return in;
}

// An INET_DIAG_ULP_INFO payload as the module builds it.
Bytes ulp_payload(const Bytes& tsp_info) {
    Bytes b;
    put(b, INET_ULP_INFO_NAME, "tcp_splice", sizeof("tcp_splice"));
    put_nest(b, NLA_F_NESTED | TSP_ULP_INFO, tsp_info);
    return b;
}

TEST(SockDiagParse, Full) {
    Bytes b = ulp_payload(full_tsp_info(true));
    EXPECT_EQ(parse_ulp_name(b.data(), b.size()), "tcp_splice");
    auto u = parse_ulp_info(b.data(), b.size());
    ASSERT_TRUE(u);
    EXPECT_EQ(u->state, TSP_END_PAIRED);
    EXPECT_EQ(u->side, 1);
    EXPECT_TRUE(u->active);
    EXPECT_TRUE(u->nat);
    EXPECT_EQ(u->ring_size, 262144u);
    EXPECT_EQ(u->tx_fill, 7u);
    EXPECT_EQ(u->rx_fill, 12u);
    EXPECT_EQ(u->tx_bytes, 0x100000001ULL);
    EXPECT_EQ(u->rx_bytes, 5678u);
    EXPECT_EQ(u->startup_bytes, 9u);
    EXPECT_TRUE(u->tx_refused);
    ASSERT_TRUE(u->peer_netns);
    EXPECT_EQ(*u->peer_netns, 4026531840U);
    EXPECT_EQ(u->spin_ns, 24000u);
    EXPECT_EQ(u->wake_ns, 12000u);
}

TEST(SockDiagParse, PartialWithoutNetns) {
    Bytes in;
    put_int<std::uint8_t>(in, TSP_INFO_STATE, TSP_END_WAITING);
    put_int<std::uint32_t>(in, TSP_INFO_RING_SIZE, 4096);
    Bytes b = ulp_payload(in);
    auto u = parse_ulp_info(b.data(), b.size());
    ASSERT_TRUE(u);
    EXPECT_EQ(u->state, TSP_END_WAITING);
    EXPECT_EQ(u->ring_size, 4096u);
    EXPECT_FALSE(u->active);
    EXPECT_EQ(u->tx_bytes, 0u);
    EXPECT_FALSE(u->peer_netns);

    Bytes no_netns = ulp_payload(full_tsp_info(false));
    auto v = parse_ulp_info(no_netns.data(), no_netns.size());
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->peer_netns);
    EXPECT_EQ(v->rx_bytes, 5678u);
}

TEST(SockDiagParse, OtherUlpOrNothing) {
    Bytes b;
    put(b, INET_ULP_INFO_NAME, "tls", 4);
    EXPECT_EQ(parse_ulp_name(b.data(), b.size()), "tls");
    EXPECT_FALSE(parse_ulp_info(b.data(), b.size()));
    EXPECT_FALSE(parse_ulp_info(nullptr, 0));
    EXPECT_EQ(parse_ulp_name(nullptr, 0), "");
    // A name without its NUL.
    Bytes c;
    put(c, INET_ULP_INFO_NAME, "abc", 3);
    EXPECT_EQ(parse_ulp_name(c.data(), c.size()), "abc");
}

TEST(SockDiagParse, UnknownAndMisSizedSkipped) {
    Bytes in;
    put_int<std::uint32_t>(in, 0x77, 1);                 // newer than us
    put_int<std::uint32_t>(in, TSP_INFO_STATE, 2);       // wrong size: skipped
    put_int<std::uint8_t>(in, TSP_INFO_RING_SIZE, 3);    // wrong size: skipped
    put_int<std::uint8_t>(in, TSP_INFO_SIDE, 1);         // fine
    put_int<std::uint16_t>(in, TSP_INFO_PEER_NETNS, 5);  // wrong size: skipped
    Bytes b;
    put_int<std::uint64_t>(b, 0x2222, 42);  // unknown outer attribute
    put(b, INET_ULP_INFO_NAME, "tcp_splice", sizeof("tcp_splice"));
    put_nest(b, TSP_ULP_INFO, in);  // without NLA_F_NESTED, as nla_nest_start_noflag
    put_int<std::uint32_t>(b, 0x1111, 42);
    auto u = parse_ulp_info(b.data(), b.size());
    ASSERT_TRUE(u);
    EXPECT_EQ(u->state, 0);
    EXPECT_EQ(u->ring_size, 0u);
    EXPECT_EQ(u->side, 1);
    EXPECT_FALSE(u->peer_netns);
}

TEST(SockDiagParse, TruncatedAndBadLengths) {
    const Bytes b = ulp_payload(full_tsp_info(true));
    for (std::size_t n = 0; n <= b.size(); ++n) {
        // An exact-size heap copy so a sanitizer sees any overread.
        std::unique_ptr<unsigned char[]> copy(new unsigned char[n ? n : 1]);
        if (n) std::memcpy(copy.get(), b.data(), n);
        parse_ulp_info(copy.get(), n);
        parse_ulp_name(copy.get(), n);
    }
    // An attribute claiming more than there is.
    Bytes bad = b;
    nlattr h;
    std::memcpy(&h, bad.data(), sizeof(h));
    h.nla_len = 0xffff;
    std::memcpy(bad.data(), &h, sizeof(h));
    EXPECT_FALSE(parse_ulp_info(bad.data(), bad.size()));
    // Zero and too-short lengths end the walk instead of looping.
    Bytes zero(64, 0);
    EXPECT_FALSE(parse_ulp_info(zero.data(), zero.size()));
    Bytes three = {3, 0, 0x53, 0x31, 0, 0, 0, 0};
    EXPECT_FALSE(parse_ulp_info(three.data(), three.size()));
}

TEST(SockDiagParse, RandomBytes) {
    std::mt19937 rng(12345);
    const Bytes valid = ulp_payload(full_tsp_info(true));
    for (int i = 0; i < 20000; ++i) {
        Bytes b;
        if (i % 2) {  // mutate a valid payload
            b = valid;
            b.resize(rng() % (valid.size() + 1));
            for (int k = rng() % 6; k > 0 && !b.empty(); --k) b[rng() % b.size()] = rng();
        } else {  // pure noise, sometimes with a plausible header
            b.resize(rng() % 256);
            for (auto& c : b) c = rng();
            if (b.size() >= 4 && i % 4 == 0) {
                b[2] = TSP_ULP_INFO & 0xff;
                b[3] = TSP_ULP_INFO >> 8;
            }
        }
        std::unique_ptr<unsigned char[]> copy(new unsigned char[b.empty() ? 1 : b.size()]);
        if (!b.empty()) std::memcpy(copy.get(), b.data(), b.size());
        parse_ulp_info(copy.get(), b.size());
        parse_ulp_name(copy.get(), b.size());
    }
}

TEST(SockDiagNames, States) {
    EXPECT_STREQ(end_state_name(TSP_END_WAITING), "waiting");
    EXPECT_STREQ(end_state_name(TSP_END_PAIRED), "paired");
    EXPECT_STREQ(end_state_name(TSP_END_DETACHED), "detached");
    EXPECT_STREQ(end_state_name(TSP_END_WITHDRAWN), "withdrawn");
    EXPECT_STREQ(end_state_name(0), "unknown");
    EXPECT_STREQ(end_state_name(99), "unknown");
    EXPECT_STREQ(tcp_state_name(TCP_ESTABLISHED), "ESTAB");
    EXPECT_STREQ(tcp_state_name(TCP_LISTEN), "LISTEN");
    EXPECT_STREQ(tcp_state_name(TCP_TIME_WAIT), "TIME-WAIT");
    EXPECT_STREQ(tcp_state_name(200), "UNKNOWN");
}

// ---- the real sock_diag of this host ----

std::uint16_t local_port(int fd) {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in&>(ss).sin_port
                                         : reinterpret_cast<sockaddr_in6&>(ss).sin6_port);
}

std::uint64_t inode_of(int fd) {
    struct stat st;
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// A listener, a client connected to it and the accepted end.
struct Conn {
    UniqueFd listener, client, server;
    std::uint16_t port = 0;
};

// A listener of @lfamily on @laddr and a client of @cfamily connecting to @caddr.
Conn connect_loopback(int lfamily, const char* laddr, int cfamily, const char* caddr) {
    Conn c;
    c.listener.reset(::socket(lfamily, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!c.listener) return c;
    sockaddr_storage ss{};
    socklen_t len;
    if (lfamily == AF_INET) {
        auto& a = reinterpret_cast<sockaddr_in&>(ss);
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, laddr, &a.sin_addr);
        len = sizeof(a);
    } else {
        auto& a = reinterpret_cast<sockaddr_in6&>(ss);
        a.sin6_family = AF_INET6;
        ::inet_pton(AF_INET6, laddr, &a.sin6_addr);
        len = sizeof(a);
        int off = 0;
        ::setsockopt(c.listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    }
    if (::bind(c.listener.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::listen(c.listener.get(), 4) != 0) {
        c.listener.reset();
        return c;
    }
    c.port = local_port(c.listener.get());
    sockaddr_storage to{};
    if (cfamily == AF_INET) {
        auto& a = reinterpret_cast<sockaddr_in&>(to);
        a.sin_family = AF_INET;
        a.sin_port = htons(c.port);
        ::inet_pton(AF_INET, caddr, &a.sin_addr);
        len = sizeof(a);
    } else {
        auto& a = reinterpret_cast<sockaddr_in6&>(to);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(c.port);
        ::inet_pton(AF_INET6, caddr, &a.sin6_addr);
        len = sizeof(a);
    }
    c.client.reset(::socket(cfamily, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!c.client || ::connect(c.client.get(), reinterpret_cast<sockaddr*>(&to), len) != 0) {
        c.listener.reset();
        return c;
    }
    c.server.reset(::accept4(c.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c.server) c.listener.reset();
    return c;
}

// The cgroup2 id of this process: the inode of its cgroup directory.
std::uint64_t own_cgroup_id() {
    std::ifstream in("/proc/self/cgroup");
    std::stringstream text;
    text << in.rdbuf();
    auto rel = cgroup_from_proc(text.str());
    if (!rel) return 0;
    struct stat st;
    const std::string dir = cgroup2_mount() + *rel;
    return ::stat(dir.c_str(), &st) == 0 ? st.st_ino : 0;
}

const SocketInfo* find(const std::vector<SocketInfo>& v, std::uint64_t inode) {
    for (const auto& s : v)
        if (s.inode == inode) return &s;
    return nullptr;
}

std::vector<SocketInfo> dump_port(std::uint16_t port, SocketFilter f = {}, int map_fd = -1,
                                  std::string* err = nullptr) {
    f.port = port;
    return dump_tcp_sockets(f, map_fd, err);
}

TEST(SockDiagHost, LoopbackEndsStatesAndCgroup) {
    Conn c = connect_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
    ASSERT_TRUE(c.listener) << std::strerror(errno);
    auto v = dump_port(c.port);
    ASSERT_EQ(v.size(), 3u);
    const SocketInfo* l = find(v, inode_of(c.listener.get()));
    const SocketInfo* cl = find(v, inode_of(c.client.get()));
    const SocketInfo* sv = find(v, inode_of(c.server.get()));
    ASSERT_TRUE(l && cl && sv);
    EXPECT_EQ(l->state, unsigned(TCP_LISTEN));
    EXPECT_EQ(cl->state, unsigned(TCP_ESTABLISHED));
    EXPECT_EQ(sv->state, unsigned(TCP_ESTABLISHED));
    EXPECT_EQ(cl->family, AF_INET);
    EXPECT_EQ(cl->remote, "127.0.0.1");
    EXPECT_EQ(cl->remote_port, c.port);
    EXPECT_EQ(sv->local_port, c.port);
    EXPECT_EQ(sv->remote_port, cl->local_port);
    EXPECT_EQ(sv->local, "127.0.0.1");
    EXPECT_EQ(cl->uid, ::geteuid());
    const std::uint64_t cg = own_cgroup_id();
    ASSERT_NE(cg, 0u);
    for (const SocketInfo* s : {l, cl, sv}) {
        EXPECT_EQ(s->cgroup_id, cg);
        EXPECT_TRUE(s->ulp.empty());  // plain sockets: no ULP
        EXPECT_FALSE(s->splice);
        EXPECT_FALSE(s->decided);
    }
}

TEST(SockDiagHost, Filters) {
    Conn c = connect_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
    ASSERT_TRUE(c.listener) << std::strerror(errno);
    SocketFilter f;
    f.established_only = true;
    EXPECT_EQ(dump_port(c.port, f).size(), 2u);

    f = {};
    f.address = "127.0.0.1";
    EXPECT_EQ(dump_port(c.port, f).size(), 3u);
    f.address = "::ffff:127.0.0.1";
    EXPECT_EQ(dump_port(c.port, f).size(), 3u);
    f.address = "127.0.0.2";
    EXPECT_EQ(dump_port(c.port, f).size(), 0u);
    f.address = "::1";
    EXPECT_EQ(dump_port(c.port, f).size(), 0u);
    f.address = "not-an-address";
    EXPECT_THROW(dump_port(c.port, f), Error);

    f = {};
    f.cgroup_ids = std::set<std::uint64_t>{own_cgroup_id()};
    EXPECT_EQ(dump_port(c.port, f).size(), 3u);
    f.cgroup_ids = std::set<std::uint64_t>{own_cgroup_id() + 0x7fffffff};
    EXPECT_EQ(dump_port(c.port, f).size(), 0u);
    f.cgroup_ids = std::set<std::uint64_t>{};
    EXPECT_EQ(dump_port(c.port, f).size(), 0u);

    f = {};
    f.splice_only = true;  // neither a ULP nor a decided state
    EXPECT_EQ(dump_port(c.port, f).size(), 0u);

    // Without a port filter, both ends are among everything.
    auto all = dump_tcp_sockets({}, -1);
    EXPECT_TRUE(find(all, inode_of(c.client.get())));
    EXPECT_TRUE(find(all, inode_of(c.server.get())));
}

TEST(SockDiagHost, Ipv6AndMappedIpv4) {
    // A dual-stack listener on :: accepting a v4 client: the accepted end
    // is an AF_INET6 socket with ::ffff:127.0.0.1 addresses.
    Conn c = connect_loopback(AF_INET6, "::", AF_INET, "127.0.0.1");
    if (!c.listener) GTEST_SKIP() << "no dual-stack IPv6 here: " << std::strerror(errno);
    SocketFilter f;
    f.address = "127.0.0.1";
    auto v = dump_port(c.port, f);
    const SocketInfo* sv = find(v, inode_of(c.server.get()));
    ASSERT_TRUE(sv);
    EXPECT_EQ(sv->family, AF_INET6);
    EXPECT_EQ(sv->local, "::ffff:127.0.0.1");
    EXPECT_TRUE(find(v, inode_of(c.client.get())));
    f.address = "::ffff:127.0.0.1";
    EXPECT_TRUE(find(dump_port(c.port, f), inode_of(c.server.get())));

    Conn six = connect_loopback(AF_INET6, "::1", AF_INET6, "::1");
    if (!six.listener) GTEST_SKIP() << "no ::1 here";
    f.address = "::1";
    v = dump_port(six.port, f);
    EXPECT_EQ(v.size(), 3u);
    const SocketInfo* cl = find(v, inode_of(six.client.get()));
    ASSERT_TRUE(cl);
    EXPECT_EQ(cl->remote, "::1");
    f.address = "127.0.0.1";
    EXPECT_EQ(dump_port(six.port, f).size(), 0u);
}

// A socket storage map with the layout of the program's "decided".
UniqueFd make_sk_storage_map() {
    std::unique_ptr<btf, void (*)(btf*)> b(btf__new_empty(), btf__free);
    if (!b) return UniqueFd();
    int int_id = btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED);
    int u8 = btf__add_int(b.get(), "unsigned char", 1, 0);
    int u32 = btf__add_int(b.get(), "unsigned int", 4, 0);
    int u64 = btf__add_int(b.get(), "long long unsigned int", 8, 0);
    int pad = btf__add_array(b.get(), u32, u8, 3);
    int st = btf__add_struct(b.get(), "tsp_sock_state", sizeof(tsp_sock_state));
    if (st < 0 || btf__add_field(b.get(), "flags", u32, 0, 0) ||
        btf__add_field(b.get(), "why", u8, 32, 0) || btf__add_field(b.get(), "pad", pad, 40, 0) ||
        btf__add_field(b.get(), "token", u64, 64, 0) || btf__load_into_kernel(b.get()))
        return UniqueFd();
    LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = static_cast<__u32>(btf__fd(b.get())),
                .btf_key_type_id = static_cast<__u32>(int_id),
                .btf_value_type_id = static_cast<__u32>(st), .map_flags = BPF_F_NO_PREALLOC);
    return UniqueFd(bpf_map_create(BPF_MAP_TYPE_SK_STORAGE, "tsp_test_dec", sizeof(int),
                                   sizeof(tsp_sock_state), 0, &opts));
}

TEST(SockDiagHost, DecidedStorage) {
    UniqueFd map = make_sk_storage_map();
    if (!map) GTEST_SKIP() << "cannot create a socket storage map (needs root, CAP_BPF)";
    Conn c = connect_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
    ASSERT_TRUE(c.listener) << std::strerror(errno);
    tsp_sock_state val{};
    val.flags = 0x15;
    val.why = TSP_WHY_OFFERED;
    val.token = 0x1122334455667788ULL;
    int key = c.client.get();
    ASSERT_EQ(bpf_map_update_elem(map.get(), &key, &val, BPF_NOEXIST), 0) << std::strerror(errno);

    std::string err;
    auto v = dump_port(c.port, {}, map.get(), &err);
    EXPECT_EQ(err, "");
    ASSERT_EQ(v.size(), 3u);
    const SocketInfo* cl = find(v, inode_of(c.client.get()));
    const SocketInfo* sv = find(v, inode_of(c.server.get()));
    ASSERT_TRUE(cl && sv);
    ASSERT_TRUE(cl->decided);
    EXPECT_EQ(cl->decided->flags, 0x15u);
    EXPECT_EQ(cl->decided->why, TSP_WHY_OFFERED);
    EXPECT_EQ(cl->decided->token, val.token);
    EXPECT_FALSE(sv->decided);

    SocketFilter f;
    f.splice_only = true;  // a decided state is enough
    v = dump_port(c.port, f, map.get());
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].inode, inode_of(c.client.get()));
}

TEST(SockDiagHost, StorageRefusedFallsBack) {
    // Not a socket storage map: the kernel refuses the request (EINVAL).
    UniqueFd array(bpf_map_create(BPF_MAP_TYPE_ARRAY, "tsp_test_arr", 4, 4, 1, nullptr));
    if (!array) GTEST_SKIP() << "cannot create a BPF map (needs root, CAP_BPF)";
    Conn c = connect_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
    ASSERT_TRUE(c.listener) << std::strerror(errno);
    std::string err;
    auto v = dump_port(c.port, {}, array.get(), &err);
    EXPECT_EQ(v.size(), 3u);
    EXPECT_NE(err.find("Invalid argument"), std::string::npos) << err;
    for (const auto& s : v) EXPECT_FALSE(s.decided);
}

TEST(SockDiagHost, OtherNetns) {
    Conn c = connect_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
    ASSERT_TRUE(c.listener) << std::strerror(errno);
    // Our own namespace by path: the connection is there.
    std::vector<SocketInfo> v;
    run_in_netns("/proc/self/ns/net", [&] { v = dump_port(c.port); });
    EXPECT_EQ(v.size(), 3u);

    // A fresh namespace (made by a thread that exits): it is not.
    int fresh = -1;
    std::thread([&fresh] {
        if (::unshare(CLONE_NEWNET) == 0)
            fresh = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    }).join();
    UniqueFd fresh_fd(fresh);
    if (!fresh_fd) GTEST_SKIP() << "cannot create a network namespace (needs root)";
    v = {};
    bool ran = false;
    run_in_netns("/proc/self/fd/" + std::to_string(fresh), [&] {
        ran = true;
        v = dump_port(c.port);
    });
    EXPECT_TRUE(ran);
    EXPECT_TRUE(v.empty());
    // Back in ours.
    EXPECT_EQ(dump_port(c.port).size(), 3u);

    EXPECT_THROW(run_in_netns("/nonexistent/ns", [] {}), Error);
    EXPECT_THROW(run_in_netns("/proc/self/ns/mnt", [] {}), Error);  // not a netns
}

// Sockets made by a child process in a cgroup of their own carry its id.
TEST(SockDiagHost, SocketsInAChildCgroup) {
    const std::string outer = cgroup2_mount() + "/tsp-sockdiag-" + std::to_string(::getpid());
    const std::string inner = outer + "/leaf";
    if (::mkdir(outer.c_str(), 0755) != 0) GTEST_SKIP() << "cannot make a cgroup (needs root)";
    ASSERT_EQ(::mkdir(inner.c_str(), 0755), 0) << std::strerror(errno);
    struct stat st;
    ASSERT_EQ(::stat(inner.c_str(), &st), 0);
    const std::uint64_t inner_id = st.st_ino;
    int up[2], down[2];
    ASSERT_EQ(::pipe2(up, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(down, O_CLOEXEC), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(up[0]);
        ::close(down[1]);
        UniqueFd procs(::open((inner + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
        if (!procs || ::write(procs.get(), "0", 1) != 1) ::_exit(1);
        Conn c = connect_loopback(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1");
        if (!c.listener) ::_exit(1);
        if (::write(up[1], &c.port, sizeof(c.port)) != sizeof(c.port)) ::_exit(1);
        char x;
        (void)::read(down[0], &x, 1);  // until the parent is done
        ::_exit(0);
    }
    ::close(up[1]);
    ::close(down[0]);
    std::uint16_t port = 0;
    const bool got = ::read(up[0], &port, sizeof(port)) == sizeof(port);
    std::vector<SocketInfo> v, in_outer, in_inner, in_ours;
    if (got) {
        v = dump_port(port);
        SocketFilter f;
        f.cgroup_ids = cgroup_subtree_ids(outer);
        in_outer = dump_port(port, f);
        f.cgroup_ids = cgroup_subtree_ids(inner);
        in_inner = dump_port(port, f);
        f.cgroup_ids = std::set<std::uint64_t>{own_cgroup_id()};
        in_ours = dump_port(port, f);
    }
    ::close(down[1]);
    ::close(up[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::rmdir(inner.c_str());
    ::rmdir(outer.c_str());
    ASSERT_TRUE(got) << "the child could not connect";
    ASSERT_EQ(v.size(), 3u);
    EXPECT_NE(inner_id, own_cgroup_id());
    for (const auto& s : v) EXPECT_EQ(s.cgroup_id, inner_id);
    EXPECT_EQ(in_outer.size(), 3u);
    EXPECT_EQ(in_inner.size(), 3u);
    EXPECT_EQ(in_ours.size(), 0u);
}

TEST(SockDiagHost, CgroupTree) {
    const std::string root = cgroup2_mount();
    const std::uint64_t cg = own_cgroup_id();
    ASSERT_NE(cg, 0u);
    auto dirs = cgroup_dirs(root);
    ASSERT_TRUE(dirs.contains(cg));
    auto ids = cgroup_subtree_ids(dirs[cg]);
    EXPECT_TRUE(ids.contains(cg));
    EXPECT_THROW(cgroup_subtree_ids("/nonexistent/cgroup"), Error);
}

}  // namespace
}  // namespace tsp
