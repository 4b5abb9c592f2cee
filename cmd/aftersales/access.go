package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// The access commands: staff accounts (user), API tokens (token list|revoke; token
// create is in commands.go) and the shop systems' login-link secrets (shop). Each opens
// the store and calls the app as the command line's admin.

func (m *Main) user(ctx context.Context, args []string) error {
	fs := m.flagSet("user", "create|list|set [flags]", `Manages staff accounts, who log in at /login with a password:

  user create --username U --role ROLE [--merchant CODE] [--scope a,b] [--display-name N]
      reads the password from standard input (one line), or makes one with
      --generate-password and prints it once on standard output
  user list
  user set --username U [--password-stdin] [--disable|--enable] [--unlock]
      a new password or --disable ends the account's sessions at once

Roles: merchant (staff of --merchant), agent, supervisor (--scope: the merchants they
serve; all when empty), admin. Passwords have at least 10 characters; five wrong ones in
a row lock the account for 15 minutes (--unlock lifts it).`)
	var (
		sf                      storeFlags
		in                      app.UserInput
		role, scope             string
		generate, passwordStdin bool
		disable, enable, unlock bool
	)
	sf.register(fs)
	fs.StringVar(&in.Username, "username", "", "the account's `NAME`: 3–64 lower-case letters, digits or . _ -")
	fs.StringVar(&role, "role", "", "`ROLE` of a new account: merchant, agent, supervisor or admin")
	fs.StringVar(&in.Merchant, "merchant", "", "merchant `CODE` of merchant staff")
	fs.StringVar(&scope, "scope", "", "comma-separated merchant `CODES` an agent or supervisor serves (empty: all)")
	fs.StringVar(&in.DisplayName, "display-name", "", "the `NAME` shown for the account")
	fs.BoolVar(&generate, "generate-password", false, "user create: make a random password and print it once, instead of reading one")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "user set: read a new password from standard input")
	fs.BoolVar(&disable, "disable", false, "user set: disable the account (its sessions end)")
	fs.BoolVar(&enable, "enable", false, "user set: enable a disabled account")
	fs.BoolVar(&unlock, "unlock", false, "user set: lift a lockout after wrong passwords")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fs.Usage()
		return usageErrorf("user: say what to do: create, list or set")
	}
	if len(rest) > 1 {
		return usageErrorf("user %s: unexpected argument %q", rest[0], rest[1])
	}
	switch rest[0] {
	case "create":
		in.Role = app.Role(role)
		if scope != "" {
			in.Scope = strings.Split(scope, ",")
		}
		return m.userCreate(ctx, sf, in, generate)
	case "list":
		return m.userList(ctx, sf)
	case "set":
		switch {
		case in.Username == "":
			return usageErrorf("user set: --username is required")
		case disable && enable:
			return usageErrorf("user set: --disable and --enable contradict each other")
		case !passwordStdin && !disable && !enable && !unlock:
			return usageErrorf("user set: nothing to change: --password-stdin, --disable, --enable or --unlock")
		}
		var change app.UserChange
		if passwordStdin {
			pw, err := m.readPassword()
			if err != nil {
				return err
			}
			change.Password = &pw
		}
		if disable || enable {
			change.Disabled = &disable
		}
		change.Unlock = unlock
		return m.userSet(ctx, sf, in.Username, change)
	}
	return usageErrorf("user: unknown subcommand %q (there are: create, list, set)", rest[0])
}

func (m *Main) userCreate(ctx context.Context, sf storeFlags, in app.UserInput, generate bool) error {
	switch {
	case in.Username == "":
		return usageErrorf("user create: --username is required")
	case in.Role == "":
		return usageErrorf("user create: --role is required (merchant, agent, supervisor or admin)")
	}
	if generate {
		in.Password = newPassword()
	} else {
		pw, err := m.readPassword()
		if err != nil {
			return err
		}
		in.Password = pw
	}
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	u, err := st.app.CreateUser(ctx, cliPrincipal, in)
	if err != nil {
		return fmt.Errorf("user create: %w", describe(err))
	}
	if generate {
		fmt.Fprintln(m.Stdout, in.Password)
	}
	fmt.Fprintf(m.Stderr, "user %s (%s) created in %s; log in at /login.", u.Username, describeRole(u.Role, u.Merchant, u.Scope), st.where)
	if generate {
		fmt.Fprint(m.Stderr, " The password above is shown only once.")
	}
	fmt.Fprintln(m.Stderr)
	return nil
}

func (m *Main) userList(ctx context.Context, sf storeFlags) error {
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	users, err := st.app.Users(ctx, cliPrincipal)
	if err != nil {
		return fmt.Errorf("user list: %w", describe(err))
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tMERCHANT/SCOPE\tSTATUS\tCREATED\tNAME")
	for _, u := range users {
		status := "active"
		switch {
		case u.Disabled:
			status = "disabled"
		case u.Locked:
			status = "locked"
		}
		where := u.Merchant
		if where == "" && (u.Role == app.RoleAgent || u.Role == app.RoleSupervisor) {
			where = "all"
			if len(u.Scope) > 0 {
				where = strings.Join(u.Scope, ",")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, orDash(where), status,
			u.CreatedAt.Local().Format(time.DateTime), orDash(u.DisplayName))
	}
	return tw.Flush()
}

func (m *Main) userSet(ctx context.Context, sf storeFlags, username string, change app.UserChange) error {
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	u, err := st.app.ChangeUser(ctx, cliPrincipal, username, change)
	if err != nil {
		return fmt.Errorf("user set: %w", describe(err))
	}
	var done []string
	if change.Password != nil {
		done = append(done, "password changed")
	}
	if change.Disabled != nil {
		done = append(done, map[bool]string{true: "disabled", false: "enabled"}[*change.Disabled])
	}
	if change.Unlock {
		done = append(done, "unlocked")
	}
	if change.Password != nil || u.Disabled {
		done = append(done, "its sessions ended")
	}
	fmt.Fprintf(m.Stdout, "user %s: %s\n", u.Username, strings.Join(done, ", "))
	return nil
}

// readPassword reads one line from standard input, without its line ending.
func (m *Main) readPassword() (string, error) {
	if f, ok := m.Stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(m.Stderr, "password (echoed; pipe it in to hide it): ")
		}
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageErrorf("no password on standard input (or use --generate-password with user create)")
	}
	return pw, nil
}

// newPassword is a random password: 26 characters of base32, 130 bits.
func newPassword() string { return strings.ToLower(rand.Text()) }

func describeRole(r app.Role, merchant string, scope []string) string {
	switch {
	case merchant != "":
		return string(r) + " of " + merchant
	case len(scope) > 0:
		return string(r) + " serving " + strings.Join(scope, ", ")
	}
	return string(r)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// tokenList prints the API tokens, newest first (never a secret: only hashes are kept).
func (m *Main) tokenList(ctx context.Context, sf storeFlags) error {
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	tokens, err := st.app.Tokens(ctx, cliPrincipal)
	if err != nil {
		return fmt.Errorf("token list: %w", describe(err))
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tMERCHANT/CUSTOMER\tCREATED\tEXPIRES\tREVOKED\tNAME")
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Local().Format(time.DateTime)
	}
	for _, t := range tokens {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, orDash(t.Merchant+t.Customer),
			at(&t.CreatedAt), at(t.ExpiresAt), at(t.RevokedAt), orDash(t.Name))
	}
	return tw.Flush()
}

func (m *Main) tokenRevoke(ctx context.Context, sf storeFlags, id string) error {
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	if err := st.app.RevokeToken(ctx, cliPrincipal, id); err != nil {
		return fmt.Errorf("token revoke: %w", describe(err))
	}
	fmt.Fprintf(m.Stdout, "token %s revoked: requests with it are refused from now on\n", id)
	return nil
}

func (m *Main) shop(ctx context.Context, args []string) error {
	fs := m.flagSet("shop", "secret|link --shop CODE [flags]", `Customers arrive from a shop system by login links it signs (HMAC-SHA256) with a secret it
shares with the platform: one per merchant shop (its links see only that merchant's
cases) and one for the marketplace itself, "platform" (all of the customer's cases).

  shop secret --shop CODE|platform
      makes a new secret and prints it in hex, shown only once: give it to the shop
      system; links signed with the old one stop working
  shop link --shop CODE|platform --customer ID [--ttl 10m] [--base URL]
      prints a login link signed with the stored secret, for demos and for shop
      developers checking their own signing (at most 15 minutes; a link opens one session)`)
	var (
		sf             storeFlags
		shop, customer string
		base           string
		ttl            time.Duration
	)
	sf.register(fs)
	fs.StringVar(&shop, "shop", "", "the shop system: a merchant `CODE`, or platform")
	fs.StringVar(&customer, "customer", "", "shop link: the customer `ID` the link logs in")
	fs.DurationVar(&ttl, "ttl", 10*time.Minute, "shop link: how long the link is valid (at most 15m)")
	fs.StringVar(&base, "base", "http://127.0.0.1:8080", "shop link: the server's `URL`")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0:
		fs.Usage()
		return usageErrorf("shop: say what to do: secret or link")
	case len(rest) > 1:
		return usageErrorf("shop %s: unexpected argument %q", rest[0], rest[1])
	case rest[0] != "secret" && rest[0] != "link":
		return usageErrorf("shop: unknown subcommand %q (there are: secret, link)", rest[0])
	case shop == "":
		return usageErrorf("shop %s: --shop is required (a merchant code, or platform)", rest[0])
	case rest[0] == "link" && customer == "":
		return usageErrorf("shop link: --customer is required")
	}
	st, err := m.openStack(ctx, stackConfig{store: sf})
	if err != nil {
		return err
	}
	if rest[0] == "secret" {
		secret, err := st.app.SetShopSecret(ctx, cliPrincipal, shop)
		if err != nil {
			return fmt.Errorf("shop secret: %w", describe(err))
		}
		fmt.Fprintln(m.Stdout, hex.EncodeToString(secret))
		fmt.Fprintf(m.Stderr, "new login-link secret of %s in %s: shown only once; links signed with the previous one no longer open.\n", shop, st.where)
		return nil
	}
	link, err := m.loginLink(ctx, st, base, shop, customer, ttl)
	if err != nil {
		return fmt.Errorf("shop link: %w", err)
	}
	fmt.Fprintln(m.Stdout, link)
	return nil
}

// loginLink is a signed login link to base's /login/link.
func (m *Main) loginLink(ctx context.Context, st *stack, base, shop, customer string, ttl time.Duration) (string, error) {
	query, err := st.app.MakeLoginLink(ctx, cliPrincipal, shop, customer, ttl)
	if err != nil {
		return "", describe(err)
	}
	return strings.TrimRight(base, "/") + "/login/link?" + query, nil
}
