#include "cre2shim.h"

#include <re2/re2.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

struct strata_re2 {
    re2::RE2 *re;
};

static char *dup_string(const std::string &s) {
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p) {
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = 0;
    }
    return p;
}

extern "C" strata_re2 *strata_re2_new(const char *pattern, size_t len, int case_insensitive, int literal, int dot_nl,
                                      int never_nl, char **error) {
    re2::RE2::Options o;
    o.set_log_errors(false);
    o.set_encoding(re2::RE2::Options::EncodingUTF8);
    o.set_case_sensitive(!case_insensitive);
    o.set_literal(literal != 0);
    o.set_dot_nl(dot_nl != 0);
    o.set_never_nl(never_nl != 0);
    o.set_max_mem(64 << 20);
    re2::RE2 *re = new re2::RE2(re2::StringPiece(pattern, len), o);
    if (!re->ok()) {
        if (error) *error = dup_string(re->error());
        delete re;
        return nullptr;
    }
    strata_re2 *w = new strata_re2;
    w->re = re;
    return w;
}

extern "C" void strata_re2_free(strata_re2 *re) {
    if (!re) return;
    delete re->re;
    delete re;
}

extern "C" int strata_re2_groups(const strata_re2 *re) { return re->re->NumberOfCapturingGroups(); }

extern "C" int strata_re2_match(const strata_re2 *re, const char *s, size_t len, int full) {
    re2::StringPiece in(s ? s : "", len);
    return re->re->Match(in, 0, len, full ? re2::RE2::ANCHOR_BOTH : re2::RE2::UNANCHORED, nullptr, 0) ? 1 : 0;
}

extern "C" int strata_re2_find(const strata_re2 *re, const char *s, size_t len, size_t pos, int64_t *offsets, int nsub) {
    if (pos > len) return 0;
    std::vector<re2::StringPiece> sub(nsub > 0 ? nsub : 1);
    re2::StringPiece in(s ? s : "", len);
    if (!re->re->Match(in, pos, len, re2::RE2::UNANCHORED, sub.data(), nsub > 0 ? nsub : 1)) return 0;
    for (int i = 0; i < nsub; i++) {
        if (sub[i].data() == nullptr) {
            offsets[2 * i] = -1;
            offsets[2 * i + 1] = -1;
        } else {
            int64_t a = sub[i].data() - in.data();
            offsets[2 * i] = a;
            offsets[2 * i + 1] = a + (int64_t)sub[i].size();
        }
    }
    return 1;
}

extern "C" char *strata_re2_replace(const strata_re2 *re, const char *s, size_t len, const char *rewrite, size_t rlen,
                                    int global, size_t *out_len) {
    std::string str(s ? s : "", len);
    re2::StringPiece rw(rewrite ? rewrite : "", rlen);
    if (global) {
        re2::RE2::GlobalReplace(&str, *re->re, rw);
    } else {
        re2::RE2::Replace(&str, *re->re, rw);
    }
    char *p = static_cast<char *>(std::malloc(str.size() + 1));
    if (!p) return nullptr;
    std::memcpy(p, str.data(), str.size());
    *out_len = str.size();
    return p;
}

extern "C" char *strata_re2_check_rewrite(const strata_re2 *re, const char *rewrite, size_t rlen) {
    std::string err;
    if (re->re->CheckRewriteString(re2::StringPiece(rewrite ? rewrite : "", rlen), &err)) return nullptr;
    return dup_string(err);
}
