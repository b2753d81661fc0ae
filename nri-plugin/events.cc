#include "events.h"

namespace tsp::nri {

std::string event_name(int e) {
    static const char* const names[] = {
        "UNKNOWN",          "RUN_POD_SANDBOX",       "STOP_POD_SANDBOX", "REMOVE_POD_SANDBOX",
        "CREATE_CONTAINER", "POST_CREATE_CONTAINER", "START_CONTAINER",  "POST_START_CONTAINER",
        "UPDATE_CONTAINER", "POST_UPDATE_CONTAINER", "STOP_CONTAINER",   "REMOVE_CONTAINER"};
    if (e >= 0 && e <= kLastOldEvent) return names[e];
    return "EVENT_" + std::to_string(e);
}

}  // namespace tsp::nri
