package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/store"
)

// InsertNotification adds n to its recipient's inbox unless the recipient has one with the
// same source (notifications' unique key): inserted is false then, and nothing changes.
func (tx *Tx) InsertNotification(ctx context.Context, n store.Notification) (bool, error) {
	n, err := store.StoredNotification(n, tx.now)
	if err != nil {
		return false, fmt.Errorf("insert notification: %w", err)
	}
	const q = `
INSERT INTO notifications (recipient, source, event, case_id, subject_zh, subject_en, body_zh, body_en, link,
                           read_at, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (recipient, source) DO NOTHING`
	res, err := tx.exec(ctx, q, n.Recipient, n.Source, n.Event, n.CaseID, n.Subject.ZH, n.Subject.EN, n.Body.ZH,
		n.Body.EN, n.Link, nullMicros(n.ReadAt), micros(n.At))
	if err != nil {
		return false, fmt.Errorf("insert notification %s for %s: %w", n.Source, n.Recipient, dbErr(err))
	}
	added, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert notification %s for %s: %w", n.Source, n.Recipient, err)
	}
	return added > 0, nil
}

// notificationColumns are what scanNotification reads, in its order.
const notificationColumns = `id, recipient, source, event, case_id, subject_zh, subject_en, body_zh, body_en, link,
       read_at, at`

// scanNotification reads a row of notificationColumns.
func scanNotification(row scanner) (store.Notification, error) {
	var (
		n    store.Notification
		read sql.NullInt64
		at   int64
	)
	err := row.Scan(&n.ID, &n.Recipient, &n.Source, &n.Event, &n.CaseID, &n.Subject.ZH, &n.Subject.EN,
		&n.Body.ZH, &n.Body.EN, &n.Link, &read, &at)
	if err != nil {
		return store.Notification{}, err
	}
	n.ReadAt, n.At = fromNullMicros(read), fromMicros(at)
	return n, nil
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
	return 0, fmt.Errorf("cursor %q: %w", cursor, errBadCursor)
}

// ListNotifications returns one page of a recipient's notifications, newest first (id
// DESC, notifications_recipient or notifications_unread). The cursor is the id of the
// page's last notification; the next page starts after it.
func (tx *Tx) ListNotifications(ctx context.Context, q store.NotificationQuery) ([]store.Notification, string, error) {
	limit := pageLimit(q.Limit)
	f := &filter{}
	f.add("recipient = ?", q.Recipient)
	if q.Unread {
		f.add("read_at IS NULL")
	}
	if q.Cursor != "" {
		id, err := decodeIDCursor(notificationCursorPrefix, q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("list notifications: %w", err)
		}
		f.add("id < ?", id)
	}
	query := `SELECT ` + notificationColumns + ` FROM notifications` + f.sql() + `
ORDER BY id DESC
LIMIT ?`
	rows, err := tx.query(ctx, query, append(f.args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications of %s: %w", q.Recipient, dbErr(err))
	}
	defer rows.Close()
	var (
		ns   []store.Notification
		more bool
	)
	for rows.Next() {
		if len(ns) == limit {
			more = true // the extra row only says that there is a next page
			break
		}
		n, err := scanNotification(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list notifications of %s: %w", q.Recipient, err)
		}
		ns = append(ns, n)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list notifications of %s: %w", q.Recipient, err)
	}
	if !more {
		return ns, "", nil
	}
	return ns, encodeIDCursor(notificationCursorPrefix, ns[len(ns)-1].ID), nil
}

// UnreadNotifications counts a recipient's unread notifications (notifications_unread).
func (tx *Tx) UnreadNotifications(ctx context.Context, recipient string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT count(*) FROM notifications WHERE recipient = ? AND read_at IS NULL`, recipient).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread notifications of %s: %w", recipient, dbErr(err))
	}
	return n, nil
}

// MarkNotificationsRead marks the recipient's unread notifications with these ids (all of
// them when ids is empty) read at Now() and returns how many changed.
func (tx *Tx) MarkNotificationsRead(ctx context.Context, recipient string, ids []int64) (int, error) {
	f := &filter{}
	f.add("recipient = ?", recipient)
	f.add("read_at IS NULL")
	if len(ids) > 0 {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		f.add("id IN ("+placeholders(len(ids))+")", args...)
	}
	res, err := tx.exec(ctx, `UPDATE notifications SET read_at = ?`+f.sql(), append([]any{micros(tx.now)}, f.args...)...)
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", recipient, dbErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", recipient, err)
	}
	return int(n), nil
}

// NotificationPrefs returns a person's channel choices; ErrNotFound when the person never
// chose.
func (tx *Tx) NotificationPrefs(ctx context.Context, person string) (store.NotificationPrefs, error) {
	p := store.NotificationPrefs{Person: person}
	var updated int64
	err := tx.queryRow(ctx, `
SELECT email, sms, address, phone, locale, updated_at FROM notification_prefs WHERE person = ?`, person).
		Scan(&p.Email, &p.SMS, &p.Address, &p.Phone, &p.Locale, &updated)
	if err != nil {
		return store.NotificationPrefs{}, fmt.Errorf("notification preferences of %s: %w", person, dbErr(err))
	}
	p.UpdatedAt = fromMicros(updated)
	return p, nil
}

// SetNotificationPrefs stores a person's choices (UpdatedAt defaults to Now), replacing
// earlier ones.
func (tx *Tx) SetNotificationPrefs(ctx context.Context, p store.NotificationPrefs) error {
	p, err := store.StoredNotificationPrefs(p, tx.now)
	if err != nil {
		return fmt.Errorf("set notification preferences: %w", err)
	}
	const q = `
INSERT INTO notification_prefs (person, email, sms, address, phone, locale, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (person) DO UPDATE
SET email = excluded.email, sms = excluded.sms, address = excluded.address, phone = excluded.phone,
    locale = excluded.locale, updated_at = excluded.updated_at`
	_, err = tx.exec(ctx, q, p.Person, p.Email, p.SMS, p.Address, p.Phone, p.Locale, micros(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("set notification preferences of %s: %w", p.Person, dbErr(err))
	}
	return nil
}

// Reset hashes are a secret's fingerprint, as token hashes: they stay out of error messages.

// InsertPasswordReset stores a reset link (CreatedAt defaults to Now); ErrConflict if its
// hash is taken, ErrNotFound if its user is unknown.
func (tx *Tx) InsertPasswordReset(ctx context.Context, r store.PasswordReset) error {
	r, err := store.StoredPasswordReset(r, tx.now)
	if err != nil {
		return fmt.Errorf("insert password reset: %w", err)
	}
	const q = `
INSERT INTO password_resets (hash, user_id, expires_at, used_at, created_at) VALUES (?, ?, ?, ?, ?)`
	_, err = tx.exec(ctx, q, r.Hash, r.UserID, micros(r.ExpiresAt), nullMicros(r.UsedAt), micros(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert password reset of user %s: %w", r.UserID, dbErr(err))
	}
	return nil
}

// UsePasswordReset marks the reset link with this hash used at Now() and returns it;
// ErrNotFound if there is none, it was used, or it expired at Now().
func (tx *Tx) UsePasswordReset(ctx context.Context, hash []byte) (store.PasswordReset, error) {
	const q = `
UPDATE password_resets SET used_at = ?
WHERE hash = ? AND used_at IS NULL AND expires_at > ?
RETURNING hash, user_id, expires_at, used_at, created_at`
	var (
		r                      store.PasswordReset
		expires, used, created int64
	)
	err := tx.queryRow(ctx, q, micros(tx.now), nonNil(hash), micros(tx.now)).
		Scan(&r.Hash, &r.UserID, &expires, &used, &created)
	if err != nil {
		return store.PasswordReset{}, fmt.Errorf("use password reset: %w", dbErr(err))
	}
	r.ExpiresAt, r.UsedAt, r.CreatedAt = fromMicros(expires), fromMicros(used), fromMicros(created)
	return r, nil
}
