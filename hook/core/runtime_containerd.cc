// containerd config.toml: turn the NRI plugin on with a minimal text edit.
// toml++ reads the structure (it cannot write comments back); the edit is
// made on the text, and the result is re-parsed and compared with the
// original tree before it is returned.
#include <toml++/toml.h>

#include <sstream>

#include "core/error.h"
#include "core/runtime_config.h"

namespace tsp::runtime {
namespace {

using Path = std::vector<std::string>;

// The NRI plugin's table: its full id for config versions 2 and 3; version 1
// keys plugins by their short id (containerd's Config.Decode).
Path nri_path(int version) {
    if (version == 1) return {"plugins", "nri"};
    return {"plugins", "io.containerd.nri.v1.nri"};
}

bool bare_key(const std::string& k) {
    if (k.empty()) return false;
    for (unsigned char c : k)
        if (!std::isalnum(c) && c != '_' && c != '-') return false;
    return true;
}

std::string render_key(const Path& p) {
    std::string out;
    for (const auto& k : p) {
        if (!out.empty()) out += '.';
        out += bare_key(k) ? k : "\"" + k + "\"";
    }
    return out;
}

toml::table parse(const std::string& text, const char* what) {
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << what << " is not valid TOML (line " << e.source().begin.line << ": "
            << e.description() << "); fix it first";
        throw Error(msg.str());
    }
}

int config_version(const toml::table& t) {
    const toml::node* v = t.get("version");
    if (!v) return 1;
    const auto n = v->value<int64_t>();
    if (!n || *n < 1 || *n > 3)
        throw Error("config.toml: unsupported `version` (1, 2 or 3 expected); fix it first");
    return static_cast<int>(*n);
}

const toml::table* table_at(const toml::table& root, const Path& p, std::size_t n) {
    const toml::table* t = &root;
    for (std::size_t i = 0; i < n && t; ++i) t = t->get_as<toml::table>(p[i]);
    return t;
}
toml::table* table_at(toml::table& root, const Path& p, std::size_t n) {
    toml::table* t = &root;
    for (std::size_t i = 0; i < n && t; ++i) t = t->get_as<toml::table>(p[i]);
    return t;
}

// One line of the text with its own ending ("\n", "\r\n" or none at EOF).
struct Lines {
    std::vector<std::string> body, end;
    explicit Lines(const std::string& text) {
        for (std::size_t pos = 0; pos < text.size();) {
            std::size_t eol = text.find('\n', pos);
            if (eol == std::string::npos) {
                body.push_back(text.substr(pos));
                end.emplace_back();
                break;
            }
            std::size_t stop = eol > pos && text[eol - 1] == '\r' ? eol - 1 : eol;
            body.push_back(text.substr(pos, stop - pos));
            end.push_back(text.substr(stop, eol + 1 - stop));
            pos = eol + 1;
        }
    }
    std::string join() const {
        std::string out;
        for (std::size_t i = 0; i < body.size(); ++i) out += body[i] + end[i];
        return out;
    }
};

std::string indent_of(const std::string& line) {
    return line.substr(0, line.find_first_not_of(" \t") == std::string::npos
                              ? line.size()
                              : line.find_first_not_of(" \t"));
}

// Parses a TOML key (bare, "basic" or 'literal' parts joined by dots) at
// s[i]; leaves i after it. Only the escapes a key is likely to hold.
std::optional<Path> parse_key(const std::string& s, std::size_t& i) {
    Path p;
    auto ws = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    };
    for (;;) {
        ws();
        if (i >= s.size()) return std::nullopt;
        std::string k;
        if (s[i] == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\') {
                    if (++i >= s.size()) return std::nullopt;
                    if (s[i] != '"' && s[i] != '\\') return std::nullopt;
                }
                k += s[i];
            }
            if (i >= s.size()) return std::nullopt;
            ++i;
        } else if (s[i] == '\'') {
            const std::size_t close = s.find('\'', i + 1);
            if (close == std::string::npos) return std::nullopt;
            k = s.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            while (i < s.size() &&
                   (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '-'))
                k += s[i++];
            if (k.empty()) return std::nullopt;
        }
        p.push_back(std::move(k));
        ws();
        if (i < s.size() && s[i] == '.') {
            ++i;
            continue;
        }
        return p;
    }
}

// A `[table]` or `[[array]]` header line, cross-checked against the tree so a
// bracketed line inside a multi-line array is not taken for one.
struct Header {
    std::size_t line;  // 0-based
    Path path;
};

std::vector<Header> headers(const Lines& ls, const toml::table& tree) {
    std::vector<Header> out;
    for (std::size_t n = 0; n < ls.body.size(); ++n) {
        const std::string& s = ls.body[n];
        std::size_t i = s.find_first_not_of(" \t");
        if (i == std::string::npos || s[i] != '[') continue;
        const bool array = i + 1 < s.size() && s[i + 1] == '[';
        i += array ? 2 : 1;
        auto p = parse_key(s, i);
        if (!p) continue;
        const std::string close = array ? "]]" : "]";
        if (s.compare(i, close.size(), close) != 0) continue;
        i += close.size();
        const std::size_t rest = s.find_first_not_of(" \t", i);
        if (rest != std::string::npos && s[rest] != '#') continue;
        const toml::table* parent = table_at(tree, *p, p->size() - 1);
        const toml::node* node = parent ? parent->get(p->back()) : nullptr;
        if (!node || !(array ? node->is_array_of_tables() : node->is_table())) continue;
        out.push_back({n, std::move(*p)});
    }
    return out;
}

// Byte offset of 1-based `column` (counted in code points) in `line`.
std::size_t byte_of_column(const std::string& line, std::size_t column) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;  // continuation
        if (++seen == column) return i;
    }
    return line.size();
}

std::string manual(const Path& table, bool disable, const std::string& reason) {
    return "cannot edit config.toml safely (" + reason +
           "); add these lines by hand (or set the existing key), then run this again:\n  [" +
           render_key(table) + "]\n    disable = " + (disable ? "true" : "false");
}

// Replaces the bool at `node`'s source position with `value`.
std::string replace_bool(const std::string& text, const toml::node& node, bool value,
                         const Path& table) {
    Lines ls(text);
    const auto& src = node.source();
    const std::size_t line = src.begin.line - 1;
    if (src.begin.line == 0 || line >= ls.body.size() || src.end.line != src.begin.line)
        throw Error(manual(table, value, "no source position for `disable`"));
    std::string& s = ls.body[line];
    const std::size_t from = byte_of_column(s, src.begin.column);
    const std::size_t to = byte_of_column(s, src.end.column);
    const std::string old = value ? "false" : "true";
    if (s.compare(from, to - from, old) != 0)
        throw Error(manual(table, value, "`disable` is not where the parser put it"));
    s.replace(from, to - from, value ? "true" : "false");
    return ls.join();
}

// Re-parses `after` and checks that `disable` at `table` is `value` and that
// every other value equals `before`'s.
void verify(const toml::table& before, const std::string& after, const Path& table, bool value) {
    toml::table a;
    try {
        a = toml::parse(after);
    } catch (const toml::parse_error& e) {
        throw Error(
            manual(table, value,
                   std::string("the edit would not parse: ") + std::string(e.description())));
    }
    const toml::table* t = table_at(a, table, table.size());
    const auto got = t ? t->get_as<bool>("disable") : nullptr;
    if (!got || got->get() != value)
        throw Error(manual(table, value, "the edit did not set `disable`"));
    toml::table b = before;
    if (auto* bt = table_at(b, table, table.size())) bt->erase("disable");
    table_at(a, table, table.size())->erase("disable");
    // Tables the edit created hold nothing but `disable`: drop them.
    for (std::size_t n = table.size(); n > 0; --n) {
        toml::table* at = table_at(a, table, n);
        if (at && at->empty() && !table_at(b, table, n))
            table_at(a, table, n - 1)->erase(table[n - 1]);
    }
    if (a != b) throw Error(manual(table, value, "the edit would change other values"));
}

// Adds `disable = false` to the NRI table: under its own header, next to
// its dotted keys, or as a new table at the end.
std::string add_disable_false(const std::string& text, const toml::table& tree, const Path& path) {
    Lines ls(text);
    const std::string nl = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    const auto hs = headers(ls, tree);
    for (const auto& h : hs) {
        if (h.path != path) continue;
        std::string indent = indent_of(ls.body[h.line]) + "  ";
        for (std::size_t n = h.line + 1; n < ls.body.size(); ++n) {
            const std::string& s = ls.body[n];
            const std::size_t c = s.find_first_not_of(" \t");
            if (c == std::string::npos || s[c] == '#') continue;
            if (s[c] != '[') indent = indent_of(s);
            break;
        }
        if (ls.end[h.line].empty()) ls.end[h.line] = nl;
        ls.body.insert(ls.body.begin() + h.line + 1, indent + "disable = false");
        ls.end.insert(ls.end.begin() + h.line + 1, nl);
        return ls.join();
    }
    // No header of its own: follow its last dotted key, if it has one.
    const toml::table* nri = table_at(tree, path, path.size());
    std::size_t last = 0, last_begin = 0;
    if (nri)
        for (const auto& [k, v] : *nri)
            if (!v.is_table() && v.source().end.line > last) {
                last = v.source().end.line;
                last_begin = v.source().begin.line;
            }
    if (last > 0 && last <= ls.body.size()) {
        Path under;  // the table whose body holds that key
        for (const auto& h : hs)
            if (h.line + 1 < last_begin) under = h.path;
        if (under.size() > path.size() || !std::equal(under.begin(), under.end(), path.begin()))
            throw Error(manual(path, false, "its keys are spread over unrelated tables"));
        Path rel(path.begin() + static_cast<long>(under.size()), path.end());
        rel.push_back("disable");
        // The key's first line gives the indentation, but its last is where it ends.
        const std::string indent = indent_of(ls.body[last_begin - 1]);
        if (ls.end[last - 1].empty()) ls.end[last - 1] = nl;
        ls.body.insert(ls.body.begin() + static_cast<long>(last),
                       indent + render_key(rel) + " = false");
        ls.end.insert(ls.end.begin() + static_cast<long>(last), nl);
        return ls.join();
    }
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += nl;
    if (!out.empty()) out += nl;
    return out + "[" + render_key(path) + "]" + nl + "  disable = false" + nl;
}

}  // namespace

NriSetting containerd_nri_enabled(const std::string& text) {
    const toml::table t = parse(text, "config.toml");
    NriSetting s{NriSetting::kDefault, config_version(t)};
    const Path p = nri_path(s.version);
    const toml::table* nri = table_at(t, p, p.size());
    const auto d = nri ? nri->get_as<bool>("disable") : nullptr;
    if (d) s.state = d->get() ? NriSetting::kDisabled : NriSetting::kEnabled;
    return s;
}

Edit containerd_configure(const std::string& text) {
    const toml::table tree = parse(text, "config.toml");
    Edit e;
    const std::string nl = text.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    if (tree.empty()) {
        // Nothing set (missing, empty or only comments): a minimal version 2
        // config, which containerd 2.x migrates on load.
        const Path p = nri_path(2);
        e.text = text;
        if (!e.text.empty() && e.text.back() != '\n') e.text += nl;
        e.text +=
            "version = 2" + nl + nl + "[" + render_key(p) + "]" + nl + "  disable = false" + nl;
        toml::table with_version = tree;  // the one other value the edit adds
        with_version.insert("version", int64_t{2});
        verify(with_version, e.text, p, false);
        e.notes.push_back("wrote a minimal version 2 config enabling NRI");
        return e;
    }
    const int version = config_version(tree);
    const Path p = nri_path(version);
    if (version == 1)
        e.notes.push_back(
            "the config has no `version`, so containerd reads it as version 1 "
            "(plugins by short id): using [plugins.nri]");
    const toml::table* parent = table_at(tree, p, p.size() - 1);
    const toml::node* nri_node = parent ? parent->get(p.back()) : nullptr;
    if (nri_node && !nri_node->is_table())
        throw Error(manual(p, false, render_key(p) + " is not a table"));
    const toml::table* nri = nri_node ? nri_node->as_table() : nullptr;
    if (nri && nri->is_inline())
        throw Error(manual(p, false, render_key(p) + " is an inline table"));
    const toml::node* disable = nri ? nri->get("disable") : nullptr;
    if (disable && !disable->is_boolean())
        throw Error(manual(p, false, "`disable` is not true or false"));
    if (disable && !*disable->value<bool>()) {
        e.text = text;
        e.notes.push_back("NRI is already enabled (disable = false)");
        return e;
    }
    if (!disable && version >= 3) {
        e.text = text;
        e.notes.push_back("NRI is enabled by default in containerd 2.x (version 3 config)");
        return e;
    }
    e.text = disable ? replace_bool(text, *disable, false, p) : add_disable_false(text, tree, p);
    verify(tree, e.text, p, false);
    return e;
}

Edit containerd_unconfigure(const std::string& text, const std::optional<std::string>& original) {
    Edit e;
    e.text = text;
    if (!original) {
        e.notes.push_back("no backup of the original config: NRI left as it is");
        return e;
    }
    const NriSetting was = containerd_nri_enabled(*original);
    if (was.state != NriSetting::kDisabled) {
        e.notes.push_back(
            "the original config did not set `disable = true`: NRI left enabled "
            "(other NRI plugins may rely on it)");
        return e;
    }
    const toml::table tree = parse(text, "config.toml");
    const Path p = nri_path(config_version(tree));
    const toml::table* nri = table_at(tree, p, p.size());
    const toml::node* disable = nri ? nri->get("disable") : nullptr;
    if (!disable || !disable->is_boolean()) {
        e.notes.push_back("no `disable` key in [" + render_key(p) + "] to set back: left as it is");
        return e;
    }
    if (*disable->value<bool>()) return e;  // already disabled
    e.text = replace_bool(text, *disable, true, p);
    verify(tree, e.text, p, true);
    e.notes.push_back("NRI disabled again, as in the original config");
    return e;
}

}  // namespace tsp::runtime
