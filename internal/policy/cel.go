package policy

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// The variables a condition can read. Money is in minor units (int); timestamps that did
// not happen are the zero time, so test the matching boolean first (order.delivered).

// OrderVars is `order` in conditions.
type OrderVars struct {
	No               string    `cel:"no"`
	Merchant         string    `cel:"merchant"`
	PaymentMethod    string    `cel:"payment_method"`
	ShippingFee      int64     `cel:"shipping_fee"`
	FreightInsurance bool      `cel:"freight_insurance"`
	PaidAt           time.Time `cel:"paid_at"`
	ShippedAt        time.Time `cel:"shipped_at"`
	DeliveredAt      time.Time `cel:"delivered_at"`
	CompletedAt      time.Time `cel:"completed_at"`
	Shipped          bool      `cel:"shipped"`
	Delivered        bool      `cel:"delivered"`
	Completed        bool      `cel:"completed"`
	Lines            int       `cel:"lines"`
	Total            int64     `cel:"total"` // paid for all items
	// MerchantTier is the merchant's scorecard tier of the last month scored (excellent,
	// good, improve, or the codes of the scorecard rules; "" when never scored).
	MerchantTier string `cel:"merchant_tier"`
}

// ItemVars is `item` in conditions: the order line being judged.
type ItemVars struct {
	SKU        string   `cel:"sku"`
	Title      string   `cel:"title"`
	Category   string   `cel:"category"`
	Quantity   int      `cel:"quantity"`
	UnitPrice  int64    `cel:"unit_price"`
	PaidAmount int64    `cel:"paid_amount"`
	Tags       []string `cel:"tags"`
}

// CaseVars is `case` in conditions: the application.
type CaseVars struct {
	Type            string `cel:"type"`
	Reason          string `cel:"reason"`
	Quantity        int    `cel:"quantity"` // units asked for, all items
	Amount          int64  `cel:"amount"`   // paid for those units
	RequestedAmount int64  `cel:"requested_amount"`
	RefundMethod    string `cel:"refund_method"`
	Channel         string `cel:"channel"`
	HasEvidence     bool   `cel:"has_evidence"`
	WholeOrder      bool   `cel:"whole_order"` // every unit of every line
	Description     string `cel:"description"`
}

// CustomerVars is `customer` in conditions.
type CustomerVars struct {
	ID string `cel:"id"`
	// Risk is the customer's abuse risk score, 0–100 (package risk explains it); RiskLevel
	// its band: low below 40, medium below 70, high from 70.
	Risk         int    `cel:"risk"`
	RiskLevel    string `cel:"risk_level"`
	WatchListed  bool   `cel:"watch_listed"` // on the platform's watch list
	Cases90d     int    `cel:"cases_90d"`
	ReturnRateBP int64  `cel:"return_rate_bp"`
}

// DeadlineOrderVars is `order` in deadline conditions: what a stored case knows of its
// order, so that a deadline is the same when Evaluate announces it and when the case runs it.
type DeadlineOrderVars struct {
	No            string `cel:"no"`
	Merchant      string `cel:"merchant"`
	PaymentMethod string `cel:"payment_method"`
	Shipped       bool   `cel:"shipped"`
	MerchantTier  string `cel:"merchant_tier"` // as at application (the case keeps it)
}

// DeadlineCaseVars is `case` in deadline conditions.
type DeadlineCaseVars struct {
	Type            string `cel:"type"`
	Reason          string `cel:"reason"`
	Quantity        int    `cel:"quantity"`
	Amount          int64  `cel:"amount"`
	RequestedAmount int64  `cel:"requested_amount"`
	RefundMethod    string `cel:"refund_method"`
	Channel         string `cel:"channel"`
	HasEvidence     bool   `cel:"has_evidence"`
}

// deadlineVars is the activation of deadline conditions.
type deadlineVars struct {
	order *DeadlineOrderVars
	kase  *DeadlineCaseVars
	now   time.Time
}

// ResolveName implements interpreter.Activation.
func (v *deadlineVars) ResolveName(name string) (any, bool) {
	switch name {
	case "order":
		return v.order, true
	case "case":
		return v.kase, true
	case "now":
		return v.now, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (v *deadlineVars) Parent() interpreter.Activation { return nil }

// vars is one activation: the values of the variables for one evaluation.
type vars struct {
	order    *OrderVars
	item     *ItemVars
	kase     *CaseVars
	customer *CustomerVars
	now      time.Time
}

// ResolveName implements interpreter.Activation without building a map per evaluation.
func (v *vars) ResolveName(name string) (any, bool) {
	switch name {
	case "order":
		return v.order, v.order != nil
	case "item":
		return v.item, v.item != nil
	case "case":
		return v.kase, v.kase != nil
	case "customer":
		return v.customer, v.customer != nil
	case "now":
		return v.now, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (v *vars) Parent() interpreter.Activation { return nil }

var (
	envOnce           sync.Once
	celEnv, celDeadln *cel.Env
	envErr            error
)

// environments returns the CEL environment of conditions on applications, and the narrower
// one of deadline conditions.
func environments() (full, deadline *cel.Env, err error) {
	envOnce.Do(func() {
		common := []cel.EnvOption{
			ext.NativeTypes(ext.ParseStructTags(true),
				reflect.TypeFor[OrderVars](), reflect.TypeFor[ItemVars](),
				reflect.TypeFor[CaseVars](), reflect.TypeFor[CustomerVars](),
				reflect.TypeFor[DeadlineOrderVars](), reflect.TypeFor[DeadlineCaseVars]()),
			cel.Variable("now", cel.TimestampType),
			ext.Strings(),
			cel.ParserExpressionSizeLimit(2000),
			cel.ParserRecursionLimit(50),
		}
		celEnv, envErr = cel.NewEnv(append(common,
			cel.Variable("order", cel.ObjectType("policy.OrderVars")),
			cel.Variable("item", cel.ObjectType("policy.ItemVars")),
			cel.Variable("case", cel.ObjectType("policy.CaseVars")),
			cel.Variable("customer", cel.ObjectType("policy.CustomerVars")),
		)...)
		if envErr != nil {
			return
		}
		celDeadln, envErr = cel.NewEnv(append(common,
			cel.Variable("order", cel.ObjectType("policy.DeadlineOrderVars")),
			cel.Variable("case", cel.ObjectType("policy.DeadlineCaseVars")),
		)...)
	})
	return celEnv, celDeadln, envErr
}

// condition is a compiled CEL boolean expression.
type condition struct {
	src string
	prg cel.Program
}

// costLimit bounds the work one condition may do, so that no policy can stall evaluation.
const costLimit = 100_000

// compile checks and compiles a condition on applications. Errors name the field and say
// what is wrong in words a policy author can act on.
func compile(field, src string) (*condition, error) { return compileIn(false, field, src) }

// compileDeadline compiles a deadline condition, which sees only what a case keeps.
func compileDeadline(field, src string) (*condition, error) { return compileIn(true, field, src) }

// legacyRisk finds customer.risk compared with a string: policies written before the risk
// score was a number (customer.risk == "low") meant the level, customer.risk_level now.
// Stored versions of them must still load, so the comparison is read as the level's.
var legacyRisk = regexp.MustCompile(`customer\.risk\s*(==|!=)\s*(["'])`)

func compileIn(deadline bool, field, src string) (*condition, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	full, dl, err := environments()
	if err != nil {
		return nil, fmt.Errorf("policy conditions are unavailable: %w", err)
	}
	env := full
	if deadline {
		env = dl
	}
	ast, iss := env.Compile(legacyRisk.ReplaceAllString(src, "customer.risk_level $1 $2"))
	if iss.Err() != nil {
		return nil, &ParseError{Field: field, Msg: "condition does not compile: " + celIssues(iss)}
	}
	if ast.OutputType() != cel.BoolType {
		return nil, &ParseError{Field: field, Msg: fmt.Sprintf("condition must be true or false, not %s", goTypes.Replace(ast.OutputType().String()))}
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(costLimit))
	if err != nil {
		return nil, &ParseError{Field: field, Msg: "condition cannot run: " + oneLine(err.Error())}
	}
	return &condition{src: src, prg: prg}, nil
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.Join(strings.Fields(s), " ")
}

// eval runs the condition. A condition that fails at run time (a missing timestamp, a
// division by zero) counts as false and the error is returned for the explanation.
func (c *condition) eval(v interpreter.Activation) (bool, error) {
	if c == nil {
		return true, nil
	}
	out, _, err := c.prg.Eval(v)
	if err != nil {
		return false, fmt.Errorf("condition %q: %s", c.src, goTypes.Replace(oneLine(err.Error())))
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("condition %q did not give true or false", c.src)
	}
	return bool(b), nil
}
