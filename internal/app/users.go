package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/store"
)

// UserInput creates a staff account.
type UserInput struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name,omitempty"`
	Role        Role     `json:"role" jsonschema:"enum=merchant,enum=agent,enum=supervisor,enum=admin"`
	Merchant    string   `json:"merchant,omitempty" jsonschema:"description=the merchant of merchant staff"`
	Scope       []string `json:"scope,omitempty" jsonschema:"description=merchants an agent or supervisor serves; empty: all"`
	Password    string   `json:"password" jsonschema:"description=at least 10 characters"`
	Email       string   `json:"email,omitempty" jsonschema:"description=where notifications and password resets go"`
}

// UserView is a staff account as admins see it (never its password hash).
type UserView struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Email       string    `json:"email,omitempty"`
	Role        Role      `json:"role"`
	Merchant    string    `json:"merchant,omitempty"`
	Scope       []string  `json:"scope"`
	Locked      bool      `json:"locked"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

func userView(u *store.User, now time.Time) UserView {
	scope := u.Scope
	if scope == nil {
		scope = []string{}
	}
	return UserView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Role: Role(u.Role), Merchant: u.Merchant,
		Scope: scope, Locked: u.LockedUntil.After(now), Disabled: !u.DisabledAt.IsZero(), CreatedAt: u.CreatedAt}
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// MinPasswordLength is the shortest password a staff account may have.
const MinPasswordLength = 10

func checkPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength || n > 200 {
		return errInvalid("password", "密码长度应为 10–200 个字符", "the password must be 10–200 characters")
	}
	return nil
}

// CreateUser makes a staff account (admins, or the command line as admin).
func (a *App) CreateUser(ctx context.Context, p Principal, in UserInput) (*UserView, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	switch {
	case !usernamePattern.MatchString(in.Username):
		return nil, errInvalid("username", "用户名应为 3–64 位小写字母、数字或 . _ -", "the username must be 3–64 lower-case letters, digits or . _ -")
	case in.Role != RoleMerchant && in.Role != RoleAgent && in.Role != RoleSupervisor && in.Role != RoleAdmin:
		return nil, errInvalid("role", "员工角色应为 merchant、agent、supervisor 或 admin", "a staff role is merchant, agent, supervisor or admin")
	case (in.Role == RoleMerchant) != (in.Merchant != ""):
		return nil, errInvalid("merchant", "商家员工须指定商家,其他角色不能指定", "merchant staff name their merchant; other roles do not")
	case len(in.Scope) > 0 && in.Role != RoleAgent && in.Role != RoleSupervisor:
		return nil, errInvalid("scope", "只有客服和主管有服务范围", "only agents and supervisors have a scope")
	case utf8.RuneCountInString(in.DisplayName) > 100:
		return nil, errInvalid("display_name", "显示名称不能超过 100 个字符", "the display name is longer than 100 characters")
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, err
	}
	if err := checkEmail("email", in.Email); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, errInternal(err)
	}
	var v UserView
	_, err = write(ctx, a, p, nil, auditTarget{"user.create", "user", in.Username}, func(tx *txn) (*UserView, int, error) {
		if err := knownMerchants(ctx, tx, in); err != nil {
			return nil, 0, err
		}
		u := store.User{ID: uuid.NewString(), Username: in.Username, DisplayName: in.DisplayName, Role: string(in.Role),
			Merchant: in.Merchant, Scope: slices.Clone(in.Scope), PasswordHash: hash, Email: in.Email, CreatedAt: tx.Now()}
		if err := tx.InsertUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return nil, 0, errInvalid("username", "用户名已被使用", "the username is taken")
			}
			return nil, 0, err
		}
		if err := tx.audit(ctx, "user.create", "user", u.ID, map[string]any{"username": u.Username, "role": u.Role, "merchant": u.Merchant, "scope": u.Scope}); err != nil {
			return nil, 0, err
		}
		v = userView(&u, tx.Now())
		return &v, 0, nil
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// knownMerchants refuses an account naming a merchant the platform does not know — as
// merchant staff or in a scope — rather than create it: a typo would make a merchant
// nobody sells as, and staff serving nothing. Merchants come with their orders.
func knownMerchants(ctx context.Context, tx *txn, in UserInput) error {
	known := func(field, code string) error {
		_, err := tx.Merchant(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			return errInvalid(field, fmt.Sprintf("未知商家 %q:商家在其订单推送或导入后才存在", code),
				fmt.Sprintf("unknown merchant %q: a merchant exists once an order of theirs has been pushed or imported", code))
		}
		return err
	}
	if in.Merchant != "" {
		if err := known("merchant", in.Merchant); err != nil {
			return err
		}
	}
	for _, code := range in.Scope {
		if err := known("scope", code); err != nil {
			return err
		}
	}
	return nil
}

// Users lists the staff accounts (admins).
func (a *App) Users(ctx context.Context, p Principal) ([]UserView, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	out := []UserView{}
	err := a.store.View(ctx, func(tx store.Tx) error {
		us, err := tx.Users(ctx)
		for i := range us {
			out = append(out, userView(&us[i], tx.Now()))
		}
		return err
	})
	return out, fromCore(err)
}

// UserChange is what an admin changes about an account; nil fields stay as they are.
type UserChange struct {
	Password *string `json:"password,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
	Unlock   bool    `json:"unlock,omitempty"`
	Email    *string `json:"email,omitempty"`
}

// ChangeUser sets a password, disables or enables an account, or lifts a lockout. A new
// password or a disabled account ends the account's sessions at once.
func (a *App) ChangeUser(ctx context.Context, p Principal, username string, in UserChange) (*UserView, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	if in.Email != nil {
		if err := checkEmail("email", *in.Email); err != nil {
			return nil, err
		}
	}
	var hash string
	if in.Password != nil {
		if err := checkPassword(*in.Password); err != nil {
			return nil, err
		}
		h, err := HashPassword(*in.Password)
		if err != nil {
			return nil, errInternal(err)
		}
		hash = h
	}
	var v UserView
	_, err := write(ctx, a, p, nil, auditTarget{"user.change", "user", username}, func(tx *txn) (*UserView, int, error) {
		u, err := tx.UserByUsername(ctx, username)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("user")
		} else if err != nil {
			return nil, 0, err
		}
		endSessions := false
		if hash != "" {
			u.PasswordHash, endSessions = hash, true
		}
		if in.Disabled != nil {
			if *in.Disabled && u.DisabledAt.IsZero() {
				u.DisabledAt, endSessions = tx.Now(), true
			} else if !*in.Disabled {
				u.DisabledAt = time.Time{}
			}
		}
		if in.Unlock {
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
		}
		if in.Email != nil {
			u.Email = *in.Email
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return nil, 0, err
		}
		if endSessions {
			if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
				return nil, 0, err
			}
		}
		if err := tx.audit(ctx, "user.change", "user", u.ID, map[string]any{"username": u.Username,
			"password_changed": hash != "", "disabled": !u.DisabledAt.IsZero(), "unlocked": in.Unlock}); err != nil {
			return nil, 0, err
		}
		v = userView(&u, tx.Now())
		return &v, 0, nil
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}
