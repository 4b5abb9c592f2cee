package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"

	"github.com/aftersales/aftersales/internal/app"
)

// photos uploads n photos as who and returns their attachment ids. The photos are small
// JPEGs: a product-coloured background with a dark blemish, enough to show in the case view.
func (s *sim) photos(who app.Principal, r *rand.Rand, n int) ([]string, error) {
	var ids []string
	for i := range n {
		b, err := photo(r)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("IMG_%s_%02d.jpg", s.t.Format("20060102_150405"), i+1)
		reply, err := s.a.Upload(s.ctx, who, name, "image/jpeg", bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("upload %s as %s: %w", name, who.Role, err)
		}
		ids = append(ids, reply.Value.ID)
	}
	return ids, nil
}

func photo(r *rand.Rand) ([]byte, error) {
	const w, h = 160, 120
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := color.RGBA{uint8(120 + r.IntN(120)), uint8(120 + r.IntN(120)), uint8(120 + r.IntN(120)), 255}
	cx, cy, rad := 30+r.IntN(100), 25+r.IntN(70), 6+r.IntN(14)
	for y := range h {
		for x := range w {
			c := base
			shade := uint8((x + y) / 8)
			c.R, c.G, c.B = c.R-shade/2, c.G-shade/2, c.B-shade/2
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy < rad*rad {
				c = color.RGBA{60, 45, 35, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 70}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// A carrier, its tracking-number format and what a return parcel costs with it (分).
type carrier struct {
	Name     string
	W        int
	Prefix   string
	Digits   int
	Cost     [2]int64
	Merchant bool // shops ship with it
}

var carriers = []carrier{
	{"顺丰速运", 30, "SF", 13, [2]int64{1200, 2300}, true},
	{"中通快递", 20, "75", 13, [2]int64{800, 1200}, true},
	{"圆通速递", 15, "YT", 13, [2]int64{800, 1200}, true},
	{"韵达快递", 12, "43", 13, [2]int64{800, 1100}, true},
	{"申通快递", 8, "77", 13, [2]int64{800, 1100}, false},
	{"京东物流", 10, "JDVA", 11, [2]int64{1000, 1800}, true},
	{"中国邮政EMS", 5, "11", 11, [2]int64{1500, 2000}, false},
}

// parcel draws a carrier, a tracking number and the postage of a parcel.
func parcel(r *rand.Rand, byMerchant bool) (name, tracking string, cost int64) {
	ws := make([]int, len(carriers))
	for i, c := range carriers {
		if !byMerchant || c.Merchant {
			ws[i] = c.W
		}
	}
	c := carriers[pickWeighted(r, ws)]
	digits := make([]byte, c.Digits)
	for i := range digits {
		digits[i] = byte('0' + r.IntN(10))
	}
	cost = c.Cost[0] + r.Int64N(c.Cost[1]-c.Cost[0]+1)
	return c.Name, c.Prefix + string(digits), cost / 100 * 100
}
