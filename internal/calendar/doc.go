// Package calendar is the business calendar that after-sales deadlines run
// on: which dates are working days in China, when working hours are, and how
// a period written in a policy ("7d", "3wd", "8bh") is counted.
//
// The rules are data, not code. data/prc.yaml holds the public holidays and
// make-up working days (调休上班日) the State Council publishes each year;
// operators extend it with files of the same schema (more years, company
// holidays, extra working days), later files overriding earlier ones date by
// date. A year without data falls back to weekends only and is reported by
// Calendar.Provisional, as is a year whose data is marked provisional.
//
// # Counting periods
//
// Calendar.Add follows the Civil Code of the PRC (《中华人民共和国民法典》):
//
//   - Article 201 (第二百零一条): for periods in years, months and days the day
//     the period starts on is not counted; counting starts the next day.
//     Periods in hours run from the stated instant. So Second, Minute and
//     Hour are exact: t + N units.
//   - Day: the last day of the period is date(t)+N; the period ends at 24:00
//     of that day, which Add returns as 00:00 of the next day. A parcel
//     signed for on 2025-03-10 at 15:00 (or at 00:00, or at 23:59) with "7d"
//     has 2025-03-17 as its last day; the deadline is 2025-03-18 00:00 +08:00.
//   - WorkingDay: as Day, but the last day is the N-th working day after
//     date(t). Make-up working days count (even on a Sunday); weekends and
//     holidays do not.
//   - Month and Year, article 202 (第二百零二条): the last day is the date with
//     the same number N months or years later; when that month has no such
//     date (31 January + 1 month), it is the last day of that month.
//   - BusinessHour: N hours of working time, counted only inside working
//     hours on working days (nights, weekends, holidays and a lunch break, if
//     the working hours have one, are skipped). Started outside working
//     hours, the count starts at the next opening.
//
// Dates are always read in the calendar's location, whatever the location
// of the time.Time passed in, and results are in that location. For N = 0
// every unit returns t itself.
//
// Article 203 (第二百零三条) moves the last day of a period that falls on a
// statutory holiday to the day after the holiday, and ends the last day at
// close of business where there are business hours. Add applies NEITHER rule
// automatically: policies count strictly, as the platforms do, and a
// policy that wants the extension says so (for example by counting working
// days, which never end on a holiday).
//
// # Bounds
//
// Counting steps day by day only through the dates the data lists and jumps
// whole weeks elsewhere, so its cost does not grow with N. Results are capped
// at 10000-01-01 00:00 in the calendar's location.
package calendar
