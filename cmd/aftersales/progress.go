package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// When a progress bar is drawn.
const (
	progressAuto   = "auto" // when standard error is a terminal
	progressAlways = "always"
	progressNever  = "never"
)

// progressBar is one line on standard error, rewritten in place with \r:
//
//	import  [##########··········]  50%  12,345 rows  4,321 rows/s
//
// Without a known total it shows the count and the rate only.
type progressBar struct {
	w       io.Writer
	label   string
	unit    string
	start   time.Time
	last    time.Time
	width   int // of the last line drawn, to blank what a shorter one leaves
	done    int
	frac    float64
	enabled bool
}

func (m *Main) newProgressBar(label, unit, mode string) *progressBar {
	enabled := mode == progressAlways || mode == progressAuto && isTerminal(m.Stderr)
	return &progressBar{w: m.Stderr, label: label, unit: unit, start: time.Now(), frac: -1, enabled: enabled}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update records progress and redraws at most ten times a second.
func (b *progressBar) update(done int, frac float64) {
	b.done, b.frac = done, frac
	if !b.enabled || time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.draw()
}

func (b *progressBar) draw() {
	b.last = time.Now()
	var s strings.Builder
	fmt.Fprintf(&s, "\r%s ", b.label)
	if b.frac >= 0 {
		const cells = 24
		n := int(min(1, b.frac) * cells)
		fmt.Fprintf(&s, " [%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat("·", cells-n), 100*min(1, b.frac))
	}
	fmt.Fprintf(&s, "  %s %s", thousands(b.done), b.unit)
	if secs := time.Since(b.start).Seconds(); secs > 0 {
		fmt.Fprintf(&s, "  %s %s/s", thousands(int(float64(b.done)/secs)), b.unit)
	}
	line := s.String()
	width := len([]rune(line))
	if pad := b.width - width; pad > 0 {
		line += strings.Repeat(" ", pad)
	}
	b.width = width
	io.WriteString(b.w, line)
}

// finish draws the final state and ends the line.
func (b *progressBar) finish() {
	if !b.enabled {
		return
	}
	b.draw()
	io.WriteString(b.w, "\n")
}

// thousands writes n with thousands separators: 12345 → "12,345".
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
