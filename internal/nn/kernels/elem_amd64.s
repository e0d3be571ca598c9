// Elementwise AVX2 kernels; the contracts are the Go references in elem.go.
// Go's operand order is Intel's reversed: VMAXPS Y1, Y0, Y1 is
// vmaxps ymm1, ymm0, ymm1 = (0 > x) ? 0 : x, which passes NaN through.

#include "textflag.h"

// ZERO8 zeroes Y0-Y7, the float64 lane sums of the DotDev64 kernels.
#define ZERO8 \
	VXORPD Y0, Y0, Y0 \
	VXORPD Y1, Y1, Y1 \
	VXORPD Y2, Y2, Y2 \
	VXORPD Y3, Y3, Y3 \
	VXORPD Y4, Y4, Y4 \
	VXORPD Y5, Y5, Y5 \
	VXORPD Y6, Y6, Y6 \
	VXORPD Y7, Y7, Y7

// func reluAVX2(dst, x *float32, n int)
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
reluLoop:
	VMOVUPS (SI), Y1
	VMAXPS Y1, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ reluLoop
	VZEROUPPER
	RET

// func reluBackwardAVX2(dx, y, dout *float32, n int)
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ dout+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y0, Y0, Y0
rbLoop:
	VMOVUPS (SI), Y1
	VCMPPS $0x1e, Y0, Y1, Y2 // y > 0, ordered (false for NaN)
	VANDPS (DX), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ rbLoop
	VZEROUPPER
	RET

// func addAVX2(dst, a, b *float32, n int, relu bool)
TEXT ·addAVX2(SB), NOSPLIT, $0-33
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX relu+32(FP), R8
	VXORPS Y0, Y0, Y0
	TESTQ R8, R8
	JNZ addReluLoop
addLoop:
	VMOVUPS (SI), Y1
	VADDPS (DX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ addLoop
	VZEROUPPER
	RET
addReluLoop:
	VMOVUPS (SI), Y1
	VADDPS (DX), Y1, Y1
	VMAXPS Y1, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ addReluLoop
	VZEROUPPER
	RET

// func scaleShiftAVX2(dst, x *float32, n int, mu, s, t float32, relu bool)
TEXT ·scaleShiftAVX2(SB), NOSPLIT, $0-37
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y2
	VBROADCASTSS s+28(FP), Y3
	VBROADCASTSS t+32(FP), Y4
	MOVBLZX relu+36(FP), R8
	VXORPS Y0, Y0, Y0
	TESTQ R8, R8
	JNZ ssReluLoop
ssLoop:
	VMOVUPS (SI), Y1
	VSUBPS Y2, Y1, Y1
	VMULPS Y3, Y1, Y1
	VADDPS Y4, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ ssLoop
	VZEROUPPER
	RET
ssReluLoop:
	VMOVUPS (SI), Y1
	VSUBPS Y2, Y1, Y1
	VMULPS Y3, Y1, Y1
	VADDPS Y4, Y1, Y1
	VMAXPS Y1, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ ssReluLoop
	VZEROUPPER
	RET

// func scaleShiftAddAVX2(dst, x, a *float32, n int, mu, s, t float32, relu bool)
TEXT ·scaleShiftAddAVX2(SB), NOSPLIT, $0-45
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Y2
	VBROADCASTSS s+36(FP), Y3
	VBROADCASTSS t+40(FP), Y4
	MOVBLZX relu+44(FP), R8
	VXORPS Y0, Y0, Y0
	TESTQ R8, R8
	JNZ ssaReluLoop
ssaLoop:
	VMOVUPS (SI), Y1
	VSUBPS Y2, Y1, Y1
	VMULPS Y3, Y1, Y1
	VADDPS Y4, Y1, Y1
	VADDPS (DX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ ssaLoop
	VZEROUPPER
	RET
ssaReluLoop:
	VMOVUPS (SI), Y1
	VSUBPS Y2, Y1, Y1
	VMULPS Y3, Y1, Y1
	VADDPS Y4, Y1, Y1
	VADDPS (DX), Y1, Y1
	VMAXPS Y1, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ ssaReluLoop
	VZEROUPPER
	RET

// func addReLUBackwardAVX2(dst, a, y, dout *float32, n int)
TEXT ·addReLUBackwardAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ dout+24(FP), R9
	MOVQ n+32(FP), CX
	VXORPS Y0, Y0, Y0
arbLoop:
	VMOVUPS (DX), Y1
	VCMPPS $0x1e, Y0, Y1, Y2 // y > 0, ordered (false for NaN)
	VANDPS (R9), Y2, Y2      // dout there, +0 elsewhere
	VMOVUPS (SI), Y3
	VADDPS Y2, Y3, Y2        // a + g, a first as in addAVX2 (NaN payloads)
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R9
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ arbLoop
	VZEROUPPER
	RET

// func bnBackwardAVX2(dst, d, x *float32, n int, mu, a, b, c float32)
TEXT ·bnBackwardAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Y1
	VBROADCASTSS a+36(FP), Y2
	VBROADCASTSS b+40(FP), Y3
	VBROADCASTSS c+44(FP), Y4
bnbLoop:
	VMULPS (SI), Y2, Y5
	VMOVUPS (DX), Y6
	VSUBPS Y1, Y6, Y6
	VMULPS Y3, Y6, Y6
	VADDPS Y6, Y5, Y5
	VADDPS Y4, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ bnbLoop
	VZEROUPPER
	RET

// REDUCE4 sets X0 to ((Y0+Y1)+Y2)+Y3 reduced as lanes16 does:
// (s0+s2)+(s1+s3).
#define REDUCE4(a, b, c, d, x) \
	VADDPD b, a, a \
	VADDPD c, a, a \
	VADDPD d, a, a \
	VEXTRACTF128 $1, a, X15 \
	VADDPD X15, x, x \
	VPERMILPD $1, x, X14 \
	VADDSD X14, x, x

// END2 ends a DotDev64 kernel: its lane sums Y0-Y3 and Y4-Y7 reduced to
// X0 and X4 and stored at sd and sdx.
#define END2(sd, sdx) \
	REDUCE4(Y0, Y1, Y2, Y3, X0) \
	REDUCE4(Y4, Y5, Y6, Y7, X4) \
	VZEROUPPER \
	MOVSD X0, sd \
	MOVSD X4, sdx

// func sum64AVX2(x *float32, n int) float64
TEXT ·sum64AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
sumLoop:
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VCVTPS2PD 32(SI), Y6
	VCVTPS2PD 48(SI), Y7
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ sumLoop
	REDUCE4(Y0, Y1, Y2, Y3, X0)
	VZEROUPPER
	MOVSD X0, ret+16(FP)
	RET

// func sqDev64AVX2(x *float32, n int, mu float64) float64
TEXT ·sqDev64AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSD mu+16(FP), Y8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
sqLoop:
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VCVTPS2PD 32(SI), Y6
	VCVTPS2PD 48(SI), Y7
	VSUBPD Y8, Y4, Y4
	VSUBPD Y8, Y5, Y5
	VSUBPD Y8, Y6, Y6
	VSUBPD Y8, Y7, Y7
	VMULPD Y4, Y4, Y4
	VMULPD Y5, Y5, Y5
	VMULPD Y6, Y6, Y6
	VMULPD Y7, Y7, Y7
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ sqLoop
	REDUCE4(Y0, Y1, Y2, Y3, X0)
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET

// func dotDev64AVX2(d, x *float32, n int, mu float64) (sd, sdx float64)
TEXT ·dotDev64AVX2(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), SI
	MOVQ x+8(FP), DX
	MOVQ n+16(FP), CX
	VBROADCASTSD mu+24(FP), Y8
	ZERO8
ddLoop:
	VCVTPS2PD (SI), Y9
	VCVTPS2PD 16(SI), Y10
	VCVTPS2PD (DX), Y11
	VCVTPS2PD 16(DX), Y12
	VADDPD Y9, Y0, Y0
	VADDPD Y10, Y1, Y1
	VSUBPD Y8, Y11, Y11
	VSUBPD Y8, Y12, Y12
	VMULPD Y11, Y9, Y11
	VMULPD Y12, Y10, Y12
	VADDPD Y11, Y4, Y4
	VADDPD Y12, Y5, Y5
	VCVTPS2PD 32(SI), Y9
	VCVTPS2PD 48(SI), Y10
	VCVTPS2PD 32(DX), Y11
	VCVTPS2PD 48(DX), Y12
	VADDPD Y9, Y2, Y2
	VADDPD Y10, Y3, Y3
	VSUBPD Y8, Y11, Y11
	VSUBPD Y8, Y12, Y12
	VMULPD Y11, Y9, Y11
	VMULPD Y12, Y10, Y12
	VADDPD Y11, Y6, Y6
	VADDPD Y12, Y7, Y7
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JNZ ddLoop
	END2(sd+32(FP), sdx+40(FP))
	RET

// func bnBackwardReLUAVX2(dst, d, y, x *float32, n int, mu, a, b, c float32)
TEXT ·bnBackwardReLUAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ y+16(FP), R8
	MOVQ x+24(FP), DX
	MOVQ n+32(FP), CX
	VBROADCASTSS mu+40(FP), Y1
	VBROADCASTSS a+44(FP), Y2
	VBROADCASTSS b+48(FP), Y3
	VBROADCASTSS c+52(FP), Y4
	VXORPS Y0, Y0, Y0
bnbrLoop:
	VMOVUPS (R8), Y7
	VCMPPS $0x1e, Y0, Y7, Y7 // y > 0, ordered
	VANDPS (SI), Y7, Y5
	VMULPS Y5, Y2, Y5
	VMOVUPS (DX), Y6
	VSUBPS Y1, Y6, Y6
	VMULPS Y3, Y6, Y6
	VADDPS Y6, Y5, Y5
	VADDPS Y4, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ bnbrLoop
	VZEROUPPER
	RET

// MASKED4 loads 4 floats of d at off, zeroed where y at off is not > 0, as
// 4 doubles into dst (X13 is scratch).
#define MASKED4(off, dst) \
	VMOVUPS off(R8), X13 \
	VCMPPS $0x1e, X15, X13, X13 \
	VANDPS off(SI), X13, X13 \
	VCVTPS2PD X13, dst

// func dotDev64ReLUAVX2(d, y, x *float32, n int, mu float64) (sd, sdx float64)
TEXT ·dotDev64ReLUAVX2(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), SI
	MOVQ y+8(FP), R8
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD mu+32(FP), Y8
	VXORPS Y15, Y15, Y15
	ZERO8
ddrLoop:
	MASKED4(0, Y9)
	MASKED4(16, Y10)
	VCVTPS2PD (DX), Y11
	VCVTPS2PD 16(DX), Y12
	VADDPD Y9, Y0, Y0
	VADDPD Y10, Y1, Y1
	VSUBPD Y8, Y11, Y11
	VSUBPD Y8, Y12, Y12
	VMULPD Y11, Y9, Y11
	VMULPD Y12, Y10, Y12
	VADDPD Y11, Y4, Y4
	VADDPD Y12, Y5, Y5
	MASKED4(32, Y9)
	MASKED4(48, Y10)
	VCVTPS2PD 32(DX), Y11
	VCVTPS2PD 48(DX), Y12
	VADDPD Y9, Y2, Y2
	VADDPD Y10, Y3, Y3
	VSUBPD Y8, Y11, Y11
	VSUBPD Y8, Y12, Y12
	VMULPD Y11, Y9, Y11
	VMULPD Y12, Y10, Y12
	VADDPD Y11, Y6, Y6
	VADDPD Y12, Y7, Y7
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, DX
	SUBQ $16, CX
	JNZ ddrLoop
	END2(sd+40(FP), sdx+48(FP))
	RET

// func bnBackwardReLUOfAVX2(dst, d, x *float32, n int, mu, s, t, a, b, c float32)
//
// bnBackwardReLUAVX2 with y > 0 recomputed as (x-mu)*s + t > 0, the
// operations of scaleShiftAVX2 in its order.
TEXT ·bnBackwardReLUOfAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Y1
	VBROADCASTSS s+36(FP), Y8
	VBROADCASTSS t+40(FP), Y9
	VBROADCASTSS a+44(FP), Y2
	VBROADCASTSS b+48(FP), Y3
	VBROADCASTSS c+52(FP), Y4
	VXORPS Y0, Y0, Y0
bnbroLoop:
	VMOVUPS (DX), Y6
	VSUBPS Y1, Y6, Y6        // x - mu
	VMULPS Y8, Y6, Y7        // (x-mu)*s
	VADDPS Y9, Y7, Y7        // + t
	VCMPPS $0x1e, Y0, Y7, Y7 // > 0, ordered
	VANDPS (SI), Y7, Y5
	VMULPS Y5, Y2, Y5
	VMULPS Y3, Y6, Y6
	VADDPS Y6, Y5, Y5
	VADDPS Y4, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ bnbroLoop
	VZEROUPPER
	RET

// HALFOF accumulates 8 floats at off: d, zeroed where (x-m)*s + t is not
// > 0, into the sums lo and hi (4 lanes each) and d*(x-mu) into dlo and
// dhi. Y8 = mu (doubles), Y12 = 0, Y13/Y14/Y15 = m/s/t; Y9-Y11 scratch.
#define HALFOF(off, lo, hi, dlo, dhi) \
	VMOVUPS off(DX), Y9 \
	VSUBPS Y13, Y9, Y10 \
	VMULPS Y14, Y10, Y10 \
	VADDPS Y15, Y10, Y10 \
	VCMPPS $0x1e, Y12, Y10, Y10 \
	VANDPS off(SI), Y10, Y10 \
	VCVTPS2PD X10, Y11 \
	VADDPD Y11, lo, lo \
	VCVTPS2PD off(DX), Y9 \
	VSUBPD Y8, Y9, Y9 \
	VMULPD Y9, Y11, Y9 \
	VADDPD Y9, dlo, dlo \
	VEXTRACTF128 $1, Y10, X10 \
	VCVTPS2PD X10, Y11 \
	VADDPD Y11, hi, hi \
	VCVTPS2PD off+16(DX), Y9 \
	VSUBPD Y8, Y9, Y9 \
	VMULPD Y9, Y11, Y9 \
	VADDPD Y9, dhi, dhi

// func dotDev64ReLUOfAVX2(d, x *float32, n int, mu float64, m, s, t float32) (sd, sdx float64)
//
// dotDev64ReLUAVX2 with y > 0 recomputed as (x-m)*s + t > 0; the same
// lanes (Y0-Y3 sums, Y4-Y7 products).
TEXT ·dotDev64ReLUOfAVX2(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), SI
	MOVQ x+8(FP), DX
	MOVQ n+16(FP), CX
	VBROADCASTSD mu+24(FP), Y8
	VBROADCASTSS m+32(FP), Y13
	VBROADCASTSS s+36(FP), Y14
	VBROADCASTSS t+40(FP), Y15
	VXORPS Y12, Y12, Y12
	ZERO8
ddroLoop:
	HALFOF(0, Y0, Y1, Y4, Y5)
	HALFOF(32, Y2, Y3, Y6, Y7)
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JNZ ddroLoop
	END2(sd+48(FP), sdx+56(FP))
	RET
