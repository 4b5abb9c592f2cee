package triage

import (
	"math"
	"os"
	"strings"
	"testing"
)

// The issue asks for a held-out set of at least 300 texts written like customers write,
// top-1 reason ≥ 0.85 and urgent recall ≥ 0.95. data/heldout.tsv is written by hand,
// independently of the training texts; data/heldout_fresh.tsv was written after the
// model was tuned and data/heldout_blind.tsv before the learned urgency signal was added;
// both are measured, not held to the thresholds (docs/PERFORMANCE.md), and none of the
// three shares a text with training.
func TestHeldOutMeetsTheIssuesThresholds(t *testing.T) {
	held := HeldOut()
	if len(held) < 300 {
		t.Fatalf("held-out set has %d texts, want at least 300", len(held))
	}
	train := map[string]bool{}
	reasons := map[string]bool{}
	for _, e := range TrainingData() {
		train[e.Text] = true
		reasons[e.Reason] = true
	}
	others := held
	for _, name := range []string{"data/heldout_fresh.tsv", "data/heldout_blind.tsv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		set, err := ParseTSV(string(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(set) == 0 {
			t.Fatalf("%s is empty", name)
		}
		others = append(others, set...)
	}
	urgent := 0
	for _, e := range others {
		if train[e.Text] {
			t.Fatalf("held-out text also in training: %q", e.Text)
		}
	}
	for _, e := range held {
		delete(reasons, e.Reason)
		if e.Urgency == Urgent {
			urgent++
		}
	}
	if len(reasons) > 0 {
		t.Errorf("held-out set lacks reasons %v", reasons)
	}
	if urgent < 40 {
		t.Errorf("held-out set has %d urgent texts, want at least 40", urgent)
	}
	ev := Evaluate(Default(), held)
	t.Logf("top-1 %.3f, urgent recall %.3f precision %.3f (%d urgent), urgency accuracy %.3f",
		ev.Top1, ev.UrgentRecall, ev.UrgentPrecision, ev.UrgentSupport, ev.UrgencyAccuracy)
	if ev.Top1 < MinTop1 {
		t.Errorf("top-1 reason accuracy %.3f < %.2f", ev.Top1, MinTop1)
	}
	if ev.UrgentRecall < MinUrgentRecall {
		t.Errorf("urgent recall %.3f < %.2f", ev.UrgentRecall, MinUrgentRecall)
	}
}

func TestUrgencyTable(t *testing.T) {
	cases := []struct{ text, want string }{
		{"充电的时候起火了！！", Urgent},
		{"插座冒烟了", Urgent},
		{"没有冒烟，就是不转", Normal},
		{"孩子用了过敏", Urgent},
		{"机器漏电", Urgent},
		{"It caught fire on my desk", Urgent},
		{"no smoke, it just stopped", Normal},
		{"got an electric shock", Urgent},
		{"再不退款我打12315", High},
		{"I'll do a chargeback", High},
		{"this is the third time I write", High},
		{"there is an issue with the lid", Normal},
		{"请问怎么退货", Low},
		{"how long does a refund take?", Low},
		{"屏幕碎了", Normal},
		{"起火了，我要投诉", Urgent},
		// Safety described without the keyword.
		{"插头那里有股焦味", Urgent},
		{"the plug started sparking", Urgent},
		{"孩子误吞了一颗纽扣", Urgent},
		{"my lips swelled up after one bite", Urgent},
		{"摸到外壳手一麻", Urgent},
		// A safety word that means something else, and a negated one.
		{"音响有电流声", Normal},
		{"羽绒服穿着很臃肿", Normal},
		{"the motor burnt out after a week", Normal},
		{"买的烟雾报警器一直乱响", Normal},
		{"the smoke alarm i ordered hasn't come", Normal},
		{"no sparks, it just died", Normal},
		// A negation cancels only what follows it closely.
		{"插上没多久就冒烟了", Urgent},
		{"不小心碰到外壳被电了一下", Urgent},
		{"没用几天就冒烟了", Urgent},
		{"无故起火", Urgent},
		{"not long after i plugged it in it started smoking", Urgent},
		{"没看到冒烟，就是不转", Normal},
		{"it didn't catch fire, it just stopped", Normal},
		{"no sign of smoke", Normal},
		// A swollen battery alone is normal, as the labelled sets have it.
		{"电池鼓包了，还好没有冒烟", Normal},
		{"battery is swollen, can i get a new one", Normal},
	}
	for _, c := range cases {
		if got := tableUrgency(c.text); got != c.want {
			t.Errorf("tableUrgency(%q) = %s, want %s", c.text, got, c.want)
		}
	}
}

// The learned urgency signal only raises a text to urgent: what the table finds urgent
// stays urgent, and the table's negated and benign phrases stay as the table has them.
func TestLearnedUrgencyKeepsTheTable(t *testing.T) {
	m := Default()
	for _, s := range []string{"充电的时候起火了！！", "插头那里有股焦味", "got an electric shock", "孩子误吞了一颗纽扣"} {
		if got := m.Urgency(s); got != Urgent {
			t.Errorf("Urgency(%q) = %s, want urgent", s, got)
		}
	}
	for _, s := range []string{"没有冒烟，就是不转", "no smoke, it just stopped", "音响有电流声", "the motor burnt out after a week",
		"买的烟雾报警器一直乱响", "the smoke alarm i ordered hasn't come", "no sparks, it just died", "没看到冒烟，就是不转",
		"it didn't catch fire, it just stopped", "no sign of smoke", "电池鼓包了，还好没有冒烟", "battery is swollen, can i get a new one"} {
		if got, want := m.Urgency(s), tableUrgency(s); got != want {
			t.Errorf("Urgency(%q) = %s, want the table's %s (p %.3f)", s, got, want, m.UrgentProbability(s))
		}
	}
	if p := m.UrgentProbability(""); p < 0 || p > 1 {
		t.Errorf("probability of the empty text %v", p)
	}
}

func TestSentiment(t *testing.T) {
	if s := Sentiment("太差了，垃圾😡"); s >= -0.5 {
		t.Errorf("angry zh sentiment %v", s)
	}
	if s := Sentiment("very happy, thanks!"); s <= 0.5 {
		t.Errorf("pleased en sentiment %v", s)
	}
	if s := Sentiment("not good"); s >= 0 {
		t.Errorf("negated good %v", s)
	}
	if s := Sentiment("我想改地址"); s != 0 {
		t.Errorf("neutral %v", s)
	}
}

func TestReasonOfPlainTexts(t *testing.T) {
	m := Default()
	for text, want := range map[string]string{
		"发错货了，我要的是红色": "wrong_item",
		"快递公司把包裹弄丢了":  "lost_parcel",
		"刚买就降价了，退差价":  "price_protection",
	} {
		if got := m.Reason(text); got != want {
			t.Errorf("Reason(%q) = %s, want %s", text, got, want)
		}
	}
	if got := m.Reason(""); got != "other" {
		t.Errorf("empty text: %s", got)
	}
}

func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"", "起火了", "no smoke", "\xff\xfe", strings.Repeat("很", 500), "不不不好", "😡😡", "12315"} {
		f.Add(s)
	}
	m := Default()
	f.Fuzz(func(t *testing.T, s string) {
		sg := m.Suggest(s)
		if math.IsNaN(sg.Sentiment) || sg.Sentiment < -1 || sg.Sentiment > 1 {
			t.Fatalf("sentiment %v out of range for %q", sg.Sentiment, s)
		}
		switch sg.Urgency {
		case Urgent, High, Normal, Low:
		default:
			t.Fatalf("urgency %q", sg.Urgency)
		}
		if sg.Reason == "" {
			t.Fatal("no reason")
		}
		_ = Tokens(s)
	})
}

// BenchmarkTrain measures training (serve trains at start): the reason model and the
// learned urgency signal, from one tokenisation of the training set.
func BenchmarkTrain(b *testing.B) {
	ex := TrainingData()
	Train(ex[:1]) // load the segmenter's dictionary first
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Train(ex)
	}
}
