package kernels

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// Cache blocking. A KC×NR panel of B (or its direct rows) stays in L1 while
// it meets each MR×KC panel of the MC×KC packed block of A, which stays in
// L2 (1 MiB per core on the reference AMD EPYC; 32 KiB L1d). NC bounds the
// packed KC×NC block of B. MC is a multiple of every kernel's MR and NC of
// every NR.
const (
	blockKC = 256
	blockMC = 144
	blockNC = 1536
)

// maxMR and maxNR bound the register tile of every kernel.
const (
	maxMR = 8
	maxNR = 32
)

// microKernel is one register-tiled inner kernel. fn computes the mr×nr tile
//
//	C[i*ldc+j] = alpha*Σ_p a[p*mr+i]*b[p*bstride+j] + beta*C[i*ldc+j]
//
// for p < k (k ≥ 1), reading a packed A micro-panel and k rows of B that are
// bstride apart, and may prefetch the rows bnext floats further on (the next
// panel of B). When beta is ±0 it writes C without reading it.
type microKernel struct {
	name   string
	mr, nr int
	fn     func(k int, a, b []float32, bstride, bnext int, c []float32, ldc int, alpha, beta float32)
}

// workspace holds one goroutine's packing buffers; workspaces is their pool,
// so concurrent calls never share one and steady-state calls do not allocate.
type workspace struct {
	a    [blockMC * blockKC]float32
	b    [blockKC * blockNC]float32
	tile [maxMR * maxNR]float32
}

var workspaces struct {
	mu   sync.Mutex
	free []*workspace
}

// getWorkspace returns a free workspace, allocating one only when all are in
// use. Unlike a sync.Pool, the free list is never emptied by the garbage
// collector, so steady-state calls never allocate.
func getWorkspace() *workspace {
	workspaces.mu.Lock()
	defer workspaces.mu.Unlock()
	if n := len(workspaces.free); n > 0 {
		ws := workspaces.free[n-1]
		workspaces.free = workspaces.free[:n-1]
		return ws
	}
	return new(workspace)
}

func putWorkspace(ws *workspace) {
	workspaces.mu.Lock()
	workspaces.free = append(workspaces.free, ws)
	workspaces.mu.Unlock()
}

var (
	kernelsOnce sync.Once
	available   []*microKernel // every kernel this machine runs, fastest first
	active      *microKernel   // the kernel Sgemm uses
)

// goKernel is the portable pure-Go kernel, always available.
var goKernel = &microKernel{name: "go", mr: 4, nr: 4, fn: kernel4x4Go}

// initKernels picks the kernel: the fastest available one, unless the
// environment variable RESEXP_KERNEL names another.
func initKernels() {
	available = append(archKernels(), goKernel)
	kr, err := pickKernel(available, os.Getenv("RESEXP_KERNEL"))
	if err != nil {
		panic("kernels: " + err.Error())
	}
	active = kr
}

// pickKernel returns the kernel of avail named want, or avail[0] if want is
// empty.
func pickKernel(avail []*microKernel, want string) (*microKernel, error) {
	if want == "" {
		return avail[0], nil
	}
	var names []string
	for _, kr := range avail {
		if kr.name == want {
			return kr, nil
		}
		names = append(names, kr.name)
	}
	return nil, fmt.Errorf("RESEXP_KERNEL=%q is not available on this CPU (want one of %s)", want, strings.Join(names, ", "))
}

// CheckKernelEnv returns an error naming RESEXP_KERNEL and the kernels this
// CPU runs when the variable asks for one it lacks or does not know, and
// nil otherwise. Programs that take outside input call it before any work,
// so that the first Sgemm cannot panic on it.
func CheckKernelEnv() error {
	_, err := pickKernel(append(archKernels(), goKernel), os.Getenv("RESEXP_KERNEL"))
	return err
}

func activeKernel() *microKernel {
	kernelsOnce.Do(initKernels)
	return active
}

// Kernel names the micro-kernel Sgemm runs: "avx512", "avx2", "neon" or
// "go". It is the fastest the CPU supports unless the environment variable
// RESEXP_KERNEL=go|avx2|avx512|neon forces one; forcing a kernel the CPU
// lacks, or an unknown name, panics on the first call.
func Kernel() string { return activeKernel().name }

// Sgemm computes C = alpha*op(A)*op(B) + beta*C; the arguments are those of
// SgemmNaive, whose result it equals up to float32 rounding (Sgemm sums in
// float32, blocked along k).
//
// op(A) is m×k, op(B) is k×n, C is m×n; all are row-major with leading
// dimensions lda, ldb and ldc. If transA, A is stored k×m; if transB, B is
// stored n×k. When beta is 0, C is only written (NaNs in C do not
// propagate); when alpha is 0 or k is 0, A and B are not read.
//
// Sgemm runs on the calling goroutine, may be called from many goroutines at
// once, and does not allocate in the steady state. It panics if a dimension
// is negative, a leading dimension is too small or a slice too short.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmWith(activeKernel(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmWith is Sgemm with the micro-kernel kr.
func sgemmWith(kr *microKernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	ws := getWorkspace()
	defer putWorkspace(ws)
	g := gemm{kr: kr, ws: ws, transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	g.run(beta)
}

// run computes the product of g's operands through the blocked loops.
func (g *gemm) run(beta float32) {
	kc := ceilDiv(g.k, ceilDiv(g.k, blockKC)) // equal k blocks, none tiny
	for jc := 0; jc < g.n; jc += blockNC {
		nb := min(blockNC, g.n-jc)
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			g.block(jc, nb, pc, kb, bt)
		}
	}
}

// gemm carries one call's operands through the blocked loops.
type gemm struct {
	kr             *microKernel
	ws             *workspace
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	conv           *Conv3x3  // if set, op(B) is conv's im2col matrix of xp, transposed
	xp             []float32 // the padded image of conv
}

// block adds alpha*op(A)[:, pc:pc+kb]*op(B)[pc:pc+kb, jc:jc+nb] to
// beta*C[:, jc:jc+nb].
func (g *gemm) block(jc, nb, pc, kb int, beta float32) {
	mr, nr := g.kr.mr, g.kr.nr
	direct := !g.transB && g.m <= blockMC && g.conv == nil // B rows are read in place, except a partial last panel
	if g.conv != nil {
		g.conv.packBT(g.ws.b[:], g.xp, pc, kb, jc, nb, nr)
	} else if !direct {
		packB(g.kr, g.ws.b[:], g.b, g.ldb, g.transB, pc, kb, jc, nb, nr)
	} else if rem := nb % nr; rem != 0 {
		packB(g.kr, g.ws.b[:], g.b, g.ldb, false, pc, kb, jc+nb-rem, rem, nr)
	}
	for ic := 0; ic < g.m; ic += blockMC {
		mb := min(blockMC, g.m-ic)
		packA(g.ws.a[:], g.a, g.lda, g.transA, ic, mb, pc, kb, mr)
		for jr := 0; jr < nb; jr += nr {
			nw := min(nr, nb-jr)
			var bp []float32
			bstride, bnext := nr, 0
			switch {
			case !direct:
				bp = g.ws.b[jr*kb:]
			case nw == nr:
				bp = g.b[pc*g.ldb+jc+jr:]
				bstride, bnext = g.ldb, 0
			default:
				bp = g.ws.b[:]
			}
			for ir := 0; ir < mb; ir += mr {
				mw := min(mr, mb-ir)
				ap := g.ws.a[ir*kb:]
				ci := (ic+ir)*g.ldc + jc + jr
				if mw == mr && nw == nr {
					g.kr.fn(kb, ap, bp, bstride, bnext, g.c[ci:], g.ldc, g.alpha, beta)
					continue
				}
				g.kr.fn(kb, ap, bp, bstride, bnext, g.ws.tile[:], nr, g.alpha, 0)
				mergeTile(g.c[ci:], g.ldc, g.ws.tile[:], nr, mw, nw, beta)
			}
		}
	}
}

// packA copies op(A)[i0:i0+mb, p0:p0+kb] into dst as ceil(mb/mr) micro-panels
// of kb×mr floats (panel r holds rows i0+r*mr.., column-by-column), padding
// the last panel with zero rows.
func packA(dst, a []float32, lda int, trans bool, i0, mb, p0, kb, mr int) {
	start := 0
	if !trans {
		start = packARows(dst, a, lda, i0, mb, p0, kb, mr)
	}
	for ir := start; ir < mb; ir += mr {
		mw := min(mr, mb-ir)
		panel := dst[ir*kb : ir*kb+kb*mr]
		if trans {
			packATPanel(panel, a[(p0)*lda+i0+ir:], lda, kb, mw, mr)
			continue
		}
		if mw == 6 && mr == 6 {
			packA6(panel, a[(i0+ir)*lda+p0:], lda, kb)
			continue
		}
		if mw == 4 && mr == 4 {
			packA4(panel, a[(i0+ir)*lda+p0:], lda, kb)
			continue
		}
		for i := 0; i < mw; i++ {
			row := a[(i0+ir+i)*lda+p0:]
			row = row[:kb]
			for p, v := range row {
				panel[p*mr+i] = v
			}
		}
		for i := mw; i < mr; i++ {
			for p := 0; p < kb; p++ {
				panel[p*mr+i] = 0
			}
		}
	}
}

// packA6 packs six rows of A (not transposed) into one 6-row micro-panel,
// panel[p*6+i] = a[i*lda+p] for p < kb: the six rows are read side by side
// and each panel row is written whole, instead of six strided passes.
func packA6(panel, a []float32, lda, kb int) {
	r0, r1, r2 := a[:kb], a[lda:lda+kb], a[2*lda:2*lda+kb]
	r3, r4, r5 := a[3*lda:3*lda+kb], a[4*lda:4*lda+kb], a[5*lda:5*lda+kb]
	for p := range r0 {
		d := (*[6]float32)(panel[p*6:])
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// packA4 is packA6 for a 4-row micro-panel.
func packA4(panel, a []float32, lda, kb int) {
	r0, r1, r2, r3 := a[:kb], a[lda:lda+kb], a[2*lda:2*lda+kb], a[3*lda:3*lda+kb]
	for p := range r0 {
		d := (*[4]float32)(panel[p*4:])
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
	}
}

// packATPanel packs one micro-panel of a transposed A: panel[p*mr+i] =
// a[p*lda+i] for p < kb, i < mw, and zero for mw ≤ i < mr. Whole panels of
// the kernels' widths move as 16-byte arrays (inline moves, no memmove call
// per row).
func packATPanel(panel, a []float32, lda, kb, mw, mr int) {
	switch {
	case mw == 8 && mr == 8:
		for p := 0; p < kb; p++ {
			d, s := panel[p*8:p*8+8], a[p*lda:p*lda+8]
			*(*[4]float32)(d) = *(*[4]float32)(s)
			*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
		}
	case mw == 6 && mr == 6:
		for p := 0; p < kb; p++ {
			d, s := panel[p*6:p*6+6], a[p*lda:p*lda+6]
			*(*[4]float32)(d) = *(*[4]float32)(s)
			*(*[2]float32)(d[4:]) = *(*[2]float32)(s[4:])
		}
	case mw == 4 && mr == 4:
		for p := 0; p < kb; p++ {
			*(*[4]float32)(panel[p*4:]) = *(*[4]float32)(a[p*lda:])
		}
	default:
		for p := 0; p < kb; p++ {
			d := panel[p*mr : p*mr+mr]
			copy(d, a[p*lda:p*lda+mw])
			clear(d[mw:])
		}
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into dst as ceil(nb/nr) micro-panels
// of kb×nr floats (panel r holds columns j0+r*nr.., row-by-row), padding the
// last panel with zero columns.
func packB(kr *microKernel, dst, b []float32, ldb int, trans bool, p0, kb, j0, nb, nr int) {
	for jr := 0; jr < nb; jr += nr {
		nw := min(nr, nb-jr)
		panel := dst[jr*kb : jr*kb+kb*nr]
		if !trans {
			for p := 0; p < kb; p++ {
				d := panel[p*nr : p*nr+nr]
				copy(d, b[(p0+p)*ldb+j0+jr:][:nw])
				clear(d[nw:])
			}
			continue
		}
		packBT(kr, panel, b[(j0+jr)*ldb+p0:], ldb, kb, nw, nr)
	}
}

// packBTGo is packBT in Go: panel[p*nr+j] = b[j*ldb+p] for p < kb, j < nw,
// and zero for nw ≤ j < nr.
func packBTGo(panel, b []float32, ldb, kb, nw, nr int) {
	packBTRange(panel, b, ldb, nr, 0, nw, 0, kb)
	for p := 0; p < kb; p++ {
		clear(panel[p*nr+nw : p*nr+nr])
	}
}

// packBTRange sets panel[p*nr+j] = b[j*ldb+p] for j0 ≤ j < j1, p0 ≤ p < p1.
func packBTRange(panel, b []float32, ldb, nr, j0, j1, p0, p1 int) {
	for j := j0; j < j1; j++ {
		row := b[j*ldb+p0 : j*ldb+p1]
		for p, v := range row {
			panel[(p0+p)*nr+j] = v
		}
	}
}

// mergeTile sets c[i*ldc+j] = t[i*ldt+j] + beta*c[i*ldc+j] for i < mw, j < nw,
// not reading c when beta is 0.
func mergeTile(c []float32, ldc int, t []float32, ldt, mw, nw int, beta float32) {
	for i := 0; i < mw; i++ {
		ci := c[i*ldc:][:nw]
		ti := t[i*ldt:][:nw]
		if beta == 0 {
			copy(ci, ti)
			continue
		}
		for j, v := range ti {
			ci[j] = v + beta*ci[j]
		}
	}
}

// scaleC sets C = beta*C, writing zeros without reading C when beta is 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc:][:n]
		switch beta {
		case 0:
			clear(ci)
		case 1:
		default:
			for j := range ci {
				ci[j] *= beta
			}
		}
	}
}

// checkArgs panics unless the shapes, leading dimensions and slice lengths
// describe valid matrices.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("kernels: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", a, ar, ac, lda)
	checkMatrix("B", b, br, bc, ldb)
	checkMatrix("C", c, m, n, ldc)
}

func checkMatrix(name string, x []float32, rows, cols, ld int) {
	if ld < cols || ld < 0 {
		panic("kernels: leading dimension of " + name + " smaller than its width")
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic("kernels: " + name + " is too short for its shape")
	}
}

// checkTile panics unless an mr×nr kernel call on these slices stays in
// bounds; it guards the assembly kernels against driver bugs.
func checkTile(k, mr, nr int, a, b []float32, bstride int, c []float32, ldc int) {
	if k < 1 || len(a) < k*mr || len(b) < (k-1)*bstride+nr || len(c) < (mr-1)*ldc+nr {
		panic("kernels: internal error: micro-kernel operands out of bounds")
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
