/* fuzz_trace.c: libFuzzer entry point over the trace reader (tests/regress/fuzz.sh). */
#include "fuzz_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_trace_one(data, size);
    return 0;
}
