package demo

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
)

// DeskSummary is what SeedDesk made.
type DeskSummary struct {
	Articles, Replies, Assigned, Surveys, FollowUps, Reviews int
}

// deskArticles are the help centre's first articles, in both languages.
var deskArticles = []app.ArticleInput{
	{Title: "蓝牙耳机的退货流程", Body: "蓝牙耳机签收后七天内可申请无理由退货。\n\n请保留耳机、充电盒和包装,在订单页选择“申请售后 → 退货退款”,填写寄回的快递单号。商家收到并验货后退款。", Language: "zh-CN", Status: "published", Category: "return", Tags: []string{"耳机", "数码"}},
	{Title: "退款多久到账", Body: "商家确认收货(或同意仅退款)后,平台立即发起退款。\n\n原路退回一般 1–3 个工作日到账,银行卡最长 7 个工作日。售后单页面可以看到每一笔款项的状态。", Language: "zh-CN", Status: "published", Category: "refund"},
	{Title: "七天无理由退货规则", Body: "依据《网络购买商品七日无理由退货暂行办法》,大部分商品签收后七天内可无理由退货。\n\n定制商品、鲜活易腐商品、已拆封的音像制品等除外。退货运费一般由买家承担,商家另有承诺的除外。", Language: "zh-CN", Status: "published", Category: "no_reason"},
	{Title: "快递丢件或长时间不更新怎么办", Body: "物流超过两天不更新,或显示签收但您没有收到,请在售后单页面点击“未收到”。\n\n平台会联系快递公司核实,并为您补发或退款。", Language: "zh-CN", Status: "published", Category: "logistics"},
	{Title: "商品有质量问题如何维修", Body: "在三包有效期内,性能故障可先选择维修。两次维修仍不能正常使用的,可以换货或退货。\n\n维修期间的运费由商家承担。", Language: "zh-CN", Status: "published", Category: "quality"},
	{Title: "How to return an item", Body: "Open the order, choose After-sales → Return and refund, pick a reason and ship the item back within 7 days.\n\nEnter the tracking number so that the merchant's clock starts when the parcel arrives.", Language: "en", Status: "published", Category: "return"},
	{Title: "When will I get my refund?", Body: "The platform starts the refund as soon as the merchant confirms receipt (or approves a refund without return).\n\nMoney goes back to the original payment method within 1 to 3 business days; bank cards may take up to 7.", Language: "en", Status: "published", Category: "refund"},
	{Title: "My parcel is lost or stuck", Body: "If tracking has not moved for two days, or says delivered but nothing came, press \"Not received\" on the case page.\n\nThe platform checks with the carrier and reships or refunds.", Language: "en", Status: "published", Category: "logistics"},
}

// deskReplies are the platform desk's first canned replies.
var deskReplies = []app.ReplyInput{
	{Title: app.Text{ZH: "已收到申请", EN: "Application received"}, Shortcut: "received",
		Body: app.Text{ZH: "{{customer_name}} 您好,您的售后单 {{rma}} 已收到,我们会在 {{deadline}} 前处理,请留意消息。", EN: "Hello {{customer_name}}, we have your case {{rma}} and will handle it by {{deadline}}."}},
	{Title: app.Text{ZH: "退款说明", EN: "Refund on its way"}, Shortcut: "refund",
		Body: app.Text{ZH: "您好,售后单 {{rma}} 的退款 {{refund_amount}} 已发起,原路退回一般 1–3 个工作日到账。", EN: "Hello, the refund of {{refund_amount}} for case {{rma}} is on its way; it usually arrives within 1–3 business days."}},
	{Title: app.Text{ZH: "请补充照片", EN: "Please add photos"}, Shortcut: "photos",
		Body: app.Text{ZH: "您好,为尽快处理售后单 {{rma}},请上传商品问题部位的照片(含外包装)。", EN: "Hello, to handle case {{rma}} quickly, please upload photos of the problem and the packaging."}},
}

// SeedDesk sets up the service desk of a seeded store once (when no assignment rules
// were saved): the rules (the agent's queue, the supervisor's escalations, assignment on
// creation), the help centre's articles, canned replies, owners for the open cases, the
// customers' ratings of completed cases (a low one opens a follow-up) and a first
// quality-review sample. agent and supervisor act as the demo's staff accounts.
func SeedDesk(ctx context.Context, a *app.App, agent, supervisor, agentName, supervisorName string) (DeskSummary, error) {
	var sum DeskSummary
	user := func(role app.Role, id string) app.Principal { return app.Principal{Role: role, ID: id, User: id} }
	sup, ag := user(app.RoleSupervisor, supervisor), user(app.RoleAgent, agent)
	cur, err := a.DeskRules(ctx, sup)
	if err != nil || cur.Version > 0 {
		return sum, err
	}
	rules := desk.Defaults()
	rules.AutoAssign = true
	rules.Groups = []desk.Group{
		{Code: "general", Name: desk.Text{ZH: "售后一组", EN: "Desk 1"}, Strategy: desk.LeastLoad, Members: []string{agentName}},
		{Code: "escalations", Name: desk.Text{ZH: "主管组", EN: "Supervisors"}, Strategy: desk.Manual, Members: []string{supervisorName}, Kinds: []string{"complaint"}},
	}
	if _, err := a.SaveDeskRules(ctx, sup, rules); err != nil {
		return sum, fmt.Errorf("desk rules: %w", err)
	}
	for _, in := range deskArticles {
		if _, err := a.CreateArticle(ctx, sup, in); err != nil {
			return sum, fmt.Errorf("article %q: %w", in.Title, err)
		}
		sum.Articles++
	}
	for _, in := range deskReplies {
		if _, err := a.CreateReply(ctx, sup, in); err != nil {
			return sum, fmt.Errorf("reply %q: %w", in.Title.EN, err)
		}
		sum.Replies++
	}
	// The agent takes the open cases with the soonest deadlines, up to the cap.
	q, err := a.Queue(ctx, ag, app.QueueInput{Assignee: "unassigned", Limit: 12})
	if err != nil {
		return sum, err
	}
	fresh, err := a.ListCases(ctx, ag, app.ListInput{States: []aftersale.State{aftersale.Requested}, Assignee: "unassigned", Limit: 3})
	if err != nil {
		return sum, err
	}
	q.Items = append(fresh.Items, q.Items...)
	withdrawn := 0
	for _, c := range q.Items {
		rep, err := a.Act(ctx, ag, c.ID, app.ActInput{Action: aftersale.TakeOwner, Version: c.Version}, nil)
		if err != nil {
			continue
		}
		sum.Assigned++
		// A few customers withdraw while the agent holds their case: ended cases of the
		// agent's for the quality review. Not the one who reported smoke (risk.go).
		if v := rep.Value; v != nil && withdrawn < 3 && v.State == aftersale.Requested && v.Priority != aftersale.PriorityUrgent {
			if _, err := a.Act(ctx, customer(v.Customer), v.ID, app.ActInput{Action: aftersale.Cancel, Version: v.Version, Note: "不需要了 / no longer needed"}, nil); err == nil {
				withdrawn++
			}
		}
	}
	// Customers rate some completed cases: most are content, every fifth is not.
	done, err := a.ListCases(ctx, sup, app.ListInput{States: []aftersale.State{aftersale.Completed}, Limit: 25})
	if err != nil {
		return sum, err
	}
	for i, c := range done.Items {
		s := desk.Survey{Attitude: 5, Speed: 4, Result: 5, Comment: "处理很快,谢谢"}
		if i%5 == 4 {
			s = desk.Survey{Attitude: 3, Speed: 2, Result: 3, Comment: "退款等了好几天"}
		}
		rep, err := a.SubmitSurvey(ctx, customer(c.Customer), c.ID, s, nil)
		if err != nil {
			continue // a customer who came by one shop's link only, or rated already
		}
		sum.Surveys++
		if rep.Value != nil && rep.Value.FollowUp != "" {
			sum.FollowUps++
		}
	}
	if l, err := a.SampleReviews(ctx, sup, app.SampleInput{Rule: "random", Count: 5, Seed: 2026}); err == nil {
		sum.Reviews = len(l.Reviews)
	}
	return sum, nil
}
