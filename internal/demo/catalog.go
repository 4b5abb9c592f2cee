package demo

import (
	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
)

// shop is a demo merchant: what it sells, how it ships, and what its customers come back
// with.
type shop struct {
	Code     string
	Name     string
	Category string // main category
	Prefix   string // of its SKU codes
	Share    int    // share of all orders, in percent
	CaseRate int    // orders with an after-sales application, in percent
	COD      int    // orders paid cash on delivery, in percent
	Insured  int    // orders with freight insurance (运费险), in percent
	FreeOver int64  // free shipping from this order amount (分)
	Postage  int64  // shipping fee below it
	ShipHrs  [2]int // paid → shipped
	TransHrs [2]int // shipped → signed for
	SKUs     []sku
	Gift     *sku // a gift that comes with some of its goods
	Wants    []want
}

// sku is a product variant.
type sku struct {
	Code       string
	Title      string
	Category   string
	Price      int64 // 分
	Tags       []string
	Repairable bool // worth sending back for repair
	Multi      bool // often bought two or three at a time
	GiftWith   bool // comes with the shop's gift
}

func (s *sku) perishable() bool {
	for _, t := range s.Tags {
		if t == order.TagPerishable {
			return true
		}
	}
	return false
}

// timing says when an application is made, relative to the order.
type timing int

const (
	afterDelivery     timing = iota // Lo–Hi days after signing for the goods
	beforeShipping                  // within hours of paying, before the goods leave
	parcelLost                      // the parcel never arrives; Lo–Hi days after shipping
	signedNotReceived               // signed for by someone else; Lo–Hi days after "delivery"
)

// want is one kind of application a shop's customers make, with its weight in the shop's
// mix. Some are refused by the policy on purpose (a no-reason return of custom-made or
// fresh goods, a late one): customers try, the platform explains.
type want struct {
	W        int
	Type     aftersale.Type
	Reason   aftersale.Reason
	When     timing
	Lo, Hi   float64 // days
	Evidence bool
	Item     func(*sku) bool // which lines qualify; nil: any line but gifts
	Ask      [2]int          // compensation: percent of what was paid
	Desc     []string
	// Then is what the customer tries after a refusal (nil: gives up); ThenPct is how often.
	Then    *want
	ThenPct int
}

func repairable(s *sku) bool    { return s.Repairable }
func notPerishable(s *sku) bool { return !s.perishable() }

var perishable = []string{order.TagPerishable}
var custom = []string{order.TagCustomMade}

// shops are the demo merchants. Codes are pinyin slugs of the shop names.
var shops = []*shop{
	{
		Code: "yichu-fashion", Name: "杭州衣橱女装旗舰店", Category: "服装", Prefix: "YC",
		Share: 30, CaseRate: 30, COD: 10, Insured: 55, FreeOver: 5900, Postage: 600,
		ShipHrs: [2]int{20, 48}, TransHrs: [2]int{24, 96},
		SKUs: []sku{
			{Code: "YC1001-M", Title: "法式碎花雪纺连衣裙 浅蓝 M", Category: "连衣裙", Price: 23900},
			{Code: "YC1001-L", Title: "法式碎花雪纺连衣裙 浅蓝 L", Category: "连衣裙", Price: 23900},
			{Code: "YC1002-27", Title: "高腰直筒牛仔裤 复古蓝 27码", Category: "牛仔裤", Price: 17900},
			{Code: "YC1002-28", Title: "高腰直筒牛仔裤 复古蓝 28码", Category: "牛仔裤", Price: 17900},
			{Code: "YC1003-WM", Title: "纯棉圆领短袖T恤 白色 M", Category: "T恤", Price: 6900, Multi: true},
			{Code: "YC1003-BL", Title: "纯棉圆领短袖T恤 黑色 L", Category: "T恤", Price: 6900, Multi: true},
			{Code: "YC1004-41", Title: "男士商务免烫长袖衬衫 白色 41", Category: "衬衫", Price: 19900},
			{Code: "YC1004-42", Title: "男士商务免烫长袖衬衫 浅蓝 42", Category: "衬衫", Price: 19900},
			{Code: "YC1005-M", Title: "轻薄白鸭绒羽绒服 女款 米白 M", Category: "羽绒服", Price: 69900},
			{Code: "YC1006-XL", Title: "连帽保暖羽绒服 男款 黑色 XL", Category: "羽绒服", Price: 89900},
			{Code: "YC1007-M", Title: "双面羊绒大衣 驼色 M", Category: "大衣", Price: 129900},
			{Code: "YC1008-F", Title: "宽松针织开衫 燕麦色 均码", Category: "针织衫", Price: 25900},
			{Code: "YC1009-L", Title: "加绒连帽卫衣 烟灰色 L", Category: "卫衣", Price: 15900},
			{Code: "YC1010-L", Title: "运动休闲束脚卫裤 黑色 L", Category: "裤装", Price: 12900},
			{Code: "YC1011-M", Title: "垂感冰丝阔腿裤 黑色 M", Category: "裤装", Price: 11900},
			{Code: "YC1012-5P", Title: "纯棉船袜 5双装 混色", Category: "袜子", Price: 2990, Multi: true},
			{Code: "YC1013-SQ", Title: "真丝印花小方巾 53cm", Category: "配饰", Price: 15900},
			{Code: "YC1014-120", Title: "儿童加厚连帽棉服 粉色 120cm", Category: "童装", Price: 22900},
			{Code: "YC1015-F", Title: "高领修身打底毛衣 黑色 均码", Category: "针织衫", Price: 13900},
			{Code: "YC1016-L", Title: "复古工装夹克 军绿 L", Category: "外套", Price: 34900},
		},
		Wants: []want{
			{W: 30, Type: aftersale.ReturnRefund, Reason: aftersale.SizeFit, Lo: 1, Hi: 5, Desc: []string{
				"尺码偏小,穿着太紧", "平时穿M码,这件M码偏大很多", "裤长不合适,退货", "肩宽太窄,穿不上"}},
			{W: 20, Type: aftersale.Exchange, Reason: aftersale.SizeFit, Lo: 1, Hi: 5, Desc: []string{
				"想换大一码", "偏大,换小一码,麻烦尽快发货", "换成L码"}},
			{W: 18, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 1, Hi: 6, Desc: []string{
				"七天无理由退货,吊牌未拆", "颜色和想象的不一样,不想要了", "上身效果不好"}},
			{W: 7, Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Lo: 1, Hi: 6, Evidence: true, Desc: []string{
				"袖口开线", "洗了一次就严重起球", "拉链拉不上", "衣服上有一个小洞"}},
			{W: 6, Type: aftersale.ReturnRefund, Reason: aftersale.NotAsDescribed, Lo: 1, Hi: 5, Evidence: true, Desc: []string{
				"实物颜色与图片色差太大", "面料不是描述中的纯棉"}},
			{W: 5, Type: aftersale.ReturnRefund, Reason: aftersale.ChangedMind, Lo: 1, Hi: 6, Desc: []string{"买多了,不想要了"}},
			{W: 6, Type: aftersale.RefundOnly, Reason: aftersale.ChangedMind, When: beforeShipping, Desc: []string{
				"拍错尺码了,重新下单", "不想要了,请不要发货", "地址填错了,重新拍"}},
			{W: 3, Type: aftersale.Exchange, Reason: aftersale.QualityDefect, Lo: 1, Hi: 10, Evidence: true, Desc: []string{
				"衣服前襟有污渍,要求换新", "纽扣脱落,换一件"}},
			{W: 3, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 8, Hi: 14, Desc: []string{
				"穿了一次不太喜欢,申请退货"}},
			{W: 2, Type: aftersale.Compensation, Reason: aftersale.QualityDefect, Lo: 2, Hi: 10, Evidence: true, Ask: [2]int{10, 30}, Desc: []string{
				"掉了一颗纽扣,自己缝好了,希望补偿一点"}},
		},
	},
	{
		Code: "jike-digital", Name: "极客数码专营店", Category: "数码", Prefix: "JK",
		Share: 22, CaseRate: 14, COD: 12, Insured: 25, FreeOver: 0, Postage: 0,
		ShipHrs: [2]int{18, 40}, TransHrs: [2]int{20, 72},
		Gift: &sku{Code: "JK9001-GIFT", Title: "耳机收纳包(赠品)", Category: "配件", Price: 0, Tags: []string{order.TagGift}},
		SKUs: []sku{
			{Code: "JK2001-W", Title: "主动降噪真无线蓝牙耳机 Pro 白色", Category: "耳机", Price: 89900, Repairable: true, GiftWith: true},
			{Code: "JK2002-B", Title: "头戴式降噪蓝牙耳机 曜石黑", Category: "耳机", Price: 129900, Repairable: true, GiftWith: true},
			{Code: "JK2003", Title: "20000mAh 快充移动电源", Category: "充电宝", Price: 14900, Repairable: true},
			{Code: "JK2004", Title: "65W 氮化镓三口充电器", Category: "充电器", Price: 16900, Repairable: true},
			{Code: "JK2005", Title: "USB-C 快充数据线 1.5m 两条装", Category: "数据线", Price: 3900, Multi: true},
			{Code: "JK2006-B", Title: "智能运动手表 GPS版 黑色", Category: "智能穿戴", Price: 119900, Repairable: true},
			{Code: "JK2007", Title: "智能手环7 标准版", Category: "智能穿戴", Price: 24900, Repairable: true},
			{Code: "JK2008", Title: "便携防水蓝牙音箱", Category: "音箱", Price: 39900, Repairable: true},
			{Code: "JK2009", Title: "87键机械键盘 茶轴", Category: "电脑外设", Price: 45900, Repairable: true},
			{Code: "JK2010", Title: "无线静音鼠标 深空灰", Category: "电脑外设", Price: 9900},
			{Code: "JK2011", Title: "11英寸平板电脑保护壳", Category: "配件", Price: 6900},
			{Code: "JK2012", Title: "手机钢化膜 两片装", Category: "配件", Price: 2900, Multi: true},
			{Code: "JK2013", Title: "1080P 高清网络摄像头", Category: "电脑外设", Price: 25900, Repairable: true},
			{Code: "JK2014", Title: "128GB 高速U盘", Category: "存储", Price: 8900},
			{Code: "JK2015", Title: "1TB 移动固态硬盘", Category: "存储", Price: 59900, Repairable: true},
			{Code: "JK2016", Title: "7英寸墨水屏电子阅读器", Category: "电子书", Price: 109900, Repairable: true},
			{Code: "JK2017", Title: "15W 桌面无线充电座", Category: "充电器", Price: 12900, Repairable: true},
			{Code: "JK2018", Title: "无线游戏手柄", Category: "游戏配件", Price: 29900, Repairable: true},
		},
		Wants: []want{
			{W: 20, Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Lo: 1, Hi: 6, Evidence: true, Desc: []string{
				"耳机左耳没有声音", "充电宝充不进电", "开机后屏幕一直闪烁", "键盘有几个键失灵"}},
			{W: 15, Type: aftersale.Exchange, Reason: aftersale.QualityDefect, Lo: 2, Hi: 14, Evidence: true, Desc: []string{
				"蓝牙频繁断连,申请换新", "按键失灵,换一个", "充电口接触不良"}},
			{W: 18, Type: aftersale.Repair, Reason: aftersale.QualityDefect, Lo: 10, Hi: 80, Evidence: true, Item: repairable, Desc: []string{
				"用了一个多月无法充电", "降噪功能失效", "屏幕出现坏点", "表带连接处断裂", "读写速度明显变慢,经常断开"}},
			{W: 16, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 1, Hi: 6, Desc: []string{
				"七天无理由,包装完好未激活", "买了之后发现用不上"}},
			{W: 8, Type: aftersale.Reship, Reason: aftersale.MissingParts, Lo: 0.2, Hi: 3, Desc: []string{
				"盒子里没有充电线", "少发了一条数据线", "缺少说明书和保修卡"}},
			{W: 5, Type: aftersale.Compensation, Reason: aftersale.PriceProtection, Lo: 1, Hi: 14, Ask: [2]int{5, 15}, Desc: []string{
				"签收后一周降价了,申请价保补差价"}},
			{W: 5, Type: aftersale.RefundOnly, Reason: aftersale.ChangedMind, When: beforeShipping, Desc: []string{
				"已在其他店铺购买,申请退款", "型号拍错了"}},
			{W: 3, Type: aftersale.RefundOnly, Reason: aftersale.LostParcel, When: parcelLost, Lo: 5, Hi: 9, Desc: []string{
				"物流一周没有更新,快递丢件"}},
			{W: 2, Type: aftersale.Reship, Reason: aftersale.LostParcel, When: parcelLost, Lo: 5, Hi: 9, Desc: []string{
				"快递确认丢件,请重新发货"}},
			{W: 2, Type: aftersale.RefundOnly, Reason: aftersale.AbnormalSignoff, When: signedNotReceived, Lo: 0.2, Hi: 2, Desc: []string{
				"物流显示已签收,但本人没有收到", "快递放在驿站被人冒领了"}},
			{W: 3, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 9, Hi: 15, Desc: []string{
				"不太好用,想退掉"}},
			{W: 3, Type: aftersale.ReturnRefund, Reason: aftersale.WrongItem, Lo: 1, Hi: 5, Desc: []string{
				"发来的是黑色,我买的是白色", "型号发错了"}},
		},
	},
	{
		Code: "xianfeng-fresh", Name: "鲜丰农场生鲜馆", Category: "生鲜", Prefix: "XF",
		Share: 18, CaseRate: 16, COD: 0, Insured: 8, FreeOver: 9900, Postage: 1500,
		ShipHrs: [2]int{4, 20}, TransHrs: [2]int{12, 40},
		SKUs: []sku{
			{Code: "XF3001", Title: "阳澄湖大闸蟹 公4.0两 母3.0两 8只礼盒", Category: "海鲜水产", Price: 39800, Tags: perishable},
			{Code: "XF3002", Title: "智利车厘子 JJ级 2斤装", Category: "水果", Price: 13900, Tags: perishable},
			{Code: "XF3003", Title: "新西兰阳光金果奇异果 22个装", Category: "水果", Price: 16900, Tags: perishable},
			{Code: "XF3004", Title: "丹东99红颜草莓 3斤装", Category: "水果", Price: 12900, Tags: perishable},
			{Code: "XF3005", Title: "挪威冰鲜三文鱼中段 500g", Category: "海鲜水产", Price: 15800, Tags: perishable},
			{Code: "XF3006", Title: "澳洲谷饲眼肉牛排 5片装", Category: "肉类", Price: 19800, Tags: perishable},
			{Code: "XF3007", Title: "黑猪五花肉 1kg", Category: "肉类", Price: 8900, Tags: perishable},
			{Code: "XF3008", Title: "鲜活基围虾 500g", Category: "海鲜水产", Price: 7900, Tags: perishable},
			{Code: "XF3009", Title: "有机蔬菜组合 5斤装", Category: "蔬菜", Price: 6900, Tags: perishable, Multi: true},
			{Code: "XF3010", Title: "散养土鸡蛋 30枚", Category: "蛋品", Price: 4900, Tags: perishable, Multi: true},
			{Code: "XF3011", Title: "赣南脐橙 10斤装", Category: "水果", Price: 7900, Tags: perishable, Multi: true},
			{Code: "XF3012", Title: "海南贵妃芒 5斤装", Category: "水果", Price: 6900, Tags: perishable},
			{Code: "XF3013", Title: "低温鲜牛奶 950ml×2", Category: "乳品", Price: 3200, Tags: perishable, Multi: true},
			{Code: "XF3014", Title: "每日坚果 30袋装", Category: "坚果零食", Price: 12900},
			{Code: "XF3015", Title: "五常稻花香大米 5kg", Category: "粮油", Price: 8900},
		},
		Wants: []want{
			{W: 25, Type: aftersale.Compensation, Reason: aftersale.DamagedInTransit, Lo: 0.1, Hi: 1, Evidence: true, Ask: [2]int{20, 50}, Desc: []string{
				"收到时有三只螃蟹已经死了", "车厘子压坏了很多", "草莓有一半压烂了", "泡沫箱破了,冰袋全化了"}},
			{W: 14, Type: aftersale.Reship, Reason: aftersale.DamagedInTransit, Lo: 0.1, Hi: 1, Evidence: true, Desc: []string{
				"泡沫箱破损,牛排包装漏气", "鸡蛋碎了十几个", "牛奶盒压破漏了"}},
			{W: 10, Type: aftersale.Reship, Reason: aftersale.MissingParts, Lo: 0.1, Hi: 2, Desc: []string{
				"少发了一盒", "礼盒里少了两只蟹", "订单两份只收到一份"}},
			{W: 12, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 0.2, Hi: 3, Desc: []string{
				"不想要了,七天无理由退货"}, ThenPct: 40,
				Then: &want{Type: aftersale.Compensation, Reason: aftersale.QualityDefect, Evidence: true, Ask: [2]int{20, 40}, Desc: []string{
					"水果口感很差,不新鲜", "有几个已经坏了"}}},
			{W: 10, Type: aftersale.RefundOnly, Reason: aftersale.OutOfStock, When: beforeShipping, Desc: []string{
				"客服通知缺货,申请退款"}},
			{W: 8, Type: aftersale.RefundOnly, Reason: aftersale.ChangedMind, When: beforeShipping, Desc: []string{
				"买重复了,取消一单", "临时出差,收不了货"}},
			{W: 8, Type: aftersale.Compensation, Reason: aftersale.QualityDefect, Lo: 0.1, Hi: 2, Evidence: true, Ask: [2]int{20, 50}, Desc: []string{
				"芒果有几个已经坏了", "橙子有好几个发霉了"}},
			{W: 6, Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Lo: 0.5, Hi: 5, Evidence: true, Item: notPerishable, Desc: []string{
				"大米里有虫", "坚果有哈喇味,疑似过期"}},
			{W: 4, Type: aftersale.RefundOnly, Reason: aftersale.NotReceived, When: parcelLost, Lo: 3, Hi: 6, Desc: []string{
				"冷链配送超时,一直没收到货"}},
		},
	},
	{
		Code: "jiangxin-custom", Name: "匠心定制工坊", Category: "定制", Prefix: "JX",
		Share: 8, CaseRate: 12, COD: 10, Insured: 20, FreeOver: 0, Postage: 0,
		ShipHrs: [2]int{72, 144}, TransHrs: [2]int{24, 96},
		SKUs: []sku{
			{Code: "JX4001", Title: "定制刻字钢笔 礼盒装", Category: "定制文具", Price: 26800, Tags: custom, Repairable: true},
			{Code: "JX4002", Title: "定制照片抱枕 45cm", Category: "定制家纺", Price: 7900, Tags: custom},
			{Code: "JX4003", Title: "定制头层牛皮钱包 烫印姓名", Category: "定制皮具", Price: 35800, Tags: custom, Repairable: true},
			{Code: "JX4004", Title: "定制刻字925银手链", Category: "定制饰品", Price: 29900, Tags: custom, Repairable: true},
			{Code: "JX4005", Title: "定制情侣对戒 内圈刻字", Category: "定制饰品", Price: 52000, Tags: custom, Repairable: true},
			{Code: "JX4006", Title: "定制印花T恤 团体款", Category: "定制服装", Price: 5900, Tags: custom, Multi: true},
			{Code: "JX4007", Title: "定制宠物肖像油画 40×50cm", Category: "定制装饰", Price: 39900, Tags: custom},
			{Code: "JX4008", Title: "定制实木相框 刻字款", Category: "定制装饰", Price: 12900, Tags: custom},
			{Code: "JX4009", Title: "定制真皮钥匙扣 刻字", Category: "定制皮具", Price: 6900, Tags: custom, Repairable: true},
			{Code: "JX4010", Title: "定制手绘帆布包", Category: "定制箱包", Price: 18900, Tags: custom, Repairable: true},
			{Code: "JX4011", Title: "定制照片陶瓷马克杯", Category: "定制餐具", Price: 4900, Tags: custom, Multi: true},
			{Code: "JX4012", Title: "定制实木名片盒 激光刻字", Category: "定制文具", Price: 9900, Tags: custom},
		},
		Wants: []want{
			{W: 25, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 1, Hi: 6, Desc: []string{
				"不喜欢,七天无理由退货", "送礼对象不需要了"}, ThenPct: 30,
				Then: &want{Type: aftersale.Compensation, Reason: aftersale.NotAsDescribed, Evidence: true, Ask: [2]int{10, 25}, Desc: []string{
					"刻字字体和预览不一致"}}},
			{W: 25, Type: aftersale.Repair, Reason: aftersale.QualityDefect, Lo: 5, Hi: 80, Evidence: true, Item: repairable, Desc: []string{
				"钢笔出水不畅", "钱包缝线开裂", "手链搭扣松了", "戒指刻字磨损", "帆布包肩带脱线"}},
			{W: 12, Type: aftersale.Exchange, Reason: aftersale.WrongItem, Lo: 1, Hi: 7, Evidence: true, Desc: []string{
				"刻字内容刻错了,要求重做", "照片印反了"}},
			{W: 10, Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Lo: 1, Hi: 6, Evidence: true, Desc: []string{
				"相框玻璃碎裂", "油画颜料脱落"}},
			{W: 10, Type: aftersale.Compensation, Reason: aftersale.NotAsDescribed, Lo: 1, Hi: 10, Evidence: true, Ask: [2]int{10, 30}, Desc: []string{
				"照片印刷偏色", "刻字位置偏了"}},
			{W: 10, Type: aftersale.RefundOnly, Reason: aftersale.ChangedMind, When: beforeShipping, Desc: []string{
				"还没开始制作,申请取消订单"}},
			{W: 8, Type: aftersale.ReturnRefund, Reason: aftersale.ChangedMind, Lo: 1, Hi: 6, Desc: []string{
				"买多了,想退一个"}},
		},
	},
	{
		Code: "yueju-home", Name: "悦居家居生活馆", Category: "家居", Prefix: "YJ",
		Share: 22, CaseRate: 13, COD: 14, Insured: 30, FreeOver: 9900, Postage: 800,
		ShipHrs: [2]int{20, 48}, TransHrs: [2]int{24, 96},
		SKUs: []sku{
			{Code: "YJ5001", Title: "60支长绒棉四件套 1.8m床 雾霾蓝", Category: "床上用品", Price: 39900},
			{Code: "YJ5002", Title: "泰国天然乳胶枕 一对装", Category: "床上用品", Price: 25900},
			{Code: "YJ5003", Title: "大豆纤维冬被 200×230cm", Category: "床上用品", Price: 32900},
			{Code: "YJ5004", Title: "可叠加透明收纳箱 3个装", Category: "收纳", Price: 8900},
			{Code: "YJ5005", Title: "316不锈钢保温杯 500ml", Category: "杯壶", Price: 12900, Multi: true},
			{Code: "YJ5006", Title: "麦饭石不粘炒锅 32cm", Category: "厨具", Price: 19900},
			{Code: "YJ5007", Title: "4.5L 可视空气炸锅", Category: "厨房电器", Price: 39900, Repairable: true},
			{Code: "YJ5008", Title: "1.7L 恒温电热水壶", Category: "厨房电器", Price: 14900, Repairable: true},
			{Code: "YJ5009", Title: "护眼LED台灯 全光谱", Category: "灯具", Price: 18900, Repairable: true},
			{Code: "YJ5010", Title: "无线手持吸尘器", Category: "清洁电器", Price: 89900, Repairable: true},
			{Code: "YJ5011", Title: "珊瑚绒浴巾 2条装", Category: "浴室用品", Price: 7900, Multi: true},
			{Code: "YJ5012", Title: "北欧风陶瓷餐具 16件套", Category: "餐具", Price: 25900},
			{Code: "YJ5013", Title: "整木乌檀砧板", Category: "厨具", Price: 6900},
			{Code: "YJ5014", Title: "香薰加湿器 静音款", Category: "生活电器", Price: 15900, Repairable: true},
			{Code: "YJ5015", Title: "记忆棉办公坐垫", Category: "家居软装", Price: 8900},
			{Code: "YJ5016", Title: "全遮光窗帘 1.5×2.7m 单片", Category: "家居软装", Price: 13900, Multi: true},
			{Code: "YJ5017", Title: "多功能破壁料理机", Category: "厨房电器", Price: 59900, Repairable: true},
			{Code: "YJ5018", Title: "落地折叠晾衣架", Category: "收纳", Price: 11900},
		},
		Wants: []want{
			{W: 22, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Lo: 1, Hi: 6, Desc: []string{
				"七天无理由退货,未拆封", "和家里装修风格不搭"}},
			{W: 14, Type: aftersale.ReturnRefund, Reason: aftersale.QualityDefect, Lo: 1, Hi: 6, Evidence: true, Desc: []string{
				"锅底涂层脱落", "保温杯不保温", "台灯频闪"}},
			{W: 10, Type: aftersale.Exchange, Reason: aftersale.DamagedInTransit, Lo: 0.2, Hi: 3, Evidence: true, Desc: []string{
				"收到时餐具碎了两个,申请换新", "外箱破损,水壶底座摔裂"}},
			{W: 12, Type: aftersale.Repair, Reason: aftersale.QualityDefect, Lo: 10, Hi: 80, Evidence: true, Item: repairable, Desc: []string{
				"空气炸锅加热管不工作", "吸尘器吸力明显变小", "加湿器不出雾", "料理机电机异响"}},
			{W: 10, Type: aftersale.Reship, Reason: aftersale.MissingParts, Lo: 0.2, Hi: 3, Desc: []string{
				"吸尘器少了一个刷头", "少发了一个收纳箱", "窗帘挂钩没有发"}},
			{W: 10, Type: aftersale.Compensation, Reason: aftersale.DamagedInTransit, Lo: 0.2, Hi: 3, Evidence: true, Ask: [2]int{10, 30}, Desc: []string{
				"外包装破损,台灯底座有划痕,可以接受补偿"}},
			{W: 8, Type: aftersale.RefundOnly, Reason: aftersale.ChangedMind, When: beforeShipping, Desc: []string{
				"拍错颜色了", "不需要了,请取消"}},
			{W: 8, Type: aftersale.ReturnRefund, Reason: aftersale.ChangedMind, Lo: 1, Hi: 6, Desc: []string{
				"家里已经有了"}},
			{W: 3, Type: aftersale.ReturnRefund, Reason: aftersale.SizeFit, Lo: 1, Hi: 6, Desc: []string{
				"窗帘尺寸量错了"}},
			{W: 3, Type: aftersale.RefundOnly, Reason: aftersale.AbnormalSignoff, When: signedNotReceived, Lo: 0.2, Hi: 2, Desc: []string{
				"显示已签收但没有收到货"}},
		},
	},
}

func shopByCode(code string) *shop {
	for _, s := range shops {
		if s.Code == code {
			return s
		}
	}
	return nil
}

// customPolicy is the custom-made shop's own layer: custom goods are repaired free for 30
// days after receipt and by paid quote after that (the shop's after-sales notice). Custom
// goods are not under 三包, so the platform's one-year repair windows give way to it.
const customPolicy = `schema: aftersales.policy/v1
id: jiangxin-custom
version: 1
layer: merchant
merchant: jiangxin-custom
name: {zh: 匠心定制工坊售后说明, en: Jiangxin Custom Workshop after-sales terms}
source: 店铺售后说明(演示数据)
disable: [warranty_repair, repair_1y]
windows:
  - id: custom_repair_30d
    name: {zh: 定制商品签收后30天内免费维修, en: free repair within 30 days of receipt}
    types: [repair]
    reasons: [quality_defect]
    from: signed
    length: 30d
    source: 店铺售后说明:定制商品保修30天,逾期提供有偿维修
repair: {out_of_warranty: paid}
`
