/* types.c: facts about kiln's scalar types (sizes, names, classes). */
#include "kiln/dsl.h"

#define SCALARS(X)                  \
    X(KILN_VOID, "void", 0, 0, 0)   \
    X(KILN_BOOL, "bool", 1, 0, 0)   \
    X(KILN_I8, "i8", 1, 0, 1)       \
    X(KILN_U8, "u8", 1, 0, 0)       \
    X(KILN_I16, "i16", 2, 0, 1)     \
    X(KILN_U16, "u16", 2, 0, 0)     \
    X(KILN_I32, "i32", 4, 0, 1)     \
    X(KILN_U32, "u32", 4, 0, 0)     \
    X(KILN_I64, "i64", 8, 0, 1)     \
    X(KILN_U64, "u64", 8, 0, 0)     \
    X(KILN_F32, "f32", 4, 1, 1)     \
    X(KILN_F64, "f64", 8, 1, 1)

static const struct {
    const char *name;
    unsigned char bytes, is_float, is_signed;
} scalar_facts[KILN_SCALAR_COUNT] = {
#define X(e, n, b, f, s) [e] = {n, b, f, s},
    SCALARS(X)
#undef X
};

size_t kiln_scalar_bytes(kiln_scalar s)
{
    return (unsigned)s < KILN_SCALAR_COUNT ? scalar_facts[s].bytes : 0;
}

const char *kiln_scalar_name(kiln_scalar s)
{
    return (unsigned)s < KILN_SCALAR_COUNT ? scalar_facts[s].name : "?";
}

int kiln_scalar_is_float(kiln_scalar s)
{
    return (unsigned)s < KILN_SCALAR_COUNT && scalar_facts[s].is_float;
}

int kiln_scalar_is_signed(kiln_scalar s)
{
    return (unsigned)s < KILN_SCALAR_COUNT && scalar_facts[s].is_signed;
}
