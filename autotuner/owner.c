/*
 * owner.c: who a process is, for in-flight markers and device claims: its
 * pid, its host, and its start time, so that a pid reused by another process
 * after a crash is not taken for the owner.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "autotuner/tuner_int.h"

/* Field 22 of /proc/PID/stat (start time in clock ticks since boot), or "". */
static void process_start(long long pid, char *out, size_t len)
{
    char path[64], buf[1024];
    snprintf(out, len, "%s", "");
    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces: count fields after its ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return;
    int field = 2;
    for (p++; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    if (field == 22)
        snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
}

void kiln_owner_self(kiln_owner *out)
{
    memset(out, 0, sizeof *out);
    out->pid = (long long)getpid();
    if (gethostname(out->host, sizeof out->host - 1) != 0)
        snprintf(out->host, sizeof out->host, "%s", "localhost");
    process_start(out->pid, out->start, sizeof out->start);
}

int kiln_owner_alive(const kiln_owner *o)
{
    kiln_owner self;
    kiln_owner_self(&self);
    if (strcmp(o->host, self.host) != 0)
        return 1;
    if (o->pid <= 0 || (kill((pid_t)o->pid, 0) != 0 && errno == ESRCH))
        return 0;
    char start[32];
    process_start(o->pid, start, sizeof start);
    return !o->start[0] || !start[0] || strcmp(start, o->start) == 0;
}
