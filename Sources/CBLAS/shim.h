#include <cblas.h>

/* LAPACK's Cholesky routines, which libopenblas exports (Debian's libopenblas-dev has no lapack.h
   on the default include path, so the two prototypes are declared here). Column-major, Fortran ABI. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* Stops OpenBLAS's worker threads (exported by libopenblas for its fork handler). With one thread
   set, no call starts them again; started at load, they spin in sched_yield for a while first. */
void blas_thread_shutdown_(void);
