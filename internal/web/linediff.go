package web

import "strings"

// A line diff of two texts (two versions of a policy document): the longest common
// subsequence of their lines, after the common head and tail are set aside, shown with a
// few lines of context around each change.

// DiffLine is a line of a diff, or a run of unchanged lines left out (Skipped > 0).
type DiffLine struct {
	Kind     string // same, add (only in the new text) or del (only in the old)
	Text     string
	Old, New int // the line's numbers in the old and new text; 0 where it is not
	Skipped  int // unchanged lines left out here
}

// maxDiffCells bounds the LCS table (lines × lines of the part that differs); beyond it the
// differing middle is shown as removed, then added.
const maxDiffCells = 4 << 20

// splitLines splits a text into lines without their line ends.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lineDiff lists every line of a and b: kept, removed from a, or added in b.
func lineDiff(a, b []string) []DiffLine {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var out []DiffLine
	for i := 0; i < head; i++ {
		out = append(out, DiffLine{Kind: "same", Text: a[i], Old: i + 1, New: i + 1})
	}
	out = append(out, middleDiff(a[head:len(a)-tail], b[head:len(b)-tail], head)...)
	for i := 0; i < tail; i++ {
		ai, bi := len(a)-tail+i, len(b)-tail+i
		out = append(out, DiffLine{Kind: "same", Text: a[ai], Old: ai + 1, New: bi + 1})
	}
	return out
}

// middleDiff diffs the parts of a and b between their common head (of length off) and
// tail.
func middleDiff(a, b []string, off int) []DiffLine {
	var out []DiffLine
	del := func(i int) { out = append(out, DiffLine{Kind: "del", Text: a[i], Old: off + i + 1}) }
	add := func(j int) { out = append(out, DiffLine{Kind: "add", Text: b[j], New: off + j + 1}) }
	if len(a)*len(b) > maxDiffCells {
		for i := range a {
			del(i)
		}
		for j := range b {
			add(j)
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, DiffLine{Kind: "same", Text: a[i], Old: off + i + 1, New: off + j + 1})
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			del(i)
			i++
		default:
			add(j)
			j++
		}
	}
	for ; i < len(a); i++ {
		del(i)
	}
	for ; j < len(b); j++ {
		add(j)
	}
	return out
}

// withContext keeps the changed lines and context unchanged lines around each; longer
// runs of unchanged lines become one DiffLine that says how many were left out.
func withContext(lines []DiffLine, context int) []DiffLine {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Kind == "same" {
			continue
		}
		for k := max(0, i-context); k <= min(len(lines)-1, i+context); k++ {
			keep[k] = true
		}
	}
	var out []DiffLine
	skipped := 0
	for i, l := range lines {
		if keep[i] {
			if skipped > 0 {
				out = append(out, DiffLine{Skipped: skipped})
				skipped = 0
			}
			out = append(out, l)
			continue
		}
		skipped++
	}
	if skipped > 0 {
		out = append(out, DiffLine{Skipped: skipped})
	}
	return out
}
