/*
 * test_space.c: search spaces: size, valid count against the constraints
 * written out in C, point ordering, why a point is rejected, name=value
 * settings, and refusal of bad constraints.
 */
#include "check.h"
#include "fixture.h"

/* A char array as a plain pointer, so CHECK_STR_CONTAINS may test it for NULL. */
static const char *text(const char *s)
{
    return s;
}

static kiln_space *space_for(const kiln_kernel *k, long long nx, long long ny, int ndims, char *err, size_t len)
{
    kiln_size size = {.ndims = ndims, .d = {nx, ny, 1}};
    return kiln_space_new(k, &size, err, len);
}

/* kiln_space_next_valid from every index agrees with walking kiln_space_index_valid. */
static void check_next_valid(const kiln_space *s, const char *what)
{
    uint64_t total = kiln_space_total(s), want = total;
    for (uint64_t from = total + 1; from-- > 0;) {
        if (from < total && kiln_space_index_valid(s, from))
            want = from;
        uint64_t got = kiln_space_next_valid(s, from);
        CHECK_MSG(got == want, "%s: next valid from %llu is %llu, want %llu", what, (unsigned long long)from,
                  (unsigned long long)got, (unsigned long long)want);
    }
}

int main(void)
{
    char err[256] = "";

    /* count_valid equals a count done in plain C, for several sizes */
    const long long sizes[] = {1000, 1024, 4, 6, 96};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        kiln_space *s = space_for(&fixture_kernel, sizes[si], 0, 1, err, sizeof err);
        CHECK_MSG(s != NULL, "%s", err);
        if (!s)
            continue;
        unsigned long long want = 0;
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 4; b++)
                want += 2 * (unsigned long long)fixture_valid(fixture_wg[a], fixture_unroll[b], sizes[si]);
        CHECK(kiln_space_total(s) == 40);
        check_next_valid(s, "fixture");
        CHECK_MSG(kiln_space_count_valid(s) == want, "size %lld: %llu valid, want %llu", sizes[si],
                  (unsigned long long)kiln_space_count_valid(s), want);
        kiln_space_free(s);
    }

    kiln_space *s = space_for(&fixture_kernel, 1000, 0, 1, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s)
        CHECK_DONE();
    /* 1000: unroll 1 or 2 only (1000 % 16 != 0); wg*unroll <= 256 drops 256x2 */
    CHECK(kiln_space_count_valid(s) == 18);

    /* point ordering: mixed radix, last parameter fastest */
    kiln_config c;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 4; b++)
            for (int l = 0; l < 2; l++) {
                kiln_space_point(s, fixture_index(a, b, l), &c);
                CHECK(c.n == 3);
                CHECK(strcmp(c.names[0], "wg") == 0 && strcmp(c.names[2], "layout") == 0);
                CHECK_MSG(c.values[0] == fixture_wg[a] && c.values[1] == fixture_unroll[b] && c.values[2] == l,
                          "index %llu -> %lld,%lld,%lld", fixture_index(a, b, l), c.values[0], c.values[1],
                          c.values[2]);
                char why[128] = "";
                int ok = kiln_space_check(s, &c, why, sizeof why);
                CHECK(ok == fixture_valid(fixture_wg[a], fixture_unroll[b], 1000));
                CHECK(ok == 1 || why[0] != '\0');
            }
    kiln_space_point(s, 1, &c);
    CHECK(c.values[0] == 16 && c.values[1] == 1 && c.values[2] == 1);
    kiln_space_point(s, 2, &c);
    CHECK(c.values[0] == 16 && c.values[1] == 2 && c.values[2] == 0);
    kiln_space_point(s, 39, &c);
    CHECK(c.values[0] == 256 && c.values[1] == 8 && c.values[2] == 1);

    /* check: why names the failing constraint */
    char why[128];
    kiln_space_default(s, &c);
    CHECK(c.n == 3 && c.values[0] == 64 && c.values[1] == 1 && c.values[2] == 0);
    CHECK(kiln_space_check(s, &c, why, sizeof why) == 1);
    c.values[0] = 256;
    c.values[1] = 2;
    CHECK(kiln_space_check(s, &c, why, sizeof why) == 0);
    CHECK(strcmp(why, "wg * unroll <= 256") == 0);
    c.values[0] = 16;
    c.values[1] = 4;
    CHECK(kiln_space_check(s, &c, why, sizeof why) == 0);
    CHECK(strcmp(why, "nx % (unroll * 4) == 0") == 0);
    c.values[1] = 3; /* not one of the parameter's values */
    CHECK(kiln_space_check(s, &c, why, sizeof why) == 0);
    CHECK_STR_CONTAINS(text(why), "unroll=3");
    CHECK_STR_CONTAINS(text(why), "1, 2, 4, 8");
    {
        kiln_config partial = {.n = 1, .names = {"wg"}, .values = {64}};
        CHECK(kiln_space_check(s, &partial, why, sizeof why) == -1);
        CHECK_STR_CONTAINS(text(why), "'unroll'");
        /* by name, in another order */
        kiln_config shuffled = {.n = 3, .names = {"layout", "unroll", "wg"}, .values = {1, 2, 32}};
        CHECK(kiln_space_check(s, &shuffled, why, sizeof why) == 1);
        shuffled.values[2] = 256;
        CHECK(kiln_space_check(s, &shuffled, why, sizeof why) == 0);
    }

    /* set: numbers, enum names; errors name the parameter and list values */
    kiln_config set = {0};
    CHECK(kiln_space_set(s, &set, "unroll=2", err, sizeof err) == 0);
    CHECK(set.n == 3 && set.values[0] == 64 && set.values[1] == 2 && set.values[2] == 0); /* from the default */
    CHECK(kiln_space_set(s, &set, " wg = 128 ", err, sizeof err) == 0);
    CHECK(set.values[0] == 128 && set.values[1] == 2);
    CHECK(kiln_space_set(s, &set, "layout=col", err, sizeof err) == 0);
    CHECK(set.values[2] == 1);
    CHECK(kiln_space_set(s, &set, "layout=0", err, sizeof err) == 0);
    CHECK(set.values[2] == 0);
    CHECK(kiln_space_set(s, &set, "unrol=2", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(text(err), "unknown parameter 'unrol'");
    CHECK_STR_CONTAINS(text(err), "wg, unroll, layout");
    CHECK(kiln_space_set(s, &set, "unroll=3", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(text(err), "parameter 'unroll'");
    CHECK_STR_CONTAINS(text(err), "allowed: 1, 2, 4, 8");
    CHECK(kiln_space_set(s, &set, "layout=diagonal", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(text(err), "parameter 'layout'");
    CHECK_STR_CONTAINS(text(err), "allowed: row, col");
    CHECK(kiln_space_set(s, &set, "unroll", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(text(err), "name=value");
    CHECK(kiln_space_set(s, &set, "unroll=", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(text(err), "missing value");
    CHECK(kiln_space_set(s, &set, "unroll=2x", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(text(err), "'2x'");
    /* decimal only, in the library as on the command line: 0x2 and 02 are not 2 */
    CHECK(kiln_space_set(s, &set, "unroll=0x2", err, sizeof err) == -1);
    CHECK(kiln_space_set(s, &set, "unroll=02", err, sizeof err) == -1);
    CHECK(kiln_space_set(s, &set, "unroll=99999999999999999999", err, sizeof err) == -1);
    CHECK(set.values[0] == 128 && set.values[1] == 2 && set.values[2] == 0); /* failures change nothing */
    kiln_space_free(s);

    /* constraints that do not parse or name unknown names are refused at creation */
    kiln_kernel bad = fixture_kernel;
    const char *bad_constraints[2] = {fixture_kernel.constraints[0], "wg*unrol <= 256"};
    bad.constraints = bad_constraints;
    CHECK(space_for(&bad, 1000, 0, 1, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(text(err), "constraint 2 'wg*unrol <= 256': unknown name 'unrol'");
    bad_constraints[1] = "nz > 0 && nothing";
    CHECK(space_for(&bad, 1000, 0, 1, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(text(err), "unknown name 'nothing'");
    bad_constraints[0] = "wg * (unroll <= 256";
    CHECK(space_for(&bad, 1000, 0, 1, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(text(err), "constraint 1 'wg * (unroll <= 256': column 20: expected ')'");
    bad = fixture_kernel;
    kiln_param bad_params[3] = {fixture_kernel.params[0], fixture_kernel.params[1], fixture_kernel.params[2]};
    bad_params[1].nvalues = 0;
    bad.params = bad_params;
    CHECK(space_for(&bad, 1000, 0, 1, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(text(err), "'unroll'");

    /* size names: n == nx, missing dimensions are 1 */
    kiln_kernel dims = fixture_kernel;
    const char *dims_constraint[1] = {"n == nx && ny == 1 && nz == 1"};
    dims.nconstraints = 1;
    dims.constraints = dims_constraint;
    s = space_for(&dims, 500, 0, 1, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    CHECK(s && kiln_space_count_valid(s) == 40);
    kiln_space_free(s);
    dims_constraint[0] = "nx == 64 && ny == 32 && nz == 1 && n == 64";
    s = space_for(&dims, 64, 32, 2, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    CHECK(s && kiln_space_count_valid(s) == 40);
    kiln_space_free(s);

    /* device limits: local_mem_bytes and max_wg_size, the portable defaults until a
     * device is given, then that device's, counted against the same rule in C */
    dims_constraint[0] = "wg * unroll * 4 <= local_mem_bytes && wg <= max_wg_size";
    s = space_for(&dims, 64, 0, 1, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        const long long limits[][2] = {{KILN_SPACE_DEFAULT_LOCAL_MEM, KILN_SPACE_DEFAULT_MAX_WG}, {1024, 64},
                                       {256, 256}, {65536, 16}};
        for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
            if (li > 0)
                kiln_space_set_limits(s, limits[li][0], limits[li][1]);
            unsigned long long want = 0;
            for (int a = 0; a < 5; a++)
                for (int b = 0; b < 4; b++)
                    want += 2 * (unsigned long long)(fixture_wg[a] * fixture_unroll[b] * 4 <= limits[li][0] &&
                                                     fixture_wg[a] <= limits[li][1]);
            CHECK_MSG(kiln_space_count_valid(s) == want, "limits %lld, %lld: %llu valid, want %llu", limits[li][0],
                      limits[li][1], (unsigned long long)kiln_space_count_valid(s), want);
            kiln_space_point(s, fixture_index(4, 0, 0), &c); /* wg 256, unroll 1 */
            CHECK(kiln_space_check(s, &c, why, sizeof why) == (256 * 4 <= limits[li][0] && 256 <= limits[li][1]));
            CHECK(kiln_space_index_valid(s, fixture_index(4, 0, 0)) == kiln_space_check(s, &c, why, sizeof why));
        }
        kiln_space_free(s);
    }
    /* a parameter of the same name shadows a limit, as it shadows a size name */
    kiln_kernel shadow = fixture_kernel;
    kiln_param shadow_params[3] = {fixture_kernel.params[0], fixture_kernel.params[1], fixture_kernel.params[2]};
    shadow_params[0].name = "max_wg_size";
    shadow.params = shadow_params;
    const char *shadow_constraint[1] = {"max_wg_size <= 32"};
    shadow.constraints = shadow_constraint;
    shadow.nconstraints = 1;
    s = space_for(&shadow, 64, 0, 1, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    CHECK(s && kiln_space_count_valid(s) == 2 * 4 * 2);
    kiln_space_free(s);

    /* an evaluation error while checking is reported, not a crash */
    dims_constraint[0] = "nx % (unroll - 1) == 0";
    s = space_for(&dims, 64, 0, 1, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (s) {
        kiln_space_default(s, &c); /* unroll = 1 */
        CHECK(kiln_space_check(s, &c, why, sizeof why) == -1);
        CHECK_STR_CONTAINS(text(why), "modulo by zero");
        CHECK(kiln_space_count_valid(s) == 10); /* only unroll=2 divides; unroll=1 errors count as rejected */
        check_next_valid(s, "modulo by zero");
        kiln_space_free(s);
    }

    /* a space without parameters has one (empty) point */
    kiln_kernel none = {.name = "none"};
    s = space_for(&none, 8, 0, 1, err, sizeof err);
    CHECK(s && kiln_space_total(s) == 1 && kiln_space_count_valid(s) == 1);
    if (s)
        check_next_valid(s, "no parameters");
    kiln_space_free(s);

    /* next_valid skips rejected subtrees: constraints on the first and last
     * parameters together, on one in the middle, and on the size alone */
    const kiln_kernel skips = {
        .name = "skips",
        KILN_PARAMS({.name = "a", KILN_VALUES(1, 2, 3, 4, 5), .default_value = 1},
                    {.name = "b", KILN_VALUES(0, 1, 2, 3), .default_value = 0},
                    {.name = "c", KILN_VALUES(0, 1, 2), .default_value = 0},
                    {.name = "d", KILN_VALUES(1, 2, 4), .default_value = 1}),
        KILN_CONSTRAINTS("a + d != 5", "b != 2 && b != 0", "nx > 10", "a != 3"),
    };
    const long long skip_sizes[] = {64, 8};
    for (int si = 0; si < 2; si++) {
        s = space_for(&skips, skip_sizes[si], 0, 1, err, sizeof err);
        CHECK_MSG(s != NULL, "%s", err);
        if (s)
            check_next_valid(s, si ? "skips, nx = 8" : "skips");
        kiln_space_free(s);
    }

    CHECK_DONE();
}
