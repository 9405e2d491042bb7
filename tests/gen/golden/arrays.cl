__constant float w[12] = {
    1.0f, -2.0f, 3.0f, -4.0f, 5.0f, -6.0f, 7.0f, -8.0f,
    9.0f, -1e+01f, 11.0f, -12.0f
};

__kernel void arrays(int n, __global const float *restrict a, __global float *restrict b)
{
    float tmp[12];
    int i = (int)(long)get_global_id(0);
    for (int r = 0; r < 3; r += 1) {
        for (int q = 0; q < 4; q += 1) {
            tmp[r * 4 + q] = a[i] * (float)r + (float)q;
        }
    }
    float acc = 0.0f;
    for (int q = 0; q < 4; q += 1) {
        for (int r = 0; r < 3; r += 1) {
            acc += tmp[r * 4 + q] * w[r * 4 + q];
        }
    }
    b[i] = acc;
}
