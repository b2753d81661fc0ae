// A Backend that runs another one's work on its own thread and waits for
// it only so long: every request is answered well inside the runtime's
// 2 s request timeout even when loading the program is slow. Work that
// takes longer finishes in order in the background and logs its outcome.
// Any exception from the inner backend comes back as Error: nothing the
// work throws can take the worker thread, and with it the plugin, down.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/failures.h"
#include "core/log.h"
#include "plugin.h"

namespace tsp::nri {

// Thrown when the work did not finish within the budget; it goes on.
class Deferred : public Error {
public:
    using Error::Error;
};

class BoundedBackend : public Backend {
public:
    // `failopen`, when given, counts attaches that failed after the caller
    // stopped waiting (the container runs without tcp-splice).
    BoundedBackend(Backend& inner, const Log& log, std::chrono::milliseconds budget,
                   const FailOpenCounter* failopen = nullptr);
    ~BoundedBackend() override;

    bool attach(const std::string& id, const std::string& cgroup_dir, const Policy& policy,
                const PodRef& pod) override;
    bool detach(const std::string& id) override;
    // Queued behind the work in flight (a Deferred attach of `id`), not
    // waited for: returns at once and logs the outcome.
    void detach_in_background(const std::string& id) override;
    std::vector<std::string> attached() override;
    std::string cgroup_dir(std::uint32_t pid, const std::string& cgroups_path) override;

private:
    // Runs `work` on the worker; returns its result, rethrows its Error (any
    // other exception as Error), or throws Deferred after the budget (then
    // `late` reports the outcome, and the fail-open reason when it failed).
    using Late = std::function<void(const std::string& outcome, const char* failure)>;
    bool run(std::function<bool()> work, Late late);
    void enqueue(std::function<void()> job);
    void loop();

    Backend& inner_;
    const Log& log_;
    std::chrono::milliseconds budget_;
    const FailOpenCounter* failopen_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> queue_;
    bool stop_ = false;
    std::thread worker_;
};

}  // namespace tsp::nri
