static inline int kiln_modp_i32(int a, int b)
{
    int r = a % b;
    return select(r, r + b, (int)(r < 0));
}

__constant float taps[5] = {
    0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f
};

float weight(float t)
{
    return t * t;
}

__kernel __attribute__((reqd_work_group_size(16, 1, 1)))
void stencil(int n, __global const float *restrict a, __global float *restrict b)
{
    float tmp[6];
    int i = (int)(long)get_global_id(0);
    float acc = 0.0f;
    {
        acc += taps[0] * a[kiln_modp_i32(i + -2, n)];
    }
    {
        acc += taps[1] * a[kiln_modp_i32(i + -1, n)];
    }
    {
        acc += taps[2] * a[kiln_modp_i32(i, n)];
    }
    {
        acc += taps[3] * a[kiln_modp_i32(i + 1, n)];
    }
    {
        acc += taps[4] * a[kiln_modp_i32(i + 2, n)];
    }
    tmp[5] = weight(acc);
    b[i] = tmp[5];
}
