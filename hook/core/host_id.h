// The id both ends of a spliced connection must share: one per booted
// kernel, from its boot id, so a token option from another host (which runs
// tcp-splice too) never makes an end wait for a peer that cannot come.
#pragma once

#include <cstdint>
#include <string>

namespace tsp {

// FNV-1a of the boot id text, never 0. Throws Error when unreadable.
std::uint32_t host_id(const std::string& boot_id_path = "/proc/sys/kernel/random/boot_id");

// The same for a given boot id text (trailing whitespace ignored).
std::uint32_t host_id_of(const std::string& boot_id);

}  // namespace tsp
