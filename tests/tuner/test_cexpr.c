/*
 * test_cexpr.c: the constraint expression language: values and C precedence,
 * short circuits, syntax errors with their columns, evaluation errors.
 */
#include <limits.h>

#include "check.h"
#include "kiln/tuner.h"

/* A char array as a plain pointer, so CHECK_STR_CONTAINS may test it for NULL. */
static const char *text(const char *s)
{
    return s;
}

typedef struct binding {
    const char *name;
    long long value;
} binding;

static const binding vars[] = {
    {"wg", 64}, {"unroll", 4}, {"n", 1000}, {"zero", 0}, {"neg", -7}, {NULL, 0},
};

static int lookup(void *user, const char *name, long long *value)
{
    int *calls = user;
    if (calls)
        (*calls)++;
    for (int i = 0; vars[i].name; i++)
        if (strcmp(vars[i].name, name) == 0) {
            *value = vars[i].value;
            return 0;
        }
    return -1;
}

/* Parses and evaluates; records failures with the text at fault. */
static void expect_value(const char *text, long long want)
{
    char err[256] = "";
    kiln_cexpr *e = kiln_cexpr_parse(text, err, sizeof err);
    CHECK_MSG(e != NULL, "parse '%s': %s", text, err);
    if (!e)
        return;
    long long got = 12345;
    int rc = kiln_cexpr_eval(e, lookup, NULL, &got, err, sizeof err);
    CHECK_MSG(rc == 0, "eval '%s': %s", text, err);
    CHECK_MSG(rc != 0 || got == want, "'%s' = %lld, want %lld", text, got, want);
    kiln_cexpr_free(e);
}

static void expect_syntax_error(const char *text, const char *want)
{
    char err[256] = "";
    kiln_cexpr *e = kiln_cexpr_parse(text, err, sizeof err);
    CHECK_MSG(e == NULL, "'%s' parsed but should not", text);
    kiln_cexpr_free(e);
    CHECK_MSG(strstr(err, want) != NULL, "'%s': error \"%s\" lacks \"%s\"", text, err, want);
}

static void expect_eval_error(const char *text, const char *want)
{
    char err[256] = "";
    kiln_cexpr *e = kiln_cexpr_parse(text, err, sizeof err);
    CHECK_MSG(e != NULL, "parse '%s': %s", text, err);
    if (!e)
        return;
    long long got;
    int rc = kiln_cexpr_eval(e, lookup, NULL, &got, err, sizeof err);
    CHECK_MSG(rc == -1, "'%s' evaluated to %lld but should fail", text, got);
    CHECK_MSG(strstr(err, want) != NULL, "'%s': error \"%s\" lacks \"%s\"", text, err, want);
    kiln_cexpr_free(e);
}

int main(void)
{
    /* literals and precedence */
    expect_value("42", 42);
    expect_value("0x1F", 31);
    expect_value("1+2*3", 7);
    expect_value("(1+2)*3", 9);
    expect_value("10-4-3", 3);            /* left associative */
    expect_value("100/10/5", 2);
    expect_value("2<3==1", 1);            /* < binds tighter than == */
    expect_value("1==1<2", 1);
    expect_value("1 == 2 > 1", 1);        /* > binds tighter than == */
    expect_value("2 != 1 < 1", 1);        /* < binds tighter than != */
    expect_value("2 >= 1 >= 1", 1);
    expect_value("1 - 1 == 0", 1);
    expect_value("1 + 2 << 3", 24);       /* + binds tighter than << */
    expect_value("1 << 2 < 5", 1);        /* << binds tighter than < */
    expect_value("6 & 3 == 3", 0);        /* == binds tighter than & */
    expect_value("1 | 2 ^ 3 & 1", 3);     /* & then ^ then | */
    expect_value("0 || 1 && 0", 0);       /* && binds tighter than || */
    expect_value("7%3", 1);
    expect_value("-7%3", -1);             /* C: the sign follows the dividend */
    expect_value("7%-3", 1);
    expect_value("-7/2", -3);             /* C: truncation toward zero */
    expect_value("neg / 2", -3);
    expect_value("-neg", 7);
    expect_value("--3", 3);
    expect_value("!0 + !5", 1);
    expect_value("~0", -1);
    expect_value("-2*-3", 6);
    expect_value("-8 >> 1", -4);
    expect_value("1 << 62 > 0", 1);
    expect_value("min(3, 9) + max(3, 9)", 12);
    expect_value("max(min(wg, 32), unroll * 2)", 32);
    expect_value("min(-1, -2)", -2);

    /* names */
    expect_value("wg * unroll <= 256", 1);
    expect_value("wg*unroll*2 <= 256", 0);
    expect_value("n % (unroll * 2) == 0", 1);
    expect_value("  wg\t+\n1 ", 65);

    /* ?: nesting, right associative */
    expect_value("1 ? 2 : 3", 2);
    expect_value("0 ? 2 : 3", 3);
    expect_value("0 ? 1 : 0 ? 2 : 3", 3);
    expect_value("1 ? 0 ? 4 : 5 : 6", 5);
    expect_value("(0 ? 1 : 1) ? 7 : 8", 7);
    expect_value("wg > 32 ? wg : 32", 64);
    expect_value("1 + (0 ? 10 : 20) * 2", 41);

    /* short circuits: the right side is never evaluated */
    expect_value("0 && 1/0", 0);
    expect_value("1 || 1/0", 1);
    expect_value("zero && nosuchname", 0);
    expect_value("1 ? 5 : 1/0", 5);
    expect_value("0 ? 1%0 : 6", 6);
    expect_value("2 && 3", 1);            /* logical results are 0 or 1 */
    expect_value("0 || -4", 1);

    /* overflow wraps instead of trapping */
    expect_value("9223372036854775807 + 1 < 0", 1);
    expect_value("(-9223372036854775807 - 1) / -1 < 0", 1);
    expect_value("(-9223372036854775807 - 1) % -1", 0);

    /* the lookup is called only for names actually evaluated */
    {
        char err[128];
        int calls = 0;
        long long v;
        kiln_cexpr *e = kiln_cexpr_parse("0 && wg || unroll", err, sizeof err);
        CHECK(e != NULL);
        CHECK(e && kiln_cexpr_eval(e, lookup, &calls, &v, err, sizeof err) == 0 && v == 1);
        CHECK_MSG(calls == 1, "lookup called %d times", calls);
        kiln_cexpr_free(e);
    }

    /* syntax errors name the column and what was expected */
    expect_syntax_error("(1 + 2", "column 7: expected ')' but found end of input");
    expect_syntax_error("min(1,2", "column 8: expected ')' but found end of input");
    expect_syntax_error("wg * (unroll", "column 13: expected ')'");
    expect_syntax_error("1 $ 2", "column 3: unexpected character '$'");
    expect_syntax_error("wg @", "column 4: unexpected character '@'");
    expect_syntax_error("", "column 1: expected a number, a name or '(' but found end of input");
    expect_syntax_error("1 +", "column 4: expected a number, a name or '('");
    expect_syntax_error("1 2", "column 3: expected an operator or end of input but found '2'");
    expect_syntax_error("wg unroll", "column 4");
    expect_syntax_error("(1))", "column 4");
    expect_syntax_error("1 ? 2", "column 6: expected ':' but found end of input");
    expect_syntax_error("1 ? 2 3", "column 7: expected ':' but found '3'");
    expect_syntax_error("min(1)", "column 6: expected ','");
    expect_syntax_error("foo(1, 2)", "column 1: unknown function 'foo'");
    expect_syntax_error("12abc", "column 1: malformed number '12abc'");
    expect_syntax_error("99999999999999999999", "too large");
    expect_syntax_error("1 = 2", "column 3: unexpected character '='");
    expect_syntax_error("* 3", "column 1: expected a number");
    {
        /* deep nesting is refused, not a stack overflow */
        static char deep[20001];
        memset(deep, '(', 10000);
        memset(deep + 10000, ')', 10000);
        expect_syntax_error(deep, "nested too deeply");
        char chain[40001];
        for (int i = 0; i < 20000; i++)
            memcpy(chain + 2 * i, "1+", 2);
        chain[39999] = '\0';
        expect_syntax_error(chain, "nested too deeply");
    }
    {
        char err[8];
        kiln_cexpr *e = kiln_cexpr_parse("(((", err, sizeof err); /* tiny buffer: truncated, no overflow */
        CHECK(e == NULL && strlen(err) < sizeof err);
    }

    /* evaluation errors */
    expect_eval_error("wg * unrol <= 256", "unknown name 'unrol'");
    expect_eval_error("wg * unrol <= 256", "column 6");
    expect_eval_error("1 / zero", "column 3: division by zero");
    expect_eval_error("wg % (unroll - 4)", "column 4: modulo by zero");
    expect_eval_error("1 || 0 ? 5 / 0 : 1", "column 12: division by zero");
    expect_eval_error("1 << 64", "shift count 64");
    {
        char err[128] = "";
        long long v;
        kiln_cexpr *e = kiln_cexpr_parse("x + 1", err, sizeof err);
        CHECK(e && kiln_cexpr_eval(e, NULL, NULL, &v, err, sizeof err) == -1);
        CHECK_STR_CONTAINS(text(err), "unknown name 'x'");
        kiln_cexpr_free(e);
    }
    kiln_cexpr_free(NULL);

    CHECK_DONE();
}
