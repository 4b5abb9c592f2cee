package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/clock"
)

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs := m.flagSet("migrate", "[flags]", `Applies the database migrations that are not applied yet, each in its own transaction,
and exits. serve does the same at start; run migrate first when several replicas share
one PostgreSQL database.`)
	var sf storeFlags
	sf.register(fs)
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("migrate: unexpected argument %q", rest[0])
	}
	db, where, err := m.openStore(ctx, sf, &clock.Clock{})
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", where, err)
	}
	if err := db.Ready(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", where, err)
	}
	fmt.Fprintf(m.Stdout, "%s is migrated\n", where)
	return nil
}

func (m *Main) token(ctx context.Context, args []string) error {
	fs := m.flagSet("token", "create|list|revoke [flags] [ID]",
		`Manages API tokens. Works while a server runs on the same store.

  token create --role ROLE [--merchant CODE] [--customer ID] [--name NAME] [--ttl 720h]
  token create --user USERNAME [--name NAME] [--ttl 720h]
      creates a token and prints its secret on standard output, shown only this once:
      the store keeps its SHA-256. With --user the token acts as that staff account (its
      role, merchant and scope; disabled with it), so that assignments and replies name
      the person
  token list
      lists the tokens (never their secrets)
  token revoke ID
      revokes a token: the next request with it is refused

Roles: customer (needs --customer), merchant (needs --merchant), agent, supervisor,
admin, integration (--merchant binds it to one merchant's orders).`)
	var (
		sf   storeFlags
		spec app.TokenSpec
		role string
	)
	sf.register(fs)
	fs.StringVar(&role, "role", "", "`ROLE`: customer, merchant, agent, supervisor, admin or integration")
	fs.StringVar(&spec.Merchant, "merchant", "", "merchant `CODE` of a merchant or integration token")
	fs.StringVar(&spec.Customer, "customer", "", "customer `ID` of a customer token")
	fs.StringVar(&spec.Name, "name", "", "a `NAME` to recognise the token by")
	fs.StringVar(&spec.User, "user", "", "the staff account's `USERNAME` the token acts as (instead of --role)")
	fs.DurationVar(&spec.TTL, "ttl", 720*time.Hour, "how long the token is valid (0: until revoked)")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0:
		fs.Usage()
		return usageErrorf("token: say what to do: create, list or revoke")
	case rest[0] == "list" && len(rest) == 1:
		return m.tokenList(ctx, sf)
	case rest[0] == "revoke" && len(rest) == 2:
		return m.tokenRevoke(ctx, sf, rest[1])
	case rest[0] == "revoke":
		return usageErrorf("token revoke: say which token: token revoke ID (see token list)")
	case rest[0] != "create" && rest[0] != "list":
		return usageErrorf("token: unknown subcommand %q (there are: create, list, revoke)", rest[0])
	case len(rest) > 1:
		return usageErrorf("token %s: unexpected argument %q", rest[0], rest[1])
	case role == "" && spec.User == "":
		return usageErrorf("token create: --role or --user is required (customer, merchant, agent, supervisor, admin or integration; or a staff username)")
	case spec.TTL < 0:
		return usageErrorf("token create: --ttl must not be negative")
	}
	spec.Role = app.Role(role)
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	secret, t, err := st.app.CreateToken(ctx, spec)
	if err != nil {
		return fmt.Errorf("token create: %w", describe(err))
	}
	fmt.Fprintln(m.Stdout, secret)
	expires := "never expires"
	if !t.ExpiresAt.IsZero() {
		expires = "expires " + t.ExpiresAt.Local().Format(time.DateTime+" MST")
	}
	fmt.Fprintf(m.Stderr, "token %s for role %s created in %s; it %s. The secret above is shown only once.\n", t.ID, t.Role, st.where, expires)
	return nil
}
