package task

import (
	"errors"
	"testing"
	"time"
)

func TestApply(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	tk := Task{ID: "t1", Kind: ShipmentException, State: Open, Version: 1}
	a, err := Apply(tk, Command{Action: Assign, Assignee: "agent.li", Actor: "agent.li"}, now)
	if err != nil || a.Assignee != "agent.li" || a.Version != 2 || !a.UpdatedAt.Equal(now) {
		t.Fatalf("assign: %+v %v", a, err)
	}
	d, err := Apply(a, Command{Action: Finish, Note: "已理赔", Actor: "agent.li"}, now)
	if err != nil || d.State != Done || d.DoneBy != "agent.li" || d.Note != "已理赔" || d.Version != 3 {
		t.Fatalf("done: %+v %v", d, err)
	}
	var ce *ConflictError
	if _, err := Apply(d, Command{Action: Assign, Assignee: "x"}, now); !errors.As(err, &ce) {
		t.Errorf("acting on a done task: %v", err)
	}
	var fe *FieldError
	if _, err := Apply(tk, Command{Action: "fly"}, now); !errors.As(err, &fe) || fe.Field != "action" {
		t.Errorf("an unknown action: %v", err)
	}
	if !ShipmentException.Valid() || Kind("x").Valid() || ShipmentException.Label().ZH == "" {
		t.Error("kinds")
	}
}
