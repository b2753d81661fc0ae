// Kernel knobs and counters: the ring_kbytes module parameter, the
// net.core.busy_read and net.core.busy_poll sysctls, /proc/net/tcp_splice and the module refcount.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/paths.h"

namespace tsp {

inline constexpr unsigned kRingKbytesMin = 4;
inline constexpr unsigned kRingKbytesMax = 16384;

// Throws Error for sizes the module would reject.
void validate_ring_kbytes(long long kb);
unsigned read_ring_kbytes(const Paths& paths);
void write_ring_kbytes(const Paths& paths, unsigned kb);

void validate_busy_poll_us(long long us);
unsigned read_busy_read(const Paths& paths);
void write_busy_read(const Paths& paths, unsigned us);
unsigned read_busy_poll(const Paths& paths);
void write_busy_poll(const Paths& paths, unsigned us);

// "name value" lines of /proc/net/tcp_splice; empty when the module is absent.
std::map<std::string, std::int64_t> read_module_counters(const Paths& paths);

// /sys/module/tcp_splice/refcnt; nullopt when the module is not loaded.
std::optional<int> module_refcnt(const Paths& paths);

}  // namespace tsp
