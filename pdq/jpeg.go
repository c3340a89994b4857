package pdq

import (
	"errors"
	"fmt"
)

// A JPEG decoder that reproduces the pixels of libjpeg(-turbo) with its
// default settings, which the reference hasher uses through CImg.
//
// Go's image/jpeg is a fine decoder but its inverse DCT is not libjpeg's,
// so a few samples differ by one and a few hash bits flip (up to 8 on the
// reference vectors), and it decodes a 1600×1004 photograph in about 38 ms
// on our test machine, above the budget of the hash service. This decoder
// is written from ITU-T T.81 (the JPEG standard: Huffman entropy coding,
// Annexes C, F and G, baseline, extended-sequential and progressive modes)
// and uses the integer inverse DCT of the Loeffler–Ligtenberg–Moschytz
// flow graph in the fixed-point form of the IJG's "islow" method (13-bit
// constants, two bits of extra precision between the passes), whose
// arithmetic libjpeg-turbo's SIMD code reproduces exactly. Its output is
// the component planes; colour conversion and chroma upsampling are done
// by ycc.go only at the pixels the hash samples.
//
// Scope: 8-bit Huffman-coded JPEG (SOF0, SOF1, SOF2) with one (grey) or
// three (YCbCr or RGB) components. Anything else (CMYK/YCCK, 12-bit,
// arithmetic coding, lossless, DNL) returns errJPEGUnsupported and is
// handed to image/jpeg. Unlike libjpeg, which substitutes zeros for missing
// data and only warns, the decoder refuses truncated or corrupt entropy
// data, bad Huffman codes and a missing EOI marker. Progressive files whose
// scans leave coefficients unrefined are decoded as transmitted, without
// libjpeg's block smoothing.

// errJPEGUnsupported makes the caller fall back to image/jpeg.
var errJPEGUnsupported = errors.New("unsupported JPEG variant")

// jpegFormatError is a corrupt-data error.
type jpegFormatError string

func (e jpegFormatError) Error() string { return "jpeg: " + string(e) }

// zigzag maps the zig-zag index of a coefficient to its natural (row-major)
// index. Indices 64..79 map to 63 so that a corrupt run that overshoots the
// block stays inside it (libjpeg does the same).
var zigzag = [80]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
}

const huffLookBits = 9

// huffTable is a canonical Huffman table (T.81 Annex C) with a lookup
// table for codes of up to huffLookBits bits.
type huffTable struct {
	// look[peek] = length<<8 | symbol for codes of at most huffLookBits
	// bits, 0 when the code is longer.
	look [1 << huffLookBits]uint16
	// maxCode[l] is the largest code of length l plus one, shifted to 16
	// bits (0 when there is none); valOff[l] maps a code of length l to
	// its index in vals.
	maxCode [18]uint32
	valOff  [17]int32
	vals    [256]uint8
	defined bool
	// fast[peek] decodes, for a code and its value bits that together fit
	// in huffLookBits bits, the whole coefficient at once:
	// value<<16 | run<<8 | total length; 0 when they do not fit. The
	// end-of-block and zero-run symbols of AC tables are not in it.
	fast [1 << huffLookBits]int32
}

// build sets up t from the 16 code counts and the symbols of a DHT.
func (t *huffTable) build(counts *[16]uint8, vals []uint8, isDC bool) error {
	*t = huffTable{}
	copy(t.vals[:], vals)
	code := uint32(0)
	k := 0
	for l := 1; l <= 16; l++ {
		n := int(counts[l-1])
		t.valOff[l] = int32(k) - int32(code)
		for range n {
			// Codes of one length are consecutive; none may be all ones
			// or overflow the length (T.81 Annex C; libjpeg rejects such
			// tables).
			if code+1 >= 1<<l {
				return jpegFormatError("bad Huffman table")
			}
			if l <= huffLookBits {
				shift := huffLookBits - l
				base := code << shift
				sym := vals[k]
				r, sz := int(sym>>4), int(sym&15)
				for f := uint32(0); f < 1<<shift; f++ {
					t.look[base|f] = uint16(l)<<8 | uint16(sym)
					if (sz == 0 && !isDC) || l+sz > huffLookBits {
						continue
					}
					// The value bits follow the code in the peeked bits.
					v := int32(0)
					if sz > 0 {
						v = int32((base|f)>>(huffLookBits-l-sz)) & (1<<sz - 1)
						if v < 1<<(sz-1) {
							v += -1<<sz + 1
						}
					}
					t.fast[base|f] = int32(uint32(uint16(int16(v)))<<16 | uint32(r)<<8 | uint32(l+sz))
				}
			}
			code++
			k++
		}
		if n > 0 {
			t.maxCode[l] = code << (16 - l)
		}
		code <<= 1
	}
	t.maxCode[17] = 0xffffffff
	t.defined = true
	return nil
}

// jcomp is one image component.
type jcomp struct {
	id     uint8
	h, v   int // sampling factors
	tq     int // quantisation table selector
	q      [64]int32
	latch  bool // q holds the table latched at the component's first scan
	cw, ch int  // size in samples: ceil(W·h/hmax) × ceil(H·v/vmax)
	ww, wh int  // size in blocks for non-interleaved scans
	bw, bh int  // stored blocks per row and column (padded to whole MCUs)
	plane  []uint8
	stride int
	coefs  []int16 // progressive only: bw·bh·64, natural order
	need   []uint8 // per block row, the plane rows that the hash reads
	pred   int32   // DC predictor
	td, ta int     // Huffman selectors of the current scan
}

// jpegDecoder holds the state of one decode. It is pooled with its
// buffers.
type jpegDecoder struct {
	data []byte
	pos  int

	width, height int
	ncomp         int
	comp          [3]jcomp
	hmax, vmax    int
	mcux, mcuy    int
	progressive   bool
	sawSOF        bool
	sawJFIF       bool
	sawAdobe      bool
	adobeXform    uint8
	rgb           bool // three components are R, G, B (decided at the first scan)
	sawSOS        bool

	quant    [4][64]int32 // natural order
	quantSet [4]bool
	dc, ac   [4]huffTable
	restart  int

	// entropy decoder
	acc    uint64 // bit buffer, next bit in the most significant place
	nbits  int
	pad    int // zero bytes inserted for a marker or the end of data
	eobrun int

	// scan parameters
	scomp          [3]int
	sn             int
	ss, se, ah, al int

	blk [64]int16

	// buffers kept across decodes
	planeBuf [3][]uint8
	coefBuf  [3][]int16
	needBuf  [3][]uint8
}

// decode decodes the JPEG file in data into the component planes, refusing
// with ErrTooLarge an image of more than maxPixels pixels before allocating
// them.
func (d *jpegDecoder) decode(data []byte, maxPixels int) error {
	d.reset(data)
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return jpegFormatError("missing SOI marker")
	}
	d.pos = 2
	for {
		m, err := d.nextMarker()
		if err != nil {
			return err
		}
		switch {
		case m == 0xd9: // EOI
			if !d.sawSOS {
				return jpegFormatError("no image data")
			}
			if d.progressive {
				d.finishProgressive()
			} else {
				// Every stored block of a sequential image is written by
				// its scan, unless its component never appears in one;
				// libjpeg then transforms zero coefficients, giving 128.
				for i := range d.ncomp {
					if c := &d.comp[i]; !c.latch {
						for k := range c.plane {
							c.plane[k] = 128
						}
					}
				}
			}
			return nil
		case m >= 0xd0 && m <= 0xd7, m == 0x01:
			// Stray RSTn or TEM: no segment; ignore as libjpeg does.
			continue
		}
		seg, err := d.segment()
		if err != nil {
			return err
		}
		switch m {
		case 0xc0, 0xc1, 0xc2:
			if d.sawSOF {
				return jpegFormatError("more than one frame")
			}
			if err := d.parseSOF(seg, m == 0xc2, maxPixels); err != nil {
				return err
			}
		case 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf:
			return errJPEGUnsupported // lossless, hierarchical, arithmetic
		case 0xc4:
			if err := d.parseDHT(seg); err != nil {
				return err
			}
		case 0xcc:
			return errJPEGUnsupported // arithmetic conditioning
		case 0xdb:
			if err := d.parseDQT(seg); err != nil {
				return err
			}
		case 0xdd:
			if len(seg) != 2 {
				return jpegFormatError("bad DRI length")
			}
			d.restart = int(seg[0])<<8 | int(seg[1])
		case 0xda:
			if !d.sawSOF {
				return jpegFormatError("scan before frame")
			}
			if err := d.parseSOS(seg); err != nil {
				return err
			}
			if err := d.decodeScan(); err != nil {
				return err
			}
		case 0xdc:
			return errJPEGUnsupported // DNL
		case 0xe0:
			// libjpeg needs the 14 bytes of a JFIF APP0 to count it.
			if len(seg) >= 14 && string(seg[:5]) == "JFIF\x00" {
				d.sawJFIF = true
			}
		case 0xee:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.sawAdobe = true
				d.adobeXform = seg[11]
			}
		}
	}
}

func (d *jpegDecoder) reset(data []byte) {
	planes, coefs, need := d.planeBuf, d.coefBuf, d.needBuf
	*d = jpegDecoder{}
	d.planeBuf, d.coefBuf, d.needBuf = planes, coefs, need
	d.data = data
}

// nextMarker skips to the next marker and returns its code. Bytes that are
// not a marker are skipped (libjpeg skips them with a warning).
func (d *jpegDecoder) nextMarker() (byte, error) {
	for {
		for d.pos < len(d.data) && d.data[d.pos] != 0xff {
			d.pos++
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xff {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return 0, jpegFormatError("unexpected end of data (no EOI marker)")
		}
		m := d.data[d.pos]
		d.pos++
		if m != 0 {
			return m, nil
		}
	}
}

// segment returns the payload of the marker segment at d.pos.
func (d *jpegDecoder) segment() ([]byte, error) {
	if d.pos+2 > len(d.data) {
		return nil, jpegFormatError("unexpected end of data in a marker segment")
	}
	n := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	if n < 2 || d.pos+n > len(d.data) {
		return nil, jpegFormatError("bad marker segment length")
	}
	seg := d.data[d.pos+2 : d.pos+n]
	d.pos += n
	return seg, nil
}

func (d *jpegDecoder) parseSOF(seg []byte, progressive bool, maxPixels int) error {
	if len(seg) < 6 {
		return jpegFormatError("short SOF")
	}
	if seg[0] != 8 {
		return errJPEGUnsupported // 12-bit
	}
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	n := int(seg[5])
	if d.height == 0 {
		return errJPEGUnsupported // DNL-defined height
	}
	if d.width == 0 {
		return jpegFormatError("zero width")
	}
	if int64(d.width)*int64(d.height) > int64(maxPixels) {
		return fmt.Errorf("%w: %d×%d exceeds the bound of %d pixels", ErrTooLarge, d.width, d.height, maxPixels)
	}
	if n != 1 && n != 3 {
		return errJPEGUnsupported // CMYK, YCCK or unusual
	}
	if len(seg) != 6+3*n {
		return jpegFormatError("bad SOF length")
	}
	d.ncomp = n
	d.progressive = progressive
	d.sawSOF = true
	d.hmax, d.vmax = 1, 1
	for i := range n {
		c := &d.comp[i]
		c.id = seg[6+3*i]
		c.h = int(seg[7+3*i] >> 4)
		c.v = int(seg[7+3*i] & 15)
		c.tq = int(seg[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return jpegFormatError("bad sampling factor")
		}
		if c.tq > 3 {
			return jpegFormatError("bad quantisation table selector")
		}
		for j := range i {
			if d.comp[j].id == c.id {
				return jpegFormatError("duplicate component identifier")
			}
		}
		d.hmax = max(d.hmax, c.h)
		d.vmax = max(d.vmax, c.v)
	}
	if n == 1 {
		// A single component is never interleaved; its sampling factors
		// are irrelevant (libjpeg treats it as 1×1).
		d.comp[0].h, d.comp[0].v = 1, 1
		d.hmax, d.vmax = 1, 1
	}
	if n == 3 {
		// Supported layouts: full-resolution first component and two
		// components with the same integral subsampling; image/jpeg gets
		// anything else.
		y, cb, cr := &d.comp[0], &d.comp[1], &d.comp[2]
		if y.h != d.hmax || y.v != d.vmax || cb.h != cr.h || cb.v != cr.v ||
			d.hmax%cb.h != 0 || d.vmax%cb.v != 0 || subsampleRatio(d.hmax/cb.h, d.vmax/cb.v) < 0 {
			return errJPEGUnsupported
		}
	}
	d.mcux = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcuy = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	for i := range n {
		c := &d.comp[i]
		c.cw = (d.width*c.h + d.hmax - 1) / d.hmax
		c.ch = (d.height*c.v + d.vmax - 1) / d.vmax
		c.ww = (c.cw + 7) / 8
		c.wh = (c.ch + 7) / 8
		c.bw = d.mcux * c.h
		c.bh = d.mcuy * c.v
		c.stride = 8 * c.bw
		size := c.stride * 8 * c.bh
		if cap(d.planeBuf[i]) < size {
			d.planeBuf[i] = make([]uint8, size)
		}
		c.plane = d.planeBuf[i][:size]
		if cap(d.needBuf[i]) < c.bh {
			d.needBuf[i] = make([]uint8, c.bh)
		}
		c.need = d.needBuf[i][:c.bh]
		clear(c.need)
		if progressive {
			nc := c.bw * c.bh * 64
			if cap(d.coefBuf[i]) < nc {
				d.coefBuf[i] = make([]int16, nc)
			}
			c.coefs = d.coefBuf[i][:nc]
			clear(c.coefs)
		}
	}
	d.markNeededRows()
	return nil
}

// markNeededRows records, per component and block row, which plane rows
// the hash will read, so that the inverse DCT can skip the others: the
// rows the pre-shrink samples and, for vertically subsampled chroma, the
// two chroma rows that fancy upsampling blends for each of them.
func (d *jpegDecoder) markNeededRows() {
	var xs, ys [preShrinkDim]int
	_, rows := planeGrid(d.width, d.height, &xs, &ys)
	for i := range d.ncomp {
		c := &d.comp[i]
		vs := d.vmax / c.v
		for _, y := range ys[:rows] {
			cy := y / vs
			c.need[cy>>3] |= 1 << (cy & 7)
			if vs == 2 {
				far := max(0, min(cy-1+2*(y&1), c.ch-1))
				c.need[far>>3] |= 1 << (far & 7)
			}
		}
	}
}

func (d *jpegDecoder) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return jpegFormatError("short DHT")
		}
		class, id := seg[0]>>4, seg[0]&15
		if class > 1 || id > 3 {
			return jpegFormatError("bad Huffman table class or id")
		}
		var counts [16]uint8
		copy(counts[:], seg[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if total > 256 || len(seg) < 17+total {
			return jpegFormatError("bad DHT length")
		}
		vals := seg[17 : 17+total]
		t := &d.ac[id]
		if class == 0 {
			t = &d.dc[id]
			for _, v := range vals {
				if v > 15 {
					return jpegFormatError("bad DC Huffman symbol")
				}
			}
		}
		if err := t.build(&counts, vals, class == 0); err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

func (d *jpegDecoder) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&15
		if tq > 3 || pq > 1 {
			return jpegFormatError("bad DQT")
		}
		n := 64 << pq
		if len(seg) < 1+n {
			return jpegFormatError("short DQT")
		}
		q := &d.quant[tq]
		for k := range 64 {
			if pq == 0 {
				q[zigzag[k]] = int32(seg[1+k])
			} else {
				q[zigzag[k]] = int32(seg[1+2*k])<<8 | int32(seg[2+2*k])
			}
		}
		d.quantSet[tq] = true
		seg = seg[1+n:]
	}
	return nil
}

func (d *jpegDecoder) parseSOS(seg []byte) error {
	if len(seg) < 1 {
		return jpegFormatError("short SOS")
	}
	n := int(seg[0])
	if n < 1 || n > d.ncomp || len(seg) != 4+2*n {
		return jpegFormatError("bad SOS")
	}
	d.sn = n
	blocks := 0
	for i := range n {
		id := seg[1+2*i]
		ci := -1
		for j := range d.ncomp {
			if d.comp[j].id == id {
				ci = j
			}
		}
		if ci < 0 {
			return jpegFormatError("scan names an unknown component")
		}
		for j := range i {
			if d.scomp[j] == ci {
				return jpegFormatError("component repeated in a scan")
			}
		}
		d.scomp[i] = ci
		c := &d.comp[ci]
		c.td = int(seg[2+2*i] >> 4)
		c.ta = int(seg[2+2*i] & 15)
		if c.td > 3 || c.ta > 3 {
			return jpegFormatError("bad Huffman table selector")
		}
		blocks += c.h * c.v
		if !c.latch {
			// libjpeg latches a component's quantisation table when the
			// component first appears in a scan.
			if !d.quantSet[c.tq] {
				return jpegFormatError("missing quantisation table")
			}
			c.q = d.quant[c.tq]
			c.latch = true
		}
	}
	if !d.sawSOS {
		d.sawSOS = true
		d.rgb = d.ncomp == 3 && d.isRGB()
	}
	if n > 1 && blocks > 10 {
		return jpegFormatError("too many blocks in an MCU")
	}
	d.ss = int(seg[1+2*n])
	d.se = int(seg[2+2*n])
	d.ah = int(seg[3+2*n] >> 4)
	d.al = int(seg[3+2*n] & 15)
	if d.progressive {
		if d.ss > d.se || d.se > 63 || d.al > 13 || d.ah > 13 {
			return jpegFormatError("bad progressive scan parameters")
		}
		if d.ss == 0 && d.se != 0 {
			return jpegFormatError("progressive DC scan with AC coefficients")
		}
		if d.ss > 0 && n != 1 {
			return jpegFormatError("interleaved progressive AC scan")
		}
		if d.ah != 0 && d.ah-1 != d.al {
			return jpegFormatError("bad successive approximation")
		}
	} else {
		// Sequential scans always carry all 64 coefficients (libjpeg
		// ignores other values with a warning).
		d.ss, d.se, d.ah, d.al = 0, 63, 0, 0
	}
	// Check the tables the scan needs.
	for i := range n {
		c := &d.comp[d.scomp[i]]
		needDC := !d.progressive || (d.ss == 0 && d.ah == 0)
		needAC := !d.progressive || d.ss > 0
		if needDC && !d.dc[c.td].defined {
			return jpegFormatError("missing DC Huffman table")
		}
		if needAC && !d.ac[c.ta].defined {
			return jpegFormatError("missing AC Huffman table")
		}
	}
	return nil
}

// isRGB applies libjpeg's rule (jdapimin.c, default_decompress_parms) for
// the colour space of a three-component file: a JFIF marker means YCbCr;
// otherwise an Adobe marker decides (transform 0 is RGB, anything else
// YCbCr); otherwise component identifiers 'R', 'G', 'B' mean RGB and
// anything else YCbCr.
func (d *jpegDecoder) isRGB() bool {
	switch {
	case d.sawJFIF:
		return false
	case d.sawAdobe:
		return d.adobeXform == 0
	}
	return d.comp[0].id == 'R' && d.comp[1].id == 'G' && d.comp[2].id == 'B'
}

// fill tops the bit buffer up to at least 57 bits. It is kept out of line
// so that its callers stay small enough to inline. At a marker or at the
// end of data it inserts zero bytes and counts them in d.pad; consuming any
// of them is an error that checkPad reports.
//
//go:noinline
func (d *jpegDecoder) fill() {
	for d.nbits <= 56 {
		var b byte
		if d.pos < len(d.data) {
			b = d.data[d.pos]
			if b == 0xff {
				if d.pos+1 < len(d.data) && d.data[d.pos+1] == 0 {
					d.pos += 2
				} else {
					b = 0
					d.pad++
				}
			} else {
				d.pos++
			}
		} else {
			d.pad++
		}
		d.acc |= uint64(b) << (56 - d.nbits)
		d.nbits += 8
	}
}

// checkPad reports whether the decoder has consumed bits that are not in
// the file (truncated or corrupt entropy-coded data).
func (d *jpegDecoder) checkPad() error {
	if d.pad > 0 && 8*d.pad > d.nbits {
		if d.pos >= len(d.data) {
			return jpegFormatError("unexpected end of data (truncated file)")
		}
		return jpegFormatError("entropy-coded data ends early (corrupt file)")
	}
	return nil
}

func (d *jpegDecoder) bits(n int) int32 {
	if d.nbits < n {
		d.fill()
	}
	v := int32(d.acc >> (64 - n))
	d.acc <<= n
	d.nbits -= n
	return v
}

func (d *jpegDecoder) bit() bool {
	if d.nbits < 1 {
		d.fill()
	}
	v := d.acc>>63 != 0
	d.acc <<= 1
	d.nbits--
	return v
}

// receiveExtend reads s bits and extends them to a signed value (T.81
// F.2.2.1: values below 2^(s−1) are negative).
func (d *jpegDecoder) receiveExtend(s int) int32 {
	if s == 0 {
		return 0
	}
	if d.nbits < s {
		d.fill()
	}
	v := int32(d.acc >> (64 - s))
	d.acc <<= s
	d.nbits -= s
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

var errBadHuffman = jpegFormatError("bad Huffman code")

// huff decodes one symbol.
func (d *jpegDecoder) huff(t *huffTable) (int, error) {
	if d.nbits < 16 {
		d.fill()
	}
	e := t.look[d.acc>>(64-huffLookBits)]
	if e != 0 {
		l := int(e >> 8)
		d.acc <<= l
		d.nbits -= l
		return int(e & 0xff), nil
	}
	sym, l, ok := t.slow(d.acc)
	if !ok {
		return 0, errBadHuffman
	}
	d.acc <<= l
	d.nbits -= l
	return sym, nil
}

// slow decodes a code longer than huffLookBits bits from the top of acc
// (T.81 F.2.2.3) and returns the symbol and the code length.
func (t *huffTable) slow(acc uint64) (sym, length int, ok bool) {
	code := uint32(acc >> 48)
	for l := huffLookBits + 1; l <= 16; l++ {
		if code < t.maxCode[l] {
			idx := int32(code>>(16-l)) + t.valOff[l]
			if idx < 0 || idx > 255 {
				return 0, 0, false
			}
			return int(t.vals[idx]), l, true
		}
	}
	return 0, 0, false
}

// decodeScan decodes the entropy-coded data of the current scan.
func (d *jpegDecoder) decodeScan() error {
	d.acc, d.nbits, d.pad, d.eobrun = 0, 0, 0, 0
	for i := range d.ncomp {
		d.comp[i].pred = 0
	}
	var nx, ny int
	if d.sn == 1 {
		c := &d.comp[d.scomp[0]]
		nx, ny = c.ww, c.wh
	} else {
		nx, ny = d.mcux, d.mcuy
	}
	total := nx * ny
	rstLeft := d.restart
	nextRST := 0
	for m := range total {
		if d.restart > 0 && rstLeft == 0 {
			if err := d.processRestart(nextRST); err != nil {
				return err
			}
			nextRST = (nextRST + 1) & 7
			rstLeft = d.restart
		}
		mx, my := m%nx, m/nx
		if d.sn == 1 {
			if err := d.decodeBlock(d.scomp[0], mx, my); err != nil {
				return err
			}
		} else {
			for i := range d.sn {
				ci := d.scomp[i]
				c := &d.comp[ci]
				for by := range c.v {
					for bx := range c.h {
						if err := d.decodeBlock(ci, mx*c.h+bx, my*c.v+by); err != nil {
							return err
						}
					}
				}
			}
		}
		if err := d.checkPad(); err != nil {
			return err
		}
		rstLeft--
	}
	// Leave d.pos at the marker that ends the scan: the bit buffer never
	// reads past a marker, and nextMarker skips any trailing bytes.
	return nil
}

// processRestart discards the bits left before a restart marker, checks the
// marker and resets the decoder state (T.81 F.2.1.3, G.1.2).
func (d *jpegDecoder) processRestart(n int) error {
	if err := d.checkPad(); err != nil {
		return err
	}
	d.acc, d.nbits, d.pad = 0, 0, 0
	// Skip any entropy bytes left unread, then the marker's fill bytes.
	for d.pos < len(d.data) {
		if d.data[d.pos] == 0xff && d.pos+1 < len(d.data) && d.data[d.pos+1] != 0 && d.data[d.pos+1] != 0xff {
			break
		}
		d.pos++
	}
	if d.pos+1 >= len(d.data) {
		return jpegFormatError("unexpected end of data (truncated file)")
	}
	if d.data[d.pos+1] != byte(0xd0+n) {
		return jpegFormatError("missing or out-of-order RST marker")
	}
	d.pos += 2
	for i := range d.ncomp {
		d.comp[i].pred = 0
	}
	d.eobrun = 0
	return nil
}

// decodeBlock decodes block (bx, by) of component ci in the current scan.
func (d *jpegDecoder) decodeBlock(ci, bx, by int) error {
	c := &d.comp[ci]
	if d.progressive {
		if bx >= c.bw || by >= c.bh {
			return jpegFormatError("block outside the image")
		}
		off := (by*c.bw + bx) * 64
		blk := (*[64]int16)(c.coefs[off : off+64])
		switch {
		case d.ss == 0 && d.ah == 0:
			return d.dcFirst(c, blk)
		case d.ss == 0:
			if d.bit() {
				blk[0] |= int16(1 << d.al)
			}
			return nil
		case d.ah == 0:
			return d.acFirst(c, blk)
		default:
			return d.acRefine(c, blk)
		}
	}
	blk := &d.blk
	// DC: T.81 F.2.2.1.
	if d.nbits < 32 {
		d.fill()
	}
	dct := &d.dc[c.td]
	if e := dct.fast[d.acc>>(64-huffLookBits)]; e != 0 {
		n := int(e & 0xff)
		d.acc <<= n
		d.nbits -= n
		c.pred += e >> 16
	} else {
		s, err := d.huff(dct)
		if err != nil {
			return err
		}
		c.pred += d.receiveExtend(s)
	}
	blk[0] = int16(c.pred)
	// AC: T.81 F.2.2.2. The bit buffer is kept in locals; after a refill
	// it holds at least 57 bits, enough for a code (≤ 16) and its value
	// bits (≤ 15).
	act := &d.ac[c.ta]
	acc, nbits := d.acc, d.nbits
	for k := 1; k < 64; k++ {
		if nbits < 32 {
			d.acc, d.nbits = acc, nbits
			d.fill()
			acc, nbits = d.acc, d.nbits
		}
		if e := act.fast[acc>>(64-huffLookBits)]; e != 0 {
			n := int(e & 0xff)
			acc <<= n
			nbits -= n
			k += int(e>>8) & 0xff
			blk[zigzag[k]] = int16(e >> 16)
			continue
		}
		var rs, n int
		if e := act.look[acc>>(64-huffLookBits)]; e != 0 {
			rs, n = int(e&0xff), int(e>>8)
		} else {
			var ok bool
			rs, n, ok = act.slow(acc)
			if !ok {
				return errBadHuffman
			}
		}
		acc <<= n
		nbits -= n
		r, s := rs>>4, rs&15
		if s == 0 {
			if r != 15 {
				break
			}
			k += 15
			continue
		}
		k += r
		v := int32(acc >> (64 - s))
		acc <<= s
		nbits -= s
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		blk[zigzag[k]] = int16(v)
	}
	d.acc, d.nbits = acc, nbits
	idctBlock(blk, &c.q, c.plane[8*by*c.stride+8*bx:], c.stride, c.need[by])
	*blk = [64]int16{}
	return nil
}

// dcFirst decodes the first DC scan of a progressive image (T.81 G.1.2.1).
func (d *jpegDecoder) dcFirst(c *jcomp, blk *[64]int16) error {
	s, err := d.huff(&d.dc[c.td])
	if err != nil {
		return err
	}
	c.pred += d.receiveExtend(s)
	blk[0] = int16(c.pred << d.al)
	return nil
}

// acFirst decodes the first scan of a band of AC coefficients (T.81
// G.1.2.2), with end-of-band runs.
func (d *jpegDecoder) acFirst(c *jcomp, blk *[64]int16) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	t := &d.ac[c.ta]
	for k := d.ss; k <= d.se; k++ {
		rs, err := d.huff(t)
		if err != nil {
			return err
		}
		r, s := rs>>4, rs&15
		if s != 0 {
			k += r
			blk[zigzag[k]] = int16(d.receiveExtend(s) << d.al)
			continue
		}
		if r == 15 {
			k += 15
			continue
		}
		d.eobrun = 1 << r
		if r > 0 {
			d.eobrun += int(d.bits(r))
		}
		d.eobrun--
		break
	}
	return nil
}

// acRefine decodes a successive-approximation refinement scan of a band of
// AC coefficients (T.81 G.1.2.3): each already non-zero coefficient gets a
// correction bit, and newly non-zero coefficients of magnitude 2^Al are
// placed after runs of still-zero ones.
func (d *jpegDecoder) acRefine(c *jcomp, blk *[64]int16) error {
	p1 := int16(1) << d.al
	m1 := int16(-1) << d.al
	refine := func(pos uint8) {
		if d.bit() && blk[pos]&p1 == 0 {
			if blk[pos] >= 0 {
				blk[pos] += p1
			} else {
				blk[pos] += m1
			}
		}
	}
	k := d.ss
	if d.eobrun == 0 {
		t := &d.ac[c.ta]
		for ; k <= d.se; k++ {
			rs, err := d.huff(t)
			if err != nil {
				return err
			}
			r, s := rs>>4, rs&15
			var val int16
			if s != 0 {
				// The size of a new coefficient is always 1; libjpeg
				// only warns otherwise and so do we not check it.
				if d.bit() {
					val = p1
				} else {
					val = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += int(d.bits(r))
				}
				break
			}
			// Skip r still-zero coefficients, refining the non-zero
			// ones passed on the way.
			for k <= d.se {
				pos := zigzag[k]
				if blk[pos] != 0 {
					refine(pos)
				} else {
					if r == 0 {
						break
					}
					r--
				}
				k++
			}
			if val != 0 {
				blk[zigzag[k]] = val
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= d.se; k++ {
			pos := zigzag[k]
			if blk[pos] != 0 {
				refine(pos)
			}
		}
		d.eobrun--
	}
	return nil
}

// finishProgressive runs the inverse DCT on every stored block.
func (d *jpegDecoder) finishProgressive() {
	for i := range d.ncomp {
		c := &d.comp[i]
		for by := range c.bh {
			for bx := range c.bw {
				off := (by*c.bw + bx) * 64
				idctBlock((*[64]int16)(c.coefs[off:off+64]), &c.q, c.plane[8*by*c.stride+8*bx:], c.stride, c.need[by])
			}
		}
	}
}
