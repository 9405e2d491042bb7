static inline int kiln_modp_i32(int a, int b)
{
    int r = a % b;
    return select(r, r + b, (int)(r < 0));
}

__kernel void arith(int n, __global const float *restrict a, __global float *restrict b, __global int *restrict m)
{
    int i = (int)(long)get_global_id(0);
    // guard the tail
    if (i >= n) {
        return;
    }
    float x = a[i];
    float y = (x * 2.0f + 1.0f) / (x - 3.0f);
    y += x - (y - 0.5f);
    int w = kiln_modp_i32(i - 5, 7);
    int s = w < 3 && (i != 0 || n == 1) ? (w << 2) & 255 : -(-w);
    s ^= i >> 1;
    s %= 1000;
    int j = 0;
    while (j < 4) {
        j += 1;
    }
    if (!(y < 0.0f)) {
        b[i] = y + (float)s;
    } else {
        b[i] = -y;
    }
    m[i] = m[i] + (j | ~-2);
}
