// GNU readline for Swift: the headers (readline.h needs stdio.h first) and a few setters, since
// Swift 6 treats readline's global variables as unsafe shared state.
#ifndef CREADLINE_SHIM_H
#define CREADLINE_SHIM_H

#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

/// The shell handles SIGINT, SIGTERM and SIGHUP itself; readline keeps SIGWINCH.
static inline void creadline_configure(const char *name, rl_completion_func_t *completer) {
    rl_readline_name = name;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 1;
    rl_attempted_completion_function = completer;
}

/// Inside a completion function: do not fall back to file names.
static inline void creadline_completion_over(void) { rl_attempted_completion_over = 1; }

/// The whole line being edited (for completion in context).
static inline const char *creadline_line_buffer(void) { return rl_line_buffer; }

/// Abandons the line being edited (Ctrl-C at the prompt) and shows a fresh prompt.
static inline void creadline_abandon_line(void) {
    rl_callback_sigcleanup();
    rl_free_line_state();
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

/// Prints text above the line being edited, then redraws the prompt and the line.
static inline void creadline_print_above(const char *text) {
    rl_clear_visible_line();
    fputs(text, stdout);
    fflush(stdout);
    rl_on_new_line();
    rl_redisplay();
}

#endif
