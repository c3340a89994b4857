package geodata

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"reflect"
	"testing"
)

func sample() *File {
	square := Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	hole := Ring{{0.25, 0.25}, {0.25, 0.75}, {0.75, 0.75}, {0.75, 0.25}, {0.25, 0.25}}
	return &File{Scale: 100000, Layers: []Layer{
		{Name: "areas", Features: []Feature{
			{Props: []Prop{{"code", "2A"}, {"name", "Corse-du-Sud"}}, Polygons: []Polygon{{square, hole}}},
			{Polygons: []Polygon{{Ring{{-61.5, 16.2}, {-61.2, 16.2}, {-61.3, 16.5}, {-61.5, 16.2}}}}},
		}},
		{Name: "lines", Features: []Feature{
			{Lines: []Line{{{-180, -90}, {180, 90}}, {{2.35222, 48.85661}, {2.35, 48.9}, {2.4, 48.95}}}},
		}},
		{Name: "empty"},
	}}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	// The empty layer decodes with an empty, non-nil slice.
	want.Layers[2].Features = []Feature{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if got.Layer("areas").Features[0].Get("name") != "Corse-du-Sud" || got.Layer("nope") != nil {
		t.Fatal("Layer/Get lookups")
	}
}

func TestEncodeIsReproducible(t *testing.T) {
	var a, b bytes.Buffer
	if err := Encode(&a, sample()); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two encodings of the same data differ")
	}
}

func TestEncodeRejects(t *testing.T) {
	open := Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	tests := []struct {
		name string
		f    File
	}{
		{"zero scale", File{}},
		{"huge scale", File{Scale: 1e12}},
		{"open ring", File{Scale: 10, Layers: []Layer{{Features: []Feature{{Polygons: []Polygon{{open}}}}}}}},
		{"empty polygon", File{Scale: 10, Layers: []Layer{{Features: []Feature{{Polygons: []Polygon{{}}}}}}}},
		{"short line", File{Scale: 10, Layers: []Layer{{Features: []Feature{{Lines: []Line{{{0, 0}}}}}}}}},
		{"latitude out of range", File{Scale: 10, Layers: []Layer{{Features: []Feature{{Lines: []Line{{{0, 0}, {0, 91}}}}}}}}},
		{"NaN", File{Scale: 10, Layers: []Layer{{Features: []Feature{{Lines: []Line{{{0, 0}, {math.NaN(), 0}}}}}}}}},
		{"bad UTF-8", File{Scale: 10, Layers: []Layer{{Name: "\xff"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := MarshalRaw(&tt.f); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := MarshalRaw(sample())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"bad magic", []byte("VGD2\x0a\x00")},
		{"zero scale", []byte("VGD1\x00\x00")},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(append([]byte(nil), good...), 0)},
		{"huge layer count", []byte("VGD1\x0a\xff\xff\xff\xff\x0f")},
		{"ring of two points", []byte("VGD1\x0a\x01\x00\x01\x00\x01\x01\x02\x00\x00\x02\x02\x00")},
		{"latitude out of range", []byte("VGD1\x01\x01\x00\x01\x00\x00\x01\x02\x00\x00\x00\xb8\x01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := UnmarshalRaw(tt.raw)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
	if _, err := DecodeBytes([]byte("not gzip")); !errors.Is(err, ErrFormat) {
		t.Fatalf("non-gzip input: %v", err)
	}
}

func FuzzUnmarshalRaw(f *testing.F) {
	good, _ := MarshalRaw(sample())
	f.Add(good)
	f.Add([]byte("VGD1\x0a\x00"))
	f.Add([]byte("VGD1\x0a\x01\x00\x01\x00\x01\x01\x03\x00\x00\x02\x00\x00\x02\x00"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := UnmarshalRaw(raw)
		if err != nil {
			return
		}
		// Whatever decodes must encode again and decode to the same thing:
		// the decoder only lets through what the encoder can represent.
		again, err := MarshalRaw(file)
		if err != nil {
			t.Fatalf("decoded data does not re-encode: %v", err)
		}
		back, err := UnmarshalRaw(again)
		if err != nil {
			t.Fatalf("re-encoded data does not decode: %v", err)
		}
		if !reflect.DeepEqual(file, back) {
			t.Fatal("decode/encode/decode changed the data")
		}
	})
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	_ = Encode(&buf, sample())
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Decode(bytes.NewReader(data))
	})
}

func TestDecodeBoundsUncompressedSize(t *testing.T) {
	defer func(n int) { maxDecodedBytes = n }(maxDecodedBytes)
	maxDecodedBytes = 1 << 10
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(make([]byte, maxDecodedBytes+10))
	_ = zw.Close()
	if _, err := Decode(&buf); !errors.Is(err, ErrFormat) {
		t.Fatalf("oversized input: %v", err)
	}
}
