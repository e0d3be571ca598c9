//go:build linux

package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns a slice of n floats whose first float follows an
// inaccessible page (atEnd false) or whose last float precedes one (atEnd
// true), and a function that unmaps it.
func guarded(t *testing.T, n int, atEnd bool) ([]float32, func()) {
	t.Helper()
	page := syscall.Getpagesize()
	data := (4*n + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, data+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range [][]byte{mem[:page], mem[page+data:]} {
		if err := syscall.Mprotect(g, syscall.PROT_NONE); err != nil {
			t.Fatal(err)
		}
	}
	off := page
	if atEnd {
		off = page + data - 4*n
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n), func() { _ = syscall.Munmap(mem) }
}

// TestConv3x3StaysInPaddedLayout checks that Run and WeightGrad of every
// kernel read nothing before or after the padded layout (PaddedSize
// floats, slack included): the image is placed against an inaccessible
// page, first at its start and then at its end, and a read there faults (a
// panic with SetPanicOnFault, set in each subtest's goroutine). The shapes put the last column at the start
// of an 8-column NEON tile (n = 1 mod 8), where the reads reach furthest.
func TestConv3x3StaysInPaddedLayout(t *testing.T) {
	shapes := [][5]int{{8, 2, 3, 3, 1}, {9, 3, 5, 5, 1}, {8, 1, 1, 1, 1}, {16, 4, 33, 1, 1}, {8, 2, 6, 6, 2}, {8, 3, 2, 34, 2}}
	for _, sh := range shapes {
		m, c, hin, win, s := sh[0], sh[1], sh[2], sh[3], sh[4]
		cc := newConvCase(rand.New(rand.NewPCG(uint64(m), uint64(hin*win))), m, c, hin, win, s)
		d := randSlice(rand.New(rand.NewPCG(1, 2)), m*cc.n)
		wantG, absG := make([]float32, m*cc.k), make([]float32, m*cc.k)
		SgemmNaive(false, true, m, cc.k, cc.n, 1, d, cc.n, cc.col, cc.n, 0, wantG, cc.k)
		SgemmNaive(false, true, m, cc.k, cc.n, 1, absOf(d), cc.n, absOf(cc.col), cc.n, 0, absG, cc.k)
		for _, kind := range convKindsUnderTest() {
			for _, atEnd := range []bool{false, true} {
				name := fmt.Sprintf("m%d_c%d_%dx%d_s%d/kind%d/atEnd=%v", m, c, hin, win, s, kind, atEnd)
				t.Run(name, func(t *testing.T) {
					defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
					var p Conv3x3
					p.prepare(cc.a, m, c, hin, win, s, kind)
					xp, free := guarded(t, p.PaddedSize(), atEnd)
					defer free()
					p.Pad(xp, cc.x)
					defer func() {
						if e := recover(); e != nil {
							t.Fatalf("read outside the padded layout: %v", e)
						}
					}()
					got := make([]float32, m*cc.n)
					p.Run(got, xp)
					checkClose(t, "Run", got, cc.want, cc.abs, cc.k)
					for _, kr := range kernelsUnderTest(t) {
						g := make([]float32, m*cc.k)
						p.weightGradWith(kr, g, d, xp, 0)
						checkClose(t, "WeightGrad "+kr.name, g, wantG, absG, cc.n)
					}
				})
			}
		}
	}
}
