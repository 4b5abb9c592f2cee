package postgres

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertNotification adds n to its recipient's inbox unless the recipient has one with the
// same source (notifications' unique key, ON CONFLICT DO NOTHING): inserted is false then,
// and nothing changes. The statement is sent at once.
func (t *Tx) InsertNotification(ctx context.Context, n store.Notification) (bool, error) {
	n, err := store.StoredNotification(n, t.now)
	if err != nil {
		return false, fmt.Errorf("insert notification: %w", err)
	}
	added, err := t.exec(ctx, `
		INSERT INTO notifications (recipient, source, event, case_id, subject_zh, subject_en, body_zh, body_en,
		    link, read_at, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (recipient, source) DO NOTHING`,
		n.Recipient, n.Source, n.Event, n.CaseID, n.Subject.ZH, n.Subject.EN, n.Body.ZH, n.Body.EN, n.Link,
		nullTime(n.ReadAt), n.At)
	if err != nil {
		return false, wrap(err, "insert notification %s for %s", n.Source, n.Recipient)
	}
	return added > 0, nil
}

// notificationColumns are what notificationRow receives, in its order.
const notificationColumns = `id, recipient, source, event, case_id, subject_zh, subject_en, body_zh, body_en, link,
		       read_at, at`

// notificationRow receives a row of notificationColumns.
type notificationRow struct {
	n    store.Notification
	read *time.Time
}

func (r *notificationRow) dest() []any {
	n := &r.n
	return []any{&n.ID, &n.Recipient, &n.Source, &n.Event, &n.CaseID, &n.Subject.ZH, &n.Subject.EN, &n.Body.ZH,
		&n.Body.EN, &n.Link, &r.read, &n.At}
}

func (r *notificationRow) notification() store.Notification {
	n := r.n
	n.ReadAt = timeOf(r.read)
	return n
}

// notificationCursorPrefix starts ListNotifications's cursors: base64 of
// "notifications/id", the id of the page's last notification.
const notificationCursorPrefix = "notifications/"

func encodeIDCursor(prefix string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(id, 10)))
}

func decodeIDCursor(prefix, cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if rest, ok := strings.CutPrefix(string(b), prefix); err == nil && ok {
		if id, perr := strconv.ParseInt(rest, 10, 64); perr == nil && id > 0 {
			return id, nil
		}
	}
	return 0, fmt.Errorf("cursor %q: %w", cursor, store.ErrBadCursor)
}

// ListNotifications returns one page of a recipient's notifications, newest first (id
// DESC, notifications_recipient or notifications_unread), by keyset pagination on the id.
func (t *Tx) ListNotifications(ctx context.Context, q store.NotificationQuery) ([]store.Notification, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.add("recipient = " + f.arg(q.Recipient))
	if q.Unread {
		f.add("read_at IS NULL")
	}
	if q.Cursor != "" {
		id, err := decodeIDCursor(notificationCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list notifications: %w", err)
		}
		f.add("id < " + f.arg(id))
	}
	// The limit is written out, not an argument (see listCasesSQL).
	sql := `SELECT ` + notificationColumns + ` FROM notifications` + f.sql() +
		` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	var (
		ns   []store.Notification
		more bool
	)
	err := t.query(ctx, sql, f.args, func(rows pgx.Rows) error {
		if len(ns) == limit {
			more = true // the extra row only says that there is a next page
			return nil
		}
		var r notificationRow
		if err := rows.Scan(r.dest()...); err != nil {
			return err
		}
		ns = append(ns, r.notification())
		return nil
	})
	if err != nil {
		return nil, "", wrap(err, "list notifications of %s", q.Recipient)
	}
	if !more {
		return ns, "", nil
	}
	return ns, encodeIDCursor(notificationCursorPrefix, ns[len(ns)-1].ID), nil
}

// UnreadNotifications counts a recipient's unread notifications (notifications_unread).
func (t *Tx) UnreadNotifications(ctx context.Context, recipient string) (int, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT count(*) FROM notifications WHERE recipient = $1 AND read_at IS NULL`,
		[]any{recipient}, &n)
	if err != nil {
		return 0, wrap(err, "unread notifications of %s", recipient)
	}
	return int(n), nil
}

// MarkNotificationsRead marks the recipient's unread notifications with these ids (all of
// them when ids is empty) read at Now() and returns how many changed.
func (t *Tx) MarkNotificationsRead(ctx context.Context, recipient string, ids []int64) (int, error) {
	f := &filter{}
	now := f.arg(t.now)
	f.add("recipient = " + f.arg(recipient))
	f.add("read_at IS NULL")
	if len(ids) > 0 {
		f.add("id = ANY (" + f.arg(ids) + "::bigint[])")
	}
	n, err := t.exec(ctx, `UPDATE notifications SET read_at = `+now+f.sql(), f.args...)
	if err != nil {
		return 0, wrap(err, "mark notifications of %s read", recipient)
	}
	return int(n), nil
}

// NotificationPrefs returns a person's channel choices; ErrNotFound when the person never
// chose.
func (t *Tx) NotificationPrefs(ctx context.Context, person string) (store.NotificationPrefs, error) {
	p := store.NotificationPrefs{Person: person}
	err := t.queryRow(ctx, `
		SELECT email, sms, address, phone, locale, updated_at FROM notification_prefs WHERE person = $1`,
		[]any{person}, &p.Email, &p.SMS, &p.Address, &p.Phone, &p.Locale, &p.UpdatedAt)
	if err != nil {
		return store.NotificationPrefs{}, wrap(err, "notification preferences of %s", person)
	}
	return p, nil
}

// SetNotificationPrefs stores a person's choices (UpdatedAt defaults to Now), replacing
// earlier ones. The write travels with the transaction's next statement (see Tx.later).
func (t *Tx) SetNotificationPrefs(ctx context.Context, p store.NotificationPrefs) error {
	p, err := store.StoredNotificationPrefs(p, t.now)
	if err != nil {
		return fmt.Errorf("set notification preferences: %w", err)
	}
	return t.later(ctx, "set notification preferences of "+p.Person, `
		INSERT INTO notification_prefs (person, email, sms, address, phone, locale, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (person) DO UPDATE
		SET email = excluded.email, sms = excluded.sms, address = excluded.address, phone = excluded.phone,
		    locale = excluded.locale, updated_at = excluded.updated_at`,
		p.Person, p.Email, p.SMS, p.Address, p.Phone, p.Locale, p.UpdatedAt)
}

// Reset hashes are a secret's fingerprint, as token hashes: they stay out of error messages.

// InsertPasswordReset stores a reset link (CreatedAt defaults to Now): ErrConflict if its
// hash is taken, ErrNotFound if its user is unknown. It is sent at once, inside a
// savepoint: a refusal comes back from the call and leaves the transaction usable.
func (t *Tx) InsertPasswordReset(ctx context.Context, r store.PasswordReset) error {
	r, err := store.StoredPasswordReset(r, t.now)
	if err != nil {
		return fmt.Errorf("insert password reset: %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO password_resets (hash, user_id, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		r.Hash, r.UserID, r.ExpiresAt, nullTime(r.UsedAt), r.CreatedAt)
	return wrap(t.guarded(ctx, b), "insert password reset of user %s", r.UserID)
}

// UsePasswordReset marks the reset link with this hash used at Now() and returns it;
// ErrNotFound if there is none, it was used, or it expired at Now(). Of concurrent callers
// one only finds it: the others wait on its row and then find it used.
func (t *Tx) UsePasswordReset(ctx context.Context, hash []byte) (store.PasswordReset, error) {
	var (
		r    store.PasswordReset
		used *time.Time
	)
	err := t.queryRow(ctx, `
		UPDATE password_resets SET used_at = $2
		WHERE hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING hash, user_id, expires_at, used_at, created_at`, []any{orBytes(hash), t.now},
		&r.Hash, &r.UserID, &r.ExpiresAt, &used, &r.CreatedAt)
	if err != nil {
		return store.PasswordReset{}, wrap(err, "use password reset")
	}
	r.UsedAt = timeOf(used)
	return r, nil
}
