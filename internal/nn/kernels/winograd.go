package kernels

import (
	"fmt"
	"os"
	"sync"
)

// Winograd2x2 is a 3×3 convolution with zero padding 1 and stride 1 of a
// batch of c-channel h×w images (NCHW) into m channels, computed with
// Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016): each output
// is cut into 2×2 tiles (ceil(h/2)×ceil(w/2) per image; the last row or
// column of tiles is clipped when h or w is odd), each read from the 4×4
// input patch around it. With U = G g Gᵀ per kernel g and V = Bᵀ d B per
// patch d, the tile is Aᵀ [Σ_ch U ⊙ V] A, so the sum over input channels is
// 16 independent GEMMs, one per position e of the 4×4 transformed tile:
//
//	M_e [m, tiles] = U_e [m, c] · V_e [c, tiles]
//
// run through Sgemm. That is 16 multiplications per output tile and channel
// pair instead of 36, at the price of the transforms and of rounding: the
// error stays within a small multiple of the direct convolution's (the
// measurements are in BENCH.md).
//
// Tiles are taken in blocks of a fixed number (set by Prepare from c and m)
// across the batch, so the scratch stays small; every output is computed from its own
// tile's column of the GEMMs, with the same operations whatever the block or
// the number of images in the call, so splitting a batch into calls does not
// change a bit.
//
// A Winograd2x2 holds the transformed weights (Prepare); after Prepare, Run
// may be called from many goroutines at once, each with its own scratch.
type Winograd2x2 struct {
	m, c, h, w int
	th, tw     int       // tiles per column and per row of an image
	tb         int       // tiles per block
	u          []float32 // transformed weights U [16][m][c]
}

// winoBudget bounds the scratch of one block, V [16][c][tb] and M
// [16][m][tb], in floats (512 KiB): the block's transformed tiles stay in
// the L2 cache of one core between the transforms and the GEMMs.
const winoBudget = 128 << 10

// Prepare sets p for the convolution out [m, h, w] of images x [c, h, w]
// with the weights a [m, c, 3, 3] (row-major, the layout of a PyTorch weight
// and of Conv3x3.Prepare's a): it stores U = G g Gᵀ of every kernel g,
// computed in float64 and rounded once. It copies what it needs from a, and
// reuses p's storage, allocating only when a size grows.
func (p *Winograd2x2) Prepare(a []float32, m, c, h, w int) {
	if m < 1 || c < 1 || h < 1 || w < 1 {
		panic("kernels: Winograd2x2.Prepare: sizes must be positive")
	}
	if len(a) < m*c*9 {
		panic("kernels: Winograd2x2.Prepare: weights too short")
	}
	p.m, p.c, p.h, p.w = m, c, h, w
	p.th, p.tw = ceilDiv(h, 2), ceilDiv(w, 2)
	p.tb = max(32, winoBudget/(16*(c+m))/32*32)
	p.u = grow(p.u, 16*m*c)
	for o := range m {
		for ch := range c {
			u := winoWeight((*[9]float32)(a[(o*c+ch)*9:]))
			for e, v := range u {
				p.u[(e*m+o)*c+ch] = v
			}
		}
	}
}

// winoWeight returns U = G g Gᵀ of one 3×3 kernel g (row-major), with
//
//	G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
func winoWeight(g *[9]float32) [16]float32 {
	var t [4][3]float64 // G g
	for j := range 3 {
		g0, g1, g2 := float64(g[j]), float64(g[3+j]), float64(g[6+j])
		t[0][j], t[1][j], t[2][j], t[3][j] = g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
	}
	var u [16]float32
	for i, r := range t {
		u[4*i] = float32(r[0])
		u[4*i+1] = float32((r[0] + r[1] + r[2]) / 2)
		u[4*i+2] = float32((r[0] - r[1] + r[2]) / 2)
		u[4*i+3] = float32(r[2])
	}
	return u
}

// ScratchSize returns the length of the scratch Run needs for imgs images.
func (p *Winograd2x2) ScratchSize(imgs int) int {
	return 16*(p.c+p.m)*min(p.tb, imgs*p.th*p.tw) + 4*(2*p.tw+2)
}

// Run sets out [imgs, m, h, w] to the convolution of the images x [imgs, c,
// h, w] with the prepared weights. scratch (ScratchSize(imgs) floats, any
// contents) holds the transformed tiles. It runs on the calling goroutine.
func (p *Winograd2x2) Run(out, x []float32, imgs int, scratch []float32) {
	p.runWith(activeKernel(), out, x, imgs, scratch)
}

// runWith is Run with the GEMM micro-kernel kr.
func (p *Winograd2x2) runWith(kr *microKernel, out, x []float32, imgs int, scratch []float32) {
	if p.u == nil {
		panic("kernels: Winograd2x2.Run before Prepare")
	}
	if imgs < 1 {
		return
	}
	hw := p.h * p.w
	if len(x) < imgs*p.c*hw || len(out) < imgs*p.m*hw {
		panic("kernels: Winograd2x2.Run: input or output too short")
	}
	if len(scratch) < p.ScratchSize(imgs) {
		panic(fmt.Sprintf("kernels: Winograd2x2.Run: scratch has %d floats, want %d", len(scratch), p.ScratchSize(imgs)))
	}
	total := imgs * p.th * p.tw
	tb := min(p.tb, total)
	v, mo := scratch[:16*p.c*tb], scratch[16*p.c*tb:16*(p.c+p.m)*tb]
	rows := scratch[16*(p.c+p.m)*tb:][:4*(2*p.tw+2)]
	for t0 := 0; t0 < total; t0 += tb {
		nt := min(tb, total-t0)
		p.inputBlock(v[:16*p.c*nt], x, rows, t0, nt)
		for e := range 16 {
			sgemmWith(kr, false, false, p.m, nt, p.c, 1, p.u[e*p.m*p.c:], p.c, v[e*p.c*nt:], nt, 0, mo[e*p.m*nt:], nt)
		}
		p.outputBlock(out, mo[:16*p.m*nt], t0, nt)
	}
}

// tile returns the image and the tile row and column of tile t.
func (p *Winograd2x2) tile(t int) (img, ty, tx int) {
	per := p.th * p.tw
	img, r := t/per, t%per
	return img, r / p.tw, r % p.tw
}

// eachRun calls fn for the runs of tiles t0..t0+nt that lie in one tile row
// of one image: tiles (img, ty, tx..tx+run) at columns j..j+run of the
// block.
func (p *Winograd2x2) eachRun(t0, nt int, fn func(j, img, ty, tx, run int)) {
	for j := 0; j < nt; {
		img, ty, tx := p.tile(t0 + j)
		run := min(p.tw-tx, nt-j)
		fn(j, img, ty, tx, run)
		j += run
	}
}

// inputBlock sets v [16][c][nt] to V = Bᵀ d B of the 4×4 patch d of every
// tile t0..t0+nt in every channel, with
//
//	Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
//
// run by run: rows holds the run's four input rows, zero-padded, 4·(2·run+2)
// floats. Per tile and channel the result is that of Bᵀ d (rows) then of
// · B (columns), whatever the run.
func (p *Winograd2x2) inputBlock(v, x, rows []float32, t0, nt int) {
	hw := p.h * p.w
	p.eachRun(t0, nt, func(j, img, ty, tx, run int) {
		wp, x0 := 2*run+2, 2*tx-1 // the run reads input columns x0..x0+wp
		lo, hi := max(0, -x0), min(wp, p.w-x0)
		r0, r1, r2, r3 := rows[:wp], rows[wp:2*wp], rows[2*wp:3*wp], rows[3*wp:4*wp]
		for ch := range p.c {
			plane := x[(img*p.c+ch)*hw:][:hw]
			for i, r := range [4][]float32{r0, r1, r2, r3} {
				y := 2*ty - 1 + i
				if y < 0 || y >= p.h {
					clear(r)
					continue
				}
				clear(r[:lo])
				copy(r[lo:hi], plane[y*p.w+x0+lo:])
				clear(r[hi:])
			}
			for q := range r0 { // Bᵀ d
				a, b, c, d := r0[q], r1[q], r2[q], r3[q]
				r0[q], r1[q], r2[q], r3[q] = a-c, b+c, c-b, b-d
			}
			for i, r := range [4][]float32{r0, r1, r2, r3} { // · B
				d := v[(4*i*p.c+ch)*nt+j:]
				s := p.c * nt
				d0, d1, d2, d3 := d[:run], d[s:s+run], d[2*s:2*s+run], d[3*s:3*s+run]
				for k := range run {
					c := r[2*k : 2*k+4]
					d0[k], d1[k], d2[k], d3[k] = c[0]-c[2], c[1]+c[2], c[2]-c[1], c[1]-c[3]
				}
			}
		}
	})
}

// outputBlock writes the output tiles t0..t0+nt from M [16][m][nt]: Y = Aᵀ
// M A per tile and channel, with Aᵀ = [1 1 1 0; 0 1 -1 -1], clipped to the
// image.
func (p *Winograd2x2) outputBlock(out, mo []float32, t0, nt int) {
	hw, s := p.h*p.w, p.m*nt
	p.eachRun(t0, nt, func(j, img, ty, tx, run int) {
		y0 := 2 * ty
		for o := range p.m {
			mt := mo[o*nt+j:]
			plane := out[(img*p.m+o)*hw:][:hw]
			row0, row1 := plane[y0*p.w:][:p.w], []float32(nil)
			if y0+1 < p.h {
				row1 = plane[(y0+1)*p.w:][:p.w]
			}
			for k := range run {
				var t [8]float32 // Aᵀ M
				for c := range 4 {
					m0, m1, m2, m3 := mt[c*s+k], mt[(4+c)*s+k], mt[(8+c)*s+k], mt[(12+c)*s+k]
					t[c], t[4+c] = m0+m1+m2, m1-m2-m3
				}
				xx := 2 * (tx + k)
				row0[xx] = t[0] + t[1] + t[2]
				if xx+1 < p.w {
					row0[xx+1] = t[1] - t[2] - t[3]
				}
				if row1 == nil {
					continue
				}
				row1[xx] = t[4] + t[5] + t[6]
				if xx+1 < p.w {
					row1[xx+1] = t[5] - t[6] - t[7]
				}
			}
		}
	})
}

// The convolution methods RESEXP_CONV selects for the layers' stride-1 3×3
// convolutions.
const (
	ConvDirect   = "direct"   // Conv3x3 (or im2col and Sgemm)
	ConvWinograd = "winograd" // Winograd2x2 for the output and the input gradient
)

var (
	convEnvOnce  sync.Once
	convWinograd bool
)

// parseConvEnv returns whether want, a value of RESEXP_CONV, asks for
// Winograd: "" and "direct" do not, "winograd" does, anything else is an
// error naming the variable and the accepted values.
func parseConvEnv(want string) (bool, error) {
	switch want {
	case "", ConvDirect:
		return false, nil
	case ConvWinograd:
		return true, nil
	}
	return false, fmt.Errorf("RESEXP_CONV=%q is not a convolution method (want %s or %s)", want, ConvDirect, ConvWinograd)
}

// CheckConvEnv returns the error of an unknown RESEXP_CONV, nil otherwise.
// Programs that take outside input call it before any work, so that
// WinogradDefault cannot panic on it.
func CheckConvEnv() error {
	_, err := parseConvEnv(os.Getenv("RESEXP_CONV"))
	return err
}

// WinogradDefault reports whether the environment variable RESEXP_CONV asks
// for Winograd convolution (RESEXP_CONV=winograd) rather than the direct one
// (unset, empty or "direct": the default). It reads the variable once, on
// the first call, and panics if it holds anything else.
func WinogradDefault() bool {
	convEnvOnce.Do(func() {
		on, err := parseConvEnv(os.Getenv("RESEXP_CONV"))
		if err != nil {
			panic("kernels: " + err.Error())
		}
		convWinograd = on
	})
	return convWinograd
}
