package vpdq_test

import (
	"fmt"

	"github.com/vigie-project/vigie/vpdq"
)

func ExampleCompare() {
	// A banked video of three frames and an upload that is a clip of it
	// (the first two frames), both in python-threatexchange's signal form.
	banked, err := vpdq.ParseSignal(`[` +
		`"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,0.0", ` +
		`"e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064,100,1.0", ` +
		`"62c9789627838f69f23cf98c29e37836d61c87c31c59587c4b49a783f496725c,100,2.0"]`)
	if err != nil {
		panic(err)
	}
	upload := banked[:2]

	r := vpdq.Compare(upload, banked)
	fmt.Printf("upload found: %.0f %%, banked video found: %.0f %%, match: %v\n",
		r.QueryMatchPercent, r.CompareMatchPercent, r.Match)
	// Output: upload found: 100 %, banked video found: 67 %, match: true
}

func ExampleHash_Text() {
	h, err := vpdq.ParseSignal(`["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,87,1.5"]`)
	if err != nil {
		panic(err)
	}
	text, _ := h.Text()
	fmt.Print(string(text))
	// Output: 0,87,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,1.500
}
