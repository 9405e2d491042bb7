__kernel void walk(__global int *a, const int n)
{
    int i = 0;
    while (i < n) {
        if (a[i] < 0)
            goto done;
        i++;
    }
done:
    a[0] = i;
}
