// daemon.json edits for Docker: register the tcp-splice wrapper as a runtime.
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/runtime_config.h"

namespace tsp::runtime {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kFix = "; fix /etc/docker/daemon.json (or the --config file) first";

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

Json parse_object(const std::string& text) {
    if (blank(text)) return Json::object();
    Json j;
    try {
        j = Json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("daemon.json is not valid JSON (") + e.what() + ")" + kFix);
    }
    if (!j.is_object()) throw Error(std::string("daemon.json is not a JSON object") + kFix);
    if (j.contains("runtimes") && !j["runtimes"].is_object())
        throw Error(std::string("daemon.json: \"runtimes\" is not an object") + kFix);
    return j;
}

// The file's own indentation: that of its first indented line; 2 spaces
// for a new or one-line file.
std::pair<int, char> detect_indent(const std::string& text) {
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        const std::string line = text.substr(pos, eol - pos);
        const std::size_t first = line.find_first_not_of(" \t");
        if (first != std::string::npos && first > 0 && line[first] != '\r') {
            if (line[0] == '\t') return {static_cast<int>(first), '\t'};
            return {static_cast<int>(first), ' '};
        }
        pos = eol + 1;
    }
    return {2, ' '};
}

std::string render(const Json& j, const std::string& like) {
    const auto [width, ch] = detect_indent(like);
    std::string out;
    try {
        out = j.dump(width, ch) + "\n";
    } catch (const nlohmann::json::exception& e) {  // invalid UTF-8 in a string
        throw Error(std::string("cannot write daemon.json back (") + e.what() + ")" + kFix);
    }
    if (like.find("\r\n") == std::string::npos) return out;
    std::string crlf;  // the file uses CRLF: keep it
    for (char c : out) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return crlf;
}

}  // namespace

Edit docker_configure(const std::string& text, bool set_as_default, std::string_view runtime_path) {
    const Json before = parse_object(text);
    Json j = before;
    const std::string name(kDockerRuntimeName);
    Json& runtimes = j["runtimes"];
    if (runtimes.is_null()) runtimes = Json::object();
    if (runtimes.contains(name) && !runtimes[name].is_object())
        throw Error("daemon.json: runtimes.\"" + name + "\" is not an object" + kFix);
    Edit e;
    Json& ours = runtimes[name];
    if (ours.is_null()) ours = Json::object();
    if (ours.contains("path") && ours["path"] != std::string(runtime_path))
        e.notes.push_back("runtimes.\"" + name + "\".path was " + ours["path"].dump() +
                          "; set to " + std::string(runtime_path));
    ours["path"] = std::string(runtime_path);
    if (set_as_default) {
        if (j.contains("default-runtime") && j["default-runtime"] != name)
            e.notes.push_back("default-runtime was " + j["default-runtime"].dump() + "; set to \"" +
                              name + "\" (unconfigure puts it back)");
        j["default-runtime"] = name;
    }
    e.text = j == before ? text : render(j, text);
    return e;
}

Edit docker_unconfigure(const std::string& text, const std::optional<std::string>& original) {
    Edit e;
    e.text = text;
    if (blank(text)) return e;
    const Json before = parse_object(text);
    Json orig = Json::object();
    if (original) {
        try {
            orig = parse_object(*original);
        } catch (const Error&) {
            e.notes.push_back("the backup is not valid JSON; ignoring it");
        }
    }
    Json j = before;
    const std::string name(kDockerRuntimeName);
    if (j.contains("runtimes")) {
        j["runtimes"].erase(name);
        if (j["runtimes"].empty() && !orig.contains("runtimes")) j.erase("runtimes");
    }
    if (j.contains("default-runtime") && j["default-runtime"] == name) {
        if (orig.contains("default-runtime") && orig["default-runtime"] != name) {
            j["default-runtime"] = orig["default-runtime"];
            e.notes.push_back("default-runtime set back to " + orig["default-runtime"].dump() +
                              " (from the backup)");
        } else {
            j.erase("default-runtime");
            e.notes.push_back("default-runtime removed: Docker's default (runc) applies again");
        }
    }
    if (j != before) e.text = render(j, text);
    return e;
}

}  // namespace tsp::runtime
