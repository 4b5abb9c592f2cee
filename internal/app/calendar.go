package app

import "github.com/aftersales/aftersales/internal/calendar"

// BusinessCalendar is the calendar the engine counts deadlines and service clocks on —
// holidays, make-up working days, working hours — for admins, who configure it.
func (a *App) BusinessCalendar(p Principal) (*calendar.Calendar, error) {
	if err := authorize(p, opAdmin, nil, ""); err != nil {
		return nil, err
	}
	return a.engine.Calendar(), nil
}
