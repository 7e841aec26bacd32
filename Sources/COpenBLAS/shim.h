// COpenBLAS: CBLAS from Debian's libopenblas-dev (pkg-config `openblas`), which also
// declares openblas_set_num_threads / openblas_get_num_threads. Nothing else lives here.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
#endif
