/*
 * lookup_cl.c: a looked-up variant built on the application's OpenCL
 * context (kiln/lookup_cl.h). The source is the one stored when it was
 * tuned, built with the options OpenCL variants are tuned with (none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/lookup_cl.h"
#include "autotuner/tuner_int.h"

cl_program kiln_choice_build_opencl(const kiln_choice *c, cl_context context, cl_device_id device, char *err,
                                    size_t errlen)
{
    const char *source = kiln_choice_source(c), *lang = kiln_choice_lang(c);
    if (!source) {
        kiln_tuner_errf(err, errlen, "the choice (%s) holds no variant source: nothing was tuned, or its source"
                        " was not kept", kiln_provenance_name(kiln_choice_provenance(c)));
        return NULL;
    }
    if (!lang || strcmp(lang, "cl") != 0) {
        kiln_tuner_errf(err, errlen, "the chosen variant is in language '%s', not OpenCL C ('cl'): build it with %s",
                        lang ? lang : "", lang && strcmp(lang, "c") == 0 ? "a C compiler" : "its own compiler");
        return NULL;
    }
    cl_int code = CL_SUCCESS;
    cl_program program = clCreateProgramWithSource(context, 1, &source, NULL, &code);
    if (!program) {
        kiln_tuner_errf(err, errlen, "clCreateProgramWithSource failed (%d)", (int)code);
        return NULL;
    }
    code = clBuildProgram(program, 1, &device, "", NULL, NULL);
    if (code == CL_SUCCESS)
        return program;
    size_t len = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &len) == CL_SUCCESS && len &&
        (log = calloc(len + 1, 1))) /* zeroed: a log that cannot be read is empty */
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, len, log, NULL);
    kiln_tuner_errf(err, errlen, "%s%sclBuildProgram failed (%d)", log ? log : "", log && *log ? "\n" : "", (int)code);
    free(log);
    clReleaseProgram(program);
    return NULL;
}
