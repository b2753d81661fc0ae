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

unsigned read_busy_read(const Paths& paths) {
    auto v = read_number(paths.busy_read);
    if (!v) throw Error("cannot read " + paths.busy_read);
    return static_cast<unsigned>(*v);
}

void write_busy_read(const Paths& paths, unsigned us) {
    validate_busy_poll_us(us);
    write_text(paths.busy_read, std::to_string(us));
}

unsigned read_busy_poll(const Paths& paths) {
    auto v = read_number(paths.busy_poll);
    if (!v) throw Error("cannot read " + paths.busy_poll);
    return static_cast<unsigned>(*v);
}

void write_busy_poll(const Paths& paths, unsigned us) {
    validate_busy_poll_us(us);
    write_text(paths.busy_poll, std::to_string(us));
}

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
