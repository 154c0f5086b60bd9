// OpenBLAS's CBLAS interface plus its thread knob (openblas_set_num_threads).
#include <cblas.h>
