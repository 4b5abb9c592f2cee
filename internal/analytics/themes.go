package analytics

import (
	"slices"
	"strings"
	"unicode"

	"github.com/aftersales/aftersales/internal/kb"
)

// Theme is a kind of complaint and the words that point to it. A complaint belongs to
// the theme whose words it uses most (the first listed on a tie); one that uses none is
// ThemeOther.
type Theme struct {
	Code  string   `json:"code"`
	Zh    string   `json:"zh"`
	En    string   `json:"en"`
	Words []string `json:"words"` // Chinese words match as written; English ones by their stem
}

// Themes is the list complaints are grouped by.
type Themes []Theme

// ThemeOther is the theme of complaints that match none.
const ThemeOther = "other"

// DefaultThemes are the themes of after-sales complaints: what people complain about
// when they complain about after-sales.
var DefaultThemes = Themes{
	{Code: "logistics", Zh: "物流配送", En: "Delivery and parcels", Words: []string{
		"快递", "物流", "配送", "发货", "派送", "包裹", "丢件", "没收到", "未收到", "签收", "运单", "快递员",
		"courier", "delivery", "deliver", "shipping", "shipped", "parcel", "package", "tracking", "lost", "arrive"}},
	{Code: "refund", Zh: "退款到账", En: "Refunds and money", Words: []string{
		"退款", "到账", "退钱", "钱", "打款", "赔付", "赔偿", "运费",
		"refund", "money", "reimburse", "paid", "payment", "compensation", "charged"}},
	{Code: "quality", Zh: "商品质量", En: "Product quality", Words: []string{
		"质量", "坏了", "破损", "瑕疵", "故障", "不能用", "假货", "次品", "开裂", "漏电", "异味",
		"defect", "defective", "broken", "damaged", "fake", "quality", "faulty", "crack"}},
	{Code: "service", Zh: "服务态度", En: "Service and attitude", Words: []string{
		"客服", "态度", "不理", "不回复", "没人回", "敷衍", "推诿", "踢皮球", "骂", "不耐烦",
		"rude", "ignored", "ignore", "attitude", "unhelpful", "respond", "reply", "staff", "agent"}},
	{Code: "description", Zh: "描述不符", En: "Not as described", Words: []string{
		"描述", "不符", "色差", "虚假", "宣传", "图片", "货不对板", "尺码",
		"misleading", "description", "described", "advertised", "photo", "picture", "size"}},
	{Code: "process", Zh: "流程与规则", En: "Process and rules", Words: []string{
		"流程", "拒绝", "驳回", "规则", "审核", "麻烦", "太慢", "拖", "超时", "申请",
		"rejected", "reject", "process", "policy", "complicated", "denied", "slow", "waiting"}},
}

// Theme returns the theme of a code (ThemeOther's own when unknown).
func (ts Themes) Theme(code string) Theme {
	for _, t := range ts {
		if t.Code == code {
			return t
		}
	}
	return Theme{Code: ThemeOther, Zh: "其他", En: "Other"}
}

// Codes returns the themes' codes and ThemeOther, in order.
func (ts Themes) Codes() []string {
	out := make([]string, 0, len(ts)+1)
	for _, t := range ts {
		out = append(out, t.Code)
	}
	return append(out, ThemeOther)
}

// Classify returns the theme of a text.
func (ts Themes) Classify(text string) string {
	lower := strings.ToLower(text)
	var terms []string
	best, bestHits := ThemeOther, 0
	for _, t := range ts {
		hits := 0
		for _, w := range t.Words {
			if hasHan(w) {
				if strings.Contains(lower, w) {
					hits++
				}
				continue
			}
			if terms == nil {
				terms = kb.Terms(lower)
				if terms == nil {
					terms = []string{}
				}
			}
			if wt := kb.Terms(w); len(wt) == 1 && slices.Contains(terms, wt[0]) {
				hits++
			}
		}
		if hits > bestHits {
			best, bestHits = t.Code, hits
		}
	}
	return best
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
