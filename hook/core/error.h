// Errors the control plane reports to operators. Every message names the
// problem and what to do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace tsp {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An attachment of that name exists with another cgroup or policy.
class ConflictError : public Error {
public:
    ConflictError(std::string cgroup, std::string policy)
        : Error("already attached on " + cgroup + " (" + policy + ")"),
          cgroup_(std::move(cgroup)),
          policy_(std::move(policy)) {}
    const std::string& cgroup() const { return cgroup_; }
    const std::string& policy() const { return policy_; }

private:
    std::string cgroup_;
    std::string policy_;
};

// "what failed: strerror(errno)".
std::string errno_message(const std::string& what, int err);

}  // namespace tsp
