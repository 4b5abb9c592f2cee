package demo

import "github.com/aftersales/aftersales/internal/aftersale"

// What people write when they act. Merchant staff write to the customer, customers to the
// shop, supervisors to both.

var approveNotes = map[aftersale.Type][]string{
	aftersale.RefundOnly:   {"同意退款", "已核实,同意退款"},
	aftersale.ReturnRefund: {"同意退货,请在7天内寄回,勿寄到付", "已同意,请按售后地址寄回,包裹内附上订单号"},
	aftersale.Exchange:     {"同意换货,请先寄回原商品", "已同意,收到退回商品后24小时内发出新品"},
	aftersale.Repair:       {"同意维修,请将商品连同配件寄回", "请寄回检测,我们收到后尽快处理"},
	aftersale.Reship:       {"核实无误,马上为您补发", "抱歉给您带来不便,今天安排补发"},
	aftersale.Compensation: {"同意按您的申请金额补偿"},
}

var rejectNotes = map[aftersale.Reason][]string{
	aftersale.SizeFit:          {"商品吊牌已剪,影响二次销售,无法退换"},
	aftersale.NoReason:         {"商品已下水洗涤,不符合七天无理由退货条件", "商品已激活使用,影响二次销售"},
	aftersale.ChangedMind:      {"商品已拆封使用,影响二次销售", "商品吊牌已剪,影响二次销售"},
	aftersale.QualityDefect:    {"经核实为正常使用磨损,不属于质量问题", "照片看不出质量问题,请补充清晰照片后再次申请"},
	aftersale.NotAsDescribed:   {"商品详情页已注明可能存在轻微色差"},
	aftersale.DamagedInTransit: {"签收时未反馈破损,照片无法认定为运输损坏"},
	aftersale.WrongItem:        {"核对发货记录与订单一致,请确认收到的商品"},
	aftersale.AbnormalSignoff:  {"快递签收记录显示为本人签收,请先联系快递核实"},
	aftersale.LostParcel:       {"物流显示仍在派送中,请再耐心等待两天"},
	aftersale.NotReceived:      {"物流显示仍在派送中,请再耐心等待两天"},
}

var defaultReject = []string{"经核实不符合售后条件"}

var infoNotes = []string{
	"请补充商品问题部位的清晰照片", "请提供开箱视频或外包装照片", "请补充吊牌和包装的照片",
	"请说明具体故障现象并上传视频",
}

var provideNotes = []string{"已补充照片,请查看", "已上传开箱视频", "补充说明:第一次使用就出现了这个问题"}

var reapplyNotes = []string{"已补充凭证,请重新审核", "吊牌没有剪,照片已补充", "商品未使用,包装完好,请再次审核"}

var escalateNotes = map[aftersale.State][]string{
	aftersale.Rejected:         {"商家拒绝了我的申请,但商品确有问题,申请平台介入", "商家拒绝理由不成立,请平台处理"},
	aftersale.InspectionFailed: {"商品寄回时完好无损,商家验货结果不属实", "寄回前拍了照片,商品没有使用痕迹"},
	aftersale.Offered:          {"补偿金额太低,申请平台处理"},
	aftersale.Resolved:         {"换回来的商品还是有问题", "补发的商品也有破损"},
	aftersale.Repairing:        {"维修时间太长,一直没有进展,申请平台介入"},
	aftersale.RepairChoice:     {"维修多次仍未解决,申请平台介入"},
}

var cancelNotes = []string{"问题已解决,撤销申请", "不退了,自己留着用", "和商家协商好了"}

var rulingFor = []string{
	"经平台核实,买家提供的凭证可以证明商品存在问题,支持买家诉求",
	"商家未在规定时间内提供有效证据,支持买家申请",
}

var rulingAgainst = []string{
	"经平台核实,商家处理符合平台规则,驳回买家申请",
	"买家提供的凭证不足以证明商品存在问题,维持商家处理结果",
}

var inspectionFailNotes = []string{
	"退回商品有明显使用痕迹,吊牌已拆", "退回商品与发出商品序列号不一致", "缺少原包装及配件",
	"退回商品有污渍,影响二次销售",
}

var repairDoneNotes = []string{"已更换电池,测试正常后寄回", "已更换主板,功能恢复正常", "已重新缝线加固", "已更换五金配件"}

var repairFailedNotes = []string{"更换配件后故障依旧,需要再次检修", "维修后测试仍无法正常使用"}

var reshipNotes = []string{"已补发,请注意查收", "已重新发货,给您添麻烦了"}

var exchangeNotes = []string{"换新商品已发出", "已按新尺码发出,请注意查收"}

var confirmNotes = []string{"", "", "问题已解决,谢谢", "收到了,满意"}

var quoteAnswers = map[aftersale.Action][]string{
	aftersale.AcceptQuote:  {"同意维修费用,请尽快修好"},
	aftersale.DeclineQuote: {"维修费太贵了,不修了,请寄回"},
}

var offerAnswers = map[aftersale.Action][]string{
	aftersale.AcceptOffer:  {"可以,接受补偿", ""},
	aftersale.DeclineOffer: {"补偿太少了,希望再多一点"},
}

var choiceNotes = map[aftersale.Action][]string{
	aftersale.ChooseExchange: {"修了两次都没修好,换一台新的"},
	aftersale.ChooseReturn:   {"不想再折腾了,退货退款"},
}
