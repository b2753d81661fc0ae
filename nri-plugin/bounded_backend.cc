#include "bounded_backend.h"

#include <future>
#include <memory>

#include "core/containers.h"

namespace tsp::nri {

BoundedBackend::BoundedBackend(Backend& inner, const Log& log, std::chrono::milliseconds budget,
                               const FailOpenCounter* failopen)
    : inner_(inner), log_(log), budget_(budget), failopen_(failopen), worker_([this] { loop(); }) {}

BoundedBackend::~BoundedBackend() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
}

void BoundedBackend::loop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, nothing left
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job();
    }
}

void BoundedBackend::enqueue(std::function<void()> job) {
    {
        std::lock_guard lk(mu_);
        queue_.push_back(std::move(job));
    }
    cv_.notify_one();
}

bool BoundedBackend::run(std::function<bool()> work, Late late) {
    struct State {
        std::promise<bool> done;
        std::mutex mu;
        bool abandoned = false;  // the caller stopped waiting
    };
    auto st = std::make_shared<State>();
    auto result = st->done.get_future();
    enqueue([st, work = std::move(work), late = std::move(late)] {
        std::string outcome;
        const char* failure = nullptr;
        try {
            bool v = work();
            outcome = v ? "done" : "nothing to do";
            st->done.set_value(v);
        } catch (const Error& e) {
            outcome = std::string("failed: ") + e.what();
            failure = failure_reason(e, failopen::kAttachFailed);
            st->done.set_exception(std::current_exception());
        } catch (const std::exception& e) {
            outcome = std::string("failed: ") + e.what();
            failure = failopen::kAttachFailed;
            st->done.set_exception(std::make_exception_ptr(Error(e.what())));
        } catch (...) {
            outcome = "failed: unknown exception";
            failure = failopen::kInternal;
            st->done.set_exception(std::make_exception_ptr(Error("unknown exception")));
        }
        std::lock_guard lk(st->mu);
        if (st->abandoned) late(outcome, failure);
    });
    if (result.wait_for(budget_) == std::future_status::ready) return result.get();
    std::lock_guard lk(st->mu);
    if (result.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return result.get();
    st->abandoned = true;
    throw Deferred("timed out after " + std::to_string(budget_.count()) + " ms");
}

bool BoundedBackend::attach(const std::string& id, const std::string& cgroup_dir,
                            const Policy& policy, const PodRef& pod) {
    return run([=, this] { return inner_.attach(id, cgroup_dir, policy, pod); },
               [=, this](const std::string& outcome, const char* failure) {
                   LogFields f = {{"CONTAINER_ID", id}};
                   if (!pod.name.empty()) f.emplace_back("POD_NAME", pod.name);
                   if (!pod.pod_namespace.empty())
                       f.emplace_back("POD_NAMESPACE", pod.pod_namespace);
                   log_.info("container " + short_id(id) + ": background attach on " + cgroup_dir +
                                 " " + outcome,
                             f);
                   // It was let run meanwhile: without tcp-splice now.
                   if (failure && failopen_) failopen_->count(failure);
               });
}

bool BoundedBackend::detach(const std::string& id) {
    return run([=, this] { return inner_.detach(id); },
               [=, this](const std::string& outcome, const char*) {
                   log_.info("container " + short_id(id) + ": background detach " + outcome,
                             {{"CONTAINER_ID", id}});
               });
}

void BoundedBackend::detach_in_background(const std::string& id) {
    enqueue([=, this] {
        std::string outcome;
        try {
            outcome = inner_.detach(id) ? "done" : "nothing to do";
        } catch (const std::exception& e) {
            outcome = std::string("failed: ") + e.what();
        } catch (...) {
            outcome = "failed: unknown exception";
        }
        log_.info("container " + short_id(id) + ": background detach " + outcome,
                  {{"CONTAINER_ID", id}});
    });
}

std::vector<std::string> BoundedBackend::attached() {
    // Behind any queued work, so it sees that work's records.
    auto ids = std::make_shared<std::vector<std::string>>();
    try {
        run(
            [ids, this] {
                *ids = inner_.attached();
                return true;
            },
            [](const std::string&, const char*) {});
    } catch (const Deferred&) {
        log_.warn("listing attachments is slow; skipping the stale-attachment check this time");
        return {};
    }
    return *ids;
}

std::string BoundedBackend::cgroup_dir(std::uint32_t pid, const std::string& cgroups_path) {
    return inner_.cgroup_dir(pid, cgroups_path);
}

}  // namespace tsp::nri
