package vpdq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/pdq"
)

// Defaults of an Extractor whose fields are zero.
const (
	// DefaultFPS is one hashed frame per second of video, the default of
	// python-threatexchange and of the reference's Python binding
	// (seconds_per_hash = 1).
	DefaultFPS = 1.0
	// DefaultMaxDuration is four hours.
	DefaultMaxDuration = 4 * time.Hour
	// DefaultMaxFrames is 86,400 hashed frames: a day at one per second.
	DefaultMaxFrames = 86400
	// DefaultMaxPixels is 7680×4320 pixels per frame (8K UHD).
	DefaultMaxPixels = 7680 * 4320
	// DefaultMaxBytes bounds what HashReader spools to disk: 4 GiB.
	DefaultMaxBytes = 4 << 30
)

// DefaultFormats are the ffmpeg demuxers an Extractor lets ffmpeg use:
// video containers and raw video streams. Playlists and other formats
// that make ffmpeg open further files (hls, dash, concat, image2), still
// images and audio-only formats are not in it.
var DefaultFormats = []string{
	"mov", "matroska", "avi", "flv", "mpegts", "mpeg", "asf", "gif", "ogg",
	"m4v", "h264", "hevc", "ivf", "obu", "apng", "rm", "dv", "mxf", "nut",
}

// Errors of an Extractor. They are sentinels: test with errors.Is; the
// returned errors wrap them with the detail (ffmpeg's own message, sizes).
var (
	// ErrNoFFmpeg reports that ffmpeg or ffprobe could not be found: install
	// ffmpeg (Debian and Ubuntu: apt-get install ffmpeg) or set
	// Extractor.FFmpeg. Matching and the hash formats work without it.
	ErrNoFFmpeg = errors.New("vpdq: ffmpeg not found (install ffmpeg, e.g. apt-get install ffmpeg, or set Extractor.FFmpeg)")
	// ErrNotVideo reports input that ffprobe cannot read as one of the
	// allowed formats (Extractor.Formats), or that has no video stream.
	ErrNotVideo = errors.New("vpdq: not a video")
	// ErrTooLong reports a video longer than Extractor.MaxDuration.
	ErrTooLong = errors.New("vpdq: video too long")
	// ErrFFmpeg reports that ffmpeg or ffprobe failed while decoding.
	ErrFFmpeg = errors.New("vpdq: ffmpeg failed")
)

// Extractor computes vPDQ hashes of video files with the ffmpeg and
// ffprobe programs (version 5.1 or later), which it runs as child processes
// (no cgo). The zero value is ready to use. An Extractor is safe for concurrent use provided
// its fields are not changed meanwhile.
type Extractor struct {
	// FFmpeg is the path of the ffmpeg program. Empty means "ffmpeg"
	// looked up in PATH.
	FFmpeg string
	// FFprobe is the path of the ffprobe program. Empty means the ffprobe
	// beside FFmpeg, or else "ffprobe" looked up in PATH.
	FFprobe string
	// FPS is the number of frames hashed per second of video. Zero means
	// DefaultFPS (1). As in the reference, every n-th decoded frame is
	// hashed, n = ⌊frame rate / FPS⌋ (at least 1), so an FPS at or above
	// the video's frame rate hashes every frame.
	FPS float64
	// MaxDuration bounds the length of the video: a longer one is refused
	// with ErrTooLong, from its declared duration before decoding, or as
	// soon as a frame beyond it is decoded. Zero means DefaultMaxDuration.
	MaxDuration time.Duration
	// MaxFrames bounds the number of hashed frames (ErrTooManyFrames).
	// Zero means DefaultMaxFrames; it cannot exceed MaxFrames.
	MaxFrames int
	// MaxPixels bounds width×height of the video's frames, checked before
	// decoding (ErrTooLarge). Zero means DefaultMaxPixels.
	MaxPixels int
	// MaxBytes bounds the input that HashReader copies to a temporary
	// file (ErrTooLarge). Zero means DefaultMaxBytes.
	MaxBytes int64
	// TempDir is where HashReader puts its temporary file. Empty means
	// os.TempDir().
	TempDir string
	// Formats lists the ffmpeg demuxers that may read the input (ffmpeg's
	// -format_whitelist). Nil means DefaultFormats.
	Formats []string
}

// HashReader copies a video from r to a temporary file (ffmpeg needs to
// seek in most containers), at most MaxBytes of it, and hashes it; see
// HashFile. The file is removed before HashReader returns.
func (e *Extractor) HashReader(ctx context.Context, r io.Reader) (Hash, error) {
	if _, _, err := e.tools(); err != nil {
		return nil, err // before copying what may be gigabytes
	}
	f, err := os.CreateTemp(e.TempDir, "vpdq-*.video")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	limit := e.maxBytes()
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%w: video longer than %d bytes", ErrTooLarge, limit)
	}
	return e.HashFile(ctx, f.Name())
}

// HashFile computes the vPDQ hash of the video in the named file.
//
// ffprobe first reads the container: the file must be in one of Formats and
// have a video stream (cover art does not count), of at most MaxPixels
// pixels a frame and MaxDuration long, or HashFile fails before decoding.
// ffmpeg then decodes the first video stream and writes the selected frames
// as raw RGB (rgb24) to a pipe, converted from the stream's colours by
// swscale with the "area" method at their full size, as the reference's
// libav code does; rotation metadata is not applied (-noautorotate), as
// in the reference. Each frame is hashed with pdq (see the package
// documentation for frame size). Frame.Number is the index of the frame
// among the decoded frames and Frame.Timestamp is Number divided by the
// stream's average frame rate, as in the reference.
//
// Cancelling ctx kills ffmpeg and HashFile returns ctx.Err().
func (e *Extractor) HashFile(ctx context.Context, name string) (Hash, error) {
	ffmpeg, ffprobe, err := e.tools()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrNotVideo, name)
	}
	info, err := e.probe(ctx, ffprobe, abs)
	if err != nil {
		return nil, err
	}
	if n := info.duration * math.Min(e.fps(), info.rate); n > float64(e.maxFrames())+1 {
		return nil, fmt.Errorf("%w: about %.0f frames to hash, the bound is %d", ErrTooManyFrames, n, e.maxFrames())
	}
	return e.decode(ctx, ffmpeg, abs, info)
}

func (e *Extractor) fps() float64 {
	if e.FPS <= 0 || math.IsNaN(e.FPS) || math.IsInf(e.FPS, 0) {
		return DefaultFPS
	}
	return e.FPS
}

func (e *Extractor) maxDuration() time.Duration {
	if e.MaxDuration <= 0 {
		return DefaultMaxDuration
	}
	return e.MaxDuration
}

func (e *Extractor) maxFrames() int {
	if e.MaxFrames <= 0 {
		return DefaultMaxFrames
	}
	return min(e.MaxFrames, MaxFrames)
}

func (e *Extractor) maxPixels() int {
	if e.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return e.MaxPixels
}

func (e *Extractor) maxBytes() int64 {
	if e.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return e.MaxBytes
}

func (e *Extractor) formats() string {
	if e.Formats == nil {
		return strings.Join(DefaultFormats, ",")
	}
	return strings.Join(e.Formats, ",")
}

// tools finds ffmpeg and ffprobe.
func (e *Extractor) tools() (ffmpeg, ffprobe string, err error) {
	ffmpeg = e.FFmpeg
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	if ffmpeg, err = exec.LookPath(ffmpeg); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	ffprobe = e.FFprobe
	if ffprobe == "" {
		beside := filepath.Join(filepath.Dir(ffmpeg), "ffprobe")
		if _, err := exec.LookPath(beside); err == nil {
			ffprobe = beside
		} else {
			ffprobe = "ffprobe"
		}
	}
	if ffprobe, err = exec.LookPath(ffprobe); err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	return ffmpeg, ffprobe, nil
}

// videoInfo is what HashFile needs to know of the video stream.
type videoInfo struct {
	stream        int     // index of the stream in the container
	width, height int     // coded frame size
	rate          float64 // average frame rate, frames per second
	duration      float64 // declared duration in seconds, 0 if unknown
}

// probeOutput is the part of ffprobe's JSON output that is read.
type probeOutput struct {
	Streams []struct {
		Index        int    `json:"index"`
		CodecType    string `json:"codec_type"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// inputArgs are the options that restrict how ffmpeg and ffprobe open the
// input: local files only, allowed demuxers only, so that a playlist
// cannot make them fetch URLs or read other files.
func (e *Extractor) inputArgs(abs string) []string {
	return []string{
		"-protocol_whitelist", "file",
		"-format_whitelist", e.formats(),
		"-i", "file:" + abs, // "file:" so that no other protocol is read from the name
	}
}

func (e *Extractor) probe(ctx context.Context, ffprobe, abs string) (*videoInfo, error) {
	args := []string{"-v", "error", "-hide_banner",
		"-show_entries", "format=format_name,duration:stream=index,codec_type,width,height,avg_frame_rate,r_frame_rate:stream_disposition=attached_pic",
		"-of", "json"}
	args = append(args, e.inputArgs(abs)...)
	cmd := exec.CommandContext(ctx, ffprobe, args...)
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 2048}
	cmd.Stdout, cmd.Stderr = &limitedWriter{w: &stdout, n: 1 << 20}, stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: ffprobe: %v: %s", ErrNotVideo, err, stderr.String())
	}
	var out probeOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("%w: reading ffprobe output: %v", ErrFFmpeg, err)
	}
	info := &videoInfo{stream: -1}
	for _, s := range out.Streams {
		// The reference takes the first video stream; cover art (an
		// attached picture) is not the video, so it is skipped.
		if s.CodecType != "video" || s.Disposition.AttachedPic != 0 {
			continue
		}
		info.stream, info.width, info.height = s.Index, s.Width, s.Height
		// As the reference: the average frame rate, or r_frame_rate when
		// the container gives none.
		info.rate = parseRate(s.AvgFrameRate)
		if info.rate == 0 {
			info.rate = parseRate(s.RFrameRate)
		}
		break
	}
	if info.stream < 0 {
		return nil, fmt.Errorf("%w: no video stream in %s data", ErrNotVideo, out.Format.FormatName)
	}
	if info.width < 1 || info.height < 1 {
		return nil, fmt.Errorf("%w: video stream without a frame size", ErrNotVideo)
	}
	if info.width < 5 || info.height < 5 {
		return nil, fmt.Errorf("%w: frames of %d×%d", pdq.ErrTooSmall, info.width, info.height)
	}
	if int64(info.width)*int64(info.height) > int64(e.maxPixels()) {
		return nil, fmt.Errorf("%w: frames of %d×%d exceed the bound of %d pixels", ErrTooLarge, info.width, info.height, e.maxPixels())
	}
	if info.rate <= 0 || math.IsInf(info.rate, 0) {
		return nil, fmt.Errorf("%w: video stream without a frame rate", ErrNotVideo)
	}
	if d, err := strconv.ParseFloat(out.Format.Duration, 64); err == nil && d > 0 {
		info.duration = d
		if d > e.maxDuration().Seconds() {
			return nil, fmt.Errorf("%w: %.0f s, the bound is %.0f s", ErrTooLong, d, e.maxDuration().Seconds())
		}
	}
	return info, nil
}

// parseRate reads ffprobe's "num/den" frame rate; 0 when absent or "0/0".
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return 0
	}
	n, err1 := strconv.ParseInt(num, 10, 64)
	d, err2 := strconv.ParseInt(den, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 || d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (e *Extractor) decode(ctx context.Context, ffmpeg, abs string, info *videoInfo) (Hash, error) {
	// The reference hashes decoded frame n when n mod ⌊secondsPerHash ×
	// frameRate⌋ is 0 (filehasher.cpp); the select filter counts decoded
	// frames the same way.
	step := int(1 / e.fps() * info.rate)
	if step < 1 {
		step = 1
	}
	w, h := info.width, info.height
	filter := fmt.Sprintf("scale=%d:%d:flags=area,format=rgb24", w, h)
	if step > 1 {
		filter = fmt.Sprintf("select=not(mod(n\\,%d)),", step) + filter
	}
	args := []string{"-nostdin", "-hide_banner", "-v", "error", "-noautorotate"}
	args = append(args, e.inputArgs(abs)...)
	args = append(args,
		"-map", "0:"+strconv.Itoa(info.stream),
		"-vf", filter,
		"-fps_mode", "passthrough", // one output frame per selected frame, no duplicates
		"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1")

	// The command runs under a context of its own so that decode can stop
	// ffmpeg when it refuses the video; a cancelled ctx stops it as well.
	cmdCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(cmdCtx, ffmpeg, args...)
	stderr := &tailBuffer{max: 2048}
	cmd.Stderr = stderr
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	hash, readErr := e.readFrames(stdout, info, step)
	if readErr != nil {
		stop() // the video is refused: no need to decode the rest
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case readErr != nil:
		return nil, readErr
	case waitErr != nil:
		return nil, fmt.Errorf("%w: %v: %s", ErrFFmpeg, waitErr, stderr.String())
	case len(hash) == 0:
		return nil, fmt.Errorf("%w: ffmpeg decoded no frame: %s", ErrNoFrames, stderr.String())
	}
	return hash, nil
}

// readFrames reads and hashes the raw frames ffmpeg writes.
func (e *Extractor) readFrames(r io.Reader, info *videoInfo, step int) (Hash, error) {
	w, h := info.width, info.height
	img := &rgbImage{pix: make([]byte, 3*w*h), w: w, h: h}
	hasher := pdq.Hasher{MinQuality: -1, MaxPixels: e.maxPixels()}
	maxFrames, maxSeconds := e.maxFrames(), e.maxDuration().Seconds()
	var out Hash
	for k := 0; ; k++ {
		if _, err := io.ReadFull(r, img.pix); err != nil {
			if err == io.EOF {
				return out, nil
			}
			if err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("%w: truncated frame", ErrFFmpeg)
			}
			return nil, err
		}
		number := k * step
		ts := float64(number) / info.rate
		if ts > maxSeconds {
			return nil, fmt.Errorf("%w: a frame at %.0f s, the bound is %.0f s", ErrTooLong, ts, maxSeconds)
		}
		if len(out) == maxFrames {
			return nil, fmt.Errorf("%w: more than %d frames", ErrTooManyFrames, maxFrames)
		}
		res, err := hasher.HashImage(img)
		// A flat frame gives the all-zero hash: kept, with its quality
		// of 0, as the reference keeps it; matching ignores it.
		if err != nil && !errors.Is(err, pdq.ErrZeroHash) {
			return nil, fmt.Errorf("vpdq: frame %d: %w", number, err)
		}
		out = append(out, Frame{Number: number, Quality: res.Quality, Hash: res.Hash, Timestamp: ts})
	}
}

// rgbImage shows a packed rgb24 frame as an image.Image. pdq reads it
// through At, only at the pixels that its pre-shrink samples.
type rgbImage struct {
	pix  []byte
	w, h int
}

func (m *rgbImage) ColorModel() color.Model { return color.RGBAModel }
func (m *rgbImage) Bounds() image.Rectangle { return image.Rect(0, 0, m.w, m.h) }
func (m *rgbImage) At(x, y int) color.Color {
	if x < 0 || y < 0 || x >= m.w || y >= m.h {
		return color.RGBA{}
	}
	p := m.pix[3*(y*m.w+x):]
	return color.RGBA{p[0], p[1], p[2], 0xff}
}

// tailBuffer keeps the last max bytes written to it: the end of ffmpeg's
// messages, where the reason of a failure is.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// String returns the messages on one line.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.ReplaceAll(strings.TrimSpace(string(t.buf)), "\n", "; ")
}

// limitedWriter drops what goes beyond n bytes, so that a misbehaving
// ffprobe cannot fill memory; the JSON is then invalid and refused.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p
	if int64(len(q)) > l.n {
		q = q[:l.n]
	}
	l.n -= int64(len(q))
	if _, err := l.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}
