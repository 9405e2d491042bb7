/* The reference of saxpy_wpt.cl as a plain C99 function (one work-item runs it). */
void saxpy_ref(int n, float alpha, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = alpha * x[i] + y[i];
}

/* A reference that is wrong: every variant must then be. */
void saxpy_bad(int n, float alpha, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = alpha * x[i] - y[i];
}
