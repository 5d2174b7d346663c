package rest

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/telecaller-crm/api/apperr"
)

// spooled is an upload copied to a temporary file, removed on close.
type spooled struct {
	*os.File
}

func (s *spooled) close() {
	_ = s.File.Close()
	_ = os.Remove(s.Name())
}

// spoolUpload copies the CSV of an import request to a temporary file and
// rewinds it. The CSV is the body (Content-Type text/csv) or the part named
// file of a multipart/form-data body, which may hold no other part.
// Returns PAYLOAD_TOO_LARGE over the server's body limit, VALIDATION_ERROR
// for another content type (field Content-Type), a missing, repeated or
// unknown part (field file or the part's name) or a malformed body.
func spoolUpload(r *http.Request) (*spooled, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "text/csv" && mt != "multipart/form-data") {
		e := apperr.Invalid("Content-Type", "must be text/csv or multipart/form-data")
		e.Message = "Send the CSV as the body with Content-Type: text/csv, or as the part file of a multipart/form-data body."
		return nil, e
	}
	f, err := os.CreateTemp("", "crm-import-*.csv")
	if err != nil {
		return nil, fmt.Errorf("spool import: %w", err)
	}
	s := &spooled{File: f}
	if mt == "text/csv" {
		err = copyUpload(s, r.Body)
	} else {
		err = copyFilePart(s, r)
	}
	if err == nil {
		_, err = s.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// copyFilePart copies the part file of a multipart body to dst.
func copyFilePart(dst *spooled, r *http.Request) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.Invalid("Content-Type", "must name the multipart boundary")
	}
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err, "is not a valid multipart/form-data body")
		}
		switch name := part.FormName(); {
		case name != "file":
			e := apperr.Invalid(name, "is not a part of this request; send the CSV in the part file")
			e.Message = fmt.Sprintf("Unknown form part %q.", name)
			return e
		case found:
			return apperr.Invalid("file", "is given twice")
		}
		found = true
		if err := copyUpload(dst, part); err != nil {
			return err
		}
	}
	if !found {
		return apperr.Invalid("file", "is required: send the CSV in the multipart part file")
	}
	return nil
}

// copyUpload copies an upload to its spool file.
func copyUpload(dst *spooled, src io.Reader) error {
	if _, err := io.Copy(dst, src); err != nil {
		return uploadError(err, "could not be read")
	}
	return nil
}

// uploadError turns a failure to read the upload into the API's error:
// PAYLOAD_TOO_LARGE over the body limit, else VALIDATION_ERROR on body.
func uploadError(err error, msg string) error {
	var tooLarge *http.MaxBytesError
	var pathErr *os.PathError
	switch {
	case errors.As(err, &tooLarge):
		return bodyError(err)
	case errors.As(err, &pathErr):
		// Writing the spool file failed (disk full): our fault, not the client's.
		return fmt.Errorf("spool import: %w", err)
	}
	e := apperr.Invalid("body", msg)
	e.Err = err
	return e
}
