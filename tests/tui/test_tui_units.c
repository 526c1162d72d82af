/* The TUI's pure parts: cell grid, glyph twins, theme files and fallbacks, the action
 * table (and the docs generated from it), key names. No terminal needed. */
#include <locale.h>
#include <string.h>

#include "test.h"
#include "shortlist/util.h"
#include "../../src/tui/action.h"
#include "../../src/tui/filters.h"
#include "../../src/tui/models.h"
#include "../../src/tui/glyph.h"
#include "../../src/tui/grid.h"
#include "../../src/tui/key.h"
#include "../../src/tui/theme.h"
#include "../../src/tui/wrap.h"

static char *dump(struct tui_grid *g)
{
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(g, &b);
	return sl_buf_steal(&b);
}

static void test_grid_text_and_clipping(void)
{
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 10, 2);
	CHECK_INT(tui_grid_put(&g, 1, 0, 20, TUI_ROLE_DEFAULT, 0, "hello world"), 9);
	CHECK_INT(tui_grid_put(&g, 0, 1, 3, TUI_ROLE_DEFAULT, 0, "abcdef"), 3);
	char *d = dump(&g);
	CHECK_STR(d, " hello wor\nabc\n");
	free(d);
	tui_grid_free(&g);
}

/* A stream's column shows its newest lines: the same as skipping all but the last h lines,
 * in one pass; text shorter than the rectangle starts at its top. */
static void test_wrap_tail(void)
{
	static const char *const texts[] = { "one two three four five six seven eight nine ten",
					     "short", "a\nb\nc\nd\ne\nf", "" };
	for (size_t i = 0; i < SL_ARRAY_LEN(texts); i++) {
		struct tui_grid a, b;
		tui_grid_init(&a);
		tui_grid_init(&b);
		tui_grid_resize(&a, 10, 3);
		tui_grid_resize(&b, 10, 3);
		struct tui_rect r = { 1, 0, 8, 3 };
		int lines = tui_wrap_draw(&a, r, TUI_ROLE_DEFAULT, 0, texts[i], 1 << 30);
		tui_wrap_draw(&a, r, TUI_ROLE_DEFAULT, 0, texts[i], lines > 3 ? lines - 3 : 0);
		CHECK_INT(tui_wrap_draw_tail(&b, r, TUI_ROLE_DEFAULT, 0, texts[i]), lines);
		char *da = dump(&a), *db = dump(&b);
		CHECK_STR(db, da);
		free(da);
		free(db);
		tui_grid_free(&a);
		tui_grid_free(&b);
	}
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 10, 3);
	tui_wrap_draw_tail(&g, (struct tui_rect){ 0, 0, 10, 3 }, TUI_ROLE_DEFAULT, 0,
			   "one two three four five six seven eight nine ten");
	char *d = dump(&g);
	CHECK_STR(d, "seven\neight nine\nten\n");
	free(d);
	tui_grid_free(&g);
}

static void test_grid_wide_chars(void)
{
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 6, 1);
	/* Two CJK characters take four columns; a third does not fit in the last two? It
	 * does: 6 columns hold exactly three. */
	CHECK_INT(tui_grid_put(&g, 0, 0, 6, TUI_ROLE_DEFAULT, 0, "日本語"), 6);
	CHECK_INT(tui_grid_at(&g, 0, 0)->width, 2);
	CHECK_INT(tui_grid_at(&g, 1, 0)->width, 0);
	/* Overwriting the right half of a wide character blanks its left half. */
	tui_grid_put(&g, 3, 0, 1, TUI_ROLE_DEFAULT, 0, "x");
	char *d = dump(&g);
	CHECK_STR(d, "日 x語\n");
	free(d);
	/* A wide character never straddles the clip edge. */
	tui_grid_clear(&g, TUI_ROLE_DEFAULT);
	CHECK_INT(tui_grid_put(&g, 0, 0, 3, TUI_ROLE_DEFAULT, 0, "日本"), 2);
	tui_grid_free(&g);
}

static void test_grid_field_ellipsis(void)
{
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 12, 1);
	tui_grid_put_field(&g, 0, 0, 6, TUI_ROLE_DEFAULT, 0, "abcdefgh", false);
	tui_grid_put_field(&g, 6, 0, 6, TUI_ROLE_DEFAULT, 0, "42", true);
	char *d = dump(&g);
	CHECK_STR(d, "abcde…    42\n");
	free(d);
	tui_glyph_set_ascii(true);
	tui_grid_put_field(&g, 0, 0, 6, TUI_ROLE_DEFAULT, 0, "abcdefgh", false);
	tui_grid_put(&g, 6, 0, 6, TUI_ROLE_DEFAULT, 0, "né");
	d = dump(&g);
	CHECK_STR(d, "abcde~n?  42\n");
	free(d);
	tui_glyph_set_ascii(false);
	tui_grid_free(&g);
}

/* Untrusted text through the one UTF-8 module: escape sequences, tabs and bad bytes are
 * shown (never obeyed, never fatal) and measured as drawn. */
static void test_grid_untrusted_text(void)
{
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 12, 1);
	const char *t = "a\x1b[2J\tb\xff\xc3";
	CHECK_INT(tui_text_width(t), 9);
	CHECK_INT(tui_grid_put(&g, 0, 0, 12, TUI_ROLE_DEFAULT, 0, t), 9);
	char *d = dump(&g);
	CHECK_STR(d, "a\xe2\x90\x9b[2J\xe2\x90\x89" "b\xef\xbf\xbd\xef\xbf\xbd\n");
	free(d);
	CHECK_INT(tui_text_fit(t, 3), 3);
	tui_glyph_set_ascii(true);
	tui_grid_clear(&g, TUI_ROLE_DEFAULT);
	CHECK_INT(tui_grid_put(&g, 0, 0, 12, TUI_ROLE_DEFAULT, 0, t), 9);
	d = dump(&g);
	CHECK_STR(d, "a?[2J?b??\n");
	free(d);
	tui_glyph_set_ascii(false);
	tui_grid_free(&g);
}

static void test_glyph_twins(void)
{
	for (int i = 0; i < TUI_GLYPH_COUNT; i++) {
		const char *a = tui_glyph_ascii((enum tui_glyph_id)i);
		CHECK_INT(strlen(a), 1);
		CHECK(a[0] > 0x20 && a[0] < 0x7f);
		CHECK_INT(tui_text_width(tui_glyph_utf8((enum tui_glyph_id)i)), 1);
	}
}

static void test_shipped_themes_parse(void)
{
	const char *names[] = { "default", "light", "high-contrast", "mono" };
	for (size_t i = 0; i < SL_ARRAY_LEN(names); i++) {
		struct tui_theme t;
		struct sl_error err = { 0 };
		CHECK_INT(tui_theme_load(&t, names[i], &err), 0);
		if (err.msg[0])
			fprintf(stderr, "%s: %s\n", names[i], err.msg);
		CHECK_STR(t.name, names[i]);
		tui_theme_free(&t);
	}
	struct tui_theme t;
	struct sl_error err = { 0 };
	CHECK_INT(tui_theme_load(&t, "no-such-theme", &err), -1);
	CHECK_CONTAINS(err.msg, "no theme 'no-such-theme'");
	CHECK_INT(err.code, SL_EXIT_USAGE);
}

static void test_theme_fallbacks(void)
{
	struct tui_theme t = { 0 };
	struct sl_error err = { 0 };
	CHECK_INT(tui_theme_parse(&t, "cursor = 208/11/yellow on 24 bold underline\n"
				      "# comment\n\nstatus = red\n",
				  "x.theme", &err),
		  0);
	int fg, bg, attrs;
	tui_theme_resolve(&t, TUI_ROLE_CURSOR, 256, &fg, &bg, &attrs);
	CHECK_INT(fg, 208);
	CHECK_INT(bg, 24);
	CHECK_INT(attrs, TUI_A_BOLD | TUI_A_UNDERLINE);
	tui_theme_resolve(&t, TUI_ROLE_CURSOR, 16, &fg, &bg, &attrs);
	CHECK_INT(fg, 11);
	CHECK(bg >= 0 && bg < 16); /* 24 mapped to the nearest of 16 */
	tui_theme_resolve(&t, TUI_ROLE_CURSOR, 8, &fg, &bg, &attrs);
	CHECK_INT(fg, 3);
	CHECK(bg >= 0 && bg < 8);
	/* No colours at all: attributes only. */
	tui_theme_resolve(&t, TUI_ROLE_CURSOR, 0, &fg, &bg, &attrs);
	CHECK_INT(fg, TUI_COLOR_DEFAULT);
	CHECK_INT(attrs, TUI_A_BOLD | TUI_A_UNDERLINE);
	/* Unset roles inherit default; status has no background: default's. */
	tui_theme_resolve(&t, TUI_ROLE_STATUS, 256, &fg, &bg, &attrs);
	CHECK_INT(fg, 1);
	CHECK_INT(bg, TUI_COLOR_DEFAULT);
	tui_theme_free(&t);
	CHECK_INT(tui_color_downgrade(196, 8), 1);   /* bright red -> red */
	CHECK_INT(tui_color_downgrade(231, 16), 15); /* white */
	CHECK_INT(tui_color_downgrade(16, 8), 0);    /* black */
}

static void test_theme_errors(void)
{
	struct tui_theme t = { 0 };
	struct sl_error err = { 0 };
	CHECK_INT(tui_theme_parse(&t, "default = default\ncursour = red\n", "bad.theme", &err), -1);
	CHECK_CONTAINS(err.msg, "bad.theme:2: unknown role 'cursour'");
	CHECK_CONTAINS(err.msg, "cursor");
	tui_theme_free(&t);
	memset(&t, 0, sizeof t);
	CHECK_INT(tui_theme_parse(&t, "title = purple\n", "bad.theme", &err), -1);
	CHECK_CONTAINS(err.msg, "bad.theme:1: bad value 'purple'");
	tui_theme_free(&t);
	memset(&t, 0, sizeof t);
	CHECK_INT(tui_theme_parse(&t, "title = 300\n", "bad.theme", &err), -1);
	tui_theme_free(&t);
	memset(&t, 0, sizeof t);
	CHECK_INT(tui_theme_parse(&t, "title red\n", "bad.theme", &err), -1);
	CHECK_CONTAINS(err.msg, "expected ROLE = STYLE");
	tui_theme_free(&t);
	memset(&t, 0, sizeof t);
	CHECK_INT(tui_theme_parse(&t, "title = red\nname = caf\xe9\n", "bad.theme", &err), -1);
	CHECK_CONTAINS(err.msg, "bad.theme:2:11: not valid UTF-8 (byte 0xe9)");
	tui_theme_free(&t);
	tui_theme_mono(&t);
	int fg, bg, attrs;
	tui_theme_resolve(&t, TUI_ROLE_CURSOR, 256, &fg, &bg, &attrs);
	CHECK_INT(fg, TUI_COLOR_DEFAULT);
	CHECK_INT(attrs, TUI_A_REVERSE);
	tui_theme_free(&t);
}

static void test_action_table(void)
{
	for (int a = 1; a < TUI_ACT_COUNT; a++) {
		const struct tui_action_info *info = tui_action_info((enum tui_action)a);
		CHECK(info->keys[0] != 0);
		CHECK(info->help[0] != '\0');
		/* Every key reaches its own action: no binding is shadowed in its context. */
		for (int k = 0; k < 4 && info->keys[k]; k++) {
			enum tui_action got = tui_action_for_key(info->context, info->keys[k]);
			if (got != (enum tui_action)a)
				fprintf(stderr, "key %d of %s is taken by %s\n", info->keys[k],
					info->name, tui_action_info(got)->name);
			CHECK_INT(got, a);
		}
	}
	CHECK_INT(tui_action_for_key(TUI_CTX_MODELS, 'q'), TUI_ACT_BACK);
	CHECK_INT(tui_action_for_key(TUI_CTX_MODELS, '3'), TUI_ACT_SCREEN_3);
	CHECK_INT(tui_action_for_key(TUI_CTX_COMMAND, '3'), TUI_ACT_NONE); /* typing */
	CHECK_INT(tui_action_for_key(TUI_CTX_SEARCH, 'q'), TUI_ACT_NONE); /* typing */
	CHECK_INT(tui_action_for_key(TUI_CTX_FILTER, 'q'), TUI_ACT_FILTER_CLOSE);
	char label[64];
	tui_action_keys_label(TUI_ACT_MOVE_DOWN, label, sizeof label);
	CHECK_STR(label, "j, Down");
	tui_action_keys_label(TUI_ACT_TOGGLE_SHORTLIST, label, sizeof label);
	CHECK_STR(label, "Space");
}

/* The man page and README key lists are generated from the action table; this fails when
 * the table changed and the docs were not regenerated. SHORTLIST_UPDATE_GOLDEN=1 rewrites
 * the blocks between the markers instead. */
static void check_block(const char *file, const char *begin, const char *end,
			const char *generated)
{
	char *path = test_source_path(file);
	struct sl_error err = { 0 };
	size_t len;
	char *text = sl_read_file(path, &len, &err);
	CHECK(text != NULL);
	if (!text) {
		free(path);
		return;
	}
	char *b = strstr(text, begin);
	char *e = b ? strstr(b, end) : NULL;
	CHECK(b && e);
	const char *u = getenv("SHORTLIST_UPDATE_GOLDEN");
	if (b && e) {
		b += strlen(begin);
		if (u && *u && strcmp(u, "0") != 0) {
			struct sl_buf out;
			sl_buf_init(&out);
			sl_buf_append(&out, text, (size_t)(b - text));
			sl_buf_puts(&out, generated);
			sl_buf_puts(&out, e);
			CHECK_INT(sl_write_file_atomic(path, out.data, out.len, &err), 0);
			fprintf(stderr, "updated the key list in %s\n", file);
			sl_buf_free(&out);
		} else {
			*e = '\0';
			if (strcmp(b, generated) != 0) {
				fprintf(stderr, "%s: the key list differs from the action table; "
						"regenerate it with SHORTLIST_UPDATE_GOLDEN=1 meson test "
						"-C build test_tui_units\n",
					file);
				test_failures++;
			}
		}
	}
	free(text);
	free(path);
}

static void test_docs_match_action_table(void)
{
	struct sl_buf b;
	sl_buf_init(&b);
	tui_actions_man(&b);
	check_block("doc/shortlist.1", ".\\\" BEGIN KEYS (generated: shortlist tui --keys man)\n",
		    ".\\\" END KEYS", b.data);
	sl_buf_reset(&b);
	tui_actions_markdown(&b);
	check_block("README.md", "<!-- BEGIN KEYS (generated: shortlist tui --keys markdown) -->\n",
		    "<!-- END KEYS -->", b.data);
	sl_buf_free(&b);
}

static void test_key_parse(void)
{
	const char *p = "a<Down><C-l><Resize 80x24><Click 3 4><WheelDown 1 2><lt>é";
	struct tui_event ev;
	char msg[512];
	int want[] = { 'a', TK_DOWN, 12, TK_RESIZE, TK_MOUSE, TK_MOUSE, '<', 0xe9 };
	for (size_t i = 0; i < SL_ARRAY_LEN(want); i++) {
		CHECK_INT(tui_key_parse(&p, &ev, msg, sizeof msg), 0);
		CHECK_INT(ev.key, want[i]);
		if (ev.key == TK_RESIZE) {
			CHECK_INT(ev.cols, 80);
			CHECK_INT(ev.lines, 24);
		}
		if (i == 4) {
			CHECK_INT(ev.mouse, TUI_MOUSE_CLICK);
			CHECK_INT(ev.mx, 3);
			CHECK_INT(ev.my, 4);
		}
	}
	CHECK_INT(*p, 0);
	p = "<Dwon>";
	CHECK_INT(tui_key_parse(&p, &ev, msg, sizeof msg), -1);
	CHECK_CONTAINS(msg, "unknown key <Dwon>");
	CHECK_CONTAINS(msg, "<Down>");
	p = "<Down";
	CHECK_INT(tui_key_parse(&p, &ev, msg, sizeof msg), -1);
	CHECK_CONTAINS(msg, "unterminated");
	char name[32];
	tui_key_name(TK_CTRL('l'), name, sizeof name);
	CHECK_STR(name, "C-l");
}

static void test_number_formats(void)
{
	char b[32];
	CHECK_STR(tui_fmt_tokens(128000, b, sizeof b), "128K");
	CHECK_STR(tui_fmt_tokens(131072, b, sizeof b), "128K");
	CHECK_STR(tui_fmt_tokens(32768, b, sizeof b), "32K");
	CHECK_STR(tui_fmt_tokens(1000000, b, sizeof b), "1M");
	CHECK_STR(tui_fmt_tokens(1048576, b, sizeof b), "1M");
	CHECK_STR(tui_fmt_tokens(1050000, b, sizeof b), "1.05M");
	CHECK_STR(tui_fmt_tokens(512, b, sizeof b), "512");
	/* Unknown is never shown as 0. */
	CHECK(tui_fmt_tokens(-1, b, sizeof b) == NULL);
	CHECK(tui_fmt_tokens(0, b, sizeof b) == NULL);
	CHECK(tui_fmt_price(NAN, b, sizeof b) == NULL);
	CHECK_STR(tui_fmt_price(0, b, sizeof b), "0.00");
	CHECK_STR(tui_fmt_price(0.045, b, sizeof b), "0.045");
	CHECK_STR(tui_fmt_price(2.5, b, sizeof b), "2.50");
	CHECK_STR(tui_fmt_price(150, b, sizeof b), "150");
	CHECK(tui_fmt_score(NAN, b, sizeof b) == NULL);
	CHECK_STR(tui_fmt_score(49.4, b, sizeof b), "49.4");
}

/* The filter panel's criteria are --filter expressions: the catalogue's parser must
 * accept every preset, and a bad typed value names the criterion. */
static void test_filter_criteria(void)
{
	struct tui_filters f;
	memset(&f, 0, sizeof f);
	for (int i = 0; i < TUI_CRIT_COUNT; i++) {
		const struct tui_criterion_info *c = tui_criterion((enum tui_criterion_id)i);
		for (size_t p = 0; c->presets[p]; p++) {
			tui_filters_cycle(&f, (enum tui_criterion_id)i, 1);
			CHECK_STR(f.value[i], c->presets[p]);
			struct sl_filter_set *set = NULL;
			struct sl_error err = { 0 };
			int rc = tui_filters_build(&f, &set, &err);
			if (rc != 0)
				fprintf(stderr, "preset %s%s: %s\n", c->prefix, c->presets[p], err.msg);
			CHECK_INT(rc, 0);
			sl_filter_set_free(set);
		}
		tui_filters_cycle(&f, (enum tui_criterion_id)i, 1); /* wraps to any */
		CHECK_STR(f.value[i], "");
		tui_filters_cycle(&f, (enum tui_criterion_id)i, -1); /* backwards: the last */
		CHECK(f.value[i][0] != '\0');
		f.value[i][0] = '\0';
	}
	snprintf(f.value[TUI_CRIT_OPEN_WEIGHTS], sizeof f.value[0], "true");
	snprintf(f.value[TUI_CRIT_CONTEXT], sizeof f.value[0], "lots");
	struct sl_filter_set *set = NULL;
	struct sl_error err = { 0 };
	CHECK_INT(tui_filters_build(&f, &set, &err), -1);
	CHECK_CONTAINS(err.msg, "Context >=");
	CHECK(set != NULL); /* the other criteria still apply */
	sl_filter_set_free(set);
	struct sl_buf b;
	sl_buf_init(&b);
	tui_filters_describe(&f, &b);
	CHECK_STR(b.data, "open_weights=true context>=lots");
	CHECK_INT(tui_filters_active(&f), 2);
	sl_buf_free(&b);
}

TEST_MAIN_BEGIN
	setlocale(LC_ALL, "");
	RUN_TEST(test_grid_text_and_clipping);
	RUN_TEST(test_grid_wide_chars);
	RUN_TEST(test_wrap_tail);
	RUN_TEST(test_grid_field_ellipsis);
	RUN_TEST(test_grid_untrusted_text);
	RUN_TEST(test_glyph_twins);
	RUN_TEST(test_shipped_themes_parse);
	RUN_TEST(test_theme_fallbacks);
	RUN_TEST(test_theme_errors);
	RUN_TEST(test_action_table);
	RUN_TEST(test_docs_match_action_table);
	RUN_TEST(test_key_parse);
	RUN_TEST(test_number_formats);
	RUN_TEST(test_filter_criteria);
TEST_MAIN_END
