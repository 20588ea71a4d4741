/* A temporary directory per test case (a Check fixture) and named files in
 * it, removed afterwards. Each test program includes this once. */
#ifndef SOTTO_TESTS_TMPDIR_H
#define SOTTO_TESTS_TMPDIR_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TMP_MAX_FILES 8

static char tmp_dir[256];
static char tmp_files[TMP_MAX_FILES][320];
static int tmp_count;

/* prefix names the directory, e.g. "sotto-wav" (mkdtemp adds the rest). */
static void make_tmp_dir_named(const char *prefix)
{
    const char *base = getenv("TMPDIR");

    snprintf(tmp_dir, sizeof(tmp_dir), "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
    tmp_count = 0;
}

static void remove_tmp_dir(void)
{
    for (int i = 0; i < tmp_count; i++)
        unlink(tmp_files[i]);
    rmdir(tmp_dir);
}

static const char *tmp_path(const char *name)
{
    ck_assert_int_lt(tmp_count, TMP_MAX_FILES);
    snprintf(tmp_files[tmp_count], sizeof(tmp_files[0]), "%s/%s", tmp_dir, name);
    return tmp_files[tmp_count++];
}

#endif
