// cublas_sgemm.cu: the vendor peer for kiln's gemm on an NVIDIA GPU: cuBLAS
// SGEMM, C = A B, square n, row-major as kiln's (computed as the column-major
// C^T = B^T A^T, the same operation), alpha 1, beta 0, FP32 with TF32 off:
// CUBLAS_DEFAULT_MATH, in which SGEMM does not round its inputs to TF32 (run it
// with NVIDIA_TF32_OVERRIDE=0 so that no environment turns TF32 on).
// Timed with CUDA events, 3 warm-ups then REPS calls, one event pair each.
// usage: cublas_sgemm N [REPS] -> "cublas sgemm n=N reps=R median_ms=.. min_ms=.. max_ms=.. tflops=.."
// build: nvcc -O3 -o cublas_sgemm cublas_sgemm.cu -lcublas
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cublas_v2.h>
#include <cuda_runtime.h>

__global__ void fill(float *p, long n, unsigned seed)
{
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        unsigned s = (unsigned)i * 2654435761u + seed;
        s ^= s >> 13;
        s *= 1274126177u;
        p[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 4096;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    if (n <= 0 || reps < 1)
        return 2;
    float *a, *b, *c;
    if (cudaMalloc(&a, n * n * 4) || cudaMalloc(&b, n * n * 4) || cudaMalloc(&c, n * n * 4)) {
        fprintf(stderr, "cudaMalloc failed\n");
        return 1;
    }
    fill<<<1024, 256>>>(a, n * n, 1);
    fill<<<1024, 256>>>(b, n * n, 2);
    cublasHandle_t h;
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) {
        fprintf(stderr, "cublasCreate failed\n");
        return 1;
    }
    cublasSetMathMode(h, CUBLAS_DEFAULT_MATH); // not CUBLAS_TF32_TENSOR_OP_MATH
    const float one = 1.0f, zero = 0.0f;
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    std::vector<double> ms;
    for (int r = -3; r < reps; r++) {
        cudaEventRecord(e0);
        cublasStatus_t st = cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, (int)n, (int)n, (int)n, &one, b, (int)n, a,
                                        (int)n, &zero, c, (int)n);
        cudaEventRecord(e1);
        cudaEventSynchronize(e1);
        if (st != CUBLAS_STATUS_SUCCESS) {
            fprintf(stderr, "cublasSgemm failed: %d\n", (int)st);
            return 1;
        }
        float t;
        cudaEventElapsedTime(&t, e0, e1);
        if (r >= 0)
            ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    double med = reps % 2 ? ms[reps / 2] : 0.5 * (ms[reps / 2 - 1] + ms[reps / 2]);
    int mode = 0;
    cublasGetMathMode(h, (cublasMath_t *)&mode);
    printf("cublas sgemm n=%ld reps=%d math_mode=%d median_ms=%.4f min_ms=%.4f max_ms=%.4f tflops=%.3f\n", n, reps,
           mode, med, ms.front(), ms.back(), 2.0 * n * n * n / (med * 1e-3) * 1e-12);
    cublasDestroy(h);
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
    return 0;
}
