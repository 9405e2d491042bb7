/*
 * lookup.c: an application's start-up lookup, built against an installed
 * kiln by each consumer (CMake, pkg-config Makefile). Usage:
 *   lookup DB KERNEL DEVICE SIZE PARAM...
 * prints "provenance=P size=S PARAM=V ..." and the variant's language and
 * source length; exits 1 with the reason when the lookup fails.
 */
#include <stdio.h>
#include <string.h>
#include <kiln/lookup.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: lookup DB KERNEL DEVICE SIZE PARAM...\n");
        return 2;
    }
    char err[512];
    kiln_lookup *l = kiln_lookup_open(argv[1], err, sizeof err);
    if (!l) {
        fprintf(stderr, "lookup: %s\n", err);
        return 1;
    }
    kiln_choice *c = kiln_lookup_best(l, argv[2], argv[3], argv[4]);
    if (!c) {
        fprintf(stderr, "lookup: %s\n", kiln_lookup_errmsg(l));
        kiln_lookup_close(l);
        return 1;
    }
    printf("provenance=%s size=%s", kiln_provenance_name(kiln_choice_provenance(c)), kiln_choice_size(c));
    for (int i = 5; i < argc; i++)
        printf(" %s=%lld", argv[i], kiln_choice_value(c, argv[i], -1));
    const char *source = kiln_choice_source(c);
    printf(" lang=%s source_bytes=%zu\n", kiln_choice_lang(c) ? kiln_choice_lang(c) : "none",
           source ? strlen(source) : (size_t)0);
    kiln_choice_free(c);
    kiln_lookup_close(l);
    return 0;
}
