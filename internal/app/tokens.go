package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// tokenPrefix marks aftersales API tokens, so that a leaked one is recognisable.
const tokenPrefix = "ast_"

// TokenSpec describes a token to create.
type TokenSpec struct {
	Role     Role
	Merchant string
	Customer string
	Name     string
	TTL      time.Duration // 0: no expiry
	// User is a staff account's username: the token acts as that person (their role,
	// merchant and scope), so that assignments, replies and figures name them.
	User string
}

// CreateToken makes an API token and returns its secret, which is shown once: only its
// SHA-256 is stored. A merchant token names its merchant, a customer token its customer.
// It is the command line's (and the demo's) command: whoever runs it has the store.
func (a *App) CreateToken(ctx context.Context, spec TokenSpec) (secret string, t store.Token, err error) {
	return a.createToken(ctx, cliPrincipal, spec)
}

// IssueToken is CreateToken for an admin (the admin pages): the audit log names p.
func (a *App) IssueToken(ctx context.Context, p Principal, spec TokenSpec) (secret string, t TokenView, err error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return "", t, err
	}
	if spec.Name = text.Clean(spec.Name); utf8.RuneCountInString(spec.Name) > 100 {
		return "", t, errInvalid("name", "名称不能超过 100 个字符", "the name is longer than 100 characters")
	}
	secret, st, err := a.createToken(ctx, p, spec)
	if err != nil {
		return "", t, err
	}
	return secret, tokenView(st), nil
}

func (a *App) createToken(ctx context.Context, p Principal, spec TokenSpec) (secret string, t store.Token, err error) {
	var user store.User
	if spec.User != "" {
		err := a.store.View(ctx, func(tx store.Tx) error {
			var err error
			user, err = tx.UserByUsername(ctx, spec.User)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return "", t, errInvalid("user", "没有这个员工账号", "no staff account with this username")
		case err != nil:
			return "", t, err
		case !user.DisabledAt.IsZero():
			return "", t, errInvalid("user", "该账号已停用", "the account is disabled")
		case spec.Role != "" && string(spec.Role) != user.Role:
			return "", t, errInvalid("role", "令牌的角色即该账号的角色("+user.Role+")", "the token takes the account's role ("+user.Role+")")
		case spec.Merchant != "" && spec.Merchant != user.Merchant || spec.Customer != "":
			return "", t, errInvalid("merchant", "员工令牌的商家即该账号的商家", "a staff token takes the account's merchant")
		}
		spec.Role, spec.Merchant = Role(user.Role), user.Merchant
	}
	switch {
	case !spec.Role.Valid():
		return "", t, errInvalid("role", "未知角色", "unknown role: use customer, merchant, agent, supervisor, admin or integration")
	case spec.Role == RoleMerchant && spec.Merchant == "":
		return "", t, errInvalid("merchant", "商家令牌需要指定商家", "a merchant token needs --merchant")
	case spec.Role == RoleCustomer && spec.Customer == "":
		return "", t, errInvalid("customer", "买家令牌需要指定买家", "a customer token needs --customer")
	case spec.Role != RoleCustomer && spec.Customer != "":
		return "", t, errInvalid("customer", "只有买家令牌可以指定买家", "only a customer token names a customer")
	case spec.Role != RoleMerchant && spec.Role != RoleIntegration && spec.Merchant != "":
		return "", t, errInvalid("merchant", "只有商家或系统对接令牌可以指定商家", "only merchant and integration tokens name a merchant")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", t, err
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if spec.Merchant != "" {
			if err := tx.EnsureMerchant(ctx, spec.Merchant); err != nil {
				return err
			}
		}
		if spec.Customer != "" {
			if err := tx.EnsureCustomer(ctx, spec.Customer); err != nil {
				return err
			}
		}
		t = store.Token{ID: uuid.NewString(), Hash: sum[:], Name: spec.Name, Role: string(spec.Role),
			Merchant: spec.Merchant, Customer: spec.Customer, UserID: user.ID, CreatedAt: tx.Now()}
		if spec.TTL > 0 {
			t.ExpiresAt = tx.Now().Add(spec.TTL)
		}
		if err := tx.InsertToken(ctx, t); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(p, "token.create", "token", t.ID, "ok",
			map[string]any{"role": t.Role, "merchant": t.Merchant, "customer": t.Customer, "user": spec.User, "name": t.Name, "expires_at": t.ExpiresAt}))
	})
	if err != nil {
		return "", store.Token{}, fromCore(err)
	}
	return secret, t, nil
}

var errBadToken = &Error{Code: CodeUnauthorized, Message: Text{ZH: "令牌无效、已过期或已撤销", EN: "the token is invalid, expired or revoked"}}

// ParseToken checks a token's shape without a lookup: the prefix and 43 base64url
// characters of 32 random bytes.
func ParseToken(s string) ([]byte, bool) {
	body, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok || len(body) != 43 {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) != 32 {
		return nil, false
	}
	sum := sha256.Sum256([]byte(s))
	return sum[:], true
}

// Authenticate returns the principal of an API token.
func (a *App) Authenticate(ctx context.Context, secret string) (Principal, error) {
	hash, ok := ParseToken(secret)
	if !ok {
		return Principal{}, errBadToken
	}
	// Looked up on every request, never remembered: a token revoked, or an account disabled,
	// by any replica or the command line stops working at once (docs/SECURITY.md). Issue 18
	// tried a cache of a second: it saved about 0.05 ms of 3–4 ms of CPU per application, and
	// a revoked token would have kept working elsewhere for that second.
	var t store.Token
	var u store.User
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if t, err = tx.TokenByHash(ctx, hash); err != nil || t.UserID == "" {
			return err
		}
		u, err = tx.User(ctx, t.UserID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, errBadToken
	} else if err != nil {
		return Principal{}, errInternal(err)
	}
	now := a.now()
	if !t.RevokedAt.IsZero() || !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return Principal{}, errBadToken
	}
	if t.UserID != "" {
		// A staff token is its account: disabled with it, and with the account's role,
		// merchant and scope as they are now.
		if !u.DisabledAt.IsZero() {
			return Principal{}, errBadToken
		}
		return Principal{Role: Role(u.Role), Merchant: u.Merchant, Scope: u.Scope, ID: u.ID, User: u.ID}, nil
	}
	return Principal{Role: Role(t.Role), Merchant: t.Merchant, Customer: t.Customer, ID: t.ID}, nil
}

// cliPrincipal is the command line, acting as an admin with the store in hand.
var cliPrincipal = Principal{Role: RoleAdmin, ID: "cli", Client: "aftersales"}

// TokenView is an API token as admins see it (never its secret or hash).
type TokenView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	Merchant  string     `json:"merchant,omitempty"`
	Customer  string     `json:"customer,omitempty"`
	User      string     `json:"user,omitempty" jsonschema:"description=the staff account's id the token acts as"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func tokenView(t store.Token) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, Role: Role(t.Role), Merchant: t.Merchant, Customer: t.Customer, User: t.UserID,
		CreatedAt: t.CreatedAt, ExpiresAt: optTime(t.ExpiresAt), RevokedAt: optTime(t.RevokedAt)}
}

// Tokens lists the API tokens (admins).
func (a *App) Tokens(ctx context.Context, p Principal) ([]TokenView, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	out := []TokenView{}
	err := a.store.View(ctx, func(tx store.Tx) error {
		ts, err := tx.Tokens(ctx)
		for _, t := range ts {
			out = append(out, tokenView(t))
		}
		return err
	})
	return out, fromCore(err)
}

// RevokeToken ends an API token at once: the next request with it is refused (tokens are
// looked up on every request, never cached).
func (a *App) RevokeToken(ctx context.Context, p Principal, id string) error {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return err
	}
	_, err := write(ctx, a, p, nil, auditTarget{"token.revoke", "token", id}, func(tx *txn) (*struct{}, int, error) {
		if err := tx.RevokeToken(ctx, id); errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("token")
		} else if err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 0, tx.audit(ctx, "token.revoke", "token", id, nil)
	})
	return err
}
