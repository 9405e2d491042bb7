/* fake_rapl.h: a powercap folder whose package counter (energy_uj) a thread
 * of the test advances at a known power, so that energy figures can be
 * checked against it where the machine has no RAPL (CI's VM). */
#ifndef KILN_TEST_FAKE_RAPL_H
#define KILN_TEST_FAKE_RAPL_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct fake_rapl {
    char dir[1200];     /* what KILN_POWERCAP_DIR points at */
    char path[1300];    /* its package's energy_uj */
    double watts;
    volatile int stop;
    double t0_us;
    pthread_t thread;
} fake_rapl;

static double fake_rapl_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fake_rapl_write(const fake_rapl *f)
{
    char tmp[1400];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    FILE *o = fopen(tmp, "w");
    if (!o)
        return;
    fprintf(o, "%.0f\n", 1e9 + f->watts * (fake_rapl_now_us() - f->t0_us));
    fclose(o);
    rename(tmp, f->path);
}

static void *fake_rapl_ticker(void *arg)
{
    fake_rapl *f = arg;
    while (!f->stop) {
        fake_rapl_write(f);
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* Makes <parent>/powercap/intel-rapl:0, starts its counter at `watts`, points
 * KILN_POWERCAP_DIR at it. 0 on success. */
static int fake_rapl_start(fake_rapl *f, const char *parent, double watts)
{
    char cmd[1300];
    snprintf(f->dir, sizeof f->dir, "%.1000s/powercap", parent);
    snprintf(f->path, sizeof f->path, "%s/intel-rapl:0/energy_uj", f->dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/intel-rapl:0'", f->dir);
    if (system(cmd) != 0)
        return -1;
    f->watts = watts;
    f->stop = 0;
    f->t0_us = fake_rapl_now_us();
    fake_rapl_write(f);
    setenv("KILN_POWERCAP_DIR", f->dir, 1);
    return pthread_create(&f->thread, NULL, fake_rapl_ticker, f) == 0 ? 0 : -1;
}

static void fake_rapl_stop(fake_rapl *f)
{
    f->stop = 1;
    pthread_join(f->thread, NULL);
    unsetenv("KILN_POWERCAP_DIR");
}

#endif
