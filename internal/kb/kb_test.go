package kb

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// article is a help-centre article as the store holds it.
type article struct {
	id, lang, title string
	tags            []string
	body            string
}

// corpus is a small help centre: the after-sales questions customers ask most, in
// both languages, with neighbours that share words (three articles about 退货, two
// about 耳机, two about refunds) so that the top result has to be earned.
var corpus = []article{
	{"zh-return", "zh-CN", "退货流程", []string{"退货", "售后"},
		"在订单详情页点击“申请售后”，选择“退货”，填写退货原因并上传商品照片。审核通过后，请在7天内按页面提供的地址寄回商品，并填写快递单号。仓库收到退货并验收后，将为您办理退款。"},
	{"zh-refund", "zh-CN", "退款多久到账", []string{"退款"},
		"退款审核通过后，款项将原路退回：支付宝、微信支付一般1至3个工作日到账；银行卡一般3至7个工作日到账，具体以银行处理时间为准。如超过7个工作日仍未到账，请联系客服并提供退款单号。"},
	{"zh-headphones-return", "zh-CN", "蓝牙耳机的退货流程", []string{"耳机", "数码"},
		"蓝牙耳机属于个人护理类数码产品，拆封后如无质量问题，不支持七天无理由退货。如出现断连、单边无声、充电盒无法充电等质量问题，请在签收后15天内申请退货，并将耳机、充电盒、数据线及包装一并寄回。"},
	{"zh-headphones-pairing", "zh-CN", "蓝牙耳机连接不上怎么办", []string{"耳机", "蓝牙"},
		"请先将耳机放回充电盒充电10分钟，然后长按充电盒按键5秒恢复出厂设置。在手机蓝牙设置中删除旧的配对记录后重新搜索连接。如仍无法连接，可申请检测维修。"},
	{"zh-seven-days", "zh-CN", "七天无理由退货", []string{"退货", "政策"},
		"自签收之日起七天内，商品完好、不影响二次销售的，可申请无理由退货。定制商品、鲜活易腐商品、已拆封的音像制品及个人护理用品不适用。无理由退货的运费由买家承担。"},
	{"zh-exchange", "zh-CN", "换货说明", []string{"换货", "尺码"},
		"如收到的商品尺码不合适、颜色不符或存在质量问题，可在签收后15天内申请换货。请在订单详情页选择“换货”，填写需要更换的尺码或颜色；商品寄回仓库验收后，我们会重新发出新的商品。"},
	{"zh-repair", "zh-CN", "维修与保修", []string{"维修", "保修"},
		"商品在保修期内出现非人为损坏的故障，可申请免费维修。请在订单页面提交维修申请并描述故障现象，寄回后维修中心将在5个工作日内完成检测和维修。超出保修期或人为损坏的，维修需要收取费用。"},
	{"zh-lost-parcel", "zh-CN", "物流异常与快递丢件", []string{"物流", "快递"},
		"如果物流信息长时间未更新、包裹显示已签收但您没有收到，或者快递丢了，请先联系快递公司核实。确认丢件后，请在订单页面提交物流异常申请，我们将为您补发商品或全额退款。"},
	{"zh-invoice", "zh-CN", "发票开具", []string{"发票"},
		"下单时可选择开具电子发票或纸质发票，电子发票将在订单完成后发送到您的邮箱。如需修改发票抬头或补开发票，请在订单完成后30天内联系客服。增值税专用发票需提供企业税号。"},
	{"en-return", "en", "How to return an item", []string{"returns"},
		"You can return most items within 30 days of delivery. Open your order, choose Return item and select a reason. Print the prepaid label, pack the item in its original box and drop the parcel at any post office. Returned items are inspected at our warehouse before the refund is issued."},
	{"en-refund", "en", "When will I get my refund?", []string{"refunds"},
		"Refunds are issued to your original payment method once the returned item has been inspected. Card refunds usually take 3 to 5 business days to appear on your statement; PayPal refunds arrive within 24 hours. If your refund has not arrived after 10 business days, contact us with your order number."},
	{"en-exchange", "en", "Exchange for another size", []string{"exchanges", "sizing"},
		"If your shoes or clothes do not fit, you can exchange them for another size or colour free of charge within 30 days. Choose Exchange on the order page, pick the new size and send the original item back. We ship the replacement as soon as the carrier scans your parcel."},
	{"en-lost-parcel", "en", "Parcel lost in transit", []string{"delivery", "lost parcel"},
		"If tracking has not updated for more than 7 days, or the parcel shows as delivered but you have not received it, it may be lost in transit. Contact us and we will open an investigation with the carrier. Once the carrier confirms the loss, we will reship your order or refund it in full."},
	{"en-damaged", "en", "Item arrived damaged", []string{"damage", "quality"},
		"If your item arrived damaged or faulty, take photos of the item and the packaging within 48 hours of delivery and send them to us from the order page. We will arrange a free repair, a replacement or a refund."},
	{"en-invoice", "en", "Request an invoice", []string{"invoice", "billing"},
		"VAT invoices are available for all orders. Download your invoice from the order page once the order has shipped, or ask our team to change the company name and tax number on it."},
}

// memoryStore is what the store does for a search, in memory: for each term the rows
// of the articles that hold it.
type memoryStore struct {
	rows   map[string][]Hit
	docs   int
	avgLen float64
}

func MustIndexCorpus(t testing.TB, articles []article) *memoryStore {
	t.Helper()
	s := &memoryStore{rows: make(map[string][]Hit), docs: len(articles)}
	total := 0
	for _, a := range articles {
		counts, length := Index(a.title, a.body, a.tags)
		if length == 0 {
			t.Fatalf("article %s has no terms", a.id)
		}
		total += length
		for term, c := range counts {
			s.rows[term] = append(s.rows[term], Hit{Article: a.id, Term: term, Count: c, Length: length})
		}
	}
	s.avgLen = float64(total) / float64(len(articles))
	return s
}

func (s *memoryStore) search(q string) []Result {
	terms := QueryTerms(q)
	var hits []Hit
	for _, term := range terms {
		hits = append(hits, s.rows[term]...)
	}
	return Rank(hits, terms, s.docs, s.avgLen)
}

// The help centre's search must find an article for the words customers use, which
// are not the article's: 耳机退货 for 蓝牙耳机的退货流程, 什么时候 for 多久, returning
// for return.
func TestSearchFindsTheArticleCustomersMean(t *testing.T) {
	store := MustIndexCorpus(t, corpus)
	cases := []struct{ query, want string }{
		{"耳机退货", "zh-headphones-return"},
		{"蓝牙耳机怎么退货？", "zh-headphones-return"},
		{"退款什么时候到账", "zh-refund"},
		{"钱多久能到账", "zh-refund"},
		{"我的退款怎么还没到账", "zh-refund"}, // 没到 is a word: only 退款 and 账 match
		{"快递丢了", "zh-lost-parcel"},
		{"包裹显示签收了但是没收到", "zh-lost-parcel"},
		{"七天无理由退货", "zh-seven-days"},
		{"尺码不合适怎么换", "zh-exchange"},
		{"保修期内维修要钱吗", "zh-repair"},
		{"怎么开发票", "zh-invoice"},
		{"耳机无法连接", "zh-headphones-pairing"},
		{"退货", "zh-return"},
		{"refund", "en-refund"},
		{"when is my refund coming", "en-refund"},
		{"ＲＥＦＵＮＤＳ", "en-refund"},
		{"returning shoes", "en-return"},
		{"my parcel was lost", "en-lost-parcel"},
		{"exchange shoes for a bigger size", "en-exchange"},
		{"the item arrived broken and damaged", "en-damaged"},
		{"VAT invoice", "en-invoice"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			results := store.search(c.query)
			if len(results) == 0 {
				t.Fatalf("%q (terms %q) finds nothing, want %s", c.query, QueryTerms(c.query), c.want)
			}
			t.Logf("%q terms %q → %s (%.3f %q)", c.query, QueryTerms(c.query), results[0].Article, results[0].Score, results[0].Matched)
			if results[0].Article != c.want {
				t.Errorf("%q (terms %q): top %s, want %s\n%s", c.query, QueryTerms(c.query), results[0].Article, c.want, describe(results))
			}
		})
	}
}

func describe(results []Result) string {
	var b strings.Builder
	for i, r := range results {
		if i == 5 {
			break
		}
		fmt.Fprintf(&b, "  %.3f %s %q\n", r.Score, r.Article, r.Matched)
	}
	return b.String()
}

// An article about both 耳机 and 退货 outranks one about 退货 only, however often it
// says 退货: the all-terms bonus.
func TestSearchPrefersArticlesWithEveryTerm(t *testing.T) {
	store := MustIndexCorpus(t, []article{
		{"both", "zh-CN", "耳机退货", nil, "蓝牙耳机的退货。"},
		{"often", "zh-CN", "退货退货退货", []string{"退货"}, strings.Repeat("退货，", 20)},
		{"other", "zh-CN", "发票", nil, "电子发票。"},
	})
	results := store.search("耳机退货")
	if len(results) != 2 || results[0].Article != "both" {
		t.Fatalf("results:\n%s", describe(results))
	}
	if got := strings.Join(results[0].Matched, ","); got != "耳机,退货" {
		t.Errorf("matched %s, want 耳机,退货", got)
	}
}

// A query of stop words and punctuation finds nothing rather than everything.
func TestSearchWithOnlyStopWordsFindsNothing(t *testing.T) {
	store := MustIndexCorpus(t, corpus)
	for _, q := range []string{"", "怎么 如何 吗？", "how do I ... the", "！！！"} {
		if r := store.search(q); len(r) != 0 {
			t.Errorf("%q finds %d articles", q, len(r))
		}
	}
}

// FuzzTerms: whatever a customer types, or a script sends, Terms, QueryTerms,
// Highlight and Snippet do not panic; terms are valid UTF-8 and not empty; the spans
// put together are the text.
func FuzzTerms(f *testing.F) {
	for _, a := range corpus {
		f.Add(a.title+"\n"+a.body, a.title)
	}
	f.Add("ＡＢＣ１２３ iPhone15退货！", "退货 abc")
	f.Add("\xff\xfe退\x80货\xc3", "退货")
	f.Add("㍿ cafe\u0301 ① ﬁ ǅ İstanbul", "株式会社 café")
	f.Add("e\u0301\u0301\u0301\u0301 \u0301退货", "e")
	f.Fuzz(func(t *testing.T, text, query string) {
		for _, term := range Terms(text) {
			if term == "" || !utf8.ValidString(term) {
				t.Fatalf("bad term %q", term)
			}
		}
		terms := QueryTerms(query)
		if len(terms) > maxQueryTerms {
			t.Fatalf("%d query terms", len(terms))
		}
		var b strings.Builder
		for _, s := range Highlight(text, terms) {
			if s.Text == "" {
				t.Fatalf("empty span in %q", text)
			}
			b.WriteString(s.Text)
		}
		if b.String() != text {
			t.Fatalf("spans %q do not put back %q", b.String(), text)
		}
		if s := Snippet(text, terms, 40); utf8.RuneCountInString(s) > 40+2 && utf8.RuneCountInString(text) > 40 {
			t.Fatalf("snippet of %d characters", utf8.RuneCountInString(s))
		}
	})
}

// BenchmarkTerms segments a Chinese article of 2,000 characters, as Index does for a
// long article and as a search does for its snippets.
func BenchmarkTerms(b *testing.B) {
	var text strings.Builder
	for utf8.RuneCountInString(text.String()) < 2000 {
		for _, a := range corpus {
			if a.lang == "zh-CN" {
				text.WriteString(a.body)
			}
		}
	}
	s := string([]rune(text.String())[:2000])
	Warm()
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	for b.Loop() {
		Terms(s)
	}
}
