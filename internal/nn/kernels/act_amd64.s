// Activation kernels with AVX2 and FMA; the contracts are the Go references
// in act.go, which these follow operation for operation. Go's operand order
// is Intel's reversed: VFMADD213PS m, Y1, Y2 is vfmadd213ps ymm2, ymm1, m =
// Y1*Y2 + m, VFMADD231PS Y11, Y2, Y3 is Y2*Y11 + Y3; VMAXPS Y1, Y9, Y1 is
// vmaxps ymm1, ymm9, ymm1 = (Y9 > Y1) ? Y9 : Y1, which passes a NaN in Y1
// through (max32 in act.go).

#include "textflag.h"

// func tanhAVX2(dst, x *float32, n int, tab *[8]float32)
// tab rows (32 bytes each): sign bit, -2·tanhClamp, log2e, -ln2Hi, -ln2Lo,
// c7, c6, c5, c4, c3, 0.5, 1, -2, int32 127.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ tab+24(FP), R8
	VMOVUPS 0(R8), Y8    // sign bit
	VMOVUPS 32(R8), Y9   // -2·tanhClamp
	VMOVUPS 64(R8), Y10  // log2e
	VMOVUPS 96(R8), Y11  // -ln2Hi
	VMOVUPS 128(R8), Y12 // -ln2Lo
	VMOVUPS 160(R8), Y15 // c7
	VMOVUPS 352(R8), Y13 // 1
	VMOVUPS 384(R8), Y7  // -2
	VMOVUPS 416(R8), Y14 // 127
tanhLoop:
	VMOVUPS (SI), Y0
	VORPS Y8, Y0, Y1  // v = -|x|
	VADDPS Y1, Y1, Y1 // v+v
	VMAXPS Y1, Y9, Y1 // t = max32(-2·tanhClamp, v+v)
	VMULPS Y10, Y1, Y2
	VROUNDPS $0, Y2, Y2 // k = round to even (t*log2e)
	VMOVAPS Y1, Y3
	VFMADD231PS Y11, Y2, Y3 // r = k*(-ln2Hi) + t
	VFMADD231PS Y12, Y2, Y3 // r = k*(-ln2Lo) + r
	VMOVAPS Y15, Y4
	VFMADD213PS 192(R8), Y3, Y4 // p = c7*r + c6
	VFMADD213PS 224(R8), Y3, Y4 // + c5
	VFMADD213PS 256(R8), Y3, Y4 // + c4
	VFMADD213PS 288(R8), Y3, Y4 // + c3
	VFMADD213PS 320(R8), Y3, Y4 // + 0.5
	VMULPS Y3, Y3, Y5
	VFMADD213PS Y3, Y5, Y4 // e = (r*r)*p + r
	VCVTTPS2DQ Y2, Y5
	VPADDD Y14, Y5, Y5
	VPSLLD $23, Y5, Y5     // s = 2^k
	VSUBPS Y13, Y5, Y6     // s-1
	VFMADD213PS Y6, Y5, Y4 // m = s*e + (s-1)
	VSUBPS Y4, Y7, Y6      // -2-m
	VDIVPS Y6, Y4, Y4      // m / (-2-m)
	VANDNPS Y4, Y8, Y4     // |y| (y is -0 for x = ±0)
	VANDPS Y8, Y0, Y0
	VORPS Y0, Y4, Y4       // with x's sign
	VMOVUPS Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ tanhLoop
	VZEROUPPER
	RET

// func sigmoidAVX2(dst, x *float32, n int, tab *[8]float32)
// tab rows: sign bit, sigMin, log2e, -ln2Hi, -ln2Lo, c6, c5, c4, c3, c2, 1,
// int32 127.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ tab+24(FP), R8
	VMOVUPS 0(R8), Y8    // sign bit
	VMOVUPS 32(R8), Y9   // sigMin
	VMOVUPS 64(R8), Y10  // log2e
	VMOVUPS 96(R8), Y11  // -ln2Hi
	VMOVUPS 128(R8), Y12 // -ln2Lo
	VMOVUPS 160(R8), Y15 // c6
	VMOVUPS 320(R8), Y13 // 1
	VMOVUPS 352(R8), Y14 // 127
sigLoop:
	VMOVUPS (SI), Y0
	VORPS Y8, Y0, Y1  // -|x|
	VMAXPS Y1, Y9, Y1 // v = max32(sigMin, -|x|)
	VMULPS Y10, Y1, Y2
	VROUNDPS $0, Y2, Y2 // k = round to even (v*log2e)
	VMOVAPS Y1, Y3
	VFMADD231PS Y11, Y2, Y3 // r = k*(-ln2Hi) + v
	VFMADD231PS Y12, Y2, Y3 // r = k*(-ln2Lo) + r
	VMOVAPS Y15, Y4
	VFMADD213PS 192(R8), Y3, Y4 // p = c6*r + c5
	VFMADD213PS 224(R8), Y3, Y4 // + c4
	VFMADD213PS 256(R8), Y3, Y4 // + c3
	VFMADD213PS 288(R8), Y3, Y4 // + c2
	VFMADD213PS Y13, Y3, Y4     // p*r + 1
	VFMADD213PS Y13, Y3, Y4     // p*r + 1
	VCVTTPS2DQ Y2, Y5
	VPADDD Y14, Y5, Y5
	VPSLLD $23, Y5, Y5  // 2^k
	VMULPS Y5, Y4, Y4   // z = p * 2^k
	VCMPPS $6, Y9, Y1, Y6 // !(v <= sigMin), true for NaN (NLE_UQ)
	VANDPS Y6, Y4, Y4   // z = 0 where v <= sigMin
	VADDPS Y13, Y4, Y6  // 1 + z
	VBLENDVPS Y0, Y4, Y13, Y7 // x's sign bit ? z : 1
	VDIVPS Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ sigLoop
	VZEROUPPER
	RET

// ONE sets Y0 to 1.0 in every lane.
#define ONE \
	MOVL $0x3f800000, AX \
	MOVL AX, X0 \
	VBROADCASTSS X0, Y0

// func tanhBackwardAVX2(dx, y, dout *float32, n int)
TEXT ·tanhBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ dout+16(FP), DX
	MOVQ n+24(FP), CX
	ONE
tbLoop:
	VMOVUPS (SI), Y1
	VSUBPS Y1, Y0, Y2 // 1-y
	VADDPS Y1, Y0, Y3 // 1+y
	VMULPS Y3, Y2, Y2
	VMULPS (DX), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ tbLoop
	VZEROUPPER
	RET

// func sigmoidBackwardAVX2(dx, y, dout *float32, n int)
TEXT ·sigmoidBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ dout+16(FP), DX
	MOVQ n+24(FP), CX
	ONE
sbLoop:
	VMOVUPS (SI), Y1
	VSUBPS Y1, Y0, Y2 // 1-y
	VMULPS Y2, Y1, Y2 // y*(1-y)
	VMULPS (DX), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ sbLoop
	VZEROUPPER
	RET
