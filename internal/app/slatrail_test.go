package app_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/sla"
	"github.com/aftersales/aftersales/internal/store"
)

// trailDesk is a desk whose application's reads are counted.
type trailDesk struct {
	*desk
	reads *readCounter
}

func newTrailDesk(t *testing.T, b apitest.Backend) *trailDesk {
	counter := &readCounter{n: map[string]int{}}
	d := newDeskWith(t, b, local(2026, 3, 9, 10, 0), counter.wrap) // a Monday morning
	return &trailDesk{desk: d, reads: counter}
}

// approve is the merchant's approval of the case as it stands.
func (d *trailDesk) approve(t *testing.T, caseID string) {
	t.Helper()
	d.act(t, d.merchant, d.get(t, caseID), app.ActInput{Action: aftersale.Approve})
}

// stored reads a case as stored, with its whole history and conversation.
func (d *trailDesk) stored(t *testing.T, id string) (aftersale.Case, []sla.Activity) {
	t.Helper()
	ctx := context.Background()
	var c aftersale.Case
	var acts []sla.Activity
	if err := d.reads.Store.View(ctx, func(tx store.Tx) error {
		rec, err := tx.Case(ctx, id)
		if err != nil {
			return err
		}
		events, err := tx.Events(ctx, id)
		if err != nil {
			return err
		}
		msgs, err := tx.Messages(ctx, id, true)
		if err != nil {
			return err
		}
		var ms []sla.Message
		for _, m := range msgs {
			ms = append(ms, sla.Message{At: m.At, Role: aftersale.Role(m.AuthorRole), Public: m.Public})
		}
		c, acts = rec.Case, sla.Activities(events, ms)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c, acts
}

// wantTrail checks that the case keeps the trail of its whole history and conversation.
func (d *trailDesk) wantTrail(t *testing.T, what, id string) aftersale.Case {
	t.Helper()
	c, acts := d.stored(t, id)
	if c.SLATrail == nil {
		t.Fatalf("%s: the case keeps no SLA trail", what)
	}
	if want := sla.Trace(&c, acts); !reflect.DeepEqual(*c.SLATrail, want) {
		t.Fatalf("%s: the case keeps the trail\n%+v\nits history's is\n%+v", what, *c.SLATrail, want)
	}
	return c
}

// wantReads checks how often the writes since the last check read the conversation.
func (d *trailDesk) wantReads(t *testing.T, what string, messages int) {
	t.Helper()
	if got := d.reads.take()["messages"]; got != messages {
		t.Fatalf("%s read the conversation %d times, want %d", what, got, messages)
	}
}

// Every event and public message moves the case's SLA trail as it is written, and the
// writes work the clocks out from it without reading the conversation back: the trail is
// always the one its whole history and conversation make. A case stored without a trail
// (before there were trails) gets one, traced from its history, at its next write.
func TestACaseKeepsItsClocksTrail(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			d := newTrailDesk(t, b)
			c := d.apply(t)
			d.reads.take()
			d.wantTrail(t, "applied", c.ID)

			// A staff reply still reads the conversation once: it goes back by email when the
			// customer last wrote by email (replyChannel).
			steps := []struct {
				what  string
				do    func()
				reads int
			}{
				{"the merchant's reply", func() { d.post(t, d.merchant, c.ID, "您好,请问是哪里不满意?", false) }, 1},
				{"the customer's message", func() { d.post(t, d.customer, c.ID, "尺码不合适", false) }, 0},
				{"an internal note", func() { d.post(t, d.agent, c.ID, "客户第二次退货", true) }, 0},
				{"the merchant's approval", func() { d.approve(t, c.ID) }, 0},
			}
			for i, s := range steps {
				d.env.Clock.Set(d.env.Clock.Now().Add(time.Duration(i+1) * 17 * time.Minute))
				s.do()
				d.wantReads(t, s.what, s.reads)
				d.wantTrail(t, s.what, c.ID)
			}
			v := d.get(t, c.ID)
			if fr := clockOf(t, v, sla.FirstResponse); fr.Status != sla.StatusMet {
				t.Fatalf("first response %s after the merchant's reply, want met", fr.Status)
			}

			// A case stored before trails.
			old := d.apply(t)
			stripped, _ := d.stored(t, old.ID)
			stripped.SLATrail = nil
			if err := d.reads.Store.Update(context.Background(), func(tx store.Tx) error { return tx.RewriteCase(context.Background(), &stripped) }); err != nil {
				t.Fatal(err)
			}
			d.reads.take()
			d.env.Clock.Set(d.env.Clock.Now().Add(time.Hour))
			d.post(t, d.customer, old.ID, "还在吗?", false)
			d.wantReads(t, "a message on a case without a trail", 1)
			d.wantTrail(t, "a message on a case without a trail", old.ID)
			d.post(t, d.customer, old.ID, "在吗?", false)
			d.wantReads(t, "the next message", 0)
			d.wantTrail(t, "the next message", old.ID)
		})
	}
}

// Messages and a transition written at once on one case all succeed, and none loses the
// others' part of the trail.
func TestMessagesAndATransitionAtOnceKeepTheTrail(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			d := newTrailDesk(t, b)
			c := d.apply(t)
			var wg sync.WaitGroup
			for i := range 8 {
				token := d.customer
				if i%2 == 1 {
					token = d.merchant
				}
				wg.Go(func() { d.post(t, token, c.ID, fmt.Sprintf("message %d", i), false) })
			}
			wg.Go(func() { d.approve(t, c.ID) })
			wg.Wait()
			got := d.wantTrail(t, "after the burst", c.ID)
			if got.State != aftersale.Approved {
				t.Fatalf("the case is %s, want approved", got.State)
			}
		})
	}
}
