package web

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The diff of two versions marks what was removed and added and keeps the rest, with the
// line numbers of each side.
func TestLineDiffMarksChanges(t *testing.T) {
	old := "schema: v1\nid: p\nversion: 1\nreapply_limit: 2\nname: x\n"
	new := "schema: v1\nid: p\nversion: 2\nreapply_limit: 2\nname: x\nmax_failed_repairs: 3\n"
	got := render(lineDiff(splitLines(old), splitLines(new)))
	want := "  1 1 schema: v1\n  2 2 id: p\n- 3 0 version: 1\n+ 0 3 version: 2\n  4 4 reapply_limit: 2\n  5 5 name: x\n+ 0 6 max_failed_repairs: 3\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if d := lineDiff(splitLines(old), splitLines(old)); len(d) != 5 || withContext(d, 3)[0].Skipped != 5 {
		t.Errorf("no change: %v", d)
	}
}

// Whatever the texts, the diff's old side is the old text and its new side the new one,
// and it keeps as many lines as their longest common subsequence has.
func TestLineDiffRebuildsBothSides(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d"}
	for range 500 {
		var a, b []string
		for range r.IntN(12) {
			a = append(a, words[r.IntN(len(words))])
		}
		for range r.IntN(12) {
			b = append(b, words[r.IntN(len(words))])
		}
		d := lineDiff(a, b)
		var olds, news []string
		same := 0
		for _, l := range d {
			if l.Kind != "add" {
				olds = append(olds, l.Text)
				if l.Old != len(olds) {
					t.Fatalf("%v %v: old number %d at %d", a, b, l.Old, len(olds))
				}
			}
			if l.Kind != "del" {
				news = append(news, l.Text)
				if l.New != len(news) {
					t.Fatalf("%v %v: new number %d at %d", a, b, l.New, len(news))
				}
			}
			if l.Kind == "same" {
				same++
			}
		}
		if strings.Join(olds, ",") != strings.Join(a, ",") || strings.Join(news, ",") != strings.Join(b, ",") {
			t.Fatalf("%v → %v: sides %v and %v", a, b, olds, news)
		}
		if want := lcsLen(a, b); same != want {
			t.Fatalf("%v → %v keeps %d lines, the LCS has %d", a, b, same, want)
		}
	}
}

// Unchanged runs far from a change are left out, and say how many lines they hold.
func TestWithContextLeavesOutUnchangedRuns(t *testing.T) {
	var a []string
	for i := range 20 {
		a = append(a, fmt.Sprint(i))
	}
	b := append([]string{}, a...)
	b[10] = "ten"
	got := withContext(lineDiff(a, b), 2)
	if len(got) != 8 || got[0].Skipped != 8 || got[7].Skipped != 7 || got[3].Kind != "del" || got[4].Kind != "add" {
		t.Errorf("%+v", got)
	}
}

func lcsLen(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if a[0] == b[0] {
		return 1 + lcsLen(a[1:], b[1:])
	}
	return max(lcsLen(a[1:], b), lcsLen(a, b[1:]))
}

func render(d []DiffLine) string {
	var s strings.Builder
	for _, l := range d {
		mark := map[string]string{"same": " ", "add": "+", "del": "-"}[l.Kind]
		fmt.Fprintf(&s, "%s %d %d %s\n", mark, l.Old, l.New, l.Text)
	}
	return s.String()
}
