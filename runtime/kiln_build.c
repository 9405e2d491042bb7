/*
 * kiln_build.c: the kiln-build program, a build process of kiln's OpenCL
 * backend (build_pool.c): started by kiln, never by hand.
 */
#include "runtime/rt_int.h"

int main(int argc, char **argv)
{
    return kiln_build_helper_main(argc, argv);
}
