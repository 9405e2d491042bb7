# Sourced by the GPU scripts, with $work a scratch folder: NVIDIA's OpenCL reached
# through the ocl-icd loader (which reads OCL_ICD_VENDORS) put first on the library
# path, and kiln's binary cache kept in $work.
mkdir -p "$work/vendors"; echo libnvidia-opencl.so.1 > "$work/vendors/nvidia.icd"
export OCL_ICD_VENDORS=$work/vendors
for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
  [ -e $d/libOpenCL.so.1 ] && { ln -sf $d/libOpenCL.so.1 "$work/libOpenCL.so.1"; break; }
done
export LD_LIBRARY_PATH=$work${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export KILN_CACHE_DIR=$work/cache
