package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/demo"
)

// demoTokenTTL is how long the tokens printed for demo data stay valid.
const demoTokenTTL = 30 * 24 * time.Hour

func (m *Main) seed(ctx context.Context, args []string) error {
	fs := m.flagSet("seed", "--demo [--orders N | --cases N] [--workers N]", `Fills an empty store with demo data: Chinese shops and customers, orders over the last
90 days and after-sales cases in every state, all made through the application the way
real actors would. Prints a summary, a demo token for each role, demo staff accounts
and a customer's login link.

About one order in six becomes a case: --cases 100000 loads some 600,000 orders (and a
customer for every 16 or so). --workers plays the orders out on several connections at
once, for PostgreSQL; SQLite has one writer, and gains nothing from them.`)
	var (
		sf           storeFlags
		demoData     bool
		orders       int
		cases        int
		workers      int
		progress     string
		calendarFile string
	)
	sf.register(fs)
	fs.BoolVar(&demoData, "demo", false, "seed the demo data set (the only one there is; required)")
	fs.IntVar(&orders, "orders", 0, "`N` orders (0: the demo's default, 5000)")
	fs.IntVar(&cases, "cases", 0, "about `N` cases: as many orders as give them (instead of --orders)")
	fs.IntVar(&workers, "workers", 1, "`N` connections playing the orders out at once (for PostgreSQL)")
	fs.StringVar(&progress, "progress", progressAuto, "progress bar `WHEN`: auto (on a terminal), always, never")
	fs.StringVar(&calendarFile, "calendar", "", "calendar `FILE` (YAML) extending the built-in PRC business calendar")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return usageErrorf("seed: unexpected argument %q", rest[0])
	case !demoData:
		return usageErrorf("seed: nothing to seed: add --demo")
	case orders < 0 || cases < 0:
		return usageErrorf("seed: --orders and --cases must not be negative")
	case orders > 0 && cases > 0:
		return usageErrorf("seed: --orders or --cases, not both")
	case workers < 1 || workers > 64:
		return usageErrorf("seed: --workers must be between 1 and 64")
	case progress != progressAuto && progress != progressAlways && progress != progressNever:
		return usageErrorf("seed: --progress must be auto, always or never")
	}
	if cases > 0 {
		orders = ordersForCases(cases)
	}
	stacks := make([]*stack, workers)
	for i := range stacks {
		if stacks[i], err = m.openStack(ctx, stackConfig{store: sf, calendar: calendarFile}); err != nil {
			return err
		}
	}
	st := stacks[0]
	empty, err := isEmpty(ctx, st)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("seed: %s already holds after-sales cases; seed demo data into an empty store (a new --data folder or database)", st.where)
	}
	merchants, err := m.seedDemo(ctx, stacks, orders, progress)
	if err != nil {
		return err
	}
	return m.printDemoAccess(ctx, st, "", merchants)
}

// ordersForCases is how many demo orders give about n cases: the default demo's 5,000
// orders give 840 (one in 5.95), and the margin covers the spread of larger runs.
func ordersForCases(n int) int {
	return int(float64(n) * 5000 / 840 * 1.02)
}

// seedIfEmpty seeds demo data unless the store holds cases already, and returns the demo
// merchants' codes (nil when it did not seed).
func (m *Main) seedIfEmpty(ctx context.Context, st *stack, orders int) ([]string, error) {
	empty, err := isEmpty(ctx, st)
	if err != nil {
		return nil, err
	}
	if !empty {
		fmt.Fprintf(m.Stderr, "demo: %s already holds cases; demo data not loaded again\n", st.where)
		return nil, nil
	}
	return m.seedDemo(ctx, []*stack{st}, orders, progressAuto)
}

// seedDemo seeds with a worker on each stack (each stack its own store connection and
// clock) and prints what was made and how long it took.
func (m *Main) seedDemo(ctx context.Context, stacks []*stack, orders int, progress string) ([]string, error) {
	bar := m.newProgressBar("demo data", "orders", progress)
	workers := make([]demo.Worker, len(stacks))
	for i, st := range stacks {
		workers[i] = demo.Worker{App: st.app, Clock: st.clock}
	}
	start := time.Now()
	sum, err := demo.SeedParallel(ctx, workers, demo.Options{Orders: orders, Progress: func(done, total int) {
		bar.update(done, fraction(done, total))
	}})
	bar.finish()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(m.Stdout, "demo data: %d merchants, %d customers, %d orders, %d cases (%d applications refused by policy, %d deadlines passed, %d disputes decided, %d complaints, %d carrier events) in %s\n",
		sum.Merchants, sum.Customers, sum.Orders, sum.Cases, sum.Refused, sum.Timeouts, sum.Disputes, sum.Complaints, sum.CarrierEvents, time.Since(start).Round(time.Second))
	if r := sum.Risk; r.HighRisk != "" {
		fmt.Fprintf(m.Stdout, "risk and smart service (风控与智能客服): %s claimed parcels not received and is high-risk and on the watch list (/risk/watchlist), %s shares the address; %d alerts opened, one for SKU %s whose returns tripled (/alerts); %d emergency plans as drafts (/plans); the newest case is urgent (smoke) and its customer %s asked the assistant (/assistant?session=%s, with the login link below)\n",
			r.HighRisk, r.SecondAccount, r.Alerts, r.AlertSKU, r.Plans, r.Urgent, r.Session)
	}
	return slices.Sorted(maps.Keys(sum.OrdersByMerchant)), nil
}

func fraction(done, total int) float64 {
	if total <= 0 {
		return -1
	}
	return float64(done) / float64(total)
}

// isEmpty reports whether the store holds no after-sales case yet.
func isEmpty(ctx context.Context, st *stack) (bool, error) {
	list, err := st.app.ListCases(ctx, cliPrincipal, app.ListInput{Limit: 1})
	if err != nil {
		return false, fmt.Errorf("look for cases: %w", describe(err))
	}
	return len(list.Items) == 0, nil
}

// printDemoAccess creates and prints a token for each role — the customer of the newest
// case, each merchant (the demo's, or those of the newest cases when the store was seeded
// before), and the platform roles —, then the demo staff accounts and a login link for
// that customer.
func (m *Main) printDemoAccess(ctx context.Context, st *stack, base string, merchants []string) error {
	list, err := st.app.ListCases(ctx, cliPrincipal, app.ListInput{Limit: 500})
	if err != nil {
		return fmt.Errorf("demo tokens: %w", describe(err))
	}
	customer := ""
	seen := map[string]bool{}
	for _, c := range list.Items {
		if customer == "" {
			customer = c.Customer
		}
		seen[c.Merchant] = true
	}
	if merchants == nil {
		merchants = slices.Sorted(maps.Keys(seen))
	}
	specs := []app.TokenSpec{}
	if customer != "" {
		specs = append(specs, app.TokenSpec{Role: app.RoleCustomer, Customer: customer})
	}
	for _, code := range merchants {
		specs = append(specs, app.TokenSpec{Role: app.RoleMerchant, Merchant: code})
	}
	for _, r := range []app.Role{app.RoleAgent, app.RoleSupervisor, app.RoleAdmin, app.RoleIntegration} {
		specs = append(specs, app.TokenSpec{Role: r})
	}
	fmt.Fprintf(m.Stdout, "\ndemo tokens (演示令牌), valid for %d days:\n", int(demoTokenTTL/(24*time.Hour)))
	var admin string
	for _, spec := range specs {
		subject := spec.Customer + spec.Merchant
		spec.Name = "demo " + string(spec.Role) + " " + subject
		spec.TTL = demoTokenTTL
		secret, _, err := st.app.CreateToken(ctx, spec)
		if err != nil {
			return fmt.Errorf("demo token for %s: %w", spec.Role, describe(err))
		}
		if spec.Role == app.RoleAdmin {
			admin = secret
		}
		if subject == "" {
			subject = "-"
		}
		fmt.Fprintf(m.Stdout, "  %-11s %-16s %s\n", spec.Role, subject, secret)
	}
	if err := m.printDemoAccounts(ctx, st, base, merchants); err != nil {
		return err
	}
	if err := m.seedDesk(ctx, st); err != nil {
		return err
	}
	if err := m.seedAnalytics(ctx, st, merchants); err != nil {
		return err
	}
	if customer != "" {
		if _, err := st.app.SetShopSecret(ctx, cliPrincipal, app.PlatformShop); err != nil {
			return fmt.Errorf("demo shop secret: %w", describe(err))
		}
		link, err := m.loginLink(ctx, st, base, app.PlatformShop, customer, app.LoginLinkMaxAge)
		if err != nil {
			return fmt.Errorf("demo login link: %w", err)
		}
		fmt.Fprintf(m.Stdout, "\ncustomer login link (买家登录链接) for %s, valid %d minutes, for one use (aftersales shop link --shop %s --customer %s makes more):\n  %s\n",
			customer, int(app.LoginLinkMaxAge/time.Minute), app.PlatformShop, customer, link)
	}
	if base != "" {
		fmt.Fprintf(m.Stdout, "\ntry:\n  curl -H 'Authorization: Bearer %s' %s/api/v1/cases?limit=5\n  open %s/login\n", admin, base, base)
	}
	return nil
}

// demoAccount is a demo staff account.
type demoAccount struct {
	username string
	role     app.Role
	merchant string
}

// printDemoAccounts makes the demo staff accounts — an admin, a supervisor, an agent and
// one merchant staff per merchant — or, when they exist from an earlier start, gives them
// new passwords (enabled and unlocked), and prints the passwords once.
func (m *Main) printDemoAccounts(ctx context.Context, st *stack, base string, merchants []string) error {
	users, err := st.app.Users(ctx, cliPrincipal)
	if err != nil {
		return fmt.Errorf("demo accounts: %w", describe(err))
	}
	exists := map[string]bool{}
	for _, u := range users {
		exists[u.Username] = true
		// Merchant staff of an earlier start, whose merchant has no recent case now.
		if u.Role == app.RoleMerchant && u.Username == "staff."+u.Merchant && !slices.Contains(merchants, u.Merchant) {
			merchants = append(merchants, u.Merchant)
		}
	}
	slices.Sort(merchants)
	accounts := []demoAccount{{"admin", app.RoleAdmin, ""}, {"supervisor", app.RoleSupervisor, ""}, {"agent", app.RoleAgent, ""}}
	for _, code := range merchants {
		accounts = append(accounts, demoAccount{"staff." + code, app.RoleMerchant, code})
	}
	fmt.Fprintf(m.Stdout, "\ndemo accounts (演示账号), log in at %s/login; the passwords are shown only now:\n", base)
	for _, a := range accounts {
		password := newPassword()
		if exists[a.username] {
			enabled := false
			_, err = st.app.ChangeUser(ctx, cliPrincipal, a.username, app.UserChange{Password: &password, Disabled: &enabled, Unlock: true})
		} else {
			_, err = st.app.CreateUser(ctx, cliPrincipal, app.UserInput{Username: a.username, Role: a.role, Merchant: a.merchant,
				DisplayName: strings.TrimSpace("demo " + string(a.role) + " " + a.merchant), Password: password})
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.username, describe(err))
		}
		fmt.Fprintf(m.Stdout, "  %-11s %-24s %s\n", a.role, a.username, password)
	}
	return nil
}

// seedDesk sets up the service desk of the demo once: rules, articles, canned replies,
// owners, ratings, a review sample (demo.SeedDesk), acting as the demo's agent and
// supervisor accounts.
func (m *Main) seedDesk(ctx context.Context, st *stack) error {
	users, err := st.app.Users(ctx, cliPrincipal)
	if err != nil {
		return fmt.Errorf("demo desk: %w", describe(err))
	}
	ids := map[string]string{}
	for _, u := range users {
		ids[u.Username] = u.ID
	}
	sum, err := demo.SeedDesk(ctx, st.app, ids["agent"], ids["supervisor"], "agent", "supervisor")
	if err != nil {
		return fmt.Errorf("demo desk: %w", describe(err))
	}
	if sum.Articles > 0 {
		fmt.Fprintf(m.Stdout, "\nservice desk (客服台): %d help articles at /help, %d canned replies, %d cases owned by agent, %d ratings (%d follow-ups), %d reviews to score\n",
			sum.Articles, sum.Replies, sum.Assigned, sum.Surveys, sum.FollowUps, sum.Reviews)
	}
	return nil
}

// seedAnalytics makes the demo's reports ready: every record folded into the report
// cells, the last three months scored (tiers), and a daily report by email for the first
// merchant (logged without --smtp-url).
func (m *Main) seedAnalytics(ctx context.Context, st *stack, merchants []string) error {
	folded, err := st.app.FoldReports(ctx, 1<<30)
	if err != nil {
		return fmt.Errorf("demo reports: %w", err)
	}
	now := st.app.Now()
	var tiers []string
	for back := 3; back >= 1; back-- {
		month := now.AddDate(0, -back, 0).Format("2006-01")
		cards, err := st.app.KeepScorecards(ctx, cliPrincipal, month)
		if err != nil {
			return fmt.Errorf("demo scorecards %s: %w", month, describe(err))
		}
		if back == 1 {
			for _, c := range cards {
				tiers = append(tiers, c.Merchant+" "+cmp.Or(c.Tier, "-"))
			}
		}
	}
	if len(merchants) > 0 {
		p := app.Principal{Role: app.RoleMerchant, Merchant: merchants[0], ID: "demo", User: "merchant"}
		if _, err := st.app.CreateSchedule(ctx, p, app.ScheduleInput{Report: "return_rate", GroupBy: "category", Frequency: "daily",
			Channel: "email", Target: "reports@" + merchants[0] + ".example", Format: "xlsx", Lang: "zh"}); err != nil {
			return fmt.Errorf("demo report schedule: %w", describe(err))
		}
	}
	fmt.Fprintf(m.Stdout, "\nanalytics (数据分析): report aggregates up to date (%d records folded now); last month's tiers: %s; dashboards at /dashboard, scorecards at /scorecards\n",
		folded, strings.Join(tiers, ", "))
	return nil
}
