// cuda_triad.cu: the bandwidth peer for kiln's triad on an NVIDIA GPU:
// a[i] = b[i] + s*c[i], f32, grid-stride, timed with CUDA events.
// usage: cuda_triad N REPS -> prints "median_GBs min_GBs max_GBs" (3 arrays * 4 B per element)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

__global__ void triad(float *a, const float *b, const float *c, float s, long n)
{
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
        a[i] = b[i] + s * c[i];
}

__global__ void fill(float *p, float v, long n)
{
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
        p[i] = v;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1L << 26;
    int reps = argc > 2 ? atoi(argv[2]) : 30;
    float *a, *b, *c;
    if (cudaMalloc(&a, n * 4) || cudaMalloc(&b, n * 4) || cudaMalloc(&c, n * 4))
        return 1;
    int sms;
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    int blocks = sms * 8;
    fill<<<blocks, 256>>>(b, 1.0f, n);
    fill<<<blocks, 256>>>(c, 2.0f, n);
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    std::vector<double> gbs;
    for (int r = -3; r < reps; r++) {
        cudaEventRecord(e0);
        triad<<<blocks, 256>>>(a, b, c, 3.0f, n);
        cudaEventRecord(e1);
        cudaEventSynchronize(e1);
        float ms;
        cudaEventElapsedTime(&ms, e0, e1);
        if (r >= 0)
            gbs.push_back(3.0 * 4.0 * n / (ms * 1e-3) * 1e-9);
    }
    float h;
    cudaMemcpy(&h, a + n / 2, 4, cudaMemcpyDeviceToHost);
    if (h != 7.0f)
        return 2;
    std::sort(gbs.begin(), gbs.end());
    printf("%.1f %.1f %.1f\n", gbs[gbs.size() / 2], gbs[0], gbs.back());
    return 0;
}
