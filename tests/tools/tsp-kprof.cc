// tsp-kprof: a small system-wide kernel sampling profiler, for guests that
// have no perf binary: where does kernel time go while a benchmark runs.
//
//   tsp-kprof [-F HZ] [-n TOP] [-m MODULE] [-o FILE] -- COMMAND ARGS...
//   tsp-kprof [-F HZ] [-n TOP] [-m MODULE] [-o FILE] -d SECONDS
//
// One cpu-clock software event per online CPU (perf_event_open, pid -1) at
// HZ samples/s (default 4999), user and kernel mode, each sample with its IP
// and kernel callchain (up to kMaxStack frames). The events are enabled just
// before COMMAND is exec'd and disabled when it exits (or after SECONDS).
// Kernel IPs are symbolised with /proc/kallsyms (text symbols, modules'
// with their "[module]" suffix); user-mode samples count as "[user]", idle
// shows as the idle loop's own symbols.
//
// Report (stdout, or FILE), percentages of all samples:
//   tsp-kprof: samples=N cpus=N hz=N lost=N throttled=N secs=S
//   == self (top TOP of N) ==            the sampled IP's symbol
//   == inclusive (top TOP of N) ==       each symbol once per callchain
//   == [MODULE] self / inclusive ==      that module's symbols (default tcp_splice)
// each row "  PERCENT%  SAMPLES  SYMBOL".
// Exit status: COMMAND's (128+signal when killed), 0 with -d, 1 a profiler
// error, 2 usage, 127 COMMAND could not be run.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "net.h"

namespace {

constexpr int kMaxStack = 16;
constexpr std::size_t kRingPages = 64;  // data pages per CPU (a power of two)

[[noreturn]] void die(const std::string& what, int err = 0) {
    tsp::tools::die_as("tsp-kprof", what, err);
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "tsp-kprof: %s\n"
                 "usage: tsp-kprof [-F HZ] [-n TOP] [-m MODULE] [-o FILE] -- COMMAND ARGS...\n"
                 "       tsp-kprof [-F HZ] [-n TOP] [-m MODULE] [-o FILE] -d SECONDS\n",
                 why.c_str());
    std::exit(2);
}

struct Options {
    long hz = 4999, top = 40;
    double secs = 0;
    std::string out, module = "tcp_splice";
    char** command = nullptr;
};

long number(const char* opt, const char* v, long max) {
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (*end || n <= 0 || n > max) usage(std::string(opt) + " wants 1.." + std::to_string(max));
    return n;
}

Options parse(int argc, char** argv) {
    Options o;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        std::string k = argv[i];
        if (k == "--") {
            i++;
            break;
        }
        if (i + 1 >= argc) usage(k + " needs a value");
        const char* v = argv[++i];
        if (k == "-F") {
            o.hz = number("-F", v, 1000000);
        } else if (k == "-n") {
            o.top = number("-n", v, 100000);
        } else if (k == "-m") {
            o.module = v;
        } else if (k == "-o") {
            o.out = v;
        } else if (k == "-d") {
            char* end = nullptr;
            o.secs = std::strtod(v, &end);
            if (*end || !(o.secs > 0)) usage("-d wants a positive number of seconds");
        } else {
            usage("unknown option " + k);
        }
    }
    if (i < argc) o.command = argv + i;
    if (!o.command == !(o.secs > 0)) usage("give either -d SECONDS or -- COMMAND");
    return o;
}

// Kernel text symbols from /proc/kallsyms, by address; a symbol runs to the next.
struct Symbols {
    struct Sym {
        std::uint64_t addr;
        std::string name;
    };
    std::vector<Sym> syms;

    void load() {
        std::ifstream in("/proc/kallsyms");
        if (!in) die("cannot read /proc/kallsyms", errno);
        std::string line;
        bool nonzero = false;
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string addr, type, name, mod;
            if (!(f >> addr >> type >> name)) continue;
            if (type.size() != 1 || !std::strchr("tTwW", type[0])) continue;
            if (f >> mod) name += " " + mod;
            std::uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
            nonzero |= a != 0;
            syms.push_back({a, std::move(name)});
        }
        if (syms.empty()) die("no text symbols in /proc/kallsyms");
        if (!nonzero)
            die("/proc/kallsyms shows every address as 0: run as root "
                "(or lower kernel.kptr_restrict) to symbolise kernel samples");
        std::stable_sort(syms.begin(), syms.end(),
                         [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
    }
    std::uint64_t start() const { return syms.front().addr; }
    // Index of the symbol holding @ip (the last one at or below it), or -1.
    long find(std::uint64_t ip) const {
        auto it = std::upper_bound(syms.begin(), syms.end(), ip,
                                   [](std::uint64_t v, const Sym& s) { return v < s.addr; });
        return it == syms.begin() ? -1 : long(it - syms.begin()) - 1;
    }
};

// One CPU's event and its ring: a metadata page, then kRingPages of records.
struct Ring {
    int fd = -1;
    std::uint8_t* base = nullptr;
    std::size_t len = 0;
};

struct Profile {
    const Symbols& ksyms;
    std::uint64_t samples = 0, lost = 0, throttled = 0;
    // Counts by symbol index; the last two are [user] and [unknown].
    std::vector<std::uint64_t> self, incl;
    long user, unknown;

    explicit Profile(const Symbols& s)
        : ksyms(s),
          self(s.syms.size() + 2),
          incl(s.syms.size() + 2),
          user(long(s.syms.size())),
          unknown(long(s.syms.size()) + 1) {}

    long symbol(std::uint64_t ip) const {
        long i = ip < ksyms.start() ? -1 : ksyms.find(ip);
        return i < 0 ? unknown : i;
    }
    std::string name(long i) const {
        return i == user ? "[user]" : i == unknown ? "[unknown]" : ksyms.syms[i].name;
    }

    // A PERF_RECORD_SAMPLE of sample_type IP|CALLCHAIN: ip, nr, ips[nr].
    void sample(const perf_event_header& h, const std::uint64_t* body, std::size_t words) {
        if (words < 2 || words < 2 + body[1]) return;
        samples++;
        std::uint16_t mode = h.misc & PERF_RECORD_MISC_CPUMODE_MASK;
        bool in_user = mode == PERF_RECORD_MISC_USER || mode == PERF_RECORD_MISC_GUEST_USER ||
                       body[0] < ksyms.start();
        long s = in_user ? user : symbol(body[0]);
        self[s]++;
        // The first frame is the sampled IP, the rest return addresses: look
        // those up one byte back, inside the call (a call that does not return
        // may be a function's last instruction).
        std::vector<long> seen{s};
        bool first = true;
        for (std::uint64_t k = 0; k < body[1] && !in_user; k++) {
            std::uint64_t ip = body[2 + k];
            if (ip >= PERF_CONTEXT_MAX) continue;  // a context marker, not a frame
            long i = symbol(first ? ip : ip - 1);
            first = false;
            if (std::find(seen.begin(), seen.end(), i) == seen.end()) seen.push_back(i);
        }
        for (long i : seen) incl[i]++;
    }

    void record(const std::uint8_t* rec, std::size_t len) {
        perf_event_header h;
        std::memcpy(&h, rec, sizeof(h));
        std::vector<std::uint64_t> body((len - sizeof(h)) / 8);
        std::memcpy(body.data(), rec + sizeof(h), body.size() * 8);
        if (h.type == PERF_RECORD_SAMPLE)
            sample(h, body.data(), body.size());
        else if (h.type == PERF_RECORD_LOST && body.size() >= 2)
            lost += body[1];  // id, lost
        else if (h.type == PERF_RECORD_THROTTLE)
            throttled++;
    }

    // Every whole record between data_tail and data_head, copied out of the
    // ring (a record may wrap past its end), then the tail handed back.
    void drain(Ring& r) {
        auto* meta = reinterpret_cast<perf_event_mmap_page*>(r.base);
        std::uint64_t size = meta->data_size ? meta->data_size : r.len - ::getpagesize();
        const std::uint8_t* data =
            r.base + (meta->data_offset ? meta->data_offset : std::uint64_t(::getpagesize()));
        std::uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
        std::uint64_t tail = meta->data_tail;
        std::vector<std::uint8_t> rec;
        auto copy = [&](std::uint64_t from, std::size_t n) {
            rec.resize(n);
            std::size_t off = from % size, first = std::min<std::size_t>(n, size - off);
            std::memcpy(rec.data(), data + off, first);
            std::memcpy(rec.data() + first, data, n - first);
        };
        while (head - tail >= sizeof(perf_event_header)) {
            copy(tail, sizeof(perf_event_header));
            perf_event_header h;
            std::memcpy(&h, rec.data(), sizeof(h));
            if (h.size < sizeof(h)) {  // cannot happen; do not spin on it
                tail = head;
                break;
            }
            if (head - tail < h.size) break;  // not all there yet
            copy(tail, h.size);
            record(rec.data(), h.size);
            tail += h.size;
        }
        __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
    }
};

std::vector<int> online_cpus() {
    std::ifstream in("/sys/devices/system/cpu/online");
    std::string list, part;
    std::vector<int> cpus;
    if (in && std::getline(in, list)) {
        std::istringstream ranges(list);
        while (std::getline(ranges, part, ',')) {
            int lo = 0, hi = 0;
            int n = std::sscanf(part.c_str(), "%d-%d", &lo, &hi);
            for (int c = lo; n >= 1 && c <= (n == 2 ? hi : lo); c++) cpus.push_back(c);
        }
    }
    if (cpus.empty())
        for (long c = 0; c < ::sysconf(_SC_NPROCESSORS_ONLN); c++) cpus.push_back(int(c));
    return cpus;
}

Ring open_cpu(int cpu, long hz) {
    perf_event_attr a{};
    a.size = sizeof(a);
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_CPU_CLOCK;
    a.freq = 1;
    a.sample_freq = std::uint64_t(hz);
    a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN;
    a.disabled = 1;
    a.exclude_hv = 1;
    a.exclude_callchain_user = 1;
    a.sample_max_stack = kMaxStack;
    a.watermark = 1;  // wake poll() once a quarter of the ring is filled
    a.wakeup_watermark = std::uint32_t(kRingPages * ::getpagesize() / 4);
    Ring r;
    r.fd = int(::syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
    if (r.fd < 0) {
        int err = errno;
        std::fprintf(stderr, "tsp-kprof: perf_event_open (cpu-clock, CPU %d, %ld Hz): %s\n", cpu,
                     hz, std::strerror(err));
        if (err == EACCES || err == EPERM)
            std::fprintf(stderr,
                         "tsp-kprof: system-wide sampling needs root (CAP_PERFMON) or "
                         "kernel.perf_event_paranoid <= 0\n");
        else if (err == EINVAL)
            std::fprintf(stderr, "tsp-kprof: is -F above kernel.perf_event_max_sample_rate?\n");
        else if (err == ENOENT || err == ENOSYS)
            std::fprintf(stderr, "tsp-kprof: this kernel lacks CONFIG_PERF_EVENTS\n");
        std::exit(1);
    }
    r.len = (1 + kRingPages) * ::getpagesize();
    void* p = ::mmap(nullptr, r.len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
    if (p == MAP_FAILED) die("mmap of CPU " + std::to_string(cpu) + "'s ring", errno);
    r.base = static_cast<std::uint8_t*>(p);
    return r;
}

volatile sig_atomic_t g_stop = 0;

void table(std::FILE* f, const Profile& p, const std::vector<std::uint64_t>& counts,
           const std::string& title, long top, const std::string& only) {
    std::vector<long> idx;
    for (long i = 0; i < long(counts.size()); i++)
        if (counts[i] && (only.empty() || p.name(i).ends_with(only))) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](long a, long b) { return counts[a] > counts[b]; });
    std::fprintf(f, "== %s (top %zu of %zu) ==\n", title.c_str(),
                 std::min<std::size_t>(idx.size(), top), idx.size());
    std::fprintf(f, "  percent  samples  symbol\n");
    for (long k = 0; k < long(idx.size()) && k < top; k++)
        std::fprintf(f, "  %6.2f%% %8llu  %s\n",
                     p.samples ? 100.0 * counts[idx[k]] / p.samples : 0.0,
                     (unsigned long long)counts[idx[k]], p.name(idx[k]).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    std::FILE* out = stdout;
    if (!o.out.empty() && !(out = std::fopen(o.out.c_str(), "w"))) die("open " + o.out, errno);
    std::vector<int> cpus = online_cpus();
    std::vector<Ring> rings;
    for (int cpu : cpus) rings.push_back(open_cpu(cpu, o.hz));
    Symbols ksyms;
    ksyms.load();
    Profile prof(ksyms);

    struct sigaction sa {};
    sa.sa_handler = [](int) { g_stop = 1; };  // no SA_RESTART: poll() returns
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    // COMMAND waits on @go until the events are on; @err carries exec's errno.
    pid_t child = -1;
    int go[2], err[2];
    if (o.command) {
        if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) die("pipe", errno);
        child = ::fork();
        if (child < 0) die("fork", errno);
        if (child == 0) {
            char c;
            ::close(go[1]);
            if (::read(go[0], &c, 1) != 1) ::_exit(127);
            ::execvp(o.command[0], o.command);
            int e = errno;
            (void)!::write(err[1], &e, sizeof(e));
            ::_exit(127);
        }
        ::close(go[0]);
        ::close(err[1]);
    }
    for (Ring& r : rings) ::ioctl(r.fd, PERF_EVENT_IOC_ENABLE, 0);
    double t0 = tsp::tools::now_s();
    int status = 0;
    if (o.command) {
        int e = 0;
        (void)!::write(go[1], "g", 1);
        ::close(go[1]);
        if (::read(err[0], &e, sizeof(e)) == sizeof(e)) {
            ::waitpid(child, nullptr, 0);
            std::fprintf(stderr, "tsp-kprof: cannot run %s: %s\n", o.command[0], std::strerror(e));
            return 127;
        }
        ::close(err[0]);
    }

    std::vector<pollfd> fds;
    for (Ring& r : rings) fds.push_back({r.fd, POLLIN, 0});
    for (;;) {
        ::poll(fds.data(), fds.size(), 100);
        for (Ring& r : rings) prof.drain(r);
        if (o.command) {
            int st;
            if (g_stop == 1) {  // SIGINT/SIGTERM: a SIGTERM for COMMAND, then wait
                ::kill(child, SIGTERM);
                g_stop = 2;
            }
            if (::waitpid(child, &st, WNOHANG) == child) {
                status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
        } else if (g_stop || tsp::tools::now_s() - t0 >= o.secs) {
            break;
        }
    }
    double secs = tsp::tools::now_s() - t0;
    for (Ring& r : rings) ::ioctl(r.fd, PERF_EVENT_IOC_DISABLE, 0);
    for (Ring& r : rings) prof.drain(r);

    std::fprintf(out,
                 "tsp-kprof: samples=%llu cpus=%zu hz=%ld lost=%llu throttled=%llu secs=%.2f\n",
                 (unsigned long long)prof.samples, cpus.size(), o.hz, (unsigned long long)prof.lost,
                 (unsigned long long)prof.throttled, secs);
    table(out, prof, prof.self, "self", o.top, "");
    table(out, prof, prof.incl, "inclusive", o.top, "");
    std::string mod = "[" + o.module + "]";
    if (std::none_of(ksyms.syms.begin(), ksyms.syms.end(),
                     [&](const Symbols::Sym& x) { return x.name.ends_with(" " + mod); }))
        std::fprintf(out, "# %s is not in /proc/kallsyms (not loaded)\n", mod.c_str());
    table(out, prof, prof.self, mod + " self", o.top, " " + mod);
    table(out, prof, prof.incl, mod + " inclusive", o.top, " " + mod);
    if (out != stdout && std::fclose(out) != 0) die("write " + o.out, errno);
    return status;
}
