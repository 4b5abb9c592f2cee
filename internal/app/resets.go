package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/store"
)

// ResetLinkLife is how long a password-reset link works.
const ResetLinkLife = 30 * time.Minute

// RequestPasswordReset sends a staff account a single-use link to set a new password, to
// the account's email address. login is the username or the email address. The answer is
// the same whether or not such an account exists (nobody learns who has an account); an
// account that is disabled or has no address gets nothing.
func (a *App) RequestPasswordReset(ctx context.Context, login, addr, client string) error {
	login = strings.TrimSpace(login)
	if login == "" || len(login) > 254 {
		return errInvalid("login", "请填写用户名或邮箱", "give your username or email address")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return errInternal(err)
	}
	token := base64.RawURLEncoding.EncodeToString(secret)
	hash := sha256.Sum256([]byte(token))
	who := Principal{Role: "", ID: login, Addr: addr, Client: client}
	return a.store.Update(ctx, func(stx store.Tx) error {
		tx := &txn{Tx: stx, p: who}
		u, err := tx.UserByUsername(ctx, login)
		if errors.Is(err, store.ErrNotFound) && strings.Contains(login, "@") {
			u, err = userByEmail(ctx, tx, login)
		}
		if errors.Is(err, store.ErrNotFound) {
			return tx.audit(ctx, "password.reset_request", "user", "", map[string]any{"known": false})
		} else if err != nil {
			return err
		}
		if !u.DisabledAt.IsZero() || u.Email == "" {
			return tx.audit(ctx, "password.reset_request", "user", u.ID, map[string]any{"sent": false})
		}
		now := tx.Now()
		if err := tx.InsertPasswordReset(ctx, store.PasswordReset{Hash: hash[:], UserID: u.ID, ExpiresAt: now.Add(ResetLinkLife), CreatedAt: now}); err != nil {
			return err
		}
		locale := "zh"
		if pr, err := a.prefs(ctx, tx, "user:"+u.ID); err == nil && pr.Locale != "" {
			locale = pr.Locale
		}
		link := a.baseURL + "/password/reset?token=" + url.QueryEscape(token)
		msg := notify.Message{Event: "password.reset", Locale: locale, Name: firstNonEmpty(u.DisplayName, u.Username), Link: link,
			Fields: map[string]string{"reset_url": link, "expires": now.Add(ResetLinkLife).Format("2006-01-02 15:04 MST"), "username": u.Username}}
		r, err := notify.Render(msg)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(notify.Mail{To: u.Email, ToName: msg.Name, Subject: r.Subject, Text: r.Text, HTML: r.HTML, ID: "reset." + u.ID + "." + now.Format("20060102150405.000000"), Locale: locale})
		if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "email.password.reset", Key: "user:" + u.ID, Payload: b}); err != nil {
			return err
		}
		if a.onOutbox != nil {
			defer a.onOutbox()
		}
		return tx.audit(ctx, "password.reset_request", "user", u.ID, map[string]any{"sent": true})
	})
}

func userByEmail(ctx context.Context, tx store.Tx, email string) (store.User, error) {
	users, err := tx.Users(ctx)
	if err != nil {
		return store.User{}, err
	}
	for _, u := range users {
		if u.Email != "" && strings.EqualFold(u.Email, email) {
			return u, nil
		}
	}
	return store.User{}, store.ErrNotFound
}

// ResetPassword sets a new password with a reset link's token: the link works once and
// until it expires, and every session of the account ends (whoever had it logged in
// before is logged out). A lockout is lifted.
func (a *App) ResetPassword(ctx context.Context, token, password, addr, client string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return errInternal(err)
	}
	sum := sha256.Sum256([]byte(token))
	who := Principal{Role: "", ID: "password-reset", Addr: addr, Client: client}
	_, err = write(ctx, a, who, nil, auditTarget{"password.reset", "user", ""}, func(tx *txn) (*struct{}, int, error) {
		r, err := tx.UsePasswordReset(ctx, sum[:])
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errInvalid("token", "重置链接无效、已使用或已过期,请重新申请", "this reset link is invalid, used or expired; ask for a new one")
		} else if err != nil {
			return nil, 0, err
		}
		u, err := tx.User(ctx, r.UserID)
		if err != nil {
			return nil, 0, err
		}
		if !u.DisabledAt.IsZero() {
			return nil, 0, errInvalid("token", "账号已停用", "the account is disabled")
		}
		u.PasswordHash, u.FailedLogins, u.LockedUntil = hash, 0, time.Time{}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return nil, 0, err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 200, tx.audit(ctx, "password.reset", "user", u.ID, map[string]any{"username": u.Username})
	})
	return err
}
