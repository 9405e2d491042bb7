__kernel __attribute__((reqd_work_group_size(128, 1, 1)))
void specfem_update_disp_veloc(int n, __global float *restrict displ, __global float *restrict veloc, __global float *restrict accel, float deltat, float deltatsqover2, float deltatover2)
{
    // vec 4, wg 128
    const int gid = (int)(long)get_global_id(0);
    const int whole = n / 4;
    if (gid < whole) {
        const int at = gid * 4;
        const float4 v = vload4(0, veloc + at);
        const float4 a = vload4(0, accel + at);
        vstore4(vload4(0, displ + at) + ((float4)(deltat) * v + (float4)(deltatsqover2) * a), 0, displ + at);
        vstore4(v + (float4)(deltatover2) * a, 0, veloc + at);
        vstore4((float4)(0.0f), 0, accel + at);
    } else {
        if (gid == whole) {
            for (int r = whole * 4; r < n; r += 1) {
                const float v = veloc[r];
                const float a = accel[r];
                displ[r] = displ[r] + (deltat * v + deltatsqover2 * a);
                veloc[r] = v + deltatover2 * a;
                accel[r] = 0.0f;
            }
        }
    }
}
