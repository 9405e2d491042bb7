/*
 * golden_check.h: comparison of generated source with a golden file, shared by
 * tests/gen and tests/kernels.
 *
 * A golden file shows what a variant looks like; it proves nothing about what
 * it computes (execution tests do that). Goldens are rewritten only by
 * scripts/bless-goldens.sh, which runs the tests with KILN_BLESS_DIR set: each
 * test then writes what it generates into that folder instead of comparing, and
 * the script shows the diff against the committed files before replacing them.
 */
#ifndef KILN_TEST_GOLDEN_CHECK_H
#define KILN_TEST_GOLDEN_CHECK_H

#include "check.h"
#include "files.h"

/* Compares `text` with golden_dir/file, or writes it to $KILN_BLESS_DIR/file when blessing. */
static inline void golden_check(const char *golden_dir, const char *file, const char *text)
{
    char path[1024];
    const char *bless_dir = getenv("KILN_BLESS_DIR");
    const char *old_bless = getenv("KILN_BLESS");
    CHECK_MSG(!old_bless || !*old_bless, "KILN_BLESS is not read any more: scripts/bless-goldens.sh rewrites goldens "
              "and shows the diff");
    if (bless_dir && *bless_dir) {
        snprintf(path, sizeof path, "%s/%s", bless_dir, file);
        CHECK_MSG(write_file(path, text) == 0, "cannot write %s", path);
        return;
    }
    snprintf(path, sizeof path, "%s/%s", golden_dir, file);
    char *golden = read_file(path);
    CHECK_MSG(golden != NULL, "missing golden file %s (scripts/bless-goldens.sh writes it)", path);
    if (golden && strcmp(golden, text) != 0) {
        char out[1024], cmd[2200];
        snprintf(out, sizeof out, "%s/golden-new.%s", KILN_BINARY_DIR, file);
        if (write_file(out, text) == 0) {
            snprintf(cmd, sizeof cmd, "diff -u '%s' '%s' >&2", path, out);
            if (system(cmd) == -1)
                fprintf(stderr, "diff could not run\n");
            remove(out);
        }
        CHECK_MSG(0, "%s differs from the generated source (scripts/bless-goldens.sh shows and takes the change)",
                  path);
    }
    free(golden);
}

#endif
