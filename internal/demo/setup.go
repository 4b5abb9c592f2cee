package demo

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/app"
)

// cast is everyone who acts, as the application authenticates them.
type cast struct {
	shopSystem  app.Principal   // pushes orders and customer profiles (integration)
	carrier     app.Principal   // pushes "return delivered" tracking events (integration)
	scheduler   app.Principal   // takes the platform's action when a deadline passes (integration)
	supervisors []app.Principal // rule on disputes
	staff       [][]app.Principal
	admin       app.Principal // installs the custom shop's policy layer
}

// staffNames are the merchant staff of each shop, in the order of shops.
var staffNames = [][]string{
	{"售后客服 小雨", "售后客服 阿紫"},
	{"售后工程师 老周", "售后客服 小凯"},
	{"客服 鲜鲜", "客服 丰丰"},
	{"定制顾问 林师傅", "客服 小满"},
	{"售后客服 悦悦", "售后客服 小居"},
}

// customer is the principal of a customer signed in to the portal.
func customer(id string) app.Principal {
	return app.Principal{Role: app.RoleCustomer, Customer: id, ID: id}
}

// setup creates what exists before the first order: the platform policy (unless stored),
// the custom shop's policy layer, the actors' API tokens, and the profiles of the shops and
// customers.
func (s *sim) setup() error {
	ctx := s.ctx
	s.t = s.start
	s.clk.Set(s.start)
	s.cast.admin = app.Principal{Role: app.RoleAdmin, ID: "demo-seed"}
	if len(s.orders) > 0 {
		if _, err := s.a.GetOrder(ctx, s.cast.admin, s.orders[0].no); err == nil {
			return fmt.Errorf("order %s exists: the store already holds demo data of this day", s.orders[0].no)
		} else if app.ErrorCode(err) != app.CodeNotFound {
			return err
		}
	}
	if err := s.a.LoadPolicies(ctx); err != nil {
		return err
	}
	if _, err := s.a.InstallPolicy(ctx, s.cast.admin, []byte(customPolicy)); err != nil {
		return fmt.Errorf("install the custom shop's policy: %w", err)
	}
	var err error
	token := func(spec app.TokenSpec) app.Principal {
		if err != nil {
			return app.Principal{}
		}
		var secret string
		if secret, _, err = s.a.CreateToken(ctx, spec); err != nil {
			return app.Principal{}
		}
		var p app.Principal
		p, err = s.a.Authenticate(ctx, secret)
		return p
	}
	s.cast.shopSystem = token(app.TokenSpec{Role: app.RoleIntegration, Name: "演示 · 店铺系统订单同步"})
	s.cast.carrier = token(app.TokenSpec{Role: app.RoleIntegration, Name: "演示 · 物流轨迹推送"})
	s.cast.scheduler = token(app.TokenSpec{Role: app.RoleIntegration, Name: "演示 · 售后时效调度"})
	for _, name := range []string{"平台售后主管 陈静", "平台售后主管 刘洋"} {
		s.cast.supervisors = append(s.cast.supervisors, token(app.TokenSpec{Role: app.RoleSupervisor, Name: "演示 · " + name}))
	}
	for i, sh := range shops {
		var staff []app.Principal
		for _, name := range staffNames[i] {
			staff = append(staff, token(app.TokenSpec{Role: app.RoleMerchant, Merchant: sh.Code, Name: "演示 · " + sh.Name + " " + name}))
		}
		s.cast.staff = append(s.cast.staff, staff)
	}
	if err != nil {
		return fmt.Errorf("create tokens: %w", err)
	}
	for _, sh := range shops {
		if err := s.a.UpdateMerchantProfile(ctx, s.cast.shopSystem, app.MerchantProfile{Code: sh.Code, Name: sh.Name, Category: sh.Category}); err != nil {
			return fmt.Errorf("merchant %s: %w", sh.Code, err)
		}
	}
	return s.addCustomers(ctx)
}

func (s *sim) addCustomers(ctx context.Context) error {
	for _, p := range s.people {
		in := app.CustomerProfile{ID: p.ID, Name: p.Name, Phone: p.Phone, Address: p.Address}
		if err := s.a.UpdateCustomerProfile(ctx, s.cast.shopSystem, in); err != nil {
			return fmt.Errorf("customer %s: %w", p.ID, err)
		}
	}
	return nil
}

// staffOf returns the staff of the case's shop who handles it.
func (s *sim) staffOf(c *caseSim) app.Principal {
	staff := s.cast.staff[c.o.shopIndex]
	return staff[c.staffIndex%len(staff)]
}
