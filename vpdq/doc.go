// Package vpdq computes, reads, writes and matches vPDQ video hashes as
// facebook/ThreatExchange does (vpdq/, BSD licence): the PDQ hash of
// frames of a video taken at a regular interval (by default one per
// second), each with its frame number, quality and timestamp. vPDQ matches
// clips of a video, which TMK+PDQF does poorly.
//
// # Formats
//
// Two serialisations are implemented, each read and written:
//
//   - The text format of the reference implementation (vpdq/cpp,
//     io/vpdqio.cpp, and the files of vpdq/sample-hashes): one line a
//     frame, "frame_number,quality,pdq_hex,timestamp". ReadText, ParseText,
//     Hash.Text, Hash.WriteText.
//   - The signal string of python-threatexchange's "vpdq" signal type
//     (extensions/vpdq/vpdq_util.py, vpdq_to_json and json_to_vpdq), which
//     HMA, with the vpdq extension enabled, keeps in its banks and takes in
//     its lookup API: a JSON array of "pdq_hex,quality,timestamp" strings. ParseSignal, Hash.Signal; Signal
//     writes byte for byte what python-threatexchange writes.
//
// Older python-threatexchange releases used a JSON object keyed by frame
// number ({"0": {"quality": …, "hash": …, "timestamp": …}}); it is not
// read. The parsers bound their input (MaxFrames, MaxLineLength,
// MaxTextBytes) and report faults as *ParseError, naming the line or
// element, the field and the rule.
//
// # Matching
//
// Compare and Matcher follow python-threatexchange (vpdq_brute_matcher.py,
// VPDQSignal.compare_hash, VPDQIndex.query), the code HMA runs:
//
//  1. frames of quality under 50 are dropped, then repeated frame hashes
//     (identical bits) are dropped;
//  2. a frame of one video matches if some frame of the other is within
//     Hamming distance 31 (≤ 31);
//  3. QueryMatchPercent is the share of the query's remaining frames that
//     match, CompareMatchPercent the share of the compared video's;
//  4. the videos match when QueryMatchPercent ≥ 80 and
//     CompareMatchPercent ≥ 0.
//
// Which side the 80 % applies to differs between the reference's texts.
// python-threatexchange applies VPDQ_QUERY_MATCH_THRESHOLD_PERCENT = 80 to
// the query and VPDQ_INDEX_MATCH_THRESHOLD_PERCENT = 0 to the compared
// (banked) video, and so does this package: a query matches when most of
// it is found in the banked video, so a clip cut from a banked video
// matches it, but a long video that merely contains a banked clip does not.
// vpdq/README.md states the rule the other way round (c_pct ≥ P_c = 80 %,
// q_pct ≥ P_q = 0 %); since the two shares swap when the arguments do, the
// README's rule is Compare with its arguments exchanged, or a Matcher with
// MinQueryPercent −1 and MinComparePercent 80.
//
// Other variants of the reference that this package does not follow: the
// C++ matcher (hashing/matchTwoHash.cpp) counts a match at distance < 31,
// not ≤ 31, and does not drop repeated frames; python-threatexchange's
// brute-force matcher drops repeated frames before the quality filter (its
// index, after), and fails with a division by zero when no frame is left
// where this package reports 0 % and no match.
//
// Comparing is a brute-force scan, as in the reference: fine for videos
// of some thousands of frames (BenchmarkCompare: two one-hour videos at one
// frame per second); a bank of many videos needs a frame index first.
//
// # Hashing videos
//
// Extractor runs ffmpeg and ffprobe (Debian's ffmpeg package; no cgo)
// and hashes the frames it gets with package pdq. ErrNoFFmpeg says when
// they are missing; matching and the formats do not need them.
//
// Frames are chosen as the reference does (vpdq/cpp hashing/filehasher.cpp):
// decoded frame n is hashed when n is a multiple of ⌊frame rate / FPS⌋,
// the frame rate being the stream's average frame rate; Frame.Number is n
// and Frame.Timestamp n / frame rate. The reference converts each frame to
// RGB with libswscale (SWS_AREA) at its full size and computes PDQ from its
// full-size luminance, without PDQ's photo pre-shrink. Package pdq always
// applies that pre-shrink (nearest neighbour to 512×512 for an image with a
// side above 512), so:
//
//   - frames of at most 512×512 are hashed exactly as the reference
//     hashes them, given the same RGB pixels;
//   - larger frames are passed to pdq at full size and pre-shrunk by it.
//     Measured against a full-size PDQ on 32 frames of 1280×720,
//     1920×1080 and 720×1280 test videos (testsrc2, mandelbrot, a slideshow
//     of the PDQ test photographs), this came within 5 to 10 bits on
//     average (16 at most), closer than letting ffmpeg scale frames down to 512 on
//     their longer side first (area: 7 to 11 on average, 18 at most) or
//     to 512×512 (8 to 14, 22 at most). Such differences are far below
//     the match distance of 31, but hashes of large videos are not
//     bit-identical to the reference's.
//
// Rotation metadata is not applied, as in the reference. The input must
// be a file of a video container (DefaultFormats); playlists, still
// images and audio are refused with ErrNotVideo, and ffmpeg may read
// local files only, so that an uploaded playlist cannot make it fetch a
// URL. Duration, number of frames, pixels per frame and spooled bytes are
// bounded (ErrTooLong, ErrTooManyFrames, ErrTooLarge).
package vpdq
