package delivery_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/stream"
)

// The event stream end to end (SPEC §13): cases change, the relay publishes each event to
// JetStream; the NATS server dies while events wait and comes back on the same port and
// store; every event is in the stream exactly once, under aftersales.<merchant>.<event>.
func TestEveryCaseEventReachesTheStreamOnce(t *testing.T) {
	dir := t.TempDir()
	ns := startNATS(t, server.RANDOM_PORT, dir)
	port := ns.Addr().(*net.TCPAddr).Port
	pub, err := stream.Connect(ns.ClientURL(), stream.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Close)
	env := apitest.NewWithApp(t, apitest.Backends()[0], func(c *app.Config) { c.Publisher = pub }, nil)
	ctx := t.Context()
	shop := app.Principal{Role: app.RoleIntegration, ID: "shop"}
	merchant := app.Principal{Role: app.RoleMerchant, Merchant: "shop-1", ID: "staff"}

	open := func(n int) app.CaseView {
		now := time.Now().UTC()
		shipped, delivered := now.Add(-5*24*time.Hour), now.Add(-2*24*time.Hour)
		no := "ORD-S-" + string(rune('A'+n))
		if _, err := env.App.UpsertOrder(ctx, shop, app.OrderInput{OrderNo: no, Merchant: "shop-1", Customer: "cust-1", Currency: "CNY",
			PaymentMethod: string(order.Online), PaidAt: now.Add(-6 * 24 * time.Hour), ShippedAt: &shipped, DeliveredAt: &delivered,
			Items: []app.OrderItemInput{{SKU: "JACKET", Title: "Jacket", Category: "apparel", Quantity: 1, UnitPrice: 29900, PaidAmount: 29900}}}, nil); err != nil {
			t.Fatal(err)
		}
		r, err := env.App.Apply(ctx, app.Principal{Role: app.RoleCustomer, Customer: "cust-1", ID: "cust-1"}, app.ApplyInput{OrderNo: no,
			Type: aftersale.ReturnRefund, Reason: aftersale.NoReason, Items: []policy.RequestItem{{SKU: "JACKET", Quantity: 1}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return *r.Value
	}
	approve := func(c app.CaseView) {
		if _, err := env.App.Act(ctx, merchant, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version}, nil); err != nil {
			t.Fatal(err)
		}
	}

	c1, c2 := open(1), open(2)
	approve(c1)
	env.DrainOutbox(t) // three events published
	stopNATS(ns)
	approve(c2)
	c3 := open(3)
	env.DrainOutbox(t) // the server is down: they wait for their retries
	ns = startNATS(t, port, dir)
	for i := range 5 {
		env.Clock.Set(time.Now().Add(time.Duration(i+1) * 5 * time.Minute))
		env.DrainOutbox(t)
	}
	env.DrainOutbox(t)

	want := map[string]string{
		"case-" + c1.ID + "-1": "aftersales.shop-1.case.created", "case-" + c1.ID + "-2": "aftersales.shop-1.case.approve",
		"case-" + c2.ID + "-1": "aftersales.shop-1.case.created", "case-" + c2.ID + "-2": "aftersales.shop-1.case.approve",
		"case-" + c3.ID + "-1": "aftersales.shop-1.case.created",
	}
	got := readStream(t, ns)
	if len(got) != len(want) {
		t.Errorf("the stream holds %d messages, want %d: %v", len(got), len(want), got)
	}
	for id, subject := range want {
		if got[id] != subject {
			t.Errorf("event %s: subject %q, want %q", id, got[id], subject)
		}
	}
}

func startNATS(t *testing.T, port int, dir string) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { stopNATS(s) })
	return s
}

func stopNATS(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

// readStream reads every message of the stream: subject by Nats-Msg-Id; a message id
// twice fails the test.
func readStream(t *testing.T, s *server.Server) map[string]string {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			id := m.Headers().Get(nats.MsgIdHdr)
			if _, dup := got[id]; dup {
				t.Errorf("event %s is in the stream twice", id)
			}
			got[id] = m.Subject()
		}
		if n == 0 {
			return got
		}
	}
}
