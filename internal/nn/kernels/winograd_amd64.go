package kernels

// winoInputAVX512 is the input transform of Winograd2x2 for nvec vectors of
// 16 tiles of one tile row in each of nch channels: for vector v and tile k
// < 16, with q = 2(16v+k), the 4×4 patch d of tile 16v+k is the floats
// rows.ptr[i][q+j-1] (i, j < 4) of the channel's input rows, read as zero
// where the column mask of the first (v = 0) or the last (v = nvec-1)
// vector has a clear bit (rows.k512), and V = Bᵀ d B goes to
// dst[e*lde+16v+k], e = 4i+j (the order of winoInputGo, so the same bits).
// The rows of channel ch are rows.ptr[i] advanced by rows.stride[i] bytes
// per channel; it writes to dst+ch*lddch, all 16·nvec columns (lanes past
// the tile row are the caller's to overwrite or ignore).
//
//go:noescape
func winoInputAVX512(rows *winoRows, dst *float32, lde, lddch, nch, nvec int)

// winoInputAVX2 is winoInputAVX512 with vectors of 8 tiles, the column
// masks rows.y256, and no AVX-512 instruction.
//
//go:noescape
func winoInputAVX2(rows *winoRows, dst *float32, lde, lddch, nch, nvec int)

// winoOutputAVX512 is the output transform of Winograd2x2 for nvec vectors
// of 16 tiles of one tile row in each of nch channels: tile 16v+k's M is
// src[e*lde+16v+k] (e < 16), and Y = Aᵀ M A (the order of winoOutputGo)
// goes to dst[y*ldo+2(16v+k)+x] (y < rows, x < 2). Channel ch reads from
// src+ch*ldch and writes to dst+ch*ldoch. The last vector stores only the
// floats of its rows whose bit is set in mask (bit b: float b of the 32).
//
//go:noescape
func winoOutputAVX512(src *float32, lde, ldch int, dst *float32, ldo, ldoch, nch, nvec, rows int, mask uint32)

// winoOutputAVX2 is winoOutputAVX512 with vectors of 8 tiles and no AVX-512
// instruction; the last vector's 16 floats of a row are stored where the
// int32 at mask[b] is -1 (and not where it is 0).
//
//go:noescape
func winoOutputAVX2(src *float32, lde, ldch int, dst *float32, ldo, ldoch, nch, nvec, rows int, mask *int32)

// winoInputG2AVX512 is the input transform of Winograd2x2 for g = 2 whole
// tile rows of 8 tiles (images 16 floats wide) in each of nch channels, one
// 16-tile vector: tile k of tile row ty0+r (r < g) goes to lane 8r+k, its
// patch the floats src[(2r+i-1)·16+2k+j-1] (i, j < 4) of the channel,
// where src is row 2·ty0 of channel 0 and channels are hw floats apart;
// V = Bᵀ d B goes to dst[e*lde+lane], e = 4i+j, channel ch's at
// dst+ch*lddch (the order of winoInputGo, so the same bits). The loads are
// masked by masks (winoGroupMasks): columns -1 and 16 and the image rows
// above and below read as zero, and are not read.
//
//go:noescape
func winoInputG2AVX512(src, dst *float32, lde, lddch, nch, hw int, masks *[6]uint16)

// winoInputG4AVX512 is winoInputG2AVX512 for g = 4 tile rows of 4 tiles
// (images 8 floats wide): tile k of tile row ty0+r goes to lane 4r+k.
//
//go:noescape
func winoInputG4AVX512(src, dst *float32, lde, lddch, nch, hw int, masks *[6]uint16)

// winoOutputG2AVX512 is the output transform of Winograd2x2 for nvec
// vectors of g = 2 whole tile rows of 8 tiles (images 16 floats wide) in
// each of nch channels: lane 8r+k of vector v is tile k of the vector's
// tile row r, its M at src[e*lde+16v+8r+k] (e < 16), and Y = Aᵀ M A (the
// order of winoOutputGo) goes to dst[(4v+2r+y)·16+2k+x] (y, x < 2).
// Channel ch reads from src+ch*ldch and writes to dst+ch*ldoch.
//
//go:noescape
func winoOutputG2AVX512(src *float32, lde, ldch int, dst *float32, ldoch, nch, nvec int)

// winoOutputG4AVX512 is winoOutputG2AVX512 for g = 4 tile rows of 4 tiles
// (images 8 floats wide): lane 4r+k is tile k of tile row r, its output at
// dst[(8v+2r+y)·8+2k+x].
//
//go:noescape
func winoOutputG4AVX512(src *float32, lde, ldch int, dst *float32, ldoch, nch, nvec int)

// winoGradOutAVX512 is dM = A dY Aᵀ (winoGradOutGo's order) for nvec
// vectors of 16 tiles of one tile row, rows = 2, in each of nch channels:
// tile 16v+k's dY is src[y*ldo+2(16v+k)+x] (y, x < 2) and its dM goes to
// dst[e*lde+16v+k]; channel ch reads from src+ch*ldch and writes to
// dst+ch*lddch. All 32·nvec floats of both rows are read.
//
//go:noescape
func winoGradOutAVX512(src *float32, ldo, ldch int, dst *float32, lde, lddch, nch, nvec int)

// winoGradOutG2AVX512 is winoGradOutAVX512 for nvec vectors of g = 2 whole
// tile rows of 8 tiles (images 16 floats wide): lane 8r+k of vector v is
// tile k of its tile row r, whose dY is src[(4v+2r+y)·16+2k+x].
//
//go:noescape
func winoGradOutG2AVX512(src *float32, ldch int, dst *float32, lde, lddch, nch, nvec int)

// winoGradOutG4AVX512 is winoGradOutG2AVX512 for g = 4 tile rows of 4
// tiles (images 8 floats wide): lane 4r+k, dY at src[(8v+2r+y)·8+2k+x].
//
//go:noescape
func winoGradOutG4AVX512(src *float32, ldch int, dst *float32, lde, lddch, nch, nvec int)

// winoDot4x4AVX512 adds to c[(4i+r)*ldc+4j+s] (i < mb, j < nb, r, s < 4)
// the dot product of rows 4i+r of a and 4j+s of b (rows lda and ldb floats
// apart) over nk steps of 16 floats: for each block, one 16-lane sum per
// pair along k, then the lanes summed in a fixed tree (Winograd2x2.GradU's
// dM_e · V_eᵀ, row blocks of output and column blocks of input channels).
//
//go:noescape
func winoDot4x4AVX512(a *float32, lda int, b *float32, ldb, nk int, c *float32, ldc, mb, nb int)

// wino4InputT2AVX512 is wino4InputGo (winograd4.go) for tile rows of tw =
// 2 tiles with AVX-512, the same operations in the same order: V = Bᵀ d B
// of the 16 tiles of one vector (tile l%tw of the vector's tile row l/tw
// in lane l, the input rows of tile row r at x + rows[i][r] floats, none
// where -1) in nch channels (hw floats apart), V_e of lane l to
// dst[e*lde+ch*lddch+l]. tmp is a staging area of wino4Tmp floats.
//
//go:noescape
func wino4InputT2AVX512(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4InputT4AVX512 is wino4InputT2AVX512 for tile rows of 4 tiles.
//
//go:noescape
func wino4InputT4AVX512(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4InputT8AVX512 is wino4InputT2AVX512 for tile rows of 8 tiles.
//
//go:noescape
func wino4InputT8AVX512(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4InputT16AVX512 is wino4InputT2AVX512 for tile rows of 16 tiles.
//
//go:noescape
func wino4InputT16AVX512(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4OutputT2AVX512 is wino4OutputGo (winograd4.go) for tile rows of tw
// = 2 tiles with AVX-512, the same operations in the same order: Y = Aᵀ M
// A of the 16 tiles of one vector (lanes as in wino4InputT2AVX512), M_e of
// lane l at src[e*lde+ch*ldsch+l], row y of tile k of the vector's tile
// row r to out[rows[0][r]+ch*hw+y*4tw+4k..] where rows[0][r] is not -1.
// tmp is a staging area of wino4Tmp floats.
//
//go:noescape
func wino4OutputT2AVX512(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4OutputT4AVX512 is wino4OutputT2AVX512 for tile rows of 4 tiles.
//
//go:noescape
func wino4OutputT4AVX512(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4OutputT8AVX512 is wino4OutputT2AVX512 for tile rows of 8 tiles.
//
//go:noescape
func wino4OutputT8AVX512(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4OutputT16AVX512 is wino4OutputT2AVX512 for tile rows of 16 tiles.
//
//go:noescape
func wino4OutputT16AVX512(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4InputT2AVX2 is wino4InputT2AVX512 with AVX2 (no AVX-512
// instruction), the same operations in the same order; the 16 lanes in
// two halves of 8.
//
//go:noescape
func wino4InputT2AVX2(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4InputT4AVX2 is wino4InputT2AVX2 for tile rows of 4 tiles.
//
//go:noescape
func wino4InputT4AVX2(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4InputT8AVX2 is wino4InputT2AVX2 for tile rows of 8 tiles.
//
//go:noescape
func wino4InputT8AVX2(x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4OutputT2AVX2 is wino4OutputT2AVX512 with AVX2 (no AVX-512
// instruction), the same operations in the same order; the 16 lanes in
// two halves of 8.
//
//go:noescape
func wino4OutputT2AVX2(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4OutputT4AVX2 is wino4OutputT2AVX2 for tile rows of 4 tiles.
//
//go:noescape
func wino4OutputT4AVX2(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4OutputT8AVX2 is wino4OutputT2AVX2 for tile rows of 8 tiles.
//
//go:noescape
func wino4OutputT8AVX2(src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32)

// wino4GradOutT2AVX512 is wino4GradOutGo (winograd4_grad.go) for tile
// rows of tw = 2 tiles with AVX-512, the same operations in the same
// order: dM = A dY Aᵀ of the 16 tiles of one vector (lanes as in
// wino4InputT2AVX512), dY of tile k of the vector's tile row r at
// dy[rows[0][r]+ch*hw+y*4tw+4k..], zero where rows[0][r] is -1, dM_e of
// lane l to dst[e*lde+ch*lddch+l]. tmp is a staging area of wino4Tmp
// floats.
//
//go:noescape
func wino4GradOutT2AVX512(dy *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4GradOutT4AVX512 is wino4GradOutT2AVX512 for tile rows of 4 tiles.
//
//go:noescape
func wino4GradOutT4AVX512(dy *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4GradOutT8AVX512 is wino4GradOutT2AVX512 for tile rows of 8 tiles.
//
//go:noescape
func wino4GradOutT8AVX512(dy *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4GradOutT16AVX512 is wino4GradOutT2AVX512 for tile rows of 16 tiles.
//
//go:noescape
func wino4GradOutT16AVX512(dy *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32)

// wino4InputAVX512 calls the wino4Input kernel for tile rows of tw tiles.
// The kernels are called directly, not through a table of func values:
// through one, rows would escape to the heap (go:noescape holds for direct
// calls only), an allocation per vector.
func wino4InputAVX512(tw int, x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32) {
	switch tw {
	case 2:
		wino4InputT2AVX512(x, hw, rows, dst, lde, lddch, nch, tmp)
	case 4:
		wino4InputT4AVX512(x, hw, rows, dst, lde, lddch, nch, tmp)
	case 8:
		wino4InputT8AVX512(x, hw, rows, dst, lde, lddch, nch, tmp)
	default:
		wino4InputT16AVX512(x, hw, rows, dst, lde, lddch, nch, tmp)
	}
}

// wino4OutputAVX512 calls the wino4Output kernel for tile rows of tw tiles
// (directly, as wino4InputAVX512).
func wino4OutputAVX512(tw int, src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32) {
	switch tw {
	case 2:
		wino4OutputT2AVX512(src, lde, ldsch, out, hw, rows, nch, tmp)
	case 4:
		wino4OutputT4AVX512(src, lde, ldsch, out, hw, rows, nch, tmp)
	case 8:
		wino4OutputT8AVX512(src, lde, ldsch, out, hw, rows, nch, tmp)
	default:
		wino4OutputT16AVX512(src, lde, ldsch, out, hw, rows, nch, tmp)
	}
}

// wino4InputAVX2 calls the AVX2 wino4Input kernel for tile rows of tw ≤ 8
// tiles (directly, as wino4InputAVX512).
func wino4InputAVX2(tw int, x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32) {
	switch tw {
	case 2:
		wino4InputT2AVX2(x, hw, rows, dst, lde, lddch, nch, tmp)
	case 4:
		wino4InputT4AVX2(x, hw, rows, dst, lde, lddch, nch, tmp)
	default:
		wino4InputT8AVX2(x, hw, rows, dst, lde, lddch, nch, tmp)
	}
}

// wino4OutputAVX2 calls the AVX2 wino4Output kernel for tile rows of tw ≤
// 8 tiles (directly, as wino4InputAVX512).
func wino4OutputAVX2(tw int, src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32) {
	switch tw {
	case 2:
		wino4OutputT2AVX2(src, lde, ldsch, out, hw, rows, nch, tmp)
	case 4:
		wino4OutputT4AVX2(src, lde, ldsch, out, hw, rows, nch, tmp)
	default:
		wino4OutputT8AVX2(src, lde, ldsch, out, hw, rows, nch, tmp)
	}
}

// wino4GradOutAVX512 calls the wino4GradOut kernel for tile rows of tw
// tiles (directly, as wino4InputAVX512).
func wino4GradOutAVX512(tw int, dy *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32) {
	switch tw {
	case 2:
		wino4GradOutT2AVX512(dy, hw, rows, dst, lde, lddch, nch, tmp)
	case 4:
		wino4GradOutT4AVX512(dy, hw, rows, dst, lde, lddch, nch, tmp)
	case 8:
		wino4GradOutT8AVX512(dy, hw, rows, dst, lde, lddch, nch, tmp)
	default:
		wino4GradOutT16AVX512(dy, hw, rows, dst, lde, lddch, nch, tmp)
	}
}
