package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/store"
)

// Web sessions: staff log in with a password, customers arrive by a login link the shop
// system signs. A session's id is a random secret in an HttpOnly cookie; the store keeps
// only its SHA-256, with a CSRF token that every state-changing request must echo.
const (
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 30 * time.Minute
	// SessionMax ends any session this long after it began.
	SessionMax = 12 * time.Hour
	// MaxFailedLogins locks an account for LockoutTime after this many wrong passwords in a row.
	MaxFailedLogins = 5
	LockoutTime     = 15 * time.Minute
	// LoginLinkMaxAge is the longest a login link may be valid for.
	LoginLinkMaxAge = 15 * time.Minute
	sessionPrefix   = "ass_"
)

// Session is a session opened by a login: the cookie secret (shown once, never stored), its
// CSRF token and when it ends.
type Session struct {
	Secret    string
	CSRFToken string
	Expires   time.Time
	Principal Principal
}

// errLogin is the one answer to every failed login — an unknown user, a wrong password, a
// disabled or a locked account — so that it does not tell which usernames exist; it says
// what a locked-out user needs to know.
var errLogin = &Error{Code: CodeUnauthorized, Message: Text{
	ZH: fmt.Sprintf("用户名或密码错误(连续输错 %d 次,账号将锁定 %d 分钟)", MaxFailedLogins, int(LockoutTime.Minutes())),
	EN: fmt.Sprintf("wrong username or password (after %d wrong passwords in a row an account is locked for %d minutes)", MaxFailedLogins, int(LockoutTime.Minutes())),
}}

func randomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func sessionHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Login checks a staff password and opens a session. Wrong passwords count towards a
// lockout (MaxFailedLogins, then LockoutTime); an unknown username takes as long as a wrong
// password and answers the same. Every attempt is in the audit log.
func (a *App) Login(ctx context.Context, username, password, addr, client string) (*Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	who := Principal{Role: "", ID: username, Addr: addr, Client: client}
	var u store.User
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = tx.UserByUsername(ctx, username)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		CheckPassword(dummyHash(), password)
		a.auditLogin(ctx, who, "failed", map[string]any{"reason": "unknown user"})
		return nil, errLogin
	} else if err != nil {
		return nil, errInternal(err)
	}
	who.Role, who.ID = Role(u.Role), u.ID
	now := a.now()
	switch {
	case !u.DisabledAt.IsZero():
		CheckPassword(dummyHash(), password)
		a.auditLogin(ctx, who, "failed", map[string]any{"reason": "disabled"})
		return nil, errLogin
	case u.LockedUntil.After(now):
		CheckPassword(dummyHash(), password)
		a.auditLogin(ctx, who, "denied", map[string]any{"reason": "locked", "until": u.LockedUntil})
		return nil, errLogin
	}
	if !CheckPassword(u.PasswordHash, password) {
		err := a.store.Update(ctx, func(tx store.Tx) error {
			cur, err := tx.User(ctx, u.ID)
			if err != nil {
				return err
			}
			cur.FailedLogins++
			if cur.FailedLogins >= MaxFailedLogins {
				cur.LockedUntil, cur.FailedLogins = tx.Now().Add(LockoutTime), 0
			}
			if err := tx.UpdateUser(ctx, cur); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, entry(who, "login", "user", u.ID, "failed", map[string]any{"reason": "password", "locked": !cur.LockedUntil.IsZero()}))
		})
		if err != nil {
			return nil, errInternal(err)
		}
		return nil, errLogin
	}
	p := Principal{Role: Role(u.Role), Merchant: u.Merchant, Scope: u.Scope, ID: u.ID, User: u.ID, Addr: addr, Client: client}
	var s *Session
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if u.FailedLogins > 0 || !u.LockedUntil.IsZero() {
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		var err error
		if s, err = openSession(ctx, tx, p, u.ID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(p, "login", "user", u.ID, "ok", nil))
	})
	if err != nil {
		return nil, errInternal(err)
	}
	return s, nil
}

func (a *App) auditLogin(ctx context.Context, who Principal, outcome string, detail map[string]any) {
	if err := a.store.Update(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(ctx, entry(who, "login", "user", who.ID, outcome, detail))
	}); err != nil {
		a.log.Error("audit: recording a login", "err", err)
	}
}

func openSession(ctx context.Context, tx store.Tx, p Principal, userID string) (*Session, error) {
	now := tx.Now()
	s := &Session{Secret: randomToken(sessionPrefix), CSRFToken: randomToken(""), Expires: now.Add(SessionIdle), Principal: p}
	err := tx.InsertSession(ctx, store.Session{IDHash: sessionHash(s.Secret), Role: string(p.Role), UserID: userID,
		Merchant: p.Merchant, Customer: p.Customer, Scope: p.Scope, CSRFToken: s.CSRFToken, Addr: p.Addr, Client: p.Client,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionIdle)})
	s.Principal.ID = "session:" + hex.EncodeToString(sessionHash(s.Secret)[:8])
	return s, err
}

var errSession = &Error{Code: CodeUnauthorized, Message: Text{ZH: "会话已过期,请重新登录", EN: "the session has ended: log in again"}}

// SessionPrincipal returns who a session cookie belongs to and the CSRF token the session's
// state-changing requests must carry. It ends a session idle for SessionIdle or older than
// SessionMax, and moves the idle deadline (at most once a minute, to spare the store).
func (a *App) SessionPrincipal(ctx context.Context, secret, addr, client string) (Principal, string, error) {
	if !strings.HasPrefix(secret, sessionPrefix) || len(secret) != len(sessionPrefix)+43 {
		return Principal{}, "", errSession
	}
	hash := sessionHash(secret)
	var s store.Session
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = tx.Session(ctx, hash)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, "", errSession
	} else if err != nil {
		return Principal{}, "", errInternal(err)
	}
	now := a.now()
	if !now.Before(s.ExpiresAt) || !now.Before(s.CreatedAt.Add(SessionMax)) {
		_ = a.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(ctx, hash) })
		return Principal{}, "", errSession
	}
	if now.Sub(s.LastSeenAt) > time.Minute {
		expires := now.Add(SessionIdle)
		if end := s.CreatedAt.Add(SessionMax); end.Before(expires) {
			expires = end
		}
		if err := a.store.Update(ctx, func(tx store.Tx) error { return tx.TouchSession(ctx, hash, now, expires) }); err != nil {
			a.log.Warn("session: moving the idle deadline", "err", err)
		}
	}
	p := Principal{Role: Role(s.Role), Merchant: s.Merchant, Customer: s.Customer, Scope: s.Scope,
		ID: "session:" + hex.EncodeToString(hash[:8]), Addr: addr, Client: client}
	if s.UserID != "" {
		p.ID, p.User = s.UserID, s.UserID
	}
	return p, s.CSRFToken, nil
}

// Logout ends a session at once, in the store: the cookie stops working even if kept.
func (a *App) Logout(ctx context.Context, secret, addr, client string) error {
	p, _, err := a.SessionPrincipal(ctx, secret, addr, client)
	if err != nil {
		return nil // nothing to end
	}
	return fromCore(a.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, sessionHash(secret)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(p, "logout", "session", p.ID, "ok", nil))
	}))
}

// Customer login links. The shop system, which knows its customer, signs a short-lived link
// with the secret it shares with the platform; opening it opens a session for that
// customer. A merchant shop's link sees only the customer's cases with that merchant; the
// marketplace's own ("platform") sees all of them.

// PlatformShop names the marketplace's own shop system in login links.
const PlatformShop = "platform"

// LoginLink is what a login link says: which shop vouches for which customer, until when.
type LoginLink struct {
	Shop     string
	Customer string
	Expires  time.Time
}

func linkMAC(secret []byte, l LoginLink) []byte {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "aftersales-login-v1\n%s\n%s\n%d", l.Shop, l.Customer, l.Expires.Unix())
	return m.Sum(nil)
}

// SignLoginLink returns the query string of a login link (shop, customer, exp, sig) for a
// shop system to put after /login/link?.
func SignLoginLink(secret []byte, l LoginLink) string {
	q := url.Values{}
	q.Set("shop", l.Shop)
	q.Set("customer", l.Customer)
	q.Set("exp", strconv.FormatInt(l.Expires.Unix(), 10))
	q.Set("sig", hex.EncodeToString(linkMAC(secret, l)))
	return q.Encode()
}

// ParseLoginLink reads a login link's query without checking its signature.
func ParseLoginLink(query string) (LoginLink, []byte, error) {
	q, err := url.ParseQuery(query)
	if err != nil {
		return LoginLink{}, nil, fmt.Errorf("the link is malformed")
	}
	l := LoginLink{Shop: q.Get("shop"), Customer: q.Get("customer")}
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil || exp <= 0 || exp > 1<<40 {
		return LoginLink{}, nil, fmt.Errorf("the link has no valid expiry")
	}
	l.Expires = time.Unix(exp, 0).UTC()
	sig, err := hex.DecodeString(q.Get("sig"))
	switch {
	case err != nil || len(sig) != sha256.Size:
		return LoginLink{}, nil, fmt.Errorf("the link has no valid signature")
	case !linkField(l.Shop) || !linkField(l.Customer):
		return LoginLink{}, nil, fmt.Errorf("the link names no shop or customer")
	case len(q) != 4 || len(q["shop"]) != 1 || len(q["customer"]) != 1 || len(q["exp"]) != 1 || len(q["sig"]) != 1:
		return LoginLink{}, nil, fmt.Errorf("the link has unexpected or repeated parameters")
	}
	return l, sig, nil
}

// linkField reports whether s may be a login link's shop or customer: 1 to 64 bytes of
// valid UTF-8 (else the store's lookups and the audit entry of the attempt fail) without
// control characters (the signed text separates the fields with line breaks, which must
// not move from one field to the other under the same signature).
func linkField(s string) bool {
	return s != "" && len(s) <= 64 && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// VerifyLoginLink checks a login link's signature and age at now.
func VerifyLoginLink(secret []byte, l LoginLink, sig []byte, now time.Time) error {
	if !hmac.Equal(linkMAC(secret, l), sig) {
		return fmt.Errorf("the link's signature does not match")
	}
	if !now.Before(l.Expires) {
		return fmt.Errorf("the link has expired")
	}
	if l.Expires.Sub(now) > LoginLinkMaxAge {
		return fmt.Errorf("the link is valid for longer than %v", LoginLinkMaxAge)
	}
	return nil
}

var errLink = &Error{Code: CodeUnauthorized, Message: Text{ZH: "登录链接无效或已过期,请回到商城重新进入", EN: "the login link is invalid or has expired: go back to the shop and try again"}}

// OpenLoginLink opens a customer session from a login link's query string.
func (a *App) OpenLoginLink(ctx context.Context, query, addr, client string) (*Session, error) {
	l, sig, err := ParseLoginLink(query)
	if err != nil {
		a.auditLogin(ctx, Principal{Role: RoleCustomer, Addr: addr, Client: client}, "failed", map[string]any{"reason": err.Error()})
		return nil, errLink
	}
	var secret []byte
	err = a.store.View(ctx, func(tx store.Tx) error {
		var err error
		secret, err = tx.ShopSecret(ctx, l.Shop)
		return err
	})
	if err == nil {
		err = VerifyLoginLink(secret, l, sig, a.now())
	}
	p := Principal{Role: RoleCustomer, Customer: l.Customer, ID: l.Customer, Addr: addr, Client: client}
	if l.Shop != PlatformShop {
		p.Merchant = l.Shop
	}
	if err != nil {
		a.auditLogin(ctx, p, "failed", map[string]any{"reason": "link", "shop": l.Shop})
		return nil, errLink
	}
	var s *Session
	used := sha256.Sum256(sig)
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.UseLoginLink(ctx, used[:], l.Expires); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(ctx, l.Customer); err != nil {
			return err
		}
		var err error
		if s, err = openSession(ctx, tx, p, ""); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(p, "login.link", "session", l.Customer, "ok", map[string]any{"shop": l.Shop}))
	})
	if errors.Is(err, store.ErrConflict) {
		a.auditLogin(ctx, p, "failed", map[string]any{"reason": "link used before", "shop": l.Shop})
		return nil, errLinkUsed
	} else if err != nil {
		return nil, errInternal(err)
	}
	return s, nil
}

var errLinkUsed = &Error{Code: CodeUnauthorized, Message: Text{ZH: "此登录链接已使用过,请回到商城重新进入", EN: "the login link has been used already: go back to the shop and try again"}}

// SetShopSecret makes a new secret for a shop system's login links and returns it (shown
// once). Admins, or the command line.
func (a *App) SetShopSecret(ctx context.Context, p Principal, shop string) ([]byte, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	if !linkField(shop) {
		return nil, errInvalid("shop", "请指定商家编码或 platform", "name a merchant code, or platform")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, errInternal(err)
	}
	_, err := write(ctx, a, p, nil, auditTarget{"shop.secret", "shop", shop}, func(tx *txn) (*struct{}, int, error) {
		if err := tx.SetShopSecret(ctx, shop, secret); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 0, tx.audit(ctx, "shop.secret", "shop", shop, nil)
	})
	if err != nil {
		return nil, err
	}
	return secret, nil
}

// MakeLoginLink signs a login link for a customer with a shop's stored secret, valid for
// ttl (at most LoginLinkMaxAge), and returns its query string: what a shop system does,
// for demos and for shop developers checking their own signing. Admins, or the command
// line; recorded in the audit log.
func (a *App) MakeLoginLink(ctx context.Context, p Principal, shop, customer string, ttl time.Duration) (string, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return "", err
	}
	switch {
	case ttl <= 0 || ttl > LoginLinkMaxAge:
		return "", errInvalid("ttl", "有效期应大于 0 且不超过 15 分钟", "the link must be valid for more than 0 and at most 15 minutes")
	case !linkField(customer):
		return "", errInvalid("customer", "请指定买家编号(不超过 64 个字符)", "name the customer (at most 64 characters)")
	}
	var query string
	_, err := write(ctx, a, p, nil, auditTarget{"shop.link", "shop", shop}, func(tx *txn) (*struct{}, int, error) {
		secret, err := tx.ShopSecret(ctx, shop)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errInvalid("shop", "该商城还没有登录链接密钥,请先设置", "the shop has no login-link secret yet: set one first")
		} else if err != nil {
			return nil, 0, err
		}
		l := LoginLink{Shop: shop, Customer: customer, Expires: tx.Now().Add(ttl).Truncate(time.Second)}
		query = SignLoginLink(secret, l)
		return &struct{}{}, 0, tx.audit(ctx, "shop.link", "shop", shop, map[string]any{"customer": customer, "expires": l.Expires})
	})
	if err != nil {
		return "", err
	}
	return query, nil
}
