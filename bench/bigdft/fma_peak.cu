// fma_peak.cu: the GPU's f64 FMA peak as independent chains of fused
// multiply-adds (8 per thread, 2 flops each), timed with CUDA events.
// usage: fma_peak ITERATIONS REPS -> prints "median_GFLOPs min max"
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHAINS 8

__global__ void chains(double *out, long iters, double a, double b)
{
    double acc[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        acc[c] = threadIdx.x * 1e-3 + c;
    for (long i = 0; i < iters; i++)
        for (int c = 0; c < CHAINS; c++)
            acc[c] = fma(acc[c], a, b);
    double s = 0.0;
    for (int c = 0; c < CHAINS; c++)
        s += acc[c];
    out[blockIdx.x * (long)blockDim.x + threadIdx.x] = s;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 20000;
    int reps = argc > 2 ? atoi(argv[2]) : 9;
    int sms = 0;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    int blocks = sms * 8, threads = 256;
    double *out;
    cudaMalloc(&out, sizeof(double) * blocks * threads);
    cudaEvent_t t0, t1;
    cudaEventCreate(&t0);
    cudaEventCreate(&t1);
    chains<<<blocks, threads>>>(out, iters / 10, 1.0000001, 1e-9);
    std::vector<double> g;
    for (int r = 0; r < reps; r++) {
        cudaEventRecord(t0);
        chains<<<blocks, threads>>>(out, iters, 1.0000001, 1e-9);
        cudaEventRecord(t1);
        cudaEventSynchronize(t1);
        float ms = 0;
        cudaEventElapsedTime(&ms, t0, t1);
        g.push_back(2.0 * CHAINS * iters * (double)blocks * threads / (ms * 1e-3) * 1e-9);
    }
    std::sort(g.begin(), g.end());
    printf("%.1f %.1f %.1f\n", g[reps / 2], g[0], g[reps - 1]);
    cudaFree(out);
    return 0;
}
