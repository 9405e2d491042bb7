// 2-D convolution of an image with an FW x FH filter, in the shape of BAT's
// convolution kernel: each work-item computes TILE_X x TILE_Y outputs.
#ifndef FW
#define FW 5
#endif
#ifndef FH
#define FH 5
#endif
#ifndef TILE_X
#define TILE_X 1
#endif
#ifndef TILE_Y
#define TILE_Y 1
#endif

__kernel void convolution(const int w, const int h, __global float *output, __global const float *input,
                          __global const float *filter)
{
    const int x0 = get_global_id(0) * TILE_X;
    const int y0 = get_global_id(1) * TILE_Y;
    const int iw = w + FW - 1;
    for (int ty = 0; ty < TILE_Y; ty++) {
        for (int tx = 0; tx < TILE_X; tx++) {
            const int x = x0 + tx;
            const int y = y0 + ty;
            if (x >= w || y >= h)
                continue;
            float sum = 0.0f;
            #pragma kiln unroll(UNROLL_FH)
            for (int j = 0; j < FH; j++) {
                for (int i = 0; i < FW; i++)
                    sum += input[(y + j) * iw + x + i] * filter[j * FW + i];
            }
            output[y * w + x] = sum;
        }
    }
}
