// Package pdq computes PDQ perceptual hashes of photographs exactly as the
// reference implementation does: facebook/ThreatExchange pdq/cpp (BSD), the
// C++ hasher behind pdq-photo-hasher, built with libjpeg-turbo and libpng
// through CImg.
//
// A PDQ hash is 256 bits. Two images match when the Hamming distance
// between their hashes (Distance) is at most MatchThreshold (31). Each hash
// comes with a quality, 0 to 100; hashes under MinUsefulQuality (50) are
// unreliable and the reference's documentation advises discarding them.
//
// # Algorithm
//
// The steps and their arithmetic follow the reference operation by
// operation (files of pdq/cpp are named in the code's comments):
//
//  1. An image with a side above 512 pixels is resized to exactly 512×512
//     by nearest neighbour (source index ⌊d·n/512⌋, aspect ratio not kept),
//     as the reference does with CImg's resize.
//  2. Luminance in float32: Y = 0.299·R + 0.587·G + 0.114·B on 8-bit RGB;
//     one-channel (grey) images use the grey value as is.
//  3. An image with a side under 5 pixels at this point cannot be hashed
//     (the reference prints an all-zero hash; we return ErrTooSmall).
//  4. Two passes of a Jarosz tent filter (a 1-D box filter along rows, then
//     along columns), windows ⌈cols/128⌉ and ⌈rows/128⌉.
//  5. Decimation to 64×64 at pixel centres.
//  6. Quality: the sum of quantised neighbour gradients of the 64×64
//     image, divided by 90, clamped to 100.
//  7. A 16×16 two-dimensional DCT (coefficients 1..16 of a 64-point
//     DCT-II in each direction), thresholded at its median (Torben's
//     algorithm in the reference): bit 16·i+j is set when coefficient (i, j)
//     is above the median.
//
// All float arithmetic is float32 in the reference's order of evaluation,
// and products are never fused into FMA instructions, so that identical
// luminance gives identical bits on every platform.
//
// The text form (Hash.String, ParseHash) is the reference's: 64 lower-case
// hexadecimal digits, the 256-bit number with bit 0 (coefficient (0, 0))
// last.
//
// Result.Dihedral derives the hashes of the image's eight rotations and
// reflections from its DCT coefficients, as the reference's
// pdqDihedralHash256esFromFloatLuma does, in the reference's order
// (Original, Rotate90, Rotate180, Rotate270, FlipX, FlipY, FlipPlus1,
// FlipMinus1).
//
// # Decoding
//
// Hasher.HashBytes, HashReader and HashFile accept JPEG, PNG, GIF (first
// frame) and WebP. They read the image size from the header first and
// refuse an image of more than Hasher.MaxPixels pixels with ErrTooLarge
// before allocating its pixels, so decompression bombs cost nothing.
//
// JPEG files are decoded by this package's own decoder (jpeg.go), written
// from the JPEG standard to reproduce the pixels of libjpeg-turbo with its
// default settings, the decoder of the reference build: the same integer
// inverse DCT ("islow"), the same "fancy" triangular chroma upsampling
// and the same fixed-point YCbCr→RGB conversion. On the reference's test
// images (and on JPEG files of every common sampling, progressive and
// restart layout encoded with libjpeg-turbo) its luminance is identical to
// libjpeg-turbo's and the hashes are bit-exact. Go's image/jpeg differs in
// its inverse DCT and chroma handling, which moved hashes by up to 8 bits
// (22 on a low-quality image). CMYK/YCCK and other JPEG variants that the
// decoder does not handle go to image/jpeg.
//
// Hasher.HashImage hashes pixels decoded by the caller; identical pixels
// give identical hashes. For an *image.YCbCr it applies libjpeg's chroma
// upsampling and colour conversion, so images decoded by image/jpeg come
// within a few bits of the reference (4 at most on its test images).
//
// # Differences from the reference
//
//   - EXIF orientation is not applied, as in the reference: a rotated
//     photograph hashes as stored. Use Result.Dihedral to match rotations.
//   - Alpha is ignored: the stored colour of each pixel is hashed without
//     compositing. Depending on its version the reference either reads the
//     first three channels of RGBA input (pdq/cpp/io/pdqio.cpp at commit
//     1151b670) or aborts on it; python-threatexchange and HMA, through
//     Pillow's convert("RGB"), drop alpha as we do, so hashes agree with
//     theirs. Premultiplied images (*image.RGBA) are un-premultiplied
//     first; fully transparent pixels of those have no colour left and
//     count as black. Grey+alpha images are hashed as RGB with equal
//     channels (the reference aborts on two-channel input).
//   - CMYK (and YCCK) JPEGs, on which the reference aborts, are converted
//     to RGB with Go's colour model (color.CMYKToRGB, via image/jpeg).
//   - 16-bit images use the high byte of each sample.
//   - The reference prints an all-zero hash with quality 0 for files it
//     cannot read and for images with a side under 5 pixels; we return
//     errors instead (ErrDecode, ErrTooSmall), and refuse all-zero hashes
//     (ErrZeroHash, e.g. a black image).
//   - By default a hash of quality under MinUsefulQuality is refused with
//     ErrLowQuality (the Result is still returned); the reference reports
//     the quality and leaves the choice to the caller. A flat image of any
//     grey other than black has quality 0 and a hash made of rounding
//     noise, the same for every such image: refusing it avoids false
//     matches. Set Hasher.MinQuality to −1 to accept every quality.
//   - JPEG: truncated or corrupt entropy-coded data, invalid Huffman codes
//     and a missing end-of-image marker are refused (libjpeg substitutes
//     grey for missing data with a warning, and the reference hashes the
//     result); arithmetic-coded, 12-bit and lossless JPEGs are refused
//     (image/jpeg does not support them either); progressive files whose
//     scans leave coefficients unrefined are decoded without libjpeg's
//     block smoothing.
//   - WebP is decoded by golang.org/x/image/webp (the reference cannot read
//     WebP; Pillow-based tools use libwebp, whose colour conversion differs
//     slightly).
//
// Hashing is allocation-free in the steady state: work buffers are pooled.
// A Hasher is safe for concurrent use.
package pdq
