/* lang.c: names of the generator targets. */
#include <string.h>
#include "kiln/gen.h"

static const char *const lang_names[KILN_LANG_COUNT] = {[KILN_LANG_CL] = "cl", [KILN_LANG_C] = "c"};

const char *kiln_lang_name(kiln_lang lang)
{
    return (unsigned)lang < KILN_LANG_COUNT ? lang_names[lang] : "?";
}

int kiln_lang_parse(const char *name, kiln_lang *out)
{
    for (int i = 0; i < KILN_LANG_COUNT; i++)
        if (name && strcmp(name, lang_names[i]) == 0) {
            *out = (kiln_lang)i;
            return 0;
        }
    return -1;
}
