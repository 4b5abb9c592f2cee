package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// person is a demo customer. Names, phone numbers and addresses are invented: the
// provinces, cities and districts are real, the streets, compounds and numbers are drawn
// from common words.
type person struct {
	ID      string
	Name    string
	Phone   string
	Address string
}

var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
	"林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
	"潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔",
	"钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊", "秦", "邱",
	"江", "尹", "薛", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱",
	"欧阳", "司马", "上官",
}

var givenChars = []string{
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
	"霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "鹏", "辉", "建", "文", "斌", "宇", "浩", "凯", "婷",
	"雪", "琳", "晨", "欣", "怡", "佳", "梓", "涵", "子", "轩", "宁", "悦", "思", "雨", "嘉", "博", "昊", "然",
	"若", "彤", "晓", "俊", "慧", "颖", "倩", "蕾", "睿", "泽", "一", "诺", "安", "瑶", "航", "峰", "志", "鑫",
}

var phonePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
	"156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "185",
	"186", "187", "188", "189", "191", "195", "198", "199",
}

// place is a province, a city in it and some of its districts.
type place struct {
	Province, City string
	Districts      []string
}

var places = []place{
	{"北京市", "北京市", []string{"朝阳区", "海淀区", "丰台区", "东城区", "西城区", "通州区", "昌平区"}},
	{"上海市", "上海市", []string{"浦东新区", "徐汇区", "静安区", "长宁区", "闵行区", "杨浦区", "宝山区"}},
	{"天津市", "天津市", []string{"和平区", "南开区", "河西区", "滨海新区"}},
	{"重庆市", "重庆市", []string{"渝中区", "江北区", "沙坪坝区", "九龙坡区", "渝北区"}},
	{"广东省", "广州市", []string{"天河区", "越秀区", "海珠区", "番禺区", "白云区"}},
	{"广东省", "深圳市", []string{"南山区", "福田区", "罗湖区", "宝安区", "龙华区", "龙岗区"}},
	{"广东省", "东莞市", []string{"南城街道", "东城街道", "松山湖"}},
	{"浙江省", "杭州市", []string{"西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区"}},
	{"浙江省", "宁波市", []string{"海曙区", "鄞州区", "江北区"}},
	{"江苏省", "南京市", []string{"鼓楼区", "玄武区", "秦淮区", "建邺区", "江宁区"}},
	{"江苏省", "苏州市", []string{"姑苏区", "工业园区", "吴中区", "相城区"}},
	{"四川省", "成都市", []string{"锦江区", "武侯区", "青羊区", "成华区", "高新区"}},
	{"湖北省", "武汉市", []string{"江汉区", "武昌区", "洪山区", "江岸区"}},
	{"湖南省", "长沙市", []string{"岳麓区", "芙蓉区", "天心区", "开福区"}},
	{"陕西省", "西安市", []string{"雁塔区", "碑林区", "未央区", "长安区"}},
	{"山东省", "济南市", []string{"历下区", "市中区", "槐荫区"}},
	{"山东省", "青岛市", []string{"市南区", "市北区", "崂山区", "黄岛区"}},
	{"福建省", "厦门市", []string{"思明区", "湖里区", "集美区"}},
	{"河南省", "郑州市", []string{"金水区", "二七区", "中原区", "郑东新区"}},
	{"安徽省", "合肥市", []string{"蜀山区", "包河区", "庐阳区"}},
	{"辽宁省", "沈阳市", []string{"和平区", "沈河区", "浑南区"}},
	{"云南省", "昆明市", []string{"五华区", "盘龙区", "官渡区"}},
	{"河北省", "石家庄市", []string{"长安区", "桥西区", "裕华区"}},
	{"江西省", "南昌市", []string{"东湖区", "红谷滩区", "青山湖区"}},
}

// placeWeights favour the big cities, as online shopping does.
var placeWeights = []int{9, 9, 3, 4, 7, 8, 3, 8, 3, 5, 4, 6, 4, 3, 3, 2, 3, 2, 3, 2, 2, 2, 2, 2}

var streetWords = []string{
	"人民", "中山", "建设", "解放", "文化", "和平", "新华", "长江", "朝阳", "青年", "光明", "幸福", "友谊",
	"胜利", "民主", "东风", "金桥", "银杏", "桂花", "梧桐", "丹桂", "望江", "临湖", "湖滨", "滨河", "学府",
	"科技", "创业", "世纪", "振兴",
}

var streetKinds = []string{"路", "路", "路", "大道", "街", "东路", "西路", "南路", "北路"}

var compounds = []string{
	"锦绣花园", "阳光小区", "翠湖苑", "金色家园", "桂花园", "碧水湾", "枫林小区", "星河湾", "海棠苑", "紫荆花园",
	"御景华庭", "雅苑新村", "春晓家园", "馨园小区", "云栖公寓", "观澜名邸", "蓝湾花园", "世纪城", "万家花园",
	"幸福里", "和平新村", "梧桐苑", "滨江花园", "明珠大厦", "东方名城", "银河湾", "龙湖春江郦城", "绿洲家园",
}

func pickString(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// people invents n customers. Ids are the shop system's member numbers.
func people(r *rand.Rand, n int) []person {
	out := make([]person, n)
	for i := range out {
		name := pickString(r, surnames) + pickString(r, givenChars)
		if r.IntN(100) < 70 {
			name += pickString(r, givenChars)
		}
		out[i] = person{
			ID:      fmt.Sprintf("C%06d", 100001+i),
			Name:    name,
			Phone:   pickString(r, phonePrefixes) + fmt.Sprintf("%08d", r.IntN(100000000)),
			Address: address(r),
		}
	}
	return out
}

func address(r *rand.Rand) string {
	p := places[pickWeighted(r, placeWeights)]
	var b strings.Builder
	b.WriteString(p.Province)
	if p.City != p.Province {
		b.WriteString(p.City)
	}
	b.WriteString(pickString(r, p.Districts))
	b.WriteString(pickString(r, streetWords) + pickString(r, streetKinds))
	fmt.Fprintf(&b, "%d号", 1+r.IntN(888))
	b.WriteString(pickString(r, compounds))
	if r.IntN(100) < 80 {
		fmt.Fprintf(&b, "%d栋%d单元%d%02d室", 1+r.IntN(32), 1+r.IntN(4), 1+r.IntN(32), 1+r.IntN(6))
	} else {
		fmt.Fprintf(&b, "%d号楼%d室", 1+r.IntN(20), 101+r.IntN(6)+100*r.IntN(18))
	}
	return b.String()
}

// pickWeighted returns an index with probability proportional to its weight.
func pickWeighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}
