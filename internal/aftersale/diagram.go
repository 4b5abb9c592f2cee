package aftersale

import (
	"fmt"
	"slices"
	"strings"
)

// Mermaid renders the life cycle of type t as a Mermaid state diagram, generated from the
// transition table, so the picture in docs/ can never drift from the code.
func Mermaid(t Type) string {
	type key struct {
		from, to State
		action   Action
	}
	var order []key
	roles := map[key][]Role{}
	for _, e := range Edges(t) {
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
	seen := map[State]bool{Requested: true}
	for _, k := range order {
		seen[k.from], seen[k.to] = true, true
	}
	for _, s := range States {
		if seen[s] {
			fmt.Fprintf(&b, "    state \"%s<br/>%s\" as %s\n", s, s.Label().ZH, s)
		}
	}
	fmt.Fprintf(&b, "    [*] --> %s: %s (customer, agent)\n", Requested, Apply)
	for _, k := range order {
		names := make([]string, len(roles[k]))
		for i, r := range roles[k] {
			names[i] = string(r)
		}
		fmt.Fprintf(&b, "    %s --> %s: %s (%s)\n", k.from, k.to, k.action, strings.Join(names, ", "))
	}
	for _, s := range []State{Completed, Closed} {
		if seen[s] {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	return b.String()
}

// LifecycleDoc renders docs/LIFECYCLE.md: every type's diagram and, per state, the actions
// each role may take there.
func LifecycleDoc() string {
	var b strings.Builder
	b.WriteString("# Case life cycles / 售后单生命周期\n\n")
	b.WriteString("Generated from the transition table in `internal/aftersale/table.go` by `go test ./internal/aftersale -run TestLifecycleDoc -update`; a test fails when this file and the code disagree. Do not edit by hand.\n\n")
	b.WriteString("由 `internal/aftersale/table.go` 的状态转换表生成;文件与代码不一致时测试失败。请勿手工修改。\n\n")
	b.WriteString("Timeouts are actions by `system` (SPEC §4); see `TimeoutAction`. Roles: customer 买家, merchant 商家, agent 客服, supervisor 主管, system 系统.\n")
	for _, t := range Types {
		fmt.Fprintf(&b, "\n## %s — %s / %s\n\n```mermaid\n%s```\n\n", t, t.Label().ZH, t.Label().EN, Mermaid(t))
		b.WriteString("| state | deadline | customer | merchant | agent | supervisor | system |\n|---|---|---|---|---|---|---|\n")
		for _, s := range States {
			acts := Actions(s, t)
			if len(acts) == 0 {
				continue
			}
			dl := ""
			if k, ok := DeadlineKindOf(s); ok {
				dl = "`" + string(k) + "`"
			}
			fmt.Fprintf(&b, "| `%s` %s | %s |", s, s.Label().ZH, dl)
			for _, r := range Roles {
				var names []string
				for _, a := range acts[r] {
					names = append(names, "`"+string(a)+"`")
				}
				fmt.Fprintf(&b, " %s |", strings.Join(names, " "))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
