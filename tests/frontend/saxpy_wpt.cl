// y = alpha * x + y with WPT elements per work-item. FORGET_LAST drops the
// last element of each work-item when WPT is 4: a variant that is wrong on
// purpose, which tuning must catch against the default variant's results.
#ifndef FORGET_LAST
#define FORGET_LAST 0
#endif
__kernel void saxpy(const int n, const float alpha, __global const float *x, __global float *y)
{
    const int base = get_global_id(0) * WPT;
    const int count = FORGET_LAST && WPT == 4 ? WPT - 1 : WPT;
    #pragma kiln unroll(UNROLL)
    for (int w = 0; w < count; w++) {
        const int i = base + w;
        if (i < n)
            y[i] = alpha * x[i] + y[i];
    }
}
