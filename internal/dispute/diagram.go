package dispute

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Mermaid renders the dispute life cycle as a Mermaid state diagram, generated from the
// table, so the picture in docs/DISPUTES.md can never drift from the code. Self-loops
// (evidence, advances, proposals that keep the state) are listed in RoleTable instead.
func Mermaid() string {
	type key struct {
		from, to State
		action   Action
	}
	var order []key
	roles := map[key][]aftersale.Role{}
	for _, e := range Edges() {
		if e.From == e.To {
			continue
		}
		k := key{e.From, e.To, e.Action}
		if _, ok := roles[k]; !ok {
			order = append(order, k)
		}
		for _, r := range e.Roles {
			if !slices.Contains(roles[k], r) {
				roles[k] = append(roles[k], r)
			}
		}
	}
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	for _, s := range States {
		fmt.Fprintf(&b, "    state \"%s<br/>%s\" as %s\n", s, s.Label().ZH, s)
	}
	fmt.Fprintf(&b, "    [*] --> %s: escalate (customer, system)\n", Open)
	for _, k := range order {
		names := make([]string, len(roles[k]))
		for i, r := range roles[k] {
			names[i] = string(r)
		}
		fmt.Fprintf(&b, "    %s --> %s: %s (%s)\n", k.from, k.to, k.action, strings.Join(names, ", "))
	}
	for _, s := range States {
		if s.Terminal() {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	return b.String()
}

// RoleTable renders, per state, the actions each role may take there (Markdown).
func RoleTable() string {
	roles := []aftersale.Role{aftersale.Customer, aftersale.Merchant, aftersale.Agent, aftersale.Supervisor, aftersale.System}
	var b strings.Builder
	b.WriteString("| state | customer | merchant | agent | supervisor | system |\n|---|---|---|---|---|---|\n")
	for _, s := range States {
		if s.Terminal() {
			continue
		}
		fmt.Fprintf(&b, "| %s %s |", s, s.Label().ZH)
		for _, r := range roles {
			var as []string
			for i := range table {
				row := &table[i]
				if row.from == s && row.hasRole(r) && !slices.Contains(as, string(row.action)) {
					as = append(as, string(row.action))
				}
			}
			fmt.Fprintf(&b, " %s |", strings.Join(as, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}
