#include "core/runtime_config.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/error.h"

namespace tsp::runtime {
namespace {

const std::string kDir = TSP_RUNTIME_DATA_DIR;

std::optional<std::string> read_data(const std::string& name) {
    std::ifstream in(kDir + "/" + name, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string data(const std::string& name) {
    auto s = read_data(name);
    if (!s) ADD_FAILURE() << "missing test data " << name;
    return s.value_or("");
}

// Compares `got` with the golden file <name>.expected (the input itself when
// there is none: no change). TSP_UPDATE_GOLDEN=1 rewrites the golden files.
void expect_golden(const std::string& name, const std::string& input, const std::string& got) {
    const std::string golden = name + ".expected";
    if (std::getenv("TSP_UPDATE_GOLDEN")) {
        if (got != input) std::ofstream(kDir + "/" + golden, std::ios::binary) << got;
        return;
    }
    EXPECT_EQ(got, read_data(golden).value_or(input)) << name;
}

std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
}

// Every line of `before` but the one setting `disable` is in `after`, in
// order and byte for byte (comments and layout outside the edit are kept).
void expect_kept(const std::string& before, const std::string& after) {
    const auto a = lines(before), b = lines(after);
    std::size_t j = 0;
    for (const auto& l : a) {
        if (std::regex_search(l, std::regex(R"((^|[.\s"'])disable\s*=)"))) continue;
        while (j < b.size() && b[j] != l) ++j;
        ASSERT_LT(j, b.size()) << "line lost: " << l;
        ++j;
    }
}

// The NRI table's path as containerd reads the config.
std::vector<std::string> nri_path(const toml::table& t) {
    if (t.get("version") || t.empty()) return {"plugins", "io.containerd.nri.v1.nri"};
    return {"plugins", "nri"};
}

// The tree without the NRI `disable` key and without tables left empty.
toml::table without_disable(const std::string& text) {
    toml::table t = toml::parse(text);
    const auto p = nri_path(t);
    if (auto* nri = t["plugins"][p[1]].as_table()) {
        nri->erase("disable");
        if (nri->empty()) t["plugins"].as_table()->erase(p[1]);
    }
    if (auto* pl = t["plugins"].as_table(); pl && pl->empty()) t.erase("plugins");
    t.erase("version");  // an empty file gets one
    return t;
}

bool nri_on(const std::string& text) {
    const auto s = containerd_nri_enabled(text);
    return s.state == NriSetting::kEnabled ||
           (s.state == NriSetting::kDefault && s.default_enabled());
}

const char* const kContainerdCorpus[] = {
    "containerd-1.7-default.toml", "containerd-2.x-default.toml",
    "containerd-hand.toml",        "containerd-nri-disabled.toml",
    "containerd-dotted.toml",      "containerd-dotted-nodisable.toml",
    "containerd-subtable.toml",    "containerd-header-nodisable.toml",
    "containerd-v3-disabled.toml", "containerd-v1.toml",
    "containerd-empty.toml",       "containerd-crlf.toml",
};

TEST(ContainerdConfigure, Corpus) {
    for (const char* name : kContainerdCorpus) {
        SCOPED_TRACE(name);
        const std::string in = data(name);
        Edit e;
        try {
            e = containerd_configure(in);
        } catch (const Error& err) {
            ADD_FAILURE() << name << ": " << err.what();
            continue;
        }
        expect_golden(name, in, e.text);
        EXPECT_TRUE(nri_on(e.text));
        EXPECT_EQ(containerd_configure(e.text).text, e.text) << "second configure changed it";
        expect_kept(in, e.text);
        EXPECT_EQ(without_disable(in), without_disable(e.text));
        if (in.find("\r\n") != std::string::npos) {
            for (std::size_t i = 0; (i = e.text.find('\n', i)) != std::string::npos; ++i)
                ASSERT_TRUE(i > 0 && e.text[i - 1] == '\r') << "LF without CR at " << i;
        }
    }
}

TEST(ContainerdConfigure, EditsOnlyTheValue) {
    const std::string in = data("containerd-nri-disabled.toml");
    const std::string out = containerd_configure(in).text;
    EXPECT_NE(out.find("  disable    =   false   # flip when ready\n"), std::string::npos);
    EXPECT_EQ(out.size(), in.size() + 1);
}

TEST(ContainerdConfigure, Reports) {
    EXPECT_FALSE(containerd_configure(data("containerd-2.x-default.toml")).notes.empty());
    EXPECT_FALSE(containerd_configure(data("containerd-v1.toml")).notes.empty());
}

TEST(ContainerdConfigure, RefusesWhatItCannotEditSafely) {
    for (const char* bad : {
             "version = 2\n[plugins]\n\"io.containerd.nri.v1.nri\" = { socket_path = \"x\" }\n",
             "version = 2\nplugins = { \"io.containerd.grpc.v1.cri\" = { x = 1 } }\n",
             "version = 2\n[plugins.\"io.containerd.nri.v1.nri\"]\ndisable = \"yes\"\n",
             "version = 2\n[plugins]\n\"io.containerd.nri.v1.nri\" = 3\n",
         }) {
        SCOPED_TRACE(bad);
        try {
            containerd_configure(bad);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("disable = false"), std::string::npos) << e.what();
        }
    }
}

TEST(ContainerdConfigure, RejectsInvalidToml) {
    EXPECT_THROW(containerd_configure(data("containerd-invalid.toml")), Error);
    EXPECT_THROW(containerd_configure("version = 7\n"), Error);
    EXPECT_THROW(containerd_configure("version = \"2\"\n"), Error);
}

TEST(ContainerdNriEnabled, States) {
    auto s = containerd_nri_enabled(data("containerd-1.7-default.toml"));
    EXPECT_EQ(s.state, NriSetting::kDisabled);
    EXPECT_EQ(s.version, 2);
    s = containerd_nri_enabled(data("containerd-2.x-default.toml"));
    EXPECT_EQ(s.state, NriSetting::kEnabled);
    EXPECT_EQ(s.version, 3);
    s = containerd_nri_enabled(data("containerd-hand.toml"));
    EXPECT_EQ(s.state, NriSetting::kDefault);
    EXPECT_FALSE(s.default_enabled());
    s = containerd_nri_enabled("version = 3\n");
    EXPECT_EQ(s.state, NriSetting::kDefault);
    EXPECT_TRUE(s.default_enabled());
    s = containerd_nri_enabled("");
    EXPECT_EQ(s.version, 1);
    EXPECT_EQ(containerd_nri_enabled(data("containerd-dotted.toml")).state, NriSetting::kDisabled);
    EXPECT_EQ(containerd_nri_enabled("[plugins.nri]\ndisable = false\n").state,
              NriSetting::kEnabled);
    EXPECT_THROW(containerd_nri_enabled("[x"), Error);
}

TEST(ContainerdUnconfigure, RestoresWhatTheBackupDisabled) {
    for (const char* name :
         {"containerd-1.7-default.toml", "containerd-nri-disabled.toml", "containerd-dotted.toml",
          "containerd-crlf.toml", "containerd-v3-disabled.toml"}) {
        SCOPED_TRACE(name);
        const std::string in = data(name);
        const std::string on = containerd_configure(in).text;
        ASSERT_NE(on, in);
        const Edit off = containerd_unconfigure(on, in);
        EXPECT_EQ(off.text, in);  // byte for byte
        EXPECT_EQ(containerd_unconfigure(off.text, in).text, off.text);
    }
}

TEST(ContainerdUnconfigure, LeavesNriOnOtherwise) {
    const std::string in = data("containerd-header-nodisable.toml");
    const std::string on = containerd_configure(in).text;
    Edit off = containerd_unconfigure(on, in);
    EXPECT_EQ(off.text, on);
    EXPECT_FALSE(off.notes.empty());
    off = containerd_unconfigure(on, std::nullopt);  // no backup
    EXPECT_EQ(off.text, on);
    EXPECT_FALSE(off.notes.empty());
}

const char* const kDockerCorpus[] = {"docker-basic.json", "docker-runtimes.json",
                                     "docker-configured.json", "docker-empty.json"};

TEST(DockerConfigure, Corpus) {
    for (const char* name : kDockerCorpus) {
        SCOPED_TRACE(name);
        const std::string in = data(name);
        const Edit e = docker_configure(in, false);
        expect_golden(name, in, e.text);
        EXPECT_EQ(docker_configure(e.text, false).text, e.text);
        const auto j = nlohmann::json::parse(e.text);
        EXPECT_EQ(j["runtimes"]["tcp-splice"]["path"], "/usr/sbin/tcp-splice-runtime");
    }
}

TEST(DockerConfigure, SetAsDefault) {
    const std::string in = data("docker-runtimes.json");
    const Edit e = docker_configure(in, true);
    expect_golden("docker-runtimes.json.default", in, e.text);
    ASSERT_EQ(e.notes.size(), 1u);
    EXPECT_NE(e.notes[0].find("nvidia"), std::string::npos);
    EXPECT_EQ(docker_configure(e.text, true).text, e.text);
    // Unconfigure gives back the original, nvidia as the default included.
    EXPECT_EQ(docker_unconfigure(e.text, in).text, in);
}

TEST(DockerConfigure, KeepsIndentationAndOrder) {
    const std::string out = docker_configure(data("docker-runtimes.json"), false).text;
    EXPECT_EQ(out.find("    \"data-root\""), 2u);
    EXPECT_LT(out.find("\"nvidia\""), out.find("\"tcp-splice\""));
    const std::string tabs = docker_configure("{\n\t\"debug\": true\n}\n", false).text;
    EXPECT_NE(tabs.find("\n\t\"runtimes\": {\n\t\t\"tcp-splice\""), std::string::npos) << tabs;
    const std::string crlf = docker_configure("{\r\n  \"debug\": true\r\n}\r\n", false).text;
    EXPECT_EQ(crlf.find("\n"), crlf.find("\r\n") + 1);
}

TEST(DockerConfigure, UpdatesAStalePath) {
    const Edit e = docker_configure(
        R"({"runtimes": {"tcp-splice": {"path": "/old", "runtimeArgs": []}}})", false);
    const auto j = nlohmann::json::parse(e.text);
    EXPECT_EQ(j["runtimes"]["tcp-splice"]["path"], "/usr/sbin/tcp-splice-runtime");
    EXPECT_TRUE(j["runtimes"]["tcp-splice"].contains("runtimeArgs"));
    EXPECT_EQ(e.notes.size(), 1u);
}

TEST(DockerConfigure, RejectsBadFiles) {
    EXPECT_THROW(docker_configure(data("docker-invalid.json"), false), Error);
    EXPECT_THROW(docker_configure(data("docker-runtimes-array.json"), false), Error);
    EXPECT_THROW(docker_configure("[1, 2]", false), Error);
    EXPECT_THROW(docker_configure(R"({"runtimes": {"tcp-splice": "x"}})", false), Error);
    EXPECT_THROW(docker_unconfigure(data("docker-invalid.json"), std::nullopt), Error);
}

TEST(DockerUnconfigure, RemovesOnlyOurs) {
    // Ours alone, no backup: back to an empty object.
    const std::string ours = docker_configure("", true).text;
    EXPECT_EQ(docker_unconfigure(ours, std::nullopt).text, "{}\n");
    // Another runtime and another default stay.
    const std::string other =
        "{\n  \"default-runtime\": \"crun\",\n  \"runtimes\": {\n    \"crun\": {\n"
        "      \"path\": \"/usr/bin/crun\"\n    },\n    \"tcp-splice\": {\n"
        "      \"path\": \"/usr/sbin/tcp-splice-runtime\"\n    }\n  }\n}\n";
    const std::string out = docker_unconfigure(other, std::nullopt).text;
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["default-runtime"], "crun");
    EXPECT_FALSE(j["runtimes"].contains("tcp-splice"));
    EXPECT_TRUE(j["runtimes"].contains("crun"));
    // An empty "runtimes" the original had stays.
    EXPECT_EQ(docker_unconfigure(docker_configure("{\"runtimes\": {}}", false).text,
                                 std::string("{\"runtimes\": {}}"))
                  .text,
              "{\n  \"runtimes\": {}\n}\n");
    // Nothing of ours: byte for byte unchanged.
    const std::string basic = data("docker-basic.json");
    EXPECT_EQ(docker_unconfigure(basic, std::nullopt).text, basic);
    EXPECT_EQ(docker_unconfigure("", std::nullopt).text, "");
}

TEST(Crio, Dropin) {
    EXPECT_TRUE(crio_dropin_enables_nri(crio_dropin()));
    EXPECT_FALSE(crio_dropin_enables_nri(data("crio.conf")));
    EXPECT_FALSE(crio_dropin_enables_nri("[crio.nri"));
    EXPECT_FALSE(crio_dropin_enables_nri(""));
    // The drop-in is valid TOML that sets only crio.nri.enable_nri.
    const toml::table t = toml::parse(crio_dropin());
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t["crio"]["nri"].as_table()->size(), 1u);
}

TEST(Podman, HookFromTheInstalledTemplate) {
    for (auto stage : kHookStages) {
        SCOPED_TRACE(stage);
        const std::string text =
            oci_hook_json(stage, "/opt/tsp/libexec/tcp-splice/tcp-splice-hook");
        const auto j = nlohmann::json::parse(text);
        EXPECT_EQ(j["hook"]["path"], "/opt/tsp/libexec/tcp-splice/tcp-splice-hook");
        EXPECT_TRUE(is_tcp_splice_hook(text));
        // The same `when` as the file `make install` writes.
        std::ifstream in(std::string(TSP_SOURCE_DIR) + "/config/hooks.d/" +
                         oci_hook_file_name(stage) + ".in");
        ASSERT_TRUE(in);
        const auto tmpl = nlohmann::json::parse(in);
        EXPECT_EQ(j["when"], tmpl["when"]);
        EXPECT_EQ(j["stages"], tmpl["stages"]);
    }
    EXPECT_EQ(oci_hook_file_name("poststop"), "50-tcp-splice-poststop.json");
    EXPECT_THROW(oci_hook_json("prestart", "/x"), Error);
    EXPECT_FALSE(is_tcp_splice_hook(R"({"hook": {"path": "/usr/bin/nvidia-ctk"}})"));
    EXPECT_FALSE(is_tcp_splice_hook("not json"));
    // A path JSON must escape stays one string.
    const auto j = nlohmann::json::parse(oci_hook_json("poststop", "/a \"b\"/tcp-splice-hook"));
    EXPECT_EQ(j["hook"]["path"], "/a \"b\"/tcp-splice-hook");
}

}  // namespace
}  // namespace tsp::runtime
