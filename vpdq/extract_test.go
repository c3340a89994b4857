package vpdq

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigie-project/vigie/pdq"
)

// testVideos are made once per test binary with ffmpeg's synthetic
// sources: a 10-second testsrc video, a 5-second cut of it (3 s to 8 s,
// re-encoded), a 10-second mandelbrot video, and a raw MPEG-4 stream of
// testsrc, which declares neither duration nor average frame rate. The
// first two are 640×360 so that pdq's pre-shrink is exercised.
type testVideos struct {
	dir                    string
	full, clip, other, raw string
	err                    error
}

var (
	videosOnce sync.Once
	videos     testVideos
)

// needFFmpeg skips the test when ffmpeg or ffprobe is missing, and
// otherwise returns the test videos.
func needFFmpeg(t *testing.T) *testVideos {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found on PATH: install ffmpeg (Debian: apt-get install ffmpeg) to run the video extraction tests", tool)
		}
	}
	videosOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vpdq-test-")
		if err != nil {
			videos.err = err
			return
		}
		videos.dir = dir
		videos.full = filepath.Join(dir, "full.mp4")
		videos.clip = filepath.Join(dir, "clip.mp4")
		videos.other = filepath.Join(dir, "other.mkv")
		videos.raw = filepath.Join(dir, "raw.m4v")
		// mpeg4 is ffmpeg's own encoder, present in every build.
		enc := []string{"-c:v", "mpeg4", "-q:v", "2", "-pix_fmt", "yuv420p"}
		for _, args := range [][]string{
			append([]string{"-f", "lavfi", "-i", "testsrc=size=640x360:rate=25:duration=10"}, append(enc, videos.full)...),
			append([]string{"-ss", "3", "-i", videos.full, "-t", "5"}, append(enc, videos.clip)...),
			append([]string{"-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25", "-t", "10"}, append(enc, videos.other)...),
			append([]string{"-f", "lavfi", "-i", "testsrc=size=640x360:rate=25:duration=10"}, append(enc, "-f", "m4v", videos.raw)...),
		} {
			cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				videos.err = errors.New("making test video: " + err.Error() + ": " + string(out))
				return
			}
		}
	})
	if videos.err != nil {
		t.Fatal(videos.err)
	}
	return &videos
}

func TestMain(m *testing.M) {
	code := m.Run()
	if videos.dir != "" {
		os.RemoveAll(videos.dir)
	}
	os.Exit(code)
}

func TestHashFileMatchesClip(t *testing.T) {
	v := needFFmpeg(t)
	ctx := context.Background()
	var e Extractor
	full, err := e.HashFile(ctx, v.full)
	if err != nil {
		t.Fatal(err)
	}
	clip, err := e.HashFile(ctx, v.clip)
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.HashFile(ctx, v.other)
	if err != nil {
		t.Fatal(err)
	}

	// 25 fps at one hash a second: frames 0, 25, …, 225 at 0 s … 9 s.
	if len(full) != 10 || len(clip) != 5 || len(other) != 10 {
		t.Fatalf("frames: full %d, clip %d, other %d; want 10, 5, 10", len(full), len(clip), len(other))
	}
	for i, f := range full {
		if f.Number != 25*i || f.Timestamp != float64(i) {
			t.Errorf("frame %d: number %d, timestamp %v", i, f.Number, f.Timestamp)
		}
		if f.Quality < DefaultQualityThreshold {
			t.Errorf("frame %d: quality %d", i, f.Quality)
		}
	}
	if err := full.Validate(); err != nil {
		t.Error(err)
	}

	tests := []struct {
		name           string
		m              Matcher
		query, compare Hash
		match          bool
	}{
		{"clip against the full video", Matcher{}, clip, full, true},
		{"full video against itself", Matcher{}, full, full, true},
		{"other video against the full video", Matcher{}, other, full, false},
		{"other video against the clip", Matcher{}, other, clip, false},
		{"full video against the clip (python-threatexchange rule)", Matcher{}, full, clip, false},
		{"full video against the clip (README rule)", Matcher{MinQueryPercent: -1, MinComparePercent: 80}, full, clip, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.m.Compare(tt.query, tt.compare)
			t.Logf("query %.0f %%, compared %.0f %%", r.QueryMatchPercent, r.CompareMatchPercent)
			if r.Match != tt.match {
				t.Errorf("match %v, want %v (%+v)", r.Match, tt.match, r)
			}
		})
	}
	if r := Compare(clip, full); r.QueryMatchPercent != 100 {
		t.Errorf("clip frames found in the full video: %v %%, want 100", r.QueryMatchPercent)
	}
}

func TestHashReaderEqualsHashFile(t *testing.T) {
	v := needFFmpeg(t)
	data, err := os.ReadFile(v.clip)
	if err != nil {
		t.Fatal(err)
	}
	e := Extractor{TempDir: t.TempDir()}
	fromReader, err := e.HashReader(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := e.HashFile(context.Background(), v.clip)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromFile, fromReader); diff != "" {
		t.Errorf("(-HashFile +HashReader):\n%s", diff)
	}
	if left, _ := os.ReadDir(e.TempDir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	small := Extractor{TempDir: t.TempDir(), MaxBytes: 1000}
	if _, err := small.HashReader(context.Background(), bytes.NewReader(data)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes 1000: error %v, want ErrTooLarge", err)
	}
}

func TestHashFileRefuses(t *testing.T) {
	v := needFFmpeg(t)
	dir := t.TempDir()
	pngFile := filepath.Join(dir, "still.png")
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	textFile := filepath.Join(dir, "notes.mp4")
	playlist := filepath.Join(dir, "list.m3u8")
	for name, content := range map[string][]byte{
		pngFile:  buf.Bytes(),
		textFile: []byte("this is not a video\n"),
		playlist: []byte("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + v.full + "\n#EXT-X-ENDLIST\n"),
	} {
		if err := os.WriteFile(name, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		e    Extractor
		ctx  context.Context
		file string
		want error
	}{
		{"still image", Extractor{}, context.Background(), pngFile, ErrNotVideo},
		{"text", Extractor{}, context.Background(), textFile, ErrNotVideo},
		{"playlist", Extractor{}, context.Background(), playlist, ErrNotVideo},
		{"directory", Extractor{}, context.Background(), dir, ErrNotVideo},
		{"missing file", Extractor{}, context.Background(), filepath.Join(dir, "none.mp4"), os.ErrNotExist},
		{"format not allowed", Extractor{Formats: []string{"matroska"}}, context.Background(), v.full, ErrNotVideo},
		{"too long", Extractor{MaxDuration: 9 * time.Second}, context.Background(), v.full, ErrTooLong},
		{"too many frames (declared)", Extractor{MaxFrames: 5}, context.Background(), v.full, ErrTooManyFrames},
		// The raw stream declares no duration: ffmpeg is stopped mid-stream.
		{"too long (decoded)", Extractor{MaxDuration: 3 * time.Second}, context.Background(), v.raw, ErrTooLong},
		{"too many frames (decoded)", Extractor{MaxFrames: 3}, context.Background(), v.raw, ErrTooManyFrames},
		{"too many pixels", Extractor{MaxPixels: 640*360 - 1}, context.Background(), v.full, ErrTooLarge},
		{"cancelled", Extractor{}, cancelled, v.full, context.Canceled},
		{"no ffmpeg", Extractor{FFmpeg: filepath.Join(dir, "no-such-ffmpeg")}, context.Background(), v.full, ErrNoFFmpeg},
		{"no ffprobe", Extractor{FFprobe: filepath.Join(dir, "no-such-ffprobe")}, context.Background(), v.full, ErrNoFFmpeg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := tt.e.HashFile(tt.ctx, tt.file)
			t.Log(err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("HashFile = %d frames, error %v; want %v", len(h), err, tt.want)
			}
		})
	}
}

func TestRawStream(t *testing.T) {
	v := needFFmpeg(t)
	var e Extractor
	raw, err := e.HashFile(context.Background(), v.raw)
	if err != nil {
		t.Fatal(err)
	}
	// No average frame rate: r_frame_rate (25) is used, as in the reference.
	if len(raw) != 10 || raw[9].Number != 225 || raw[9].Timestamp != 9 {
		t.Fatalf("%d frames, last %+v; want 10, the last number 225 at 9 s", len(raw), raw[len(raw)-1])
	}
	full, err := e.HashFile(context.Background(), v.full)
	if err != nil {
		t.Fatal(err)
	}
	if r := Compare(raw, full); !r.Match {
		t.Errorf("the raw stream and the mp4 of the same frames do not match: %+v", r)
	}
}

func TestEveryFrame(t *testing.T) {
	v := needFFmpeg(t)
	e := Extractor{FPS: 1000} // above the frame rate: every frame
	h, err := e.HashFile(context.Background(), v.clip)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 125 {
		t.Fatalf("%d frames, want 125 (5 s at 25 fps)", len(h))
	}
	if h[1].Number != 1 || h[1].Timestamp != 0.04 {
		t.Errorf("frame 1: %+v", h[1])
	}
}

// TestNoFFmpegNeeded runs whether or not ffmpeg is installed.
func TestNoFFmpegNeeded(t *testing.T) {
	e := Extractor{FFmpeg: filepath.Join(t.TempDir(), "ffmpeg")}
	if _, err := e.HashFile(context.Background(), "video.mp4"); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("error %v, want ErrNoFFmpeg", err)
	}
	if _, err := e.HashReader(context.Background(), bytes.NewReader(nil)); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("HashReader error %v, want ErrNoFFmpeg", err)
	}
}

// TestRGBImage checks that a raw frame read through rgbImage hashes as the
// same pixels in an *image.NRGBA, at and above pdq's pre-shrink size.
func TestRGBImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	hasher := pdq.Hasher{MinQuality: -1}
	for _, size := range []image.Point{{64, 48}, {512, 512}, {700, 300}} {
		w, h := size.X, size.Y
		raw := &rgbImage{pix: make([]byte, 3*w*h), w: w, h: h}
		ref := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				// A smooth pattern plus noise, so that the hash has quality.
				r, g, b := byte(x*3+rng.IntN(20)), byte(y*5+rng.IntN(20)), byte((x+y)*2)
				copy(raw.pix[3*(y*w+x):], []byte{r, g, b})
				copy(ref.Pix[ref.PixOffset(x, y):], []byte{r, g, b, 255})
			}
		}
		got, err1 := hasher.HashImage(raw)
		want, err2 := hasher.HashImage(ref)
		if err1 != nil || err2 != nil || got.Hash != want.Hash || got.Quality != want.Quality {
			t.Errorf("%v: rgbImage %v q%d (%v), NRGBA %v q%d (%v)", size, got.Hash, got.Quality, err1, want.Hash, want.Quality, err2)
		}
	}
}
