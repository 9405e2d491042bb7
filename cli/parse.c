/*
 * parse.c: the kiln command's one parser for numbers given on the command
 * line. A number is plain decimal: no sign where none makes sense, no
 * leading zeros (010 is not eight), no hex, no spaces, no NaN or infinity,
 * nothing past the end and nothing out of range. strtoull alone takes "-1"
 * as 2^64 - 1 and strtod takes "nan"; both are refused here.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

/* Length of the run of digits at s, or 0 when it has a leading zero. */
static size_t decimal_digits(const char *s)
{
    size_t n = strspn(s, "0123456789");
    if (n > 1 && s[0] == '0')
        return 0;
    return n;
}

int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!text)
        return -1;
    size_t n = decimal_digits(text);
    if (n == 0 || text[n] != '\0')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_int(const char *text, int min, int max, int *out)
{
    if (!text)
        return -1;
    int negative = text[0] == '-';
    const char *digits = text + negative;
    size_t n = decimal_digits(digits);
    if (n == 0 || digits[n] != '\0' || (negative && strcmp(digits, "0") == 0))
        return -1;
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

int cli_parse_seconds(const char *text, double *out)
{
    if (!text)
        return -1;
    /* digits [. digits] [e [sign] digits], with at least one digit before the exponent */
    const char *p = text;
    size_t whole = strspn(p, "0123456789");
    p += whole;
    size_t frac = 0;
    if (*p == '.') {
        p++;
        frac = strspn(p, "0123456789");
        p += frac;
    }
    if (whole + frac == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        size_t exp = strspn(p, "0123456789");
        if (exp == 0)
            return -1;
        p += exp;
    }
    if (*p != '\0')
        return -1;
    errno = 0;
    double v = strtod(text, NULL);
    if (errno == ERANGE || !isfinite(v) || v <= 0)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_size(const char *text, kiln_size *out)
{
    if (!text || !*text)
        return -1;
    const char *p = text;
    int ndims = 0;
    for (;;) {
        size_t n = decimal_digits(p);
        if (n == 0 || ndims == 3)
            return -1;
        char extent[32];
        if (n >= sizeof extent)
            return -1;
        memcpy(extent, p, n);
        extent[n] = '\0';
        uint64_t v;
        if (cli_parse_u64(extent, 1, LLONG_MAX, &v) != 0)
            return -1;
        ndims++;
        p += n;
        if (*p == '\0')
            break;
        if (*p != 'x' && *p != 'X')
            return -1;
        p++;
    }
    return kiln_size_parse(text, out);
}

/* One value of a setting (len bytes at value): a value name, or a plain decimal. */
static int check_value(const char *value, size_t len)
{
    while (len > 0 && isspace((unsigned char)*value)) {
        value++;
        len--;
    }
    /* A value name (an enumeration's) starts with a letter; a number must be plain decimal. */
    if (len > 0 && *value != '-' && *value != '+' && !isdigit((unsigned char)*value) && *value != '.')
        return 0;
    while (len > 0 && isspace((unsigned char)value[len - 1]))
        len--;
    char number[32];
    if (len == 0 || len >= sizeof number)
        return -1;
    memcpy(number, value, len);
    number[len] = '\0';
    int negative = number[0] == '-';
    size_t n = decimal_digits(number + negative);
    if (n == 0 || number[negative + n] != '\0')
        return -1;
    errno = 0;
    (void)strtoll(number, NULL, 10);
    return errno == ERANGE ? -1 : 0;
}

int cli_check_setting(const char *assignment)
{
    const char *eq = assignment ? strchr(assignment, '=') : NULL;
    if (!eq)
        return 0; /* kiln_space_set explains a missing '=' */
    for (const char *value = eq + 1;;) {
        const char *comma = strchr(value, ',');
        size_t len = comma ? (size_t)(comma - value) : strlen(value);
        const char *p = value;
        while (p < value + len && isspace((unsigned char)*p))
            p++;
        if (!comma && p == value + len && value == eq + 1)
            return 0; /* no value at all: kiln_space_set explains it */
        if (check_value(value, len) != 0)
            return -1;
        if (!comma)
            return 0;
        value = comma + 1;
    }
}
