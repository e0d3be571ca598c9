// Elementwise AVX-512 kernels (AVX512F only): the AVX2 kernels of
// elem_amd64.s with 16 float32 lanes, and the tail of n%16 elements done
// with a k-register mask instead of the Go reference. The contracts are the
// Go references in elem.go; every float32 operation is the AVX2 kernel's,
// with the same operand order (NaN payloads), so the results are the same
// bits. The float64 sums of the ReLU-masked DotDev64 keep the AVX2 kernels'
// 16 lanes (lane i%16 adds x[i]) in two zmm registers instead of four ymm
// ones, and reduce them in lanes16's order, so they are the same bits too.
// Sum64, SqDev64 and DotDev64 have no AVX-512 kernel: with that order each
// lane adds once per 16 floats, a chain of dependent float64 additions that
// zmm registers do not shorten, and their AVX-512 versions measured slower
// (BENCH.md, AVX-512 elementwise kernels).
// Go's operand order is Intel's reversed: VCMPPS $0x1e, Z0, Z1, K2 is
// vcmpps k2, zmm1, zmm0, 30 (zmm1 > zmm0, ordered: false for NaN).

#include "textflag.h"

// SPLIT sets BX to the number of whole 16-float vectors of CX and CX to
// the rest; the flags are those of BX (JZ: no whole vector).
#define SPLIT \
	MOVQ CX, BX \
	ANDQ $15, CX \
	SHRQ $4, BX

// TAILMASK sets K1 to the low CX bits (0 < CX < 16; AX is scratch).
#define TAILMASK \
	MOVL $1, AX \
	SHLL CX, AX \
	DECL AX \
	KMOVW AX, K1

// TAIL jumps to done if CX (the tail's length) is 0, else sets K1 to
// its mask.
#define TAIL(done) \
	TESTQ CX, CX \
	JZ done \
	TAILMASK

// RELUIF applies max(·, 0) to Z1 (Z0 = 0) if relu (R8) is set, and
// continues at next.
#define RELUIF(next) \
	TESTQ R8, R8 \
	JZ next \
	VMAXPS Z1, Z0, Z1

// NEXT2 to NEXT4 advance their pointers by a vector and loop while BX,
// the vectors left, is not 0.
#define NEXT2(a, b, loop) \
	ADDQ $64, a \
	ADDQ $64, b \
	DECQ BX \
	JNZ loop

#define NEXT3(a, b, c, loop) \
	ADDQ $64, a \
	NEXT2(b, c, loop)

#define NEXT4(a, b, c, d, loop) \
	ADDQ $64, a \
	NEXT3(b, c, d, loop)

// SS computes the value of ScaleShift in Z1 from x in Z1: Z2 = mu, Z3 = s,
// Z4 = t.
#define SS \
	VSUBPS Z2, Z1, Z1 \
	VMULPS Z3, Z1, Z1 \
	VADDPS Z4, Z1, Z1

// func scaleShiftAVX512(dst, x *float32, n int, mu, s, t float32, relu bool)
TEXT ·scaleShiftAVX512(SB), NOSPLIT, $0-37
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS mu+24(FP), Z2
	VBROADCASTSS s+28(FP), Z3
	VBROADCASTSS t+32(FP), Z4
	MOVBLZX relu+36(FP), R8
	VPXORD Z0, Z0, Z0
	SPLIT
	JZ ssTail
	TESTQ R8, R8
	JNZ ssReluLoop
ssLoop:
	VMOVUPS (SI), Z1
	SS
	VMOVUPS Z1, (DI)
	NEXT2(SI, DI, ssLoop)
	JMP ssTail
ssReluLoop:
	VMOVUPS (SI), Z1
	SS
	VMAXPS Z1, Z0, Z1
	VMOVUPS Z1, (DI)
	NEXT2(SI, DI, ssReluLoop)
ssTail:
	TAIL(ssDone)
	VMOVUPS.Z (SI), K1, Z1
	SS
	RELUIF(ssStore)
ssStore:
	VMOVUPS Z1, K1, (DI)
ssDone:
	VZEROUPPER
	RET

// func scaleShiftAddAVX512(dst, x, a *float32, n int, mu, s, t float32, relu bool)
TEXT ·scaleShiftAddAVX512(SB), NOSPLIT, $0-45
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ a+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Z2
	VBROADCASTSS s+36(FP), Z3
	VBROADCASTSS t+40(FP), Z4
	MOVBLZX relu+44(FP), R8
	VPXORD Z0, Z0, Z0
	SPLIT
	JZ ssaTail
	TESTQ R8, R8
	JNZ ssaReluLoop
ssaLoop:
	VMOVUPS (SI), Z1
	SS
	VADDPS (DX), Z1, Z1
	VMOVUPS Z1, (DI)
	NEXT3(SI, DX, DI, ssaLoop)
	JMP ssaTail
ssaReluLoop:
	VMOVUPS (SI), Z1
	SS
	VADDPS (DX), Z1, Z1
	VMAXPS Z1, Z0, Z1
	VMOVUPS Z1, (DI)
	NEXT3(SI, DX, DI, ssaReluLoop)
ssaTail:
	TAIL(ssaDone)
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DX), K1, Z5
	SS
	VADDPS Z5, Z1, Z1
	RELUIF(ssaStore)
ssaStore:
	VMOVUPS Z1, K1, (DI)
ssaDone:
	VZEROUPPER
	RET

// func addAVX512(dst, a, b *float32, n int, relu bool)
TEXT ·addAVX512(SB), NOSPLIT, $0-33
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX relu+32(FP), R8
	VPXORD Z0, Z0, Z0
	SPLIT
	JZ addTail
	TESTQ R8, R8
	JNZ addReluLoop
addLoop:
	VMOVUPS (SI), Z1
	VADDPS (DX), Z1, Z1
	VMOVUPS Z1, (DI)
	NEXT3(SI, DX, DI, addLoop)
	JMP addTail
addReluLoop:
	VMOVUPS (SI), Z1
	VADDPS (DX), Z1, Z1
	VMAXPS Z1, Z0, Z1
	VMOVUPS Z1, (DI)
	NEXT3(SI, DX, DI, addReluLoop)
addTail:
	TAIL(addDone)
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS.Z (DX), K1, Z5
	VADDPS Z5, Z1, Z1
	RELUIF(addStore)
addStore:
	VMOVUPS Z1, K1, (DI)
addDone:
	VZEROUPPER
	RET

// ARB computes a + g in Z2 from y in Z1, a in Z3 and dout at (R9), g
// being dout where y > 0 (ordered) and +0 elsewhere (a masked zeroing load:
// dout is not read there): the body of addReLUBackwardAVX512.
#define ARB \
	VCMPPS $0x1e, Z0, Z1, K2 \
	VMOVUPS.Z (R9), K2, Z2 \
	VADDPS Z2, Z3, Z2 // a first, as in addAVX2 (NaN payloads)

// func addReLUBackwardAVX512(dst, a, y, dout *float32, n int)
TEXT ·addReLUBackwardAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ dout+24(FP), R9
	MOVQ n+32(FP), CX
	VPXORD Z0, Z0, Z0
	SPLIT
	JZ arbTail
arbLoop:
	VMOVUPS (DX), Z1
	VMOVUPS (SI), Z3
	ARB
	VMOVUPS Z2, (DI)
	NEXT4(SI, DX, R9, DI, arbLoop)
arbTail:
	TAIL(arbDone)
	VMOVUPS.Z (DX), K1, Z1 // masked-off lanes: y = 0, so K2 is clear there
	VMOVUPS.Z (SI), K1, Z3
	ARB
	VMOVUPS Z2, K1, (DI)
arbDone:
	VZEROUPPER
	RET

// BNB computes (a*d + b*(x-mu)) + c in Z5 from d (zeroed where the ReLU's
// output is not > 0) in Z5 and x-mu in Z6: Z2 = a, Z3 = b, Z4 = c.
#define BNB \
	VMULPS Z5, Z2, Z5 \
	VMULPS Z3, Z6, Z6 \
	VADDPS Z6, Z5, Z5 \
	VADDPS Z4, Z5, Z5

// func bnBackwardAVX512(dst, d, x *float32, n int, mu, a, b, c float32)
TEXT ·bnBackwardAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Z1
	VBROADCASTSS a+36(FP), Z2
	VBROADCASTSS b+40(FP), Z3
	VBROADCASTSS c+44(FP), Z4
	SPLIT
	JZ bnbTail
bnbLoop:
	VMOVUPS (SI), Z5
	VMOVUPS (DX), Z6
	VSUBPS Z1, Z6, Z6
	BNB
	VMOVUPS Z5, (DI)
	NEXT3(SI, DX, DI, bnbLoop)
bnbTail:
	TAIL(bnbDone)
	VMOVUPS.Z (SI), K1, Z5
	VMOVUPS.Z (DX), K1, Z6
	VSUBPS Z1, Z6, Z6
	BNB
	VMOVUPS Z5, K1, (DI)
bnbDone:
	VZEROUPPER
	RET

// func bnBackwardReLUAVX512(dst, d, y, x *float32, n int, mu, a, b, c float32)
TEXT ·bnBackwardReLUAVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ y+16(FP), R8
	MOVQ x+24(FP), DX
	MOVQ n+32(FP), CX
	VBROADCASTSS mu+40(FP), Z1
	VBROADCASTSS a+44(FP), Z2
	VBROADCASTSS b+48(FP), Z3
	VBROADCASTSS c+52(FP), Z4
	VPXORD Z0, Z0, Z0
	SPLIT
	JZ bnbrTail
bnbrLoop:
	VMOVUPS (R8), Z7
	VCMPPS $0x1e, Z0, Z7, K2 // y > 0, ordered
	VMOVUPS.Z (SI), K2, Z5   // d there, +0 elsewhere
	VMOVUPS (DX), Z6
	VSUBPS Z1, Z6, Z6
	BNB
	VMOVUPS Z5, (DI)
	NEXT4(SI, R8, DX, DI, bnbrLoop)
bnbrTail:
	TAIL(bnbrDone)
	VMOVUPS.Z (R8), K1, Z7 // masked-off lanes: y = 0, so K2 is clear there
	VCMPPS $0x1e, Z0, Z7, K2
	VMOVUPS.Z (SI), K2, Z5
	VMOVUPS.Z (DX), K1, Z6
	VSUBPS Z1, Z6, Z6
	BNB
	VMOVUPS Z5, K1, (DI)
bnbrDone:
	VZEROUPPER
	RET

// BNBRO sets K2 to (x-mu)*s + t > 0 (ordered) and Z6 to x-mu from x in
// Z6: scaleShiftAVX512's operations in its order; Z8 = s, Z9 = t, Z7 is
// scratch.
#define BNBRO \
	VSUBPS Z1, Z6, Z6 \
	VMULPS Z8, Z6, Z7 \
	VADDPS Z9, Z7, Z7 \
	VCMPPS $0x1e, Z0, Z7, K2

// func bnBackwardReLUOfAVX512(dst, d, x *float32, n int, mu, s, t, a, b, c float32)
TEXT ·bnBackwardReLUOfAVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ d+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS mu+32(FP), Z1
	VBROADCASTSS s+36(FP), Z8
	VBROADCASTSS t+40(FP), Z9
	VBROADCASTSS a+44(FP), Z2
	VBROADCASTSS b+48(FP), Z3
	VBROADCASTSS c+52(FP), Z4
	VPXORD Z0, Z0, Z0
	SPLIT
	JZ bnbroTail
bnbroLoop:
	VMOVUPS (DX), Z6
	BNBRO
	VMOVUPS.Z (SI), K2, Z5
	BNB
	VMOVUPS Z5, (DI)
	NEXT3(SI, DX, DI, bnbroLoop)
bnbroTail:
	TAIL(bnbroDone)
	VMOVUPS.Z (DX), K1, Z6
	BNBRO
	KANDW K1, K2, K2 // masked-off lanes of d are not read
	VMOVUPS.Z (SI), K2, Z5
	BNB
	VMOVUPS Z5, K1, (DI)
bnbroDone:
	VZEROUPPER
	RET

// REDUCE2 sets X0 to the sum of the 16 float64 lanes of Z0 (lanes 0-7)
// and Z1 (8-15) in lanes16's order, as REDUCE4 in elem_amd64.s does from
// four ymm registers: per lane i < 4, ((l[i]+l[i+4])+l[i+8])+l[i+12], then
// (s0+s2)+(s1+s3). Y14 and Y15 are scratch.
#define REDUCE2(z0, z1, y0, y1, x0) \
	VEXTRACTF64X4 $1, z0, Y15 \
	VEXTRACTF64X4 $1, z1, Y14 \
	VADDPD Y15, y0, y0 \
	VADDPD y1, y0, y0 \
	VADDPD Y14, y0, y0 \
	VEXTRACTF128 $1, y0, X15 \
	VADDPD X15, x0, x0 \
	VPERMILPD $1, x0, X14 \
	VADDSD X14, x0, x0

// DD adds the doubles Z9 (lanes 0-7) and Z10 (8-15) of d to Z0 and Z1,
// and d*(x-mu) to Z4 and Z5, with x's floats at off(DX): Z8 = mu; Z11,
// Z12 are scratch.
#define DD(off) \
	VCVTPS2PD off(DX), Z11 \
	VCVTPS2PD off+32(DX), Z12 \
	VADDPD Z9, Z0, Z0 \
	VADDPD Z10, Z1, Z1 \
	VSUBPD Z8, Z11, Z11 \
	VSUBPD Z8, Z12, Z12 \
	VMULPD Z11, Z9, Z11 \
	VMULPD Z12, Z10, Z12 \
	VADDPD Z11, Z4, Z4 \
	VADDPD Z12, Z5, Z5

// END2Z ends a DotDev64 kernel: its lane sums Z0, Z1 and Z4, Z5 reduced
// to X0 and X4 and stored at sd and sdx.
#define END2Z(sd, sdx) \
	REDUCE2(Z0, Z1, Y0, Y1, X0) \
	REDUCE2(Z4, Z5, Y4, Y5, X4) \
	VZEROUPPER \
	MOVSD X0, sd \
	MOVSD X4, sdx

// ZERO4Z zeroes the lane sums Z0, Z1, Z4 and Z5.
#define ZERO4Z \
	VPXORQ Z0, Z0, Z0 \
	VPXORQ Z1, Z1, Z1 \
	VPXORQ Z4, Z4, Z4 \
	VPXORQ Z5, Z5, Z5

// MASKED16 converts the 16 floats of d at (SI), zeroed where K2 is clear,
// to doubles in Z9 (lanes 0-7) and Z10 (8-15); Z13 is scratch.
#define MASKED16 \
	VMOVUPS.Z (SI), K2, Z13 \
	VCVTPS2PD Y13, Z9 \
	VEXTRACTF64X4 $1, Z13, Y13 \
	VCVTPS2PD Y13, Z10

// func dotDev64ReLUAVX512(d, y, x *float32, n int, mu float64) (sd, sdx float64)
TEXT ·dotDev64ReLUAVX512(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), SI
	MOVQ y+8(FP), R8
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD mu+32(FP), Z8
	VPXORD Z15, Z15, Z15
	ZERO4Z
ddrLoop:
	VMOVUPS (R8), Z13
	VCMPPS $0x1e, Z15, Z13, K2 // y > 0, ordered
	MASKED16
	DD(0)
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, DX
	SUBQ $16, CX
	JNZ ddrLoop
	END2Z(sd+40(FP), sdx+48(FP))
	RET

// func dotDev64ReLUOfAVX512(d, x *float32, n int, mu float64, m, s, t float32) (sd, sdx float64)
//
// dotDev64ReLUAVX512 with y > 0 recomputed as (x-m)*s + t > 0, the
// operations of scaleShiftAVX512 in its order.
TEXT ·dotDev64ReLUOfAVX512(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), SI
	MOVQ x+8(FP), DX
	MOVQ n+16(FP), CX
	VBROADCASTSD mu+24(FP), Z8
	VBROADCASTSS m+32(FP), Z16
	VBROADCASTSS s+36(FP), Z17
	VBROADCASTSS t+40(FP), Z18
	VPXORD Z15, Z15, Z15
	ZERO4Z
ddroLoop:
	VMOVUPS (DX), Z13
	VSUBPS Z16, Z13, Z13
	VMULPS Z17, Z13, Z13
	VADDPS Z18, Z13, Z13
	VCMPPS $0x1e, Z15, Z13, K2 // > 0, ordered
	MASKED16
	DD(0)
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JNZ ddroLoop
	END2Z(sd+48(FP), sdx+56(FP))
	RET
