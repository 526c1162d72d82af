/* Output files (report -o, ratings export -o): whole or not at all, never a device or a
 * symlink replaced by a plain file. */
#include "test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shortlist/util.h"

static int files_in(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_whole_or_nothing(void)
{
	char *dir = test_path("whole");
	CHECK_INT(mkdir(dir, 0755), 0);
	char *path = sl_xasprintf("%s/report.md", dir);
	CHECK_INT(sl_write_file_atomic(path, "old\n", 4, NULL), 0);
	struct sl_outfile o;
	struct sl_error err = { 0 };
	CHECK_INT(sl_outfile_open(&o, path, &err), 0);
	fputs("half a repo", o.f);
	CHECK_INT(sl_outfile_close(&o, false, &err), -1); /* the writer failed */
	char *text = sl_read_file(path, NULL, NULL);
	CHECK_STR(text, "old\n");
	free(text);
	CHECK_INT(files_in(dir), 1); /* no temp file left behind */
	CHECK_INT(sl_outfile_open(&o, path, &err), 0);
	fputs("new\n", o.f);
	CHECK_INT(sl_outfile_close(&o, true, &err), 0);
	text = sl_read_file(path, NULL, NULL);
	CHECK_STR(text, "new\n");
	free(text);
	CHECK_INT(files_in(dir), 1);
	free(path);
	free(dir);
}

static void test_symlink_keeps_pointing(void)
{
	char *target = test_path("target.md"), *link = test_path("link.md");
	CHECK_INT(sl_write_file_atomic(target, "old\n", 4, NULL), 0);
	CHECK_INT(symlink(target, link), 0);
	struct sl_outfile o;
	struct sl_error err = { 0 };
	CHECK_INT(sl_outfile_open(&o, link, &err), 0);
	fputs("new\n", o.f);
	CHECK_INT(sl_outfile_close(&o, true, &err), 0);
	struct stat st;
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	char *text = sl_read_file(target, NULL, NULL);
	CHECK_STR(text, "new\n");
	free(text);
	free(target);
	free(link);
}

static void test_device_written_in_place(void)
{
	struct sl_outfile o;
	struct sl_error err = { 0 };
	CHECK_INT(sl_outfile_open(&o, "/dev/null", &err), 0);
	CHECK(o.tmp == NULL);
	fputs("discarded\n", o.f);
	CHECK_INT(sl_outfile_close(&o, true, &err), 0);
	struct stat st;
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
}

static void test_unwritable_directory(void)
{
	struct sl_outfile o;
	struct sl_error err = { 0 };
	CHECK_INT(sl_outfile_open(&o, "/nonexistent-dir/report.md", &err), -1);
	CHECK_CONTAINS(err.msg, "cannot write /nonexistent-dir/report.md");
}

TEST_MAIN_BEGIN
	RUN_TEST(test_whole_or_nothing);
	RUN_TEST(test_symlink_keeps_pointing);
	RUN_TEST(test_device_written_in_place);
	RUN_TEST(test_unwritable_directory);
TEST_MAIN_END
