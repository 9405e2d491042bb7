/*
 * trace.c: where a tuning's time goes, span by span, thread by thread.
 *
 * Spans are written as they end, one Chrome trace event ("ph":"X") a line
 * in a JSON array: a viewer draws each thread's spans nested by time. The
 * file is flushed every so many spans and at the end; one cut short by a
 * crash lacks only its closing bracket, which the viewers do not need.
 * Cost when off: one load of a flag per span.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "runtime/rt_int.h"

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *trace_file;              /* under trace_lock */
static size_t trace_spans;            /* under trace_lock */
static atomic_int trace_enabled;
static atomic_int trace_next_tid = 1; /* threads numbered as they first mark a span */
static _Thread_local int trace_tid;

static double mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int kiln_trace_start(const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&trace_lock);
    if (trace_file) {
        pthread_mutex_unlock(&trace_lock);
        kiln_errf(err, errlen, "a trace is already being written");
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        pthread_mutex_unlock(&trace_lock);
        kiln_errf(err, errlen, "cannot write the trace %s: %s", path, strerror(errno));
        return -1;
    }
    fputs("[\n", f);
    trace_file = f;
    trace_spans = 0;
    atomic_store(&trace_enabled, 1);
    pthread_mutex_unlock(&trace_lock);
    return 0;
}

void kiln_trace_stop(void)
{
    pthread_mutex_lock(&trace_lock);
    atomic_store(&trace_enabled, 0);
    if (trace_file) {
        fputs("\n]\n", trace_file);
        fclose(trace_file);
        trace_file = NULL;
    }
    pthread_mutex_unlock(&trace_lock);
}

int kiln_trace_on(void)
{
    return atomic_load_explicit(&trace_enabled, memory_order_relaxed);
}

double kiln_trace_now(void)
{
    return kiln_trace_on() ? mono_ns() : 0;
}

/* s as the inside of a JSON string: quotes, backslashes and controls escaped. */
static void put_json_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void kiln_trace_span(const char *name, const char *detail, double t0)
{
    if (t0 <= 0 || !kiln_trace_on())
        return;
    double t1 = mono_ns();
    if (!trace_tid)
        trace_tid = atomic_fetch_add(&trace_next_tid, 1);
    pthread_mutex_lock(&trace_lock);
    if (trace_file) {
        fprintf(trace_file, "%s{\"name\":\"", trace_spans ? ",\n" : "");
        put_json_text(trace_file, name);
        fprintf(trace_file, "\",\"ph\":\"X\",\"pid\":%ld,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f", (long)getpid(),
                trace_tid, t0 / 1e3, (t1 - t0) / 1e3);
        if (detail) {
            fputs(",\"args\":{\"detail\":\"", trace_file);
            put_json_text(trace_file, detail);
            fputs("\"}", trace_file);
        }
        fputc('}', trace_file);
        if (++trace_spans % 256 == 0)
            fflush(trace_file);
    }
    pthread_mutex_unlock(&trace_lock);
}
