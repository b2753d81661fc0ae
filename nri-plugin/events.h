// NRI lifecycle events (api.proto enum Event) and the subscription mask:
// the bit for event e is 1 << (e - 1). Runtimes up to containerd 2.1 (NRI
// <= v0.8) refuse bits above 11, so we never set them.
#pragma once

#include <cstdint>

namespace tsp::nri {

enum class Event : int {
    RunPodSandbox = 1,
    StopPodSandbox = 2,
    RemovePodSandbox = 3,
    CreateContainer = 4,
    PostCreateContainer = 5,
    StartContainer = 6,
    PostStartContainer = 7,
    UpdateContainer = 8,
    PostUpdateContainer = 9,
    StopContainer = 10,
    RemoveContainer = 11,
};

inline constexpr int kLastOldEvent = 11;  // NRI <= v0.8 (containerd 1.7 .. 2.1)

constexpr std::uint32_t event_bit(Event e) { return 1u << (static_cast<int>(e) - 1); }

// What we subscribe to: CreateContainer (validate annotations, fail a
// strict container early), StartContainer (attach: CRI creates the task,
// and so the cgroup and the init pid, at start; the runtime tells us
// before the process runs its command), StopContainer/RemoveContainer
// (detach) and the pod's stop/remove (detach whatever its containers left).
inline constexpr std::uint32_t kEventMask =
    event_bit(Event::CreateContainer) | event_bit(Event::StartContainer) |
    event_bit(Event::StopContainer) | event_bit(Event::RemoveContainer) |
    event_bit(Event::StopPodSandbox) | event_bit(Event::RemovePodSandbox);

// All events a runtime of NRI <= v0.8 accepts in a mask.
inline constexpr std::uint32_t kValidOldMask = (1u << kLastOldEvent) - 1;

}  // namespace tsp::nri
