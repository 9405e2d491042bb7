/*
 * rect.c: the bytes a rectangular buffer command touches, checked the same
 * way by the client ICD (to answer as the specification asks) and by the
 * daemon (which trusts nothing the client sends).
 */
#include "runtime/remote/wire.h"

int kr_rect_span(struct kr_rect *r, uint64_t buffer_size, uint64_t *first, uint64_t *end)
{
    const uint64_t *o = r->origin, *n = r->region;
    if (n[0] == 0 || n[1] == 0 || n[2] == 0)
        return -1;
    if (r->row_pitch == 0)
        r->row_pitch = n[0];
    uint64_t plane, start, last, t;
    if (r->row_pitch < n[0] || __builtin_mul_overflow(r->row_pitch, n[1], &plane))
        return -1;
    if (r->slice_pitch == 0)
        r->slice_pitch = plane;
    if (r->slice_pitch < plane || r->slice_pitch % r->row_pitch)
        return -1;
    /* start = o[2] * slice + o[1] * row + o[0]; last = start + (n[2]-1) * slice + (n[1]-1) * row + n[0] */
    if (__builtin_mul_overflow(o[2], r->slice_pitch, &start) || __builtin_mul_overflow(o[1], r->row_pitch, &t) ||
        __builtin_add_overflow(start, t, &start) || __builtin_add_overflow(start, o[0], &start))
        return -1;
    if (__builtin_mul_overflow(n[2] - 1, r->slice_pitch, &last) || __builtin_mul_overflow(n[1] - 1, r->row_pitch, &t) ||
        __builtin_add_overflow(last, t, &last) || __builtin_add_overflow(last, n[0], &last) ||
        __builtin_add_overflow(last, start, &last) || last > buffer_size)
        return -1;
    *first = start;
    *end = last;
    return 0;
}
