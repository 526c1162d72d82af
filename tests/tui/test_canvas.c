/* The braille canvas and plots: dot bits, the ASCII twin, lines without gaps, log and
 * linear axes with their ticks. */
#include <locale.h>
#include <string.h>

#include "test.h"
#include "shortlist/util.h"
#include "../../src/tui/canvas.h"
#include "../../src/tui/glyph.h"

static char *dump(struct tui_grid *g)
{
	struct sl_buf b;
	sl_buf_init(&b);
	tui_grid_dump(g, &b);
	return sl_buf_steal(&b);
}

static void test_braille_bits(void)
{
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 4, 1);
	struct tui_canvas c;
	tui_canvas_init(&c, (struct tui_rect){ 1, 0, 2, 1 });
	CHECK_INT(c.w, 4);
	CHECK_INT(c.h, 4);
	/* Left column top to bottom: dots 1, 2, 3, 7 = 0x01 0x02 0x04 0x40. */
	for (int y = 0; y < 4; y++)
		tui_canvas_dot(&c, 0, y, TUI_ROLE_DEFAULT, 'a');
	/* Second cell: right column's bottom dot (dot 8, 0x80) only. */
	tui_canvas_dot(&c, 3, 3, TUI_ROLE_DEFAULT, 'b');
	tui_canvas_dot(&c, 9, 9, TUI_ROLE_DEFAULT, 'z'); /* outside: ignored */
	tui_canvas_blit(&c, &g);
	char *s = dump(&g);
	CHECK_STR(s, " \u2847\u2880\n");
	free(s);
	tui_glyph_set_ascii(true);
	tui_grid_clear(&g, TUI_ROLE_DEFAULT);
	tui_canvas_blit(&c, &g);
	s = dump(&g);
	CHECK_STR(s, " ab\n");
	free(s);
	tui_glyph_set_ascii(false);
	tui_canvas_free(&c);
	tui_grid_free(&g);
}

static void test_line_has_no_gaps(void)
{
	struct tui_canvas c;
	tui_canvas_init(&c, (struct tui_rect){ 0, 0, 10, 5 });
	tui_canvas_line(&c, 0, 19, 19, 0, TUI_ROLE_DEFAULT, '*');
	/* A diagonal through 20x20 dots: one dot per row and per column. */
	int dots = 0;
	for (size_t i = 0; i < 50; i++)
		dots += __builtin_popcount(c.bits[i]);
	CHECK_INT(dots, 20);
	CHECK(c.bits[0 * 10 + 9] != 0); /* top right cell */
	CHECK(c.bits[4 * 10 + 0] != 0); /* bottom left cell */
	tui_canvas_free(&c);
}

static void fmt_num(double v, char *out, size_t n)
{
	snprintf(out, n, "%g", v);
}

static void test_plot_axes(void)
{
	struct tui_grid g;
	tui_grid_init(&g);
	tui_grid_resize(&g, 40, 12);
	struct tui_plot p;
	tui_plot_init(&p, (struct tui_rect){ 0, 0, 40, 12 }, 0.01, 10, true, 0, 1);
	int dx, dy;
	/* Three decades over the canvas: 0.1 is a third of the way, 1 two thirds. */
	CHECK(tui_plot_dot(&p, 0.01, 0, &dx, &dy));
	CHECK_INT(dx, 0);
	CHECK_INT(dy, p.cv.h - 1);
	CHECK(tui_plot_dot(&p, 1, 1, &dx, &dy));
	CHECK_INT(dx, (int)lround(2.0 / 3 * (p.cv.w - 1)));
	CHECK_INT(dy, 0);
	CHECK(!tui_plot_dot(&p, 0, 0.5, &dx, &dy)); /* zero has no place on a log axis */
	CHECK(!tui_plot_dot(&p, 20, 0.5, &dx, &dy));
	tui_plot_draw(&p, &g, "cost", "quality", fmt_num, fmt_num);
	char *s = dump(&g);
	CHECK_CONTAINS(s, "quality");
	CHECK_CONTAINS(s, "0.01");
	CHECK_CONTAINS(s, "0.1");
	CHECK_CONTAINS(s, "10");
	CHECK_CONTAINS(s, "cost");
	CHECK_CONTAINS(s, "0.5 \u2524");
	free(s);
	tui_plot_free(&p);
	tui_grid_free(&g);
	CHECK_NEAR(tui_nice_step(0, 1, 4), 0.2, 1e-12);
	CHECK_NEAR(tui_nice_step(0, 1, 2), 0.5, 1e-12);
	CHECK_NEAR(tui_nice_step(0, 30, 3), 10, 1e-12);
}

TEST_MAIN_BEGIN
	setlocale(LC_ALL, "C.UTF-8");
	RUN_TEST(test_braille_bits);
	RUN_TEST(test_line_has_no_gaps);
	RUN_TEST(test_plot_axes);
TEST_MAIN_END
