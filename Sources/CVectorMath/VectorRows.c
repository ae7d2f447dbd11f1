// Many rows of a broadcast float Add, Sub, Mul or Div in one call, for the interpreter's
// elementwise kernels.
//
// A [C] bias over an NHWC image is thousands of rows of 32 to 1024 elements; crossing from Swift
// into qdqc_binary_f32 once per row cost as much as the row's arithmetic. Each row is still
// exactly one qdqc_binary_f32 call, so the results are its bits.
#include "CVectorKernels.h"
#include "CVectorMath.h"

int qdqc_binary_rows_f32(int operation, const float *a, long rowStepA, long sa, const float *b, long rowStepB,
                         long sb, float *y, long rows, long inner) {
    for (long row = 0; row < rows; row++) {
        if (!qdqc_binary_f32(operation, a + row * rowStepA, sa, b + row * rowStepB, sb, y + row * inner, inner))
            return 0;
    }
    return 1;
}
