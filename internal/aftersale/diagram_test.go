package aftersale

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated docs")

// TestLifecycleDoc fails when docs/LIFECYCLE.md and the transition table disagree.
func TestLifecycleDoc(t *testing.T) {
	const path = "../../docs/LIFECYCLE.md"
	want := LifecycleDoc()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/aftersale -run TestLifecycleDoc -update)", err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with the transition table: run go test ./internal/aftersale -run TestLifecycleDoc -update", path)
	}
}

// TestEveryStateIsReachableAndLeadsSomewhere: each type's diagram connects Requested to a
// terminal state, and every non-terminal state it reaches has a way out.
func TestEveryStateIsReachableAndLeadsSomewhere(t *testing.T) {
	for _, typ := range Types {
		out := map[State][]State{}
		for _, e := range Edges(typ) {
			out[e.From] = append(out[e.From], e.To)
		}
		seen := map[State]bool{Requested: true}
		queue := []State{Requested}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			if !s.Terminal() && len(out[s]) == 0 {
				t.Errorf("%s: state %s is a dead end", typ, s)
			}
			for _, n := range out[s] {
				if !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
		if !seen[Completed] || !seen[Closed] {
			t.Errorf("%s: completed or closed is unreachable", typ)
		}
		for from := range out {
			if !seen[from] {
				t.Errorf("%s: table rows leave %s, which the type never reaches", typ, from)
			}
		}
		if d := Mermaid(typ); !strings.Contains(d, "[*] --> requested") {
			t.Errorf("%s: diagram has no start", typ)
		}
	}
}
