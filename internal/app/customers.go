package app

import (
	"context"
	"strings"

	"github.com/aftersales/aftersales/internal/store"
)

// CustomerProfile is what the shop system knows of a buyer: the service desk needs a name,
// a phone number and an address to call back and to send goods to.
type CustomerProfile struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	Email   string `json:"email,omitempty"`
}

// MerchantProfile is a shop's display name and main category.
type MerchantProfile struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

// UpdateCustomerProfile sets a customer's profile, creating the customer if the platform
// does not know it yet. Customers are shared by every merchant, so only an admin or a
// platform-wide integration (the shop system) may set it.
func (a *App) UpdateCustomerProfile(ctx context.Context, p Principal, in CustomerProfile) error {
	if err := authorizeProfile(p, ""); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(in.ID) == "" || len(in.ID) > 64:
		return errInvalid("id", "买家编号必填,最多 64 个字符", "the customer id is required, at most 64 characters")
	case len(in.Name) > 200 || len(in.Phone) > 32 || len(in.Address) > 500:
		return errInvalid("profile", "姓名、电话或地址过长", "the name, phone or address is too long")
	}
	if err := checkEmail("email", in.Email); err != nil {
		return err
	}
	err := a.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.EnsureCustomer(ctx, in.ID); err != nil {
			return err
		}
		return tx.UpdateCustomer(ctx, store.Customer{ID: in.ID, Name: in.Name, Phone: in.Phone, Address: in.Address, Email: in.Email})
	})
	return fromCore(err)
}

// UpdateMerchantProfile sets a merchant's name and main category, creating the merchant if
// needed. An admin, a platform-wide integration or the merchant's own integration may set it.
func (a *App) UpdateMerchantProfile(ctx context.Context, p Principal, in MerchantProfile) error {
	if err := authorizeProfile(p, in.Code); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(in.Code) == "" || len(in.Code) > 64:
		return errInvalid("code", "商家编码必填,最多 64 个字符", "the merchant code is required, at most 64 characters")
	case len(in.Name) > 200 || len(in.Category) > 100:
		return errInvalid("profile", "名称或类目过长", "the name or category is too long")
	}
	err := a.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(ctx, in.Code); err != nil {
			return err
		}
		return tx.UpdateMerchant(ctx, store.Merchant{Code: in.Code, Name: in.Name, Category: in.Category})
	})
	return fromCore(err)
}

// authorizeProfile lets admins and integrations set profiles: an integration bound to a
// merchant only that merchant's own (merchant == "" is a customer profile, which is no
// merchant's to set).
func authorizeProfile(p Principal, merchant string) error {
	if err := authorize(p, opUpsertOrder, nil, ""); err != nil {
		return err
	}
	switch {
	case p.Role == RoleAdmin, p.Role == RoleIntegration && (p.Merchant == "" || p.Merchant == merchant && merchant != ""):
		return nil
	}
	return errForbidden("只有平台可以修改此资料", "only the platform may change this profile")
}
