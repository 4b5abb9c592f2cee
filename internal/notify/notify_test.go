package notify

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aftersale"
)

const (
	testNumber = "RMA-2026-000123"
	testLink   = "https://shop.example.com/cases/RMA-2026-000123?tab=history&x=1"
	resetLink  = "https://shop.example.com/reset?token=abc123&u=7"
)

// fullMessage is event with every fact filled in.
func fullMessage(event, locale string) Message {
	return Message{Event: event, Locale: locale, Name: "张三", Number: testNumber,
		State: aftersale.Text{ZH: "待寄回", EN: "Awaiting return"}, Link: testLink,
		Fields: map[string]string{
			"amount": "¥128.00", "deadline": "2026-05-01 18:00", "carrier": "顺丰速运", "tracking_no": "SF1234567890",
			"address": "上海市浦东新区世纪大道 100 号", "rule": "stalled", "rule_zh": "物流停滞超过 72 小时",
			"rule_en": "No movement for 72 hours", "ruling": "支持顾客", "tier": "2", "task": "回访顾客",
			"endpoint": "https://hooks.example.com/aftersales", "attempts": "8", "reset_url": resetLink,
			"expires": "2026-05-01 18:30", "note": "第一行\n第二行",
		}}
}

var hasHan = regexp.MustCompile(`\p{Han}`)

// noNumber are the events that are not about a numbered case, dispute or complaint.
var noNumber = []string{"password.reset", "webhook.failed"}

func TestRenderEveryEventInBothLanguages(t *testing.T) {
	for _, event := range Events {
		for _, loc := range []string{"zh", "en"} {
			t.Run(event+"/"+loc, func(t *testing.T) {
				m := fullMessage(event, loc)
				if event != "password.reset" {
					delete(m.Fields, "reset_url")
				}
				r, err := Render(m)
				if err != nil {
					t.Fatal(err)
				}
				if k := catalogs[loc].key(event); k != event {
					t.Errorf("wording %q, want the event's own", k)
				}
				for part, s := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML, "sms": r.SMS} {
					if s == "" || strings.Contains(s, "<no value>") || strings.Contains(s, "%!") {
						t.Errorf("%s: %q", part, s)
					}
				}
				if strings.ContainsAny(r.Subject, "\r\n") || strings.ContainsAny(r.SMS, "\r\n") {
					t.Errorf("subject %q or SMS %q spans lines", r.Subject, r.SMS)
				}
				if (loc == "zh") != hasHan.MatchString(strings.ReplaceAll(r.Subject, m.Fields["task"], "")) {
					t.Errorf("subject %q is not in %s", r.Subject, loc)
				}
				if !slices.Contains(noNumber, event) && !strings.Contains(r.Text, testNumber) {
					t.Errorf("text lacks the number:\n%s", r.Text)
				}
				want := testLink
				if event == "password.reset" {
					want = resetLink
				}
				if !strings.Contains(r.Text, want) || !strings.Contains(r.HTML, `href="`+strings.ReplaceAll(want, "&", "&amp;")+`"`) {
					t.Errorf("link %s missing from text or html button", want)
				}
				if n := utf8.RuneCountInString(r.SMS); n > SMSMaxRunes {
					t.Errorf("sms has %d characters: %q", n, r.SMS)
				}
				if !strings.Contains(r.SMS, want) {
					t.Errorf("sms %q lacks the link", r.SMS)
				}
				if strings.Contains(r.Subject, testNumber) && !strings.Contains(r.SMS, testNumber) {
					t.Errorf("sms %q lacks the number", r.SMS)
				}
				if !strings.HasPrefix(r.HTML, "<!DOCTYPE html>") || !strings.Contains(r.HTML, `lang="`+catalogs[loc].lang+`"`) {
					t.Errorf("html head: %.120s", r.HTML)
				}
			})
		}
	}
}

func TestRenderWithoutOptionalFieldsLeavesNoGaps(t *testing.T) {
	for _, event := range Events {
		for _, loc := range []string{"zh", "en"} {
			r, err := Render(Message{Event: event, Locale: loc, Number: testNumber})
			if err != nil {
				t.Fatalf("%s/%s: %v", event, loc, err)
			}
			ti, bo := Title(Message{Event: event, Number: testNumber}), Body(Message{Event: event, Number: testNumber})
			for _, s := range []string{r.Subject, ti.ZH, ti.EN, bo.ZH, bo.EN} {
				if s == "" || strings.Contains(s, "  ") || strings.Contains(s, "（）") || strings.Contains(s, "()") ||
					strings.Contains(s, " 。") || strings.Contains(s, " ，") || strings.Contains(s, " .") || strings.Contains(s, " ;") {
					t.Errorf("%s/%s: %q", event, loc, s)
				}
			}
			if strings.Contains(r.HTML, "<a ") || strings.Contains(r.Text, "http") {
				t.Errorf("%s/%s: a button without a link", event, loc)
			}
		}
	}
}

func TestEveryEventHasBothLocales(t *testing.T) {
	names := map[string][]string{}
	for _, loc := range []string{"zh", "en"} {
		for _, tmpl := range catalogs[loc].t.Templates() {
			if strings.Contains(tmpl.Name(), "/") {
				names[loc] = append(names[loc], tmpl.Name())
			}
		}
		slices.Sort(names[loc])
		for _, event := range Events {
			for _, part := range []string{"/subject", "/body"} {
				if !catalogs[loc].has(event + part) {
					t.Errorf("%s lacks %s%s", loc, event, part)
				}
			}
		}
	}
	if !slices.Equal(names["zh"], names["en"]) {
		t.Errorf("the catalogues differ:\nzh %v\nen %v", names["zh"], names["en"])
	}
	if len(names["zh"]) < 2*len(Events) {
		t.Errorf("only %d templates", len(names["zh"]))
	}
}

func TestTitleAndBodyInBothLanguages(t *testing.T) {
	m := Message{Event: "case.approve", Locale: "en", Number: testNumber}
	if got, want := Title(m), (aftersale.Text{ZH: "售后单 RMA-2026-000123 已同意", EN: "Case RMA-2026-000123 approved"}); got != want {
		t.Errorf("Title = %+v, want %+v", got, want)
	}
	b := Body(Message{Event: "case.refund", Number: testNumber, Fields: map[string]string{"amount": "¥128.00"}})
	if b.ZH != "售后单 RMA-2026-000123 的退款 ¥128.00 已发出，将原路退回您的支付账户。" ||
		b.EN != "The refund of ¥128.00 for case RMA-2026-000123 is on its way to your original payment method." {
		t.Errorf("Body = %+v", b)
	}
}

func TestLocaleOtherThanEnglishIsChinese(t *testing.T) {
	for _, loc := range []string{"", "zh", "fr", "EN", "zh-CN"} {
		r, err := Render(Message{Event: "case.approve", Locale: loc, Number: testNumber})
		if err != nil || r.Subject != "售后单 RMA-2026-000123 已同意" {
			t.Errorf("locale %q: %q, %v", loc, r.Subject, err)
		}
	}
}

func TestUnknownEventsGetGenericWording(t *testing.T) {
	state := aftersale.Text{ZH: "处理中", EN: "In progress"}
	for _, c := range []struct{ event, zh, en string }{
		{"case.frobnicate", "您的售后单 RMA-2026-000123 有新进展，当前状态：处理中。", "There is news on your case RMA-2026-000123; it is now: In progress."},
		{"dispute.frobnicate", "纠纷 RMA-2026-000123 有新进展，当前状态：处理中。", "There is news on dispute RMA-2026-000123; it is now: In progress."},
		{"complaint.frobnicate", "投诉 RMA-2026-000123 有新进展，当前状态：处理中。", "There is news on complaint RMA-2026-000123; it is now: In progress."},
		{"order.frobnicate", "RMA-2026-000123 有新进展：处理中。", "There is news on RMA-2026-000123: In progress."},
		{"", "RMA-2026-000123 有新进展：处理中。", "There is news on RMA-2026-000123: In progress."},
		{"case.*", "您的售后单 RMA-2026-000123 有新进展，当前状态：处理中。", "There is news on your case RMA-2026-000123; it is now: In progress."},
		{"ui", "RMA-2026-000123 有新进展：处理中。", "There is news on RMA-2026-000123: In progress."},
	} {
		m := Message{Event: c.event, Number: testNumber, State: state}
		if got := Body(m); got.ZH != c.zh || got.EN != c.en {
			t.Errorf("%q: %+v", c.event, got)
		}
		if _, err := Render(m); err != nil {
			t.Errorf("%q: %v", c.event, err)
		}
	}
}

func TestAliasesAndOutboxPrefix(t *testing.T) {
	for alias, event := range map[string]string{
		"case.apply": "case.created", "notify.case.apply": "case.created", "dispute.rule": "dispute.ruled",
		"case.completed": "case.confirm", "notify.case.approve": "case.approve",
	} {
		a, e := Message{Event: alias, Number: testNumber}, Message{Event: event, Number: testNumber}
		if Title(a) != Title(e) {
			t.Errorf("%s: %+v, want %+v", alias, Title(a), Title(e))
		}
	}
}

func TestHTMLEscapesEverythingItIsGiven(t *testing.T) {
	m := fullMessage("case.request_info", "en")
	m.Name = `<script>alert("x")</script>`
	m.Number = `RMA-1<img src=x onerror=alert(1)>`
	m.Fields["note"] = "<b>bold</b> & co"
	r, err := Render(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>"} {
		if strings.Contains(r.HTML, bad) {
			t.Errorf("html holds %s", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;bold&lt;/b&gt; &amp; co"} {
		if !strings.Contains(r.HTML, good) {
			t.Errorf("html lacks %s", good)
		}
	}
	if !strings.Contains(r.Text, m.Name) {
		t.Error("the plain text should carry the name as it is")
	}
}

func TestSubjectIsOneLineWhateverTheFields(t *testing.T) {
	m := fullMessage("task.opened", "zh")
	m.Number = "RMA-1\r\nBcc: victim@example.com"
	m.Fields["task"] = "回访\n\rX-Evil: 1\u2028next\x00"
	r, err := Render(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(r.Subject, "\r\n\x00\u2028") || r.Subject != "新任务：回访 X-Evil: 1 next" {
		t.Errorf("subject %q", r.Subject)
	}
	if ti := Title(m); strings.ContainsAny(ti.ZH+ti.EN, "\r\n") {
		t.Errorf("title %q", ti)
	}
}

func TestRenderRefusesLinksAReaderCannotFollow(t *testing.T) {
	for _, link := range []string{"/cases/1", "javascript:alert(1)", "ftp://x/y", "https://", "http//x"} {
		if _, err := Render(Message{Event: "case.approve", Number: testNumber, Link: link}); err == nil {
			t.Errorf("link %q accepted", link)
		}
		if _, err := Render(Message{Event: "password.reset", Fields: map[string]string{"reset_url": link}}); err == nil {
			t.Errorf("reset_url %q accepted", link)
		}
	}
}

func TestShipmentExceptionNamesTheRuleInTheReadersLanguage(t *testing.T) {
	for _, c := range []struct {
		fields map[string]string
		zh, en string
	}{
		{map[string]string{"rule_zh": "物流停滞", "rule_en": "Stalled", "rule": "stalled"}, "物流停滞", "Stalled"},
		{map[string]string{"rule": "stalled"}, "stalled", "stalled"},
	} {
		b := Body(Message{Event: "shipment.exception", Number: testNumber, Fields: c.fields})
		if !strings.HasSuffix(b.ZH, "出现异常："+c.zh+"。") || !strings.HasSuffix(b.EN, "problem: "+c.en+".") {
			t.Errorf("%v: %+v", c.fields, b)
		}
	}
	r, _ := Render(fullMessage("shipment.exception", "zh"))
	if !strings.Contains(r.Text, "快递公司：顺丰速运") || !strings.Contains(r.Text, "快递单号：SF1234567890") {
		t.Errorf("carrier or tracking number missing:\n%s", r.Text)
	}
}

func TestPasswordResetGivesTheLinkTheExpiryAndSaysIgnoreIfNotYou(t *testing.T) {
	for loc, words := range map[string][]string{
		"zh": {"重置密码", "有效期至 2026-05-01 18:30", "请忽略此邮件"},
		"en": {"Reset password", "works until 2026-05-01 18:30", "ignore this email"},
	} {
		r, err := Render(Message{Event: "password.reset", Locale: loc, Name: "Li",
			Fields: map[string]string{"reset_url": resetLink, "expires": "2026-05-01 18:30"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range words {
			if !strings.Contains(r.Text, w) || !strings.Contains(r.HTML, w) {
				t.Errorf("%s: %q missing", loc, w)
			}
		}
		if !strings.Contains(r.Text, resetLink) || !strings.Contains(r.SMS, resetLink) {
			t.Errorf("%s: reset link missing", loc)
		}
	}
}

func TestSMSFitsAndKeepsTheNumberAndLink(t *testing.T) {
	long := "https://shop.example.com/" + strings.Repeat("x", 80)
	m := Message{Event: "task.opened", Locale: "zh", Number: testNumber, Link: long,
		Fields: map[string]string{"task": strings.Repeat("很长的任务名", 20)}}
	r, err := Render(m)
	if err != nil {
		t.Fatal(err)
	}
	if utf8.RuneCountInString(r.SMS) > SMSMaxRunes || !strings.Contains(r.SMS, testNumber) || !strings.Contains(r.SMS, long) {
		t.Errorf("sms %q", r.SMS)
	}
	m.Link = "https://shop.example.com/" + strings.Repeat("y", 200)
	if r, _ = Render(m); utf8.RuneCountInString(r.SMS) > SMSMaxRunes || !strings.Contains(r.SMS, testNumber) {
		t.Errorf("sms %q", r.SMS)
	}
}

// The events a customer must act on, from the brief: approvals of returns (ship back),
// requests for information, offers, quotes, a failed repair's choice, a request for
// evidence and a shipment exception's options.
func TestMustAct(t *testing.T) {
	for _, c := range []struct {
		event, role string
		want        bool
	}{
		{"case.approve", "customer", true},
		{"notify.case.request_info", "customer", true},
		{"case.offer", "customer", true},
		{"case.quote", "customer", true},
		{"case.repair_failed", "customer", true},
		{"dispute.request_evidence", "customer", true},
		{"shipment.exception", "customer", true},
		{"case.request_info", "merchant", false},
		{"case.created", "merchant", false},
		{"case.refund", "customer", false},
		{"case.message", "customer", false},
		{"password.reset", "customer", false},
		{"unknown", "customer", false},
	} {
		if got := MustAct(c.event, c.role); got != c.want {
			t.Errorf("MustAct(%q, %q) = %v", c.event, c.role, got)
		}
	}
	for typ, want := range map[aftersale.Type]bool{aftersale.ReturnRefund: true, aftersale.Exchange: true,
		aftersale.Repair: true, aftersale.RefundOnly: false, aftersale.Reship: false, aftersale.Compensation: false} {
		if got := MustActOnCase("case.approve", "customer", typ); got != want {
			t.Errorf("MustActOnCase(approve, %s) = %v", typ, got)
		}
	}
	if !MustActOnCase("case.offer", "customer", aftersale.Compensation) || MustActOnCase("case.approve", "merchant", aftersale.Exchange) {
		t.Error("MustActOnCase should defer to MustAct for other events and roles")
	}
}

func FuzzRender(f *testing.F) {
	f.Add(0, "张三", testNumber, "¥1.00", "2026-05-01", "note", "https://x.example/r")
	f.Add(3, "<script>alert(1)</script>", "RMA\r\nBcc: x@y", "<SCRIPT>", "\x00\u2028", "a\nb", "javascript:alert(1)")
	f.Add(54, "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, i int, name, number, amount, deadline, note, resetURL string) {
		events := append(slices.Clone(Events), "case.other", "other")
		event := events[uint(i)%uint(len(events))]
		for _, loc := range []string{"zh", "en"} {
			m := Message{Event: event, Locale: loc, Name: name, Number: number, Link: testLink,
				State: aftersale.Text{ZH: amount, EN: deadline},
				Fields: map[string]string{"amount": amount, "deadline": deadline, "note": note, "rule": name,
					"tracking_no": number, "task": note, "endpoint": deadline, "reset_url": resetURL, "expires": amount}}
			r, err := Render(m)
			ti, bo := Title(m), Body(m)
			if strings.ContainsAny(ti.ZH+ti.EN+bo.ZH+bo.EN, "\r\n") {
				t.Fatalf("in-app text spans lines: %q %q", ti, bo)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "URL") {
					t.Fatalf("%s/%s: %v", event, loc, err)
				}
				continue
			}
			if strings.ContainsFunc(r.Subject, func(r rune) bool { return r == '\r' || r == '\n' || unicode.IsControl(r) }) {
				t.Fatalf("subject %q", r.Subject)
			}
			if strings.Contains(strings.ToLower(r.HTML), "<script") {
				t.Fatalf("unescaped script in html")
			}
			if strings.Contains(r.Text+r.HTML, "<no value>") {
				t.Fatal("<no value>")
			}
			if utf8.RuneCountInString(r.SMS) > SMSMaxRunes || strings.ContainsAny(r.SMS, "\r\n") {
				t.Fatalf("sms %q", r.SMS)
			}
			if !utf8.ValidString(r.Subject) || !utf8.ValidString(r.HTML) {
				t.Fatal("invalid UTF-8")
			}
		}
	})
}
