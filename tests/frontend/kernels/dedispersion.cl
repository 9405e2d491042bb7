// Brute-force dedispersion in the shape of BAT's dedispersion kernel: for
// every trial dispersion measure and output sample, the sum over channels of
// the input sample delayed by that channel's shift; SAMPLES_PER_ITEM samples
// per work-item, the channel loop unrolled UNROLL_CH times.
#ifndef SAMPLES_PER_ITEM
#define SAMPLES_PER_ITEM 1
#endif
#ifndef UNROLL_CH
#define UNROLL_CH 1
#endif

__kernel void dedispersion(const int nsamp, const int nin, const int nchan, __global const float *input,
                           __global const int *shifts, __global float *output)
{
    const int dm = get_global_id(1);
    const int s0 = get_global_id(0) * SAMPLES_PER_ITEM;
    for (int k = 0; k < SAMPLES_PER_ITEM; k++) {
        const int s = s0 + k;
        if (s >= nsamp)
            break;
        float sum = 0.0f;
        #pragma kiln unroll(UNROLL_CH)
        for (int ch = 0; ch < nchan; ch++)
            sum += input[ch * nin + s + shifts[dm * nchan + ch]];
        output[dm * nsamp + s] = sum;
    }
}
