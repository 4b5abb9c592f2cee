package aftersale

import "strings"

// The keys of SLANotices end in one of these: "<clock>@<start, Unix seconds>:warning" when
// a clock's interval became at risk, ":breach" when it was breached (each recorded once
// per interval, by the application's SLA check).
const (
	SLAWarningSuffix = ":warning"
	SLABreachSuffix  = ":breach"
)

// SLAFlag is the gravest SLA notice recorded on a case: what the service desk's queue
// filters on. It tells what happened, not how the clocks stand now: a case whose clock was
// at risk and then met its target stays at_risk.
type SLAFlag string

// SLA flags.
const (
	SLAFlagNone     SLAFlag = ""
	SLAFlagAtRisk   SLAFlag = "at_risk"  // a warning was recorded, no breach
	SLAFlagBreached SLAFlag = "breached" // a breach was recorded
)

// SLAFlags lists the flags a queue can select (not SLAFlagNone).
var SLAFlags = []SLAFlag{SLAFlagAtRisk, SLAFlagBreached}

// Valid reports whether f is a flag a queue can select.
func (f SLAFlag) Valid() bool { return f == SLAFlagAtRisk || f == SLAFlagBreached }

// SLAFlag is breached if any breach is recorded on c, at_risk if a warning and no breach
// is, and none otherwise.
func (c *Case) SLAFlag() SLAFlag {
	flag := SLAFlagNone
	for _, n := range c.SLANotices {
		switch {
		case strings.HasSuffix(n, SLABreachSuffix):
			return SLAFlagBreached
		case strings.HasSuffix(n, SLAWarningSuffix):
			flag = SLAFlagAtRisk
		}
	}
	return flag
}
