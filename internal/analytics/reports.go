package analytics

import (
	"slices"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/dispute"
)

// Names lists the reports.
func Names() []string {
	out := make([]string, len(definitions))
	for i, d := range definitions {
		out[i] = d.Name
	}
	return out
}

// Find returns a report's definition.
func Find(name string) (Definition, bool) {
	for _, d := range definitions {
		if d.Name == name {
			return d, true
		}
	}
	return Definition{}, false
}

var (
	timeGroups = []string{ByDay, ByWeek, ByMonth, ByMerchant}
	caseGroups = append(slices.Clone(timeGroups), ByCategory, ByReason)
	skuGroups  = append(slices.Clone(timeGroups), ByCategory, BySKU, ByReason) // reports of volume metrics, kept by SKU
	typeNames  = func() []string {
		return mapStrings(aftersale.Types, func(t aftersale.Type) string { return string(t) })
	}()
	outcomeNames = []string{string(dispute.ForCustomer), string(dispute.ForMerchant), string(dispute.Split), string(dispute.Dismissed), string(dispute.Withdrawn)}
	liableNames  = mapStrings(dispute.Liabilities, func(l dispute.Liability) string { return string(l) })
)

func mapStrings[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func reasonCodes() []string {
	return mapStrings(aftersale.Reasons(), func(r aftersale.ReasonInfo) string { return string(r.Code) })
}

func fixed(ms ...string) func(Query) []string { return func(Query) []string { return ms } }

func cols(cs ...Column) func(Query) []Column { return func(Query) []Column { return cs } }

func col(name, zh, en string) Column { return Column{Name: name, Title: Text{zh, en}} }

var definitions = []Definition{
	{
		Name: "return_rate", Title: Text{"退换货率", "Return rate"}, Groups: skuGroups,
		metrics: func(Query) []string {
			ms := []string{MItems, MCases}
			for _, t := range typeNames {
				ms = append(ms, MCasesByType+t)
			}
			return ms
		},
		columns: func(Query) []Column {
			cs := []Column{col("items", "订单商品数", "Order items"), col("cases", "售后单数", "Cases"), col("rate", "售后率", "Rate")}
			for _, t := range aftersale.Types {
				l := t.Label()
				cs = append(cs, Column{Name: string(t), Title: Text{l.ZH, l.EN}})
			}
			return cs
		},
		row: func(q Query, s Sums) []any {
			items := s.N(MItems)
			if q.GroupBy == ByReason {
				items = q.totals.N(MItems) // items have no reason: the share of all items sold
			}
			out := []any{items, s.N(MCases), ratio(s.N(MCases), items)}
			for _, t := range typeNames {
				out = append(out, s.N(MCasesByType+t))
			}
			return out
		},
	},
	{
		Name: "reasons", Title: Text{"售后原因分布", "Reasons"}, Groups: append([]string{ByReason}, slices.DeleteFunc(slices.Clone(skuGroups), func(g string) bool { return g == ByReason })...),
		metrics: func(Query) []string {
			ms := []string{MCases}
			for _, r := range reasonCodes() {
				ms = append(ms, MCasesByReason+r)
			}
			return ms
		},
		columns: func(q Query) []Column {
			cs := []Column{col("cases", "售后单数", "Cases"), col("share", "占比", "Share")}
			if q.GroupBy != ByReason {
				for _, r := range aftersale.Reasons() {
					cs = append(cs, Column{Name: string(r.Code), Title: Text{r.Label.ZH, r.Label.EN}})
				}
			}
			return cs
		},
		row: func(q Query, s Sums) []any {
			out := []any{s.N(MCases), ratio(s.N(MCases), q.totals.N(MCases))}
			if q.GroupBy != ByReason {
				for _, r := range reasonCodes() {
					out = append(out, s.N(MCasesByReason+r))
				}
			}
			return out
		},
	},
	{
		Name: "sla", Title: Text{"服务时效达成", "SLA attainment"}, Groups: caseGroups,
		metrics: fixed(MFirstResponse, MSLAMet+"first_response", MSLABreached+"first_response", MSLAMet+"resolution", MSLABreached+"resolution", MSLABreaches),
		columns: cols(col("first_responses", "首次响应数", "First responses"), col("avg_first_response_hours", "平均首次响应（小时）", "Avg first response (h)"),
			col("first_response_met", "首响达标", "First response met"), col("first_response_breached", "首响超时", "First response breached"),
			col("resolution_met", "解决达标", "Resolution met"), col("resolution_breached", "解决超时", "Resolution breached"),
			col("attainment", "达成率", "Attainment"), col("breaches", "超时记录", "Breaches")),
		row: func(q Query, s Sums) []any {
			met := s.N(MSLAMet+"first_response") + s.N(MSLAMet+"resolution")
			breached := s.N(MSLABreached+"first_response") + s.N(MSLABreached+"resolution")
			return []any{s.N(MFirstResponse), avgHours(s.S(MFirstResponse), s.N(MFirstResponse)),
				s.N(MSLAMet + "first_response"), s.N(MSLABreached + "first_response"),
				s.N(MSLAMet + "resolution"), s.N(MSLABreached + "resolution"),
				ratio(met, met+breached), s.N(MSLABreaches)}
		},
	},
	{
		Name: "handling_time", Title: Text{"处理时长", "Handling time"}, Groups: caseGroups,
		metrics: fixed(MResolved, MFirstResponse),
		columns: cols(col("resolved", "已结束", "Resolved"), col("avg_handling_hours", "平均处理时长（小时）", "Avg handling (h)"),
			col("first_responses", "首次响应数", "First responses"), col("avg_first_response_hours", "平均首次响应（小时）", "Avg first response (h)")),
		row: func(q Query, s Sums) []any {
			return []any{s.N(MResolved), avgHours(s.S(MResolved), s.N(MResolved)), s.N(MFirstResponse), avgHours(s.S(MFirstResponse), s.N(MFirstResponse))}
		},
	},
	{
		Name: "csat", Title: Text{"满意度", "Satisfaction"}, Groups: append(slices.Clone(caseGroups), ByAgent),
		metrics: fixed(MSurveys, MSurveyScore+"attitude", MSurveyScore+"speed", MSurveyScore+"result", MSurveysLow),
		columns: cols(col("surveys", "评价数", "Ratings"), col("avg_score", "平均分", "Average"),
			col("avg_attitude", "服务态度", "Attitude"), col("avg_speed", "处理速度", "Speed"), col("avg_result", "处理结果", "Result"),
			col("low", "差评数", "Low ratings"), col("low_share", "差评率", "Low share")),
		row: func(q Query, s Sums) []any {
			n := s.N(MSurveys)
			return []any{n, avg(s.S(MSurveys), n, 3), avg(s.S(MSurveyScore+"attitude"), n, 1), avg(s.S(MSurveyScore+"speed"), n, 1),
				avg(s.S(MSurveyScore+"result"), n, 1), s.N(MSurveysLow), ratio(s.N(MSurveysLow), n)}
		},
	},
	{
		Name: "disputes", Title: Text{"纠纷", "Disputes"}, Groups: caseGroups,
		metrics: func(Query) []string {
			ms := []string{MCases, MDisputes, MDisputesLost}
			for _, o := range outcomeNames {
				ms = append(ms, MDisputeOutcome+o)
			}
			for _, l := range liableNames {
				ms = append(ms, MDisputeLiable+l)
			}
			return ms
		},
		columns: func(Query) []Column {
			cs := []Column{col("cases", "售后单数", "Cases"), col("disputes", "纠纷数", "Disputes"), col("rate", "纠纷率", "Dispute rate"),
				col("customer", "支持买家", "For the customer"), col("merchant", "支持商家", "For the merchant"), col("split", "部分支持", "Split"),
				col("dismissed", "不予受理", "Dismissed"), col("withdrawn", "撤回", "Withdrawn"), col("lost", "商家败诉", "Lost by merchant")}
			for _, l := range dispute.Liabilities {
				lb := l.Label()
				cs = append(cs, Column{Name: "liable_" + string(l), Title: Text{"责任方：" + lb.ZH, "Liable: " + lb.EN}})
			}
			return cs
		},
		row: func(q Query, s Sums) []any {
			out := []any{s.N(MCases), s.N(MDisputes), ratio(s.N(MDisputes), s.N(MCases))}
			for _, o := range outcomeNames {
				out = append(out, s.N(MDisputeOutcome+o))
			}
			out = append(out, s.N(MDisputesLost))
			for _, l := range liableNames {
				out = append(out, s.N(MDisputeLiable+l))
			}
			return out
		},
	},
	{
		Name: "refunds", Title: Text{"退款", "Refunds"}, Groups: caseGroups,
		metrics: fixed(MRefunds, MTimeToMoney, MRefundsByKind+"refund", MRefundsByKind+"compensation", MRefundsByKind+"shipping_reimbursement",
			MRefundsByKind+"price_difference", MRefundsByKind+"advance"),
		columns: cols(col("refunds", "到账笔数", "Payments"), col("amount", "到账金额（元）", "Amount (CNY)"),
			col("avg_hours_to_money", "平均到账时长（小时）", "Avg time to money (h)"),
			col("refund", "退款（元）", "Refunds (CNY)"), col("compensation", "补偿（元）", "Compensation (CNY)"),
			col("shipping_reimbursement", "运费（元）", "Postage (CNY)"), col("price_difference", "差价（元）", "Price differences (CNY)"),
			col("advance", "先行赔付（元）", "Advances (CNY)")),
		row: func(q Query, s Sums) []any {
			return []any{s.N(MRefunds), yuan(s.S(MRefunds)), avgHours(s.S(MTimeToMoney), s.N(MTimeToMoney)),
				yuan(s.S(MRefundsByKind + "refund")), yuan(s.S(MRefundsByKind + "compensation")), yuan(s.S(MRefundsByKind + "shipping_reimbursement")),
				yuan(s.S(MRefundsByKind + "price_difference")), yuan(s.S(MRefundsByKind + "advance"))}
		},
	},
	{
		Name: "agents", Title: Text{"客服绩效", "Agents"}, Groups: append([]string{ByAgent}, timeGroups...),
		metrics: fixed(MResolved, MSurveys, MCaused, MReviews),
		columns: cols(col("handled", "处理完结", "Handled"), col("avg_handling_hours", "平均处理时长（小时）", "Avg handling (h)"),
			col("surveys", "评价数", "Ratings"), col("avg_score", "满意度", "Satisfaction"),
			col("complaints", "引起投诉", "Complaints caused"), col("reviews", "质检数", "Reviews"), col("review_score", "质检平均分", "Review score")),
		row: func(q Query, s Sums) []any {
			return []any{s.N(MResolved), avgHours(s.S(MResolved), s.N(MResolved)), s.N(MSurveys), avg(s.S(MSurveys), s.N(MSurveys), 3),
				s.N(MCaused), s.N(MReviews), avg(s.S(MReviews), s.N(MReviews), 100)}
		},
	},
	{
		Name: "themes", Title: Text{"投诉主题", "Complaint themes"}, Groups: append([]string{ByTheme}, timeGroups...),
		metrics: func(q Query) []string {
			ms := []string{MComplaints}
			for _, c := range q.themes().Codes() {
				ms = append(ms, MComplaintTheme+c)
			}
			return ms
		},
		columns: func(q Query) []Column {
			cs := []Column{col("complaints", "投诉数", "Complaints"), col("share", "占比", "Share")}
			if q.GroupBy == ByTheme {
				return cs
			}
			for _, c := range q.themes().Codes() {
				t := q.themes().Theme(c)
				cs = append(cs, Column{Name: c, Title: Text{t.Zh, t.En}})
			}
			return cs
		},
		row: func(q Query, s Sums) []any {
			out := []any{s.N(MComplaints), ratio(s.N(MComplaints), q.totals.N(MComplaints))}
			if q.GroupBy == ByTheme {
				return out
			}
			for _, c := range q.themes().Codes() {
				out = append(out, s.N(MComplaintTheme+c))
			}
			return out
		},
	},
}

func (q Query) themes() Themes {
	if q.Themes == nil {
		return DefaultThemes
	}
	return q.Themes
}
