/*
 * platform.c: finding and loading the real OpenCL platform for the daemon,
 * the way an ICD loader does (vendors folder -> library -> clIcdGetPlatformIDsKHR
 * -> dispatch table of the returned handle), but never the remoting ICD, and
 * probing whether the device computes in place on host-pointer buffers.
 */
#include "runtime/remote/daemon_int.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef cl_int (*icd_get_platforms_fn)(cl_uint, cl_platform_id *, cl_uint *);

static int probe_in_place(struct kr_platform *p)
{
    const struct _cl_icd_dispatch *D = p->D;
    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)p->platform, 0};
    cl_context ctx = D->clCreateContext(props, 1, p->devices, NULL, NULL, &err);
    if (!ctx)
        return 0;
    int in_place = 0;
    cl_command_queue q = D->clCreateCommandQueue(ctx, p->devices[0], 0, &err);
    void *host = aligned_alloc(4096, 4096);
    if (q && host) {
        memset(host, 0, 4096);
        cl_mem m = D->clCreateBuffer(ctx, CL_MEM_USE_HOST_PTR | CL_MEM_READ_WRITE, 4096, host, &err);
        if (m) {
            cl_uint pattern = 0x5a17c0deu;
            if (D->clEnqueueFillBuffer(q, m, &pattern, sizeof pattern, 0, 4096, 0, NULL, NULL) ==
                    CL_SUCCESS &&
                D->clFinish(q) == CL_SUCCESS) {
                const cl_uint *w = host;
                in_place = w[0] == pattern && w[1023] == pattern;
            }
            D->clReleaseMemObject(m);
        }
    }
    if (q)
        D->clReleaseCommandQueue(q);
    D->clReleaseContext(ctx);
    free(host);
    return in_place;
}

static int try_library(struct kr_platform *p, const char *lib, char *err, size_t errlen)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load %s: %s", lib, dlerror());
        return -1;
    }
    if (dlsym(h, "kiln_remote_icd_marker")) {
        snprintf(err, errlen, "%s is the remoting ICD itself; skipped", lib);
        dlclose(h);
        return -1;
    }
    icd_get_platforms_fn get = (icd_get_platforms_fn)dlsym(h, "clIcdGetPlatformIDsKHR");
    if (!get) {
        void *(*gefa)(const char *) = (void *(*)(const char *))dlsym(h, "clGetExtensionFunctionAddress");
        if (gefa)
            get = (icd_get_platforms_fn)gefa("clIcdGetPlatformIDsKHR");
    }
    cl_uint n = 0;
    cl_platform_id plat = NULL;
    if (!get || get(1, &plat, &n) != CL_SUCCESS || n == 0 || !plat) {
        snprintf(err, errlen, "%s has no ICD platform", lib);
        dlclose(h);
        return -1;
    }
    p->lib = h;
    p->platform = plat;
    p->D = *(const struct _cl_icd_dispatch **)plat;
    if (p->D->clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 16, p->devices, &p->ndevices) != CL_SUCCESS ||
        p->ndevices == 0) {
        snprintf(err, errlen, "%s: platform has no devices", lib);
        dlclose(h);
        memset(p, 0, sizeof *p);
        return -1;
    }
    if (p->ndevices > 16)
        p->ndevices = 16;
    snprintf(p->library, sizeof p->library, "%s", lib);
    p->in_place = probe_in_place(p);
    return 0;
}

int kr_platform_load(struct kr_platform *p, const char *vendors_dir, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    const char *dir = vendors_dir ? vendors_dir : "/etc/OpenCL/vendors";
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open vendors folder %s", dir);
        return -1;
    }
    struct dirent *e;
    int found = -1;
    snprintf(err, errlen, "no *.icd file in %s names a usable platform", dir);
    char names[64][256];
    int count = 0;
    while ((e = readdir(d)) && count < 64) {
        size_t len = strlen(e->d_name);
        if (len > 4 && len < 256 && strcmp(e->d_name + len - 4, ".icd") == 0)
            snprintf(names[count++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < count && found != 0; i++) {
        char path[4096 + 256], lib[512] = {0};
        if (strlen(dir) >= 4096)
            break;
        snprintf(path, sizeof path, "%.4095s/%.255s", dir, names[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(lib, sizeof lib, f))
            lib[0] = 0;
        fclose(f);
        lib[strcspn(lib, "\r\n")] = 0;
        if (lib[0])
            found = try_library(p, lib, err, errlen);
    }
    return found;
}

void kr_platform_unload(struct kr_platform *p)
{
    if (p->lib)
        dlclose(p->lib);
    memset(p, 0, sizeof *p);
}
