package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationNames lists the embedded migrations in the order they apply (by file name:
// 0001_init.sql, 0002_….sql, …).
func migrationNames() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// Migrate applies, each in its own transaction, the embedded migrations not yet recorded
// in schema_migrations.
func (db *DB) Migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT PRIMARY KEY,
	applied_at INTEGER NOT NULL
)`
	if _, err := db.write.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := migrationNames()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, file := range names {
		if err := db.migrateFile(ctx, file); err != nil {
			return fmt.Errorf("migrate %s: %w", path.Base(file), err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, file string) error {
	name := path.Base(file)
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	script, err := fs.ReadFile(migrationFiles, file)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
		name, micros(db.now())); err != nil {
		return err
	}
	return tx.Commit()
}

// Ready reports whether both connection pools answer and every embedded migration is
// applied.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite not ready: %w", err)
	}
	names, err := migrationNames()
	if err != nil {
		return err
	}
	applied := map[string]bool{}
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("sqlite not ready: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("sqlite not ready: %w", err)
		}
		applied[name] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite not ready: %w", err)
	}
	for _, name := range names {
		if !applied[path.Base(name)] {
			return fmt.Errorf("sqlite not ready: migration %s is not applied", name)
		}
	}
	return nil
}
