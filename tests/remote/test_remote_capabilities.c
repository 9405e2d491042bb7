/*
 * test_remote_capabilities.c: the remoted device reports what the remoting
 * implements, next to the same device seen natively: OpenCL 1.2 (platform,
 * device and C versions), no images or samplers (zero limits), no sub-devices,
 * no built-in kernels, queries of OpenCL 2.0 and later (SVM, pipes, 3.0
 * capabilities) refused as by a 1.2 device, and only kernel-language
 * extensions, all of which the real device has.
 */
/* The queries of OpenCL 2.0 and 3.0 must be spelled to be asked. */
#undef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 300
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS /* the harness creates queues as a 1.2 program does */
#include "check.h"
#include "harness.h"

static int version_at_most_1_2(const char *text, const char *prefix)
{
    int major = 0, minor = 0;
    size_t n = strlen(prefix);
    return strncmp(text, prefix, n) == 0 && sscanf(text + n, "%d.%d", &major, &minor) == 2 &&
           major * 10 + minor <= 12 && major >= 1;
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return 1;
    return 0;
}

static void check_versions(cl_platform_id p, cl_device_id d)
{
    char text[1024] = {0};
    size_t len = 0;
    CHECK(clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof text, text, NULL) == CL_SUCCESS);
    CHECK_MSG(version_at_most_1_2(text, "OpenCL "), "platform version: %s", text);
    CHECK(clGetDeviceInfo(d, CL_DEVICE_VERSION, sizeof text, text, &len) == CL_SUCCESS);
    CHECK_MSG(strncmp(text, "OpenCL 1.2 ", 11) == 0, "device version: %s", text);
    CHECK_MSG(len == strlen(text) + 1, "device version size %zu for %zu characters", len, strlen(text));
    CHECK(clGetDeviceInfo(d, CL_DEVICE_OPENCL_C_VERSION, sizeof text, text, NULL) == CL_SUCCESS);
    CHECK_MSG(version_at_most_1_2(text, "OpenCL C "), "OpenCL C version: %s", text);
}

static void check_withheld(cl_device_id d)
{
    cl_bool images = CL_TRUE;
    CHECK(clGetDeviceInfo(d, CL_DEVICE_IMAGE_SUPPORT, sizeof images, &images, NULL) == CL_SUCCESS);
    CHECK_MSG(images == CL_FALSE, "the remoted device claims image support");
    cl_uint u = 7;
    CHECK(clGetDeviceInfo(d, CL_DEVICE_MAX_READ_IMAGE_ARGS, sizeof u, &u, NULL) == CL_SUCCESS && u == 0);
    CHECK(clGetDeviceInfo(d, CL_DEVICE_MAX_SAMPLERS, sizeof u, &u, NULL) == CL_SUCCESS && u == 0);
    CHECK(clGetDeviceInfo(d, CL_DEVICE_PARTITION_MAX_SUB_DEVICES, sizeof u, &u, NULL) == CL_SUCCESS && u == 0);
    size_t z = 7;
    CHECK(clGetDeviceInfo(d, CL_DEVICE_IMAGE2D_MAX_WIDTH, sizeof z, &z, NULL) == CL_SUCCESS && z == 0);
    CHECK(clGetDeviceInfo(d, CL_DEVICE_IMAGE_MAX_BUFFER_SIZE, sizeof z, &z, NULL) == CL_SUCCESS && z == 0);
    char builtins[256] = "x";
    CHECK(clGetDeviceInfo(d, CL_DEVICE_BUILT_IN_KERNELS, sizeof builtins, builtins, NULL) == CL_SUCCESS);
    CHECK_MSG(builtins[0] == 0, "built-in kernels offered: %s", builtins);

    static const cl_device_info later[] = {CL_DEVICE_SVM_CAPABILITIES, CL_DEVICE_MAX_PIPE_ARGS,
                                           CL_DEVICE_QUEUE_ON_DEVICE_MAX_SIZE, CL_DEVICE_IL_VERSION,
                                           CL_DEVICE_NUMERIC_VERSION, CL_DEVICE_OPENCL_C_ALL_VERSIONS,
                                           CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES, CL_DEVICE_PIPE_SUPPORT};
    for (size_t i = 0; i < sizeof later / sizeof *later; i++) {
        unsigned char buf[4096];
        size_t n = 0;
        CHECK_MSG(clGetDeviceInfo(d, later[i], sizeof buf, buf, &n) == CL_INVALID_VALUE,
                  "device info 0x%x (OpenCL 2.0 or later) answered", (unsigned)later[i]);
    }
}

static void check_extensions(cl_device_id remote, cl_device_id native)
{
    char r[8192] = {0}, n[8192] = {0};
    CHECK(clGetDeviceInfo(remote, CL_DEVICE_EXTENSIONS, sizeof r, r, NULL) == CL_SUCCESS);
    CHECK(clGetDeviceInfo(native, CL_DEVICE_EXTENSIONS, sizeof n, n, NULL) == CL_SUCCESS);
    static const char *const refused[] = {"image", "il_program", "spir", "subgroups", "svm", "device_uuid",
                                          "extended_versioning", "command_buffer", "pocl_content_size"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK_MSG(!strstr(r, refused[i]), "an extension with '%s' in its name is offered: %s", refused[i], r);
    char copy[8192];
    snprintf(copy, sizeof copy, "%s", r);
    int count = 0;
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), count++)
        CHECK_MSG(has_word(n, w), "%s offered remoted but not by the real device", w);
    if (has_word(n, "cl_khr_fp64"))
        CHECK_MSG(has_word(r, "cl_khr_fp64"), "cl_khr_fp64 filtered out: %s", r);
    if (has_word(n, "cl_khr_int64_base_atomics"))
        CHECK_MSG(has_word(r, "cl_khr_int64_base_atomics"), "cl_khr_int64_base_atomics filtered out: %s", r);
    CHECK_MSG(count > 0, "no extension left: %s", r);
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(100);
    cl_platform_id rp = harness_platform("kiln-remote"), np = harness_native_platform();
    CHECK(rp && np);
    cl_device_id rd = NULL, nd = NULL;
    CHECK(rp && clGetDeviceIDs(rp, CL_DEVICE_TYPE_ALL, 1, &rd, NULL) == CL_SUCCESS);
    CHECK(np && clGetDeviceIDs(np, CL_DEVICE_TYPE_ALL, 1, &nd, NULL) == CL_SUCCESS);
    if (rd && nd) {
        check_versions(rp, rd);
        check_withheld(rd);
        check_extensions(rd, nd);
    }
    harness_stop(&h);
    CHECK_DONE();
}
