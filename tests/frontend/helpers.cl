// A kernel calling functions of its file: they become kiln helpers.
float sq(float x) { return x * x; }
int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
float norm2(float a, float b) { return sqrt(sq(a) + sq(b)); }

__kernel void helpers(__global const float *x, __global float *y, const int n)
{
    const int i = clampi(get_global_id(0), 0, n - 1);
    y[i] = norm2(x[i], 2.0f) + sq(i);
}
