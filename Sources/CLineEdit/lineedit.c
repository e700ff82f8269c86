// The shell's line editor over libedit's native interface (histedit.h). See CLineEdit.h.
// libedit is opened with dlopen when the interactive shell starts, not linked: one-shot
// commands (`strata query "SELECT 1"`) do not pay for loading it and its dependencies
// (libtinfo, libbsd, libmd) at start-up.
#include "CLineEdit.h"

#include <dlfcn.h>
#include <errno.h>
#include <histedit.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

struct strata_le {
    EditLine *el;
    History *hist;
    HistEvent ev;
    char *prompt;
    char *history_path;
    strata_le_complete_fn complete;
    void *context;
    mbstate_t mb;
    /// A byte read together with Ctrl-C: handed out first by the next read.
    int pending;
};

// libedit's entry points, resolved once by `load_libedit`; the names below call through them.
static struct {
    EditLine *(*el_init)(const char *, FILE *, FILE *, FILE *);
    void (*el_end)(EditLine *);
    const char *(*el_gets)(EditLine *, int *);
    int (*el_set)(EditLine *, int, ...);
    int (*el_get)(EditLine *, int, ...);
    int (*el_source)(EditLine *, const char *);
    const LineInfo *(*el_line)(EditLine *);
    int (*el_insertstr)(EditLine *, const char *);
    void (*el_deletestr)(EditLine *, int);
    History *(*history_init)(void);
    void (*history_end)(History *);
    int (*history)(History *, HistEvent *, int, ...);
} libedit;
static pthread_once_t libedit_once = PTHREAD_ONCE_INIT;
static int libedit_loaded;

static void load_libedit_once(void) {
    void *h = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libedit.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
#define LOAD(name) if (!(*(void **)&libedit.name = dlsym(h, #name))) return;
    LOAD(el_init) LOAD(el_end) LOAD(el_gets) LOAD(el_set) LOAD(el_get) LOAD(el_source)
    LOAD(el_line) LOAD(el_insertstr) LOAD(el_deletestr) LOAD(history_init) LOAD(history_end)
    LOAD(history)
#undef LOAD
    libedit_loaded = 1;
}

/// Whether libedit could be opened (the shell falls back to plain line reading when not).
static int load_libedit(void) {
    pthread_once(&libedit_once, load_libedit_once);
    return libedit_loaded;
}

#define el_init libedit.el_init
#define el_end libedit.el_end
#define el_gets libedit.el_gets
#define el_set libedit.el_set
#define el_get libedit.el_get
#define el_source libedit.el_source
#define el_line libedit.el_line
#define el_insertstr libedit.el_insertstr
#define el_deletestr libedit.el_deletestr
#define history_init libedit.history_init
#define history_end libedit.history_end
#define history libedit.history

static volatile sig_atomic_t sigint_seen;
static void (*volatile sigint_callback)(void);
static struct sigaction sigint_previous;
static int sigint_installed;

static void sigint_handler(int signo) {
    (void)signo;
    sigint_seen = 1;
    void (*cb)(void) = sigint_callback;
    if (cb) cb();
}

void strata_sigint_install(void (*on_interrupt)(void)) {
    sigint_callback = on_interrupt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sigint_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a blocked read returns EINTR
    // a parent may have left SIGINT blocked (spawned from a thread that blocks it)
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    if (sigint_installed) {
        sigaction(SIGINT, &sa, NULL);
    } else {
        sigaction(SIGINT, &sa, &sigint_previous);
        sigint_installed = 1;
    }
}

void strata_sigint_restore(void) {
    if (!sigint_installed) return;
    sigaction(SIGINT, &sigint_previous, NULL);
    sigint_installed = 0;
    sigint_callback = NULL;
}

int strata_sigint_take(void) {
    int seen = sigint_seen;
    sigint_seen = 0;
    return seen;
}

static char *prompt_of(EditLine *el) {
    strata_le *le = NULL;
    el_get(el, EL_CLIENTDATA, &le);
    return le && le->prompt ? le->prompt : "";
}

// Reads one character from the terminal; -1 (an error for el_gets) when Ctrl-C arrived.
static int read_char(EditLine *el, wchar_t *out) {
    strata_le *le = NULL;
    el_get(el, EL_CLIENTDATA, &le);
    for (;;) {
        char c;
        ssize_t n;
        if (le->pending >= 0) {
            c = (char)le->pending;
            le->pending = -1;
            n = 1;
        } else {
            n = read(STDIN_FILENO, &c, 1);
        }
        if (n == 1 && sigint_seen) {
            // Ctrl-C came with this byte (typed after it): end the line now, keep the byte
            le->pending = (unsigned char)c;
            *out = 0;
            return -1;
        }
        if (n == 0) { *out = 0; return 0; }
        if (n < 0) {
            if (errno == EINTR) {
                if (sigint_seen) { *out = 0; return -1; }
                continue;
            }
            *out = 0;
            return -1;
        }
        wchar_t w;
        size_t r = mbrtowc(&w, &c, 1, &le->mb);
        if (r == (size_t)-2) continue;              // more bytes of this character
        if (r == (size_t)-1) {                       // invalid: drop it and start over
            memset(&le->mb, 0, sizeof le->mb);
            continue;
        }
        *out = w;
        return 1;
    }
}

// Tab: asks the callback what to insert, or what to list below the line.
static unsigned char complete(EditLine *el, int ch) {
    (void)ch;
    strata_le *le = NULL;
    el_get(el, EL_CLIENTDATA, &le);
    if (!le || !le->complete) return CC_ERROR;
    const LineInfo *li = el_line(el);
    size_t n = (size_t)(li->cursor - li->buffer);
    char *line = malloc(n + 1);
    if (!line) return CC_ERROR;
    memcpy(line, li->buffer, n);
    line[n] = 0;
    int erase = 0;
    char *insert = NULL, *list = NULL;
    le->complete(le->context, line, &erase, &insert, &list);
    free(line);
    unsigned char result = CC_ERROR;
    if (insert) {
        if (erase > 0) el_deletestr(el, erase);
        if (el_insertstr(el, insert) == 0) result = CC_REFRESH;
        free(insert);
    }
    if (list) {
        fputs("\n", stdout);
        fputs(list, stdout);
        fputs("\n", stdout);
        fflush(stdout);
        free(list);
        result = CC_REDISPLAY;
    }
    return result;
}

strata_le *strata_le_open(const char *program, const char *history_path, int history_size,
                          strata_le_complete_fn complete_fn, void *context) {
    if (!load_libedit()) return NULL;
    strata_le *le = calloc(1, sizeof *le);
    if (!le) return NULL;
    le->el = el_init(program, stdin, stdout, stderr);
    if (!le->el) { free(le); return NULL; }
    le->hist = history_init();
    if (!le->hist) { el_end(le->el); free(le); return NULL; }
    le->complete = complete_fn;
    le->pending = -1;
    le->context = context;
    history(le->hist, &le->ev, H_SETSIZE, history_size > 0 ? history_size : 1000);
    history(le->hist, &le->ev, H_SETUNIQUE, 1);
    if (history_path) {
        le->history_path = strdup(history_path);
        history(le->hist, &le->ev, H_LOAD, history_path);
    }
    el_set(le->el, EL_CLIENTDATA, le);
    el_set(le->el, EL_EDITOR, "emacs");
    el_set(le->el, EL_PROMPT, prompt_of);
    el_set(le->el, EL_HIST, history, le->hist);
    el_set(le->el, EL_GETCFN, read_char);
    el_set(le->el, EL_ADDFN, "strata-complete", "complete a keyword, name or dot command", complete);
    el_set(le->el, EL_BIND, "^I", "strata-complete", NULL);
    // Ctrl-R searches the history backwards as the pattern is typed (as in readline)
    el_set(le->el, EL_BIND, "^R", "em-inc-search-prev", NULL);
    el_set(le->el, EL_BIND, "^S", "em-inc-search-next", NULL);
    // Ctrl-left / Ctrl-right and Alt-left / Alt-right move by words
    el_set(le->el, EL_BIND, "\033[1;5D", "ed-prev-word", NULL);
    el_set(le->el, EL_BIND, "\033[1;5C", "em-next-word", NULL);
    el_set(le->el, EL_BIND, "\033[1;3D", "ed-prev-word", NULL);
    el_set(le->el, EL_BIND, "\033[1;3C", "em-next-word", NULL);
    el_source(le->el, NULL); // ~/.editrc, as every libedit program
    return le;
}

char *strata_le_gets(strata_le *le, const char *prompt, int *status) {
    free(le->prompt);
    le->prompt = strdup(prompt ? prompt : "");
    memset(&le->mb, 0, sizeof le->mb);
    sigint_seen = 0;
    int count = 0;
    const char *line = el_gets(le->el, &count);
    if (!line || count <= 0) {
        if (sigint_seen) { sigint_seen = 0; *status = 1; }
        else *status = count < 0 ? 2 : 0;
        return NULL;
    }
    *status = 0;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, line, n);
    copy[n] = 0;
    return copy;
}

int strata_le_add_history(strata_le *le, const char *entry) {
    if (!entry || !*entry) return 0;
    history(le->hist, &le->ev, H_ENTER, entry);
    if (!le->history_path) return 0;
    errno = 0;
    if (history(le->hist, &le->ev, H_SAVE, le->history_path) < 0) return errno ? errno : EIO;
    return 0;
}

void strata_le_close(strata_le *le) {
    if (!le) return;
    el_end(le->el);
    history_end(le->hist);
    free(le->prompt);
    free(le->history_path);
    free(le);
}
