__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void triad(int n, __global float *restrict a, __global const float *restrict b, __global const float *restrict c, float s)
{
    // vec 1, per_item 1, wg 256
    const int items = n;
    const int gid = (int)(long)get_global_id(0);
    const float sv = s;
    if (gid < items) {
        {
            const int i = gid + 0 * items;
            a[i] = b[i] + sv * c[i];
        }
    }
}
