package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

// checkFloor refuses a layer that would give customers less than the statutory floor
// (消费者权益保护法 第二十四、二十五条 and the rules the floor document locks):
//   - disabling a locked window or shipping rule;
//   - redefining a locked window narrower, later-starting, conditional or shorter;
//   - refusing, other than on a statutory ground, what a locked window guarantees;
//   - making the customer pay return shipping where a locked rule makes the merchant pay;
//   - a deadline always longer than the floor's limit (the refund within 7 days of receipt);
//     one only sometimes longer is clamped at evaluation instead.
//
// The engine also applies the floor at evaluation, so these checks are for a clear message
// at load time, not the only guard.
func (e *Engine) checkFloor(c *compiled) error {
	d := c.doc
	floor := e.floor
	refuse := func(field, zh, en string) error {
		return &FloorError{Doc: d.Key(), Field: field, Message: Text{ZH: zh, EN: en}}
	}
	for i, id := range d.Disable {
		if w := floor.lockedWindow(id); w != nil {
			return refuse(fmt.Sprintf("disable[%d]", i),
				fmt.Sprintf("不能关闭法定规则“%s”(%s)", w.Name.ZH, w.Source),
				fmt.Sprintf("cannot switch off %q (%s), which the law guarantees (%s)", id, w.Name.EN, w.Source))
		}
		if s := floor.lockedShipping(id); s != nil {
			return refuse(fmt.Sprintf("disable[%d]", i),
				fmt.Sprintf("不能关闭法定运费规则 %s(%s)", id, s.Source),
				fmt.Sprintf("cannot switch off the statutory shipping rule %q (%s)", id, s.Source))
		}
	}
	for i, w := range c.windows {
		lw := floor.lockedWindow(w.ID)
		if lw == nil {
			continue
		}
		f := fmt.Sprintf("windows[%d]", i)
		switch {
		case !covers(w.Types, lw.Types) || !covers(w.Reasons, lw.Reasons):
			return refuse(f, fmt.Sprintf("“%s”不能缩小法定适用范围(%s)", lw.Name.ZH, lw.Source),
				fmt.Sprintf("%q may not cover fewer types or reasons than the law (%s)", w.ID, lw.Source))
		case w.From != lw.From:
			return refuse(f+".from", fmt.Sprintf("“%s”须自%s起算(%s)", lw.Name.ZH, eventLabel(lw.From).ZH, lw.Source),
				fmt.Sprintf("%q must count from %s, as the law does (%s)", w.ID, eventLabel(lw.From).EN, lw.Source))
		case w.When != "":
			return refuse(f+".when", fmt.Sprintf("“%s”是法定权利,不能附加条件(%s)", lw.Name.ZH, lw.Source),
				fmt.Sprintf("%q is a statutory right and may not be made conditional (%s)", w.ID, lw.Source))
		case !spanCovers(e.cal, w.Length, lw.Length):
			zh, en := lw.Length.String(), lw.Length.String()
			if lw.Length.IsZero() {
				zh, en = "不设期限", "no end"
			}
			return refuse(f+".length", fmt.Sprintf("“%s”不能短于法定的%s(%s)", lw.Name.ZH, zh, lw.Source),
				fmt.Sprintf("%q may not be shorter than the statutory %s (%s)", w.ID, en, lw.Source))
		}
	}
	for i, r := range c.rules {
		if r.Effect != Refuse {
			continue
		}
		for _, lw := range floor.windows {
			if !lw.Locked || !intersects(r.Types, lw.Types) || !intersects(r.Reasons, lw.Reasons) {
				continue
			}
			if r.Ground != "" && floor.groundExcuses(r.Ground, lw) {
				continue // e.g. custom-made goods from the no-reason return (第二十五条第一款)
			}
			return refuse(fmt.Sprintf("rules[%d]", i),
				fmt.Sprintf("规则 %s 会拒绝法定的“%s”(%s);法定事由(ground)只能排除七日无理由退货,其他情形须缩小 types 与 reasons", r.ID, lw.Name.ZH, lw.Source),
				fmt.Sprintf("rule %q would refuse %s, which the law guarantees (%s); a statutory ground only excuses goods from the no-reason return, so narrow its types and reasons", r.ID, lw.Name.EN, lw.Source))
		}
	}
	for i, s := range c.shipping {
		if s.Payer != aftersale.PayerCustomer {
			continue
		}
		for _, ls := range floor.shipping {
			if ls.Locked && intersects(s.Types, ls.Types) && intersects(s.Reasons, ls.Reasons) {
				return refuse(fmt.Sprintf("return_shipping[%d]", i),
					fmt.Sprintf("运费规则 %s 让买家承担法定由商家承担的运费(%s)", s.ID, ls.Source),
					fmt.Sprintf("shipping rule %q makes the customer pay where the law makes the merchant pay (%s); narrow its reasons", s.ID, ls.Source))
			}
		}
	}
	for _, lim := range floor.doc.DeadlineLimits {
		for i, o := range d.Deadlines[lim.Kind] {
			if intersects(o.Reasons, lim.Reasons) && alwaysLonger(e.cal, o.Span, lim.Span) {
				return refuse(fmt.Sprintf("deadlines.%s[%d]", lim.Kind, i),
					fmt.Sprintf("%s不能长于法定的%s(%s);可用 reasons 限定适用范围", lim.Kind.Label().ZH, lim.Span, lim.Source),
					fmt.Sprintf("%s may not be longer than the statutory %s for these reasons (%s); shorten it or limit it to other reasons", lim.Kind.Label().EN, lim.Span, lim.Source))
			}
		}
	}
	return nil
}

// groundExcuses reports whether the floor itself uses ground to exclude goods from the
// locked window lw: only there may a later layer refuse on that ground.
func (c *compiled) groundExcuses(ground string, lw *cWindow) bool {
	for _, r := range c.rules {
		if r.Ground == ground && r.Effect == Refuse && intersects(r.Types, lw.Types) && intersects(r.Reasons, lw.Reasons) {
			return true
		}
	}
	return false
}

func (c *compiled) lockedWindow(id string) *cWindow {
	for _, w := range c.windows {
		if w.Locked && w.ID == id {
			return w
		}
	}
	return nil
}

func (c *compiled) lockedShipping(id string) *cShipping {
	for _, s := range c.shipping {
		if s.Locked && s.ID == id {
			return s
		}
	}
	return nil
}

// covers reports whether the set a includes every element of b; empty means "all".
func covers[T comparable](a, b []T) bool {
	if len(a) == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// intersects reports whether two sets share an element; empty means "all".
func intersects[T comparable](a, b []T) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// spanCovers reports whether a period of a never ends before a period of b started at the
// same instant, on every day of the calendar's data years (a zero span is unlimited).
// Comparing by counting on the calendar lets "5wd" be weighed against "7d" honestly.
func spanCovers(cal *calendar.Calendar, a, b calendar.Span) bool {
	if a.IsZero() {
		return true
	}
	if b.IsZero() {
		return false
	}
	if a.Unit == b.Unit {
		return a.N >= b.N
	}
	loc := cal.Location()
	for t := time.Date(2025, 1, 1, 12, 0, 0, 0, loc); t.Year() < 2028; t = t.AddDate(0, 0, 1) {
		if cal.Add(t, a).Before(cal.Add(t, b)) {
			return false
		}
	}
	return true
}

// alwaysLonger reports whether a period of a ends after a period of b on every day of the
// calendar's data years. A deadline that is only sometimes longer than the floor's limit (3
// working days across the Spring Festival) is allowed: the engine clamps it when it happens.
func alwaysLonger(cal *calendar.Calendar, a, b calendar.Span) bool {
	if a.Unit == b.Unit {
		return a.N > b.N
	}
	loc := cal.Location()
	for t := time.Date(2025, 1, 1, 12, 0, 0, 0, loc); t.Year() < 2028; t = t.AddDate(0, 0, 1) {
		if !cal.Add(t, a).After(cal.Add(t, b)) {
			return false
		}
	}
	return true
}

func eventLabel(ev Event) Text {
	switch ev {
	case FromSigned:
		return Text{ZH: "签收次日", EN: "the day after signed receipt"}
	case FromShipment:
		return Text{ZH: "发货次日", EN: "the day after shipment"}
	}
	return Text{ZH: "付款次日", EN: "the day after purchase"}
}
