package hashlist

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
)

// benchList builds n PDQ lines in a format, from distinct hashes.
func benchList(b *testing.B, f Format, n int) []byte {
	b.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		rec := Record{
			SignalType: PDQ,
			Value:      fmt.Sprintf("%016x%016x%016x%016x", uint64(i)*0x9E3779B97F4A7C15, i, ^uint64(i), uint64(i)<<7),
			Quality:    50 + i%51,
			Ref:        fmt.Sprintf("img/%07d.jpg", i),
		}
		if f == FormatVigie || f == FormatTCAP {
			rec.Source, rec.Labels.Tags = "gifct", []string{"manifesto"}
		}
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRead1MPDQ reads one million PDQ lines per op and reports
// lines/s. Run: go test ./hashlist -run '^$' -bench Read1MPDQ -benchtime 3x
func BenchmarkRead1MPDQ(b *testing.B) {
	const n = 1_000_000
	for _, f := range []Format{FormatVigie, FormatPDQHasher, FormatPytxFile, FormatTCAP} {
		b.Run(string(f), func(b *testing.B) {
			data := benchList(b, f, n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				rd, err := NewReader(bytes.NewReader(data), Options{Format: f})
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				for {
					_, err := rd.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				if count != n {
					b.Fatalf("read %d records", count)
				}
			}
			reportLines(b, n, cpu0)
		})
	}
}

// BenchmarkWrite1MPDQ writes one million PDQ records in Vigie's format.
func BenchmarkWrite1MPDQ(b *testing.B) {
	const n = 1_000_000
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = Record{SignalType: PDQ, Value: fmt.Sprintf("%064x", i+1), Quality: 90, Source: "gifct"}
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		w, _ := NewWriter(io.Discard, FormatVigie)
		for i := 0; i < n; i++ {
			if err := w.Write(recs[i%len(recs)]); err != nil {
				b.Fatal(err)
			}
		}
		w.Close()
	}
	reportLines(b, n, cpu0)
}

// reportLines reports lines per wall second and per CPU second.
func reportLines(b *testing.B, n int, cpu0 time.Duration) {
	lines := float64(n) * float64(b.N)
	b.ReportMetric(lines/b.Elapsed().Seconds(), "lines/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(lines/cpu.Seconds(), "lines/cpu-s")
	}
}
