package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a CSV file is looked at to tell UTF-8 from GB18030.
const sniffSize = 64 << 10

// csvSource reads records one at a time; it never holds more than one record.
type csvSource struct {
	r       *csv.Reader
	counted *countingReader
	size    int64
}

// countingReader counts the bytes the CSV parser has taken, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// newCSVSource reads UTF-8 (with or without a byte order mark) or, when the start of the
// file is not valid UTF-8, GB18030 — what Excel on a Chinese Windows writes as "CSV".
func newCSVSource(r io.Reader, size int64) (*csvSource, error) {
	counted := &countingReader{r: r}
	br := bufio.NewReaderSize(counted, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read: %w", err)
	}
	var text io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		br.Discard(3)
	case !validUTF8Prefix(head, len(head) == sniffSize):
		text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvSource{r: cr, counted: counted, size: size}, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a character cut at the end when b
// is only the start of the file.
func validUTF8Prefix(b []byte, cut bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !cut {
		return false
	}
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}

func (s *csvSource) next() (int, []string, error) {
	rec, err := s.r.Read()
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		// The cells before the one that broke come along, so that the row's order
		// number is known when it comes first.
		return pe.StartLine, rec, &rowError{msg: csvMessage(pe, len(rec)+1)}
	case errors.Is(err, io.EOF):
		return 0, nil, io.EOF
	case err != nil:
		return 0, nil, fmt.Errorf("read: %w", err)
	}
	line, _ := s.r.FieldPos(0)
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return line, nil, &rowError{msg: fmt.Sprintf("cell %d is not valid UTF-8 (save the file as CSV UTF-8)", i+1)}
		}
	}
	return line, rec, nil
}

func csvMessage(pe *csv.ParseError, cell int) string {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf("cell %d (line %d) has a stray or missing \" in a quoted cell: write \"\" for a quote inside a quoted cell", cell, pe.Line)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf("cell %d (line %d) has a \" but is not quoted: quote the cell and write \"\" for the quote", cell, pe.Line)
	}
	return fmt.Sprintf("cell %d (line %d) cannot be read: %v", cell, pe.Line, pe.Err)
}

func (s *csvSource) progress() float64 {
	if s.size <= 0 {
		return -1
	}
	return min(1, float64(s.counted.n)/float64(s.size))
}

func (s *csvSource) close() error { return nil }

// rowError is a row the source could not split into cells; the reader reports it and
// goes on with the next row.
type rowError struct{ msg string }

func (e *rowError) Error() string { return e.msg }
