package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// maxXLSXUnzipped bounds what an XLSX file may expand to, so that a zip bomb is refused
// instead of filling the disk or memory.
const maxXLSXUnzipped = 1 << 30

// xlsxSource walks the rows of one sheet with excelize's streaming iterator, taking raw
// cell values (numbers as stored, not as formatted) so that amounts and dates do not
// depend on the cell's display format.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	row      int
	total    int
	date1904 bool
}

func newXLSXSource(r io.Reader, sheet string) (*xlsxSource, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: maxXLSXUnzipped})
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX file: %w", err)
	}
	s := &xlsxSource{f: f}
	if sheet == "" {
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, errors.New("the workbook has no sheets")
		}
		sheet = sheets[0]
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		if _, last, ok := strings.Cut(dim, ":"); ok {
			if _, row, err := excelize.CellNameToCoordinates(last); err == nil {
				s.total = row
			}
		}
	}
	s.rows, err = f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sheet %q: %w", sheet, err)
	}
	return s, nil
}

func (s *xlsxSource) next() (int, []string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, fmt.Errorf("read sheet: %w", err)
		}
		return 0, nil, io.EOF
	}
	s.row++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return s.row, nil, &rowError{msg: "cannot read the row: " + err.Error()}
	}
	return s.row, cells, nil
}

func (s *xlsxSource) progress() float64 {
	if s.total <= 0 {
		return -1
	}
	return min(1, float64(s.row)/float64(s.total))
}

func (s *xlsxSource) close() error {
	return errors.Join(s.rows.Close(), s.f.Close())
}
