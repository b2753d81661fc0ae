#include "core/config_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "core/error.h"
#include "core/files.h"

namespace tsp {
namespace {

constexpr std::size_t kMaxConfig = 16 << 20;

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    for (std::size_t pos = 0; pos < s.size();) {
        std::size_t eol = s.find('\n', pos);
        if (eol == std::string::npos) eol = s.size();
        out.push_back(s.substr(pos, eol - pos));
        pos = eol + 1;
    }
    return out;
}

struct Op {
    char kind;  // ' ', '-' or '+'
    std::string line;
};

// The edit script: common prefix and suffix, and a longest-common-subsequence
// walk over what lies between (whole replacement when that is too large).
std::vector<Op> diff_ops(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
    std::size_t suf = 0;
    while (suf < a.size() - pre && suf < b.size() - pre &&
           a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
        ++suf;
    const std::size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
    std::vector<Op> ops;
    for (std::size_t i = 0; i < pre; ++i) ops.push_back({' ', a[i]});
    if (n * m <= 4'000'000) {
        // lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..] within the middle.
        std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
        for (std::size_t i = n; i-- > 0;)
            for (std::size_t j = m; j-- > 0;)
                lcs[i][j] = a[pre + i] == b[pre + j] ? lcs[i + 1][j + 1] + 1
                                                     : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        std::size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[pre + i] == b[pre + j]) {
                ops.push_back({' ', a[pre + i]});
                ++i, ++j;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.push_back({'-', a[pre + i++]});  // removals first, as diff(1) shows them
            } else {
                ops.push_back({'+', b[pre + j++]});
            }
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) ops.push_back({'-', a[pre + i]});
        for (std::size_t j = 0; j < m; ++j) ops.push_back({'+', b[pre + j]});
    }
    for (std::size_t i = a.size() - suf; i < a.size(); ++i) ops.push_back({' ', a[i]});
    return ops;
}

std::string parent_dir(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

void make_dirs(const std::string& dir) {
    if (dir == "/" || dir == "." || path_exists(dir)) return;
    make_dirs(parent_dir(dir));
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throw Error(errno_message("cannot create " + dir, errno));
}

void require_writable(const std::string& path) {
    std::string dir = parent_dir(path);
    while (!path_exists(dir) && dir != "/" && dir != ".") dir = parent_dir(dir);
    if (::access(dir.c_str(), W_OK) != 0)
        throw Error("cannot write " + dir +
                    ": run as root (sudo tcp-splice-ctl runtime ...), or add --dry-run to see "
                    "the change without making it");
}

}  // namespace

std::string backup_path(const std::string& path) { return path + ".tcp-splice.bak"; }

std::optional<std::string> read_optional(const std::string& path) {
    if (!path_exists(path)) return std::nullopt;
    return read_file(path, kMaxConfig);
}

std::string line_diff(const std::string& before, const std::string& after,
                      const std::string& before_name, const std::string& after_name) {
    if (before == after) return "";
    const auto ops = diff_ops(split_lines(before), split_lines(after));
    std::string out = "--- " + before_name + "\n+++ " + after_name + "\n";
    constexpr std::size_t kContext = 3;
    std::size_t old_no = 1, new_no = 1;  // line numbers at ops[k]
    std::vector<std::pair<std::size_t, std::size_t>> at(ops.size() + 1);
    for (std::size_t k = 0; k <= ops.size(); ++k) {
        at[k] = {old_no, new_no};
        if (k == ops.size()) break;
        if (ops[k].kind != '+') ++old_no;
        if (ops[k].kind != '-') ++new_no;
    }
    for (std::size_t k = 0; k < ops.size();) {
        if (ops[k].kind == ' ') {
            ++k;
            continue;
        }
        // A hunk: from kContext before this change to kContext after the
        // last change that is within 2*kContext of the one before it.
        const std::size_t from = k >= kContext ? k - kContext : 0;
        std::size_t last = k;
        for (std::size_t j = k + 1; j < ops.size() && j <= last + 2 * kContext; ++j)
            if (ops[j].kind != ' ') last = j;
        const std::size_t to = std::min(ops.size(), last + kContext + 1);
        const std::size_t old_len = at[to].first - at[from].first;
        const std::size_t new_len = at[to].second - at[from].second;
        auto start = [](std::size_t no, std::size_t len) { return len == 0 ? no - 1 : no; };
        out += "@@ -" + std::to_string(start(at[from].first, old_len)) + "," +
               std::to_string(old_len) + " +" + std::to_string(start(at[from].second, new_len)) +
               "," + std::to_string(new_len) + " @@\n";
        for (std::size_t j = from; j < to; ++j) out += ops[j].kind + ops[j].line + "\n";
        k = to;
    }
    return out;
}

Applied apply_change(const FileChange& c, bool dry_run, std::ostream& out) {
    if (c.before == c.after) return Applied::kUnchanged;
    if (dry_run) {
        out << line_diff(c.before.value_or(""), c.after.value_or(""),
                         c.before ? c.path : "/dev/null", c.after ? c.path : "/dev/null");
        return Applied::kDryRun;
    }
    require_writable(c.path);
    if (!c.after) {
        if (::unlink(c.path.c_str()) != 0 && errno != ENOENT)
            throw Error(errno_message("cannot remove " + c.path, errno));
        return Applied::kRemoved;
    }
    mode_t mode = 0644;
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    struct stat st;
    if (::stat(c.path.c_str(), &st) == 0) {
        mode = st.st_mode & 07777;
        uid = st.st_uid;
        gid = st.st_gid;
    }
    make_dirs(parent_dir(c.path));
    // The oldest original wins: a later configure never overwrites it.
    if (c.backup && c.before && !path_exists(backup_path(c.path)))
        write_file_atomic(backup_path(c.path), *c.before, mode, uid, gid);
    write_file_atomic(c.path, *c.after, mode, uid, gid);
    return Applied::kWritten;
}

Applied edit_config_file(const std::string& label, const std::string& path, const TextEditFn& edit,
                         bool dry_run, std::ostream& out) {
    FileChange c{.path = path, .before = read_optional(path), .after = std::nullopt};
    const runtime::Edit e = edit(c.before.value_or(""), read_optional(backup_path(path)));
    for (const auto& n : e.notes) out << label << ": " << n << "\n";
    // A missing file stays missing when the edit leaves it empty.
    if (c.before || !e.text.empty()) c.after = e.text;
    return apply_change(c, dry_run, out);
}

}  // namespace tsp
