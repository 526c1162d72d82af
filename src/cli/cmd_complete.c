/* shortlist __complete -- WORD...: what the shell may complete the last WORD with, one
 * candidate a line ("__files__" asks the shell for file names). The bash, zsh and fish
 * scripts in doc/completions/ only call this, so every shell completes the same way.
 *
 * Options, their values and positional arguments are read off each command's own --help
 * text (its usage lines), so completion cannot drift from the commands: a metavar says
 * what to offer (RUN: run ids; ID, M, MODEL: model keys; NAME: prompt names; NAME@V:
 * prompt versions; FILE, PATH, DIR, SUITE: file names; a|b|c: those words). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "shortlist/paths.h"

struct cands {
	const char *prefix;
	char **v;
	size_t n;
	bool files;
};

static void cand_add(struct cands *c, const char *s, size_t len)
{
	if (strlen(c->prefix) > len || strncmp(s, c->prefix, strlen(c->prefix)) != 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i]) == len && strncmp(c->v[i], s, len) == 0)
			return;
	c->v = sl_xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = sl_xstrndup(s, len);
}

/* Completion reads the store if there is one: it never creates, migrates or loads it. */
static struct sl_store *complete_store(struct cli *cli)
{
	static bool tried;
	if (!cli->store && !tried) {
		tried = true;
		char *path = cli->db_path ? sl_xstrdup(cli->db_path) : sl_paths_default_db();
		if (access(path, R_OK) == 0)
			cli->store = sl_store_open(path, SL_STORE_READONLY, NULL);
		free(path);
	}
	return cli->store;
}

static void cand_sql(struct cli *cli, struct cands *c, const char *sql)
{
	sqlite3_stmt *st = complete_store(cli) ? sl_store_prepare(cli->store, sql, NULL) : NULL;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *s = sl_col_text(st, 0);
		cand_add(c, s, strlen(s));
	}
	if (st)
		sqlite3_reset(st);
}

/* A command's --help text, captured from its own usage function. */
static char *command_help(struct cli *cli, cli_command_fn fn, const char *name)
{
	FILE *tmp = tmpfile();
	if (!tmp)
		return sl_xstrdup("");
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	char *argv[] = { (char *)name, "--help", NULL };
	fn(cli, 2, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	struct sl_buf b;
	sl_buf_init(&b);
	rewind(tmp);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, tmp)) > 0)
		sl_buf_append(&b, chunk, n);
	fclose(tmp);
	sl_buf_puts(&b, "");
	return sl_buf_steal(&b);
}

/* Offer what a metavar stands for; lowercase words (a subcommand, json|csv) are
 * themselves. */
static void cand_metavar(struct cli *cli, struct cands *c, const char *mv, size_t len)
{
	char m[64];
	size_t k = 0;
	for (size_t i = 0; i < len && k + 1 < sizeof m; i++)
		if (mv[i] != '[' && mv[i] != ']' && mv[i] != '.' && mv[i] != '"')
			m[k++] = mv[i];
	m[k] = '\0';
	if (islower((unsigned char)m[0])) {
		for (const char *p = m; *p;) {
			size_t w = strcspn(p, "|");
			cand_add(c, p, w);
			p += w + (p[w] == '|');
		}
	} else if (strncmp(m, "RUN", 3) == 0) {
		cand_sql(cli, c, "SELECT id FROM runs ORDER BY id DESC");
	} else if (strcmp(m, "ID") == 0 || strcmp(m, "M") == 0 || strncmp(m, "MODEL", 5) == 0) {
		cand_sql(cli, c, "SELECT DISTINCT requested FROM run_models ORDER BY requested");
		cand_sql(cli, c, "SELECT key FROM models ORDER BY key");
	} else if (strncmp(m, "NAME@", 5) == 0) {
		cand_sql(cli, c, "SELECT name || '@' || version FROM prompt_versions"
				 " ORDER BY name, version");
	} else if (strncmp(m, "NAME", 4) == 0) {
		cand_sql(cli, c, "SELECT name FROM prompts ORDER BY name");
	} else if (strncmp(m, "FILE", 4) == 0 || strcmp(m, "PATH") == 0 || strcmp(m, "DIR") == 0 ||
		   strcmp(m, "SUITE") == 0 || strncmp(m, "CONFIG", 6) == 0) {
		c->files = true;
	}
}

/* The usage lines ("usage: shortlist CMD ..." and the "       shortlist CMD ..." after
 * it) as words; calls fn for each line with its words after "shortlist CMD". */
typedef void (*usage_fn)(void *ud, char **w, size_t n);
static void usage_lines(const char *help, const char *cmd, usage_fn fn, void *ud)
{
	size_t cl = strlen(cmd);
	for (const char *line = help; *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *p = line;
		while (p < line + len && *p == ' ')
			p++;
		if (strncmp(p, "usage: ", 7) == 0)
			p += 7;
		if (strncmp(p, "shortlist ", 10) == 0 && strncmp(p + 10, cmd, cl) == 0 &&
		    (p[10 + cl] == ' ' || p + 10 + cl == line + len)) {
			char *w[32];
			size_t n = 0;
			const char *q = p + 10 + cl;
			while (q < line + len && n < SL_ARRAY_LEN(w)) {
				while (q < line + len && *q == ' ')
					q++;
				size_t wl = 0;
				while (q + wl < line + len && q[wl] != ' ')
					wl++;
				if (wl)
					w[n++] = sl_xstrndup(q, wl);
				q += wl;
			}
			fn(ud, w, n);
			for (size_t i = 0; i < n; i++)
				free(w[i]);
		}
		line += len + (eol != NULL);
	}
}

/* The metavar written after an option in the help text ("--format json|csv": "json|csv"),
 * NULL for a flag. */
static const char *option_metavar(const char *help, const char *opt, size_t *len)
{
	size_t ol = strlen(opt);
	for (const char *p = help; (p = strstr(p, opt)) != NULL; p += ol) {
		bool start = p == help || p[-1] == ' ' || p[-1] == '[' || p[-1] == '\n';
		if (!start || p[ol] != ' ')
			continue;
		const char *v = p + ol + 1;
		*len = strcspn(v, " ]\n");
		if (*len && (isupper((unsigned char)v[0]) || v[0] == '$' || v[0] == '[' ||
			     (islower((unsigned char)v[0]) && memchr(v, '|', *len))))
			return v;
	}
	return NULL;
}

struct pos_ctx {
	struct cli *cli;
	struct cands *c;
	char **args;   /* the positional words typed after the command */
	size_t n_args; /* the one being completed is args[n_args] */
};

static bool is_positional(const char *w)
{
	return w[0] != '-' && strncmp(w, "[-", 2) != 0 && strcmp(w, "[options]") != 0;
}

/* One usage line: if the words typed so far match its literal words, offer its next. */
static void pos_line(void *ud, char **w, size_t n)
{
	struct pos_ctx *x = ud;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_positional(w[i])) {
			/* "-o FILE", "[--format json|csv]": the value is not a positional */
			if (!strchr(w[i], ']') && i + 1 < n && is_positional(w[i + 1]))
				i++;
			continue;
		}
		bool repeat = sl_str_ends_with(w[i], "...");
		if (k == x->n_args) {
			cand_metavar(x->cli, x->c, w[i], strlen(w[i]));
			return;
		}
		/* a literal word that differs: another subcommand's line */
		if (islower((unsigned char)w[i][0]) && !strchr(w[i], '|') &&
		    strcmp(w[i], x->args[k]) != 0)
			return;
		k = repeat ? x->n_args : k + 1;
	}
}

static void options_of(struct cands *c, const char *help)
{
	for (const char *p = help; *p; p++) {
		bool start = p == help || p[-1] == ' ' || p[-1] == '[' || p[-1] == '\n' ||
			     p[-1] == ',' || p[-1] == '(' || p[-1] == '\'';
		if (!start || p[0] != '-' || !(isalpha((unsigned char)p[1]) || p[1] == '-'))
			continue;
		size_t n = 1;
		while (isalnum((unsigned char)p[n]) || p[n] == '-')
			n++;
		if (p[n - 1] != '-' && (p[1] == '-' ? n > 3 : n == 2))
			cand_add(c, p, n);
	}
}

static void complete_command(struct cli *cli, const struct cli_command_info *cmd, char **w,
			     int n, struct cands *c)
{
	char *help = command_help(cli, cmd->fn, cmd->name);
	const char *cur = w[n - 1];
	size_t mvl;
	const char *mv = n >= 3 ? option_metavar(help, w[n - 2], &mvl) : NULL;
	if (mv && w[n - 2][0] == '-') {
		cand_metavar(cli, c, mv, mvl);
	} else if (cur[0] == '-') {
		options_of(c, help);
	} else {
		/* the positionals typed so far: not options, not their values */
		struct pos_ctx x = { cli, c, sl_xcalloc((size_t)n, sizeof(char *)), 0 };
		for (int j = 1; j < n - 1; j++) {
			if (w[j][0] != '-')
				x.args[x.n_args++] = w[j];
			else if (option_metavar(help, w[j], &mvl))
				j++;
		}
		usage_lines(help, cmd->name, pos_line, &x);
		free(x.args);
	}
	free(help);
}

int cli_complete(struct cli *cli, const struct cli_command_info *cmds, int argc, char **argv)
{
	/* argv: "__complete" "--" WORD... (the last is the one being completed, maybe "") */
	int i = 1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	char **w = argv + i;
	int n = argc - i;
	char *empty[] = { "" };
	if (n == 0) {
		w = empty;
		n = 1;
	}
	const char *cur = w[n - 1];
	struct cands c = { .prefix = cur };
	int k = 0;
	while (k < n - 1 && w[k][0] == '-') { /* global options */
		if (strcmp(w[k], "--db") == 0 && k + 1 < n - 1)
			cli->db_path = w[++k];
		else if (strncmp(w[k], "--db=", 5) == 0)
			cli->db_path = w[k] + 5;
		k++;
	}
	if (k == n - 1) {
		if (k > 0 && strcmp(w[k - 1], "--db") == 0)
			c.files = true;
		else if (cur[0] == '-')
			options_of(&c, "--db --version --help");
		else
			for (const struct cli_command_info *m = cmds; m->name; m++)
				cand_add(&c, m->name, strlen(m->name));
	} else {
		const struct cli_command_info *cmd = cmds;
		while (cmd->name && strcmp(cmd->name, w[k]) != 0)
			cmd++;
		if (cmd->name)
			complete_command(cli, cmd, w + k, n - k, &c);
	}
	for (size_t j = 0; j < c.n; j++) {
		puts(c.v[j]);
		free(c.v[j]);
	}
	free(c.v);
	if (c.files)
		puts("__files__");
	return 0;
}
