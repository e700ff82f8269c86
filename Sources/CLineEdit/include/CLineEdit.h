#ifndef STRATA_CLINEEDIT_H
#define STRATA_CLINEEDIT_H

// The interactive shell's line editor: libedit (Debian libedit-dev, BSD licence) behind a
// small C interface, with history kept in a file, Ctrl-R incremental search, Tab completion
// through a callback, and Ctrl-C at the prompt ending the line being edited (the caller
// prints a new prompt). Also the SIGINT handler the shell installs: it sets a flag and calls
// a callback (the running statement's interrupt).

#ifdef __cplusplus
extern "C" {
#endif

/// Tab completion: `line` is the edited line up to the cursor (UTF-8). Sets `*erase` to the
/// number of characters before the cursor to replace, `*insert` to text to insert there
/// (malloc'ed, or NULL), `*list` to candidates to print below the line (malloc'ed, or NULL).
typedef void (*strata_le_complete_fn)(void *context, const char *line, int *erase, char **insert, char **list);

typedef struct strata_le strata_le;

/// Opens the editor on the terminal (stdin/stdout); `history_path` may be NULL (no file).
/// Reads ~/.editrc as libedit does. NULL when the terminal cannot be set up.
strata_le *strata_le_open(const char *program, const char *history_path, int history_size,
                          strata_le_complete_fn complete, void *context);

/// Reads one line after `prompt`. Returns it without the newline (malloc'ed); NULL at end of
/// input (`*status` = 0), after Ctrl-C (`*status` = 1) or on a read error (`*status` = 2).
char *strata_le_gets(strata_le *le, const char *prompt, int *status);

/// Adds `entry` to the history and rewrites the history file. 0, or errno of the failed write.
int strata_le_add_history(strata_le *le, const char *entry);

/// Restores the terminal and frees the editor.
void strata_le_close(strata_le *le);

/// Installs the shell's SIGINT handler (no SA_RESTART, so a read at the prompt returns EINTR):
/// it records the signal and calls `on_interrupt` (may be NULL).
void strata_sigint_install(void (*on_interrupt)(void));

/// Puts back the SIGINT action that was in place before `strata_sigint_install`.
void strata_sigint_restore(void);

/// Whether SIGINT arrived since the last call (and clears it).
int strata_sigint_take(void);

#ifdef __cplusplus
}
#endif

#endif
