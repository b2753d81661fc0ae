#include "core/params.h"

#include <cerrno>
#include <climits>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace tsp {
namespace {

std::optional<long long> read_number(const std::string& path) {
    std::ifstream in(path);
    long long v;
    if (in >> v) return v;
    return std::nullopt;
}

void write_text(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw Error(errno_message("cannot open " + path, errno));
    bool ok = std::fputs(text.c_str(), f) >= 0;
    ok = (std::fclose(f) == 0) && ok;  // sysfs reports a rejected value at close
    if (!ok) throw Error(errno_message("writing " + text + " to " + path, errno));
}

}  // namespace

void validate_ring_kbytes(long long kb) {
    if (kb < kRingKbytesMin || kb > kRingKbytesMax)
        throw Error("ring size " + std::to_string(kb) + " KiB out of range " +
                    std::to_string(kRingKbytesMin) + ".." + std::to_string(kRingKbytesMax) +
                    ": pick a size in range (rounded up to a power of two)");
}

unsigned read_ring_kbytes(const Paths& paths) {
    auto v = read_number(paths.ring_param());
    if (!v) throw Error("cannot read " + paths.ring_param() + ": is the module loaded?");
    return static_cast<unsigned>(*v);
}

void write_ring_kbytes(const Paths& paths, unsigned kb) {
    validate_ring_kbytes(kb);
    write_text(paths.ring_param(), std::to_string(kb));
}

void validate_busy_poll_us(long long us) {
    if (us < 0 || us > INT_MAX)
        throw Error("busy-poll budget " + std::to_string(us) + " us out of range 0.." +
                    std::to_string(INT_MAX));
}

namespace {

// A busy-poll sysctl (net.core.busy_read, net.core.busy_poll), in us.
unsigned read_busy_sysctl(const std::string& path) {
    auto v = read_number(path);
    if (!v) throw Error("cannot read " + path);
    return static_cast<unsigned>(*v);
}

void write_busy_sysctl(const std::string& path, unsigned us) {
    validate_busy_poll_us(us);
    write_text(path, std::to_string(us));
}

}  // namespace

unsigned read_busy_read(const Paths& paths) { return read_busy_sysctl(paths.busy_read); }

void write_busy_read(const Paths& paths, unsigned us) { write_busy_sysctl(paths.busy_read, us); }

unsigned read_busy_poll(const Paths& paths) { return read_busy_sysctl(paths.busy_poll); }

void write_busy_poll(const Paths& paths, unsigned us) { write_busy_sysctl(paths.busy_poll, us); }

std::map<std::string, std::int64_t> read_module_counters(const Paths& paths) {
    std::map<std::string, std::int64_t> out;
    std::ifstream in(paths.proc_counters);
    std::string name;
    std::int64_t value;
    while (in >> name >> value) out[name] = value;
    return out;
}

std::optional<int> module_refcnt(const Paths& paths) {
    auto v = read_number(paths.module_dir + "/refcnt");
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
}

}  // namespace tsp
