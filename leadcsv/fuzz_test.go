package leadcsv_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/telecaller-crm/api/apperr"
	"github.com/telecaller-crm/api/leadcsv"
)

// FuzzReader reads arbitrary bytes as a lead CSV file. It must never panic
// or loop; a bad header and a bad row are VALIDATION_ERRORs, a row either
// maps to an input or carries its error, and row indexes count up from 0.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"name,phone,email\nAsha,98765 43210,asha@example.com\n",
		"Name,Mobile,E-mail,Status,Priority,Tags,Next Follow Up,Source,Notes,Custom\nRavi,+919876543210,,new,high,\"a;b\",2030-01-01T10:00:00Z,website,hi,x\n",
		"\ufeffname,email\n\"unterminated,x@y.z\n",
		"name,phone\nA,1\nB\n,,,\nC,2,extra\n",
		"name,phone,status\nA,9876543210,NOPE\n",
		"name,phone,next_follow_up_at\nA,9876543210,0000-01-01\n",
		"phone\n1\n",
		"name,name,phone\n",
		"",
		"\"\n",
		"name,email\r\nA,a@b.c\r\n",
		"name;phone\nA;1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := leadcsv.NewReader(bytes.NewReader(data))
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Validation {
				t.Fatalf("header error is not VALIDATION_ERROR: %v", err)
			}
			return
		}
		for want := 0; ; want++ {
			row, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("read error on in-memory input: %v", err)
			}
			if row.Index != want {
				t.Fatalf("row index %d, want %d", row.Index, want)
			}
			if (row.Input == nil) == (row.Err == nil) {
				t.Fatalf("row %d: input %v and error %v", want, row.Input, row.Err)
			}
			if row.Err != nil {
				if e, ok := apperr.As(row.Err); !ok || e.Code != apperr.Validation {
					t.Fatalf("row error is not VALIDATION_ERROR: %v", row.Err)
				}
			}
			if want > len(data) {
				t.Fatalf("more rows than bytes")
			}
		}
	})
}
