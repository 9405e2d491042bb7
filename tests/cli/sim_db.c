/*
 * sim_db: writes a database as an exhaustive run of matmul would leave it,
 * with times made up by a formula (and a failing corner), for the tests of
 * `kiln tune --simulate`: every valid configuration at size N on one device,
 * or, with SKIP > 0, all but every SKIP-th one.
 * usage: sim_db DB N [SKIP]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/tuner.h"

static double made_up_ns(const kiln_config *c)
{
    long long tile = kiln_config_get(c, "tile", 1), wpt = kiln_config_get(c, "wpt", 1);
    long long vec = kiln_config_get(c, "vec", 1), unroll = kiln_config_get(c, "unroll", 1);
    long long local = kiln_config_get(c, "local", 0);
    double t = 1e5 / ((double)tile * sqrt((double)wpt) * pow((double)vec, 0.3));
    t *= local ? 0.7 : 1.0;
    t *= 1 + 0.1 * fabs(log2((double)unroll) - 2);
    t *= 1 + 0.02 * fabs((double)tile - 16);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sim_db DB N [SKIP]\n");
        return 2;
    }
    char err[512], size_text[32];
    kiln_size size = {.ndims = 1, .d = {atoll(argv[2]), 1, 1}};
    int skip = argc > 3 ? atoi(argv[3]) : 0;
    const kiln_kernel *k = kiln_kernel_find("matmul");
    kiln_space *space = k ? kiln_space_new(k, &size, err, sizeof err) : NULL;
    kiln_db *db = space ? kiln_db_open(argv[1], err, sizeof err) : NULL;
    if (!db) {
        fprintf(stderr, "sim_db: %s\n", k ? err : "no matmul kernel");
        return 1;
    }
    kiln_device_info dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.backend, sizeof dev.backend, "opencl");
    snprintf(dev.platform, sizeof dev.platform, "Recorded Platform");
    snprintf(dev.name, sizeof dev.name, "Recorded GPU");
    snprintf(dev.driver, sizeof dev.driver, "1.0");
    snprintf(dev.fingerprint, sizeof dev.fingerprint, "5151515151515151");
    kiln_size_format(&size, size_text, sizeof size_text);
    int64_t device = kiln_db_device(db, &dev);
    int64_t run = kiln_db_run_begin(db, "matmul", device, "exhaustive", 0, 1, size_text, "sim_db");
    int written = 0, valid = 0;
    for (uint64_t i = 0; i < kiln_space_total(space); i++) {
        if (!kiln_space_index_valid(space, i))
            continue;
        if (skip > 0 && ++valid % skip == 0)
            continue;
        kiln_config c;
        char json[512];
        kiln_space_point(space, i, &c);
        kiln_config_json(&c, json, sizeof json);
        kiln_result r;
        memset(&r, 0, sizeof r);
        r.run_id = run;
        r.device_id = device;
        r.kernel = "matmul";
        r.lang = "cl";
        r.size = size_text;
        r.config_json = json;
        r.source_hash = "00112233aabbccdd";
        r.data_hash = "d0d0d0d0d0d0d0d0";
        /* a failing corner: eight rows of four-wide vectors per work-item */
        r.verdict = kiln_config_get(&c, "wpt", 1) == 8 && kiln_config_get(&c, "vec", 1) == 4 ? KILN_WRONG : KILN_OK;
        r.time.median_ns = r.time.min_ns = r.time.max_ns = made_up_ns(&c);
        r.time.samples = 5;
        r.worst_index = -1;
        if (kiln_db_result_add(db, &r) != 0) {
            fprintf(stderr, "sim_db: %s\n", kiln_db_errmsg(db));
            return 1;
        }
        written++;
    }
    kiln_db_run_end(db, run, "done");
    kiln_db_close(db);
    kiln_space_free(space);
    printf("%d\n", written);
    return 0;
}
