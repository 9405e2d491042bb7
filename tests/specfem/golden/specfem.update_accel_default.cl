__kernel __attribute__((reqd_work_group_size(128, 1, 1)))
void specfem_update_accel(int nglob, __global float *restrict accel, __global const float *restrict rmass)
{
    const int gid = (int)(long)get_global_id(0);
    if (gid < nglob) {
        const float r = rmass[gid];
        accel[gid * 3] *= r;
        accel[gid * 3 + 1] *= r;
        accel[gid * 3 + 2] *= r;
    }
}
