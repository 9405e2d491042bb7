/*
 * endpoint.c: where the client ICD and the daemon meet when no path is given:
 * a per-user runtime directory, never a folder other users can write to.
 */
#include "runtime/remote/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int kr_default_socket_path(char *out, size_t cap)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    int n = run && run[0] == '/' ? snprintf(out, cap, "%s/kiln/remoted.sock", run)
                                 : snprintf(out, cap, "/tmp/kiln-%u/remoted.sock", (unsigned)geteuid());
    return n > 0 && (size_t)n < cap ? 0 : -1;
}
