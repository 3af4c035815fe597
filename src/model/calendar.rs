//! Working-day time and calendar dates.
//!
//! The engine works in continuous working days from the start of the program: `t = 0` is the
//! start of the first working day on or after the start date, and `t = 1` the end of that day.
//! A task that starts at `s` and lasts `d` occupies `[s, s + d)`.
//!
//! Convention for dates: an instant `t` that ends a task falls on working day `ceil(t) - 1` (a
//! finish exactly at a day boundary is the evening of the day before), so a 5-day task starting
//! Monday 2027-01-04 (`s = 0`) finishes at `t = 5`, on day index 4: Friday 2027-01-08. A start
//! falls on working day `floor(t)`. A deadline date `D` is met when the finish falls on or before
//! `D`: `t <= k + 1`, where `k` is the index of the last working day on or before `D`.

use jiff::civil::{Date, Weekday};

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The start date; without one, results are in working days only.
    pub start: Option<Date>,
    /// Working weekdays, indexed by `Weekday::to_monday_zero_offset`.
    pub workdays: [bool; 7],
    /// Sorted, de-duplicated non-working dates.
    pub holidays: Vec<Date>,
    /// Sorted, de-duplicated working dates on days the week does not work (a working Saturday,
    /// as Project and P6 calendar exceptions say); a holiday on the same date wins.
    pub workdates: Vec<Date>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            start: None,
            workdays: [true, true, true, true, true, false, false],
            holidays: vec![],
            workdates: vec![],
        }
    }
}

impl Calendar {
    pub fn is_working(&self, d: Date) -> bool {
        (self.workdays[d.weekday().to_monday_zero_offset() as usize]
            || (!self.workdates.is_empty() && self.workdates.binary_search(&d).is_ok()))
            && self.holidays.binary_search(&d).is_err()
    }

    /// The first working day on or after the start date (working-day index 0).
    pub fn first_day(&self) -> Option<Date> {
        let mut d = self.start?;
        while !self.is_working(d) {
            d = d.tomorrow().ok()?;
        }
        Some(d)
    }

    /// The date of working day `index` (0-based), or None without a start date or past year 9999.
    pub fn working_day(&self, index: i64) -> Option<Date> {
        let mut d = self.first_day()?;
        let mut left = index.max(0);
        // Whole weeks first, less the holidays (and plus the working dates) they hold, keeps
        // long horizons cheap: a finish two million working days out is a few jumps, not a
        // walk of millions of days for every date a report shows.
        let per_week = self.workdays.iter().filter(|w| **w).count() as i64;
        while per_week > 0 && left > 2 * per_week {
            let weeks = left / per_week - 1;
            // Past the calendar's range (year 9999) the span itself is out of bounds: None, as
            // for any date after 9999-12-31, and the reports show working days instead.
            let to = d
                .checked_add(jiff::Span::new().try_weeks(weeks).ok()?)
                .ok()?;
            let gained = weeks * per_week + self.extra_working(d, to);
            if gained > left || gained <= 0 {
                break;
            }
            left -= gained;
            d = to;
            if self.is_working(d) {
                continue;
            }
            // `d` is a holiday: step back to the last working day counted (never before
            // `first_day`, which is working).
            while !self.is_working(d) {
                d = d.yesterday().ok()?;
            }
        }
        while left > 0 {
            d = d.tomorrow().ok()?;
            if self.is_working(d) {
                left -= 1;
            }
        }
        Some(d)
    }

    /// Working days in `(from, to]` beyond the week's pattern: working dates on days the week
    /// does not work (unless also holidays), less holidays on days the week works.
    fn extra_working(&self, from: Date, to: Date) -> i64 {
        let within = |list: &'_ [Date]| -> std::ops::Range<usize> {
            list.partition_point(|x| *x <= from)..list.partition_point(|x| *x <= to)
        };
        let weekly = |x: &Date| self.workdays[x.weekday().to_monday_zero_offset() as usize];
        let holiday = |x: &Date| self.holidays.binary_search(x).is_ok();
        let added = self.workdates[within(&self.workdates)]
            .iter()
            .filter(|x| !weekly(x) && !holiday(x))
            .count() as i64;
        let removed = self.holidays[within(&self.holidays)]
            .iter()
            .filter(|x| weekly(x))
            .count() as i64;
        added - removed
    }

    /// The dates of the first `n` working days (empty without a start date).
    pub fn working_days(&self, n: usize) -> Vec<Date> {
        let mut out = Vec::with_capacity(n);
        let Some(mut d) = self.first_day() else {
            return out;
        };
        while out.len() < n {
            if self.is_working(d) {
                out.push(d);
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        out
    }

    /// The date on which a task that finishes at working-day time `t` finishes.
    pub fn finish_date(&self, t: f64) -> Option<Date> {
        if !t.is_finite() {
            return None;
        }
        self.working_day((t.ceil() as i64 - 1).max(0))
    }

    /// The date on which a task that starts at working-day time `t` starts.
    pub fn start_date(&self, t: f64) -> Option<Date> {
        if !t.is_finite() {
            return None;
        }
        self.working_day(t.floor() as i64)
    }

    /// The working-day time at which work starting on `date` starts: the morning of `date`, or
    /// of the next working day when `date` is not one. None without a start date.
    pub fn start_time(&self, date: Date) -> Option<f64> {
        let through = self.deadline_time(date)?;
        Some(if self.is_working(date) && through > 0.0 {
            through - 1.0
        } else {
            through
        })
    }

    /// The latest working-day time at which a finish still falls on or before `date` (0 when
    /// `date` is before the first working day). None without a start date.
    pub fn deadline_time(&self, date: Date) -> Option<f64> {
        let first = self.first_day()?;
        if date < first {
            return Some(0.0);
        }
        // Count working days in [first, date]: whole weeks by the week's pattern, the rest
        // day by day, then the holidays and working dates between.
        let per_week = self.workdays.iter().filter(|w| **w).count() as i64;
        let days = (date - first).get_days() as i64 + 1;
        let weeks = days / 7;
        let mut n = weeks * per_week;
        let mut d = first
            .checked_add(jiff::Span::new().try_days(weeks * 7).ok()?)
            .ok()?;
        while d <= date {
            if self.workdays[d.weekday().to_monday_zero_offset() as usize] {
                n += 1;
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        // `first` itself works, so (first - 1 day, date] is [first, date].
        let before = first.yesterday().unwrap_or(first);
        n += self.extra_working(before, date);
        Some(n as f64)
    }
}

/// Parses a weekday name as written in a scenario ("mon" or "monday", any case).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.to_ascii_lowercase();
    let all = [
        ("mon", Weekday::Monday),
        ("tue", Weekday::Tuesday),
        ("wed", Weekday::Wednesday),
        ("thu", Weekday::Thursday),
        ("fri", Weekday::Friday),
        ("sat", Weekday::Saturday),
        ("sun", Weekday::Sunday),
    ];
    all.iter()
        .find(|(short, day)| s == *short || s == format!("{day:?}").to_ascii_lowercase())
        .map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cal(holidays: Vec<Date>) -> Calendar {
        Calendar {
            start: Some(date(2027, 1, 4)),
            holidays,
            ..Calendar::default()
        }
    }

    #[test]
    fn five_day_task_from_monday_ends_friday() {
        let c = cal(vec![]);
        assert_eq!(c.start_date(0.0), Some(date(2027, 1, 4)));
        assert_eq!(c.finish_date(5.0), Some(date(2027, 1, 8)));
        assert_eq!(c.finish_date(4.2), Some(date(2027, 1, 8)));
        assert_eq!(c.finish_date(5.01), Some(date(2027, 1, 11)));
    }

    #[test]
    fn weekends_and_holidays_are_skipped() {
        let c = cal(vec![date(2027, 1, 6), date(2027, 1, 18)]);
        // Mon 4, Tue 5, (Wed 6 holiday), Thu 7, Fri 8, Mon 11: five working days.
        assert_eq!(c.finish_date(5.0), Some(date(2027, 1, 11)));
        // 10 working days: ... Fri 15, (Mon 18 holiday), Tue 19 is day index 9.
        assert_eq!(c.finish_date(10.0), Some(date(2027, 1, 19)));
        // Long horizons agree with the day-by-day walk.
        let plain = cal(vec![]);
        assert_eq!(plain.finish_date(261.0), Some(date(2028, 1, 3)));
    }

    #[test]
    fn start_on_a_weekend_moves_to_monday() {
        let c = Calendar {
            start: Some(date(2027, 1, 2)),
            ..Calendar::default()
        };
        assert_eq!(c.first_day(), Some(date(2027, 1, 4)));
    }

    #[test]
    fn deadline_time_matches_finish_date() {
        let c = cal(vec![date(2027, 1, 6)]);
        // Friday 2027-01-08 is the 4th working day: a finish at t <= 4 falls on or before it.
        assert_eq!(c.deadline_time(date(2027, 1, 8)), Some(4.0));
        // A deadline on a Sunday counts up to the Friday before.
        assert_eq!(c.deadline_time(date(2027, 1, 10)), Some(4.0));
        for k in 1..40 {
            let t = k as f64;
            let d = c.finish_date(t).unwrap();
            assert_eq!(c.deadline_time(d), Some(t), "{d}");
        }
    }

    #[test]
    fn working_dates_add_days_the_week_does_not_work() {
        let mut c = cal(vec![]);
        c.workdates = vec![date(2027, 1, 9)];
        // Mon 4 .. Fri 8, then the working Saturday 9.
        assert_eq!(c.finish_date(6.0), Some(date(2027, 1, 9)));
        assert_eq!(c.finish_date(7.0), Some(date(2027, 1, 11)));
        c.holidays = vec![date(2027, 1, 9)];
        assert_eq!(c.finish_date(6.0), Some(date(2027, 1, 11)));
    }

    #[test]
    fn past_year_9999_is_none_not_a_panic() {
        let plain = cal(vec![]);
        let holidays = cal(vec![date(2027, 1, 6)]);
        for c in [&plain, &holidays] {
            assert!(c.working_day(2_000_000).is_some());
            assert_eq!(c.working_day(10_000_000), None);
            assert_eq!(c.working_day(i64::MAX), None);
            assert_eq!(c.finish_date(1e300), None);
            assert_eq!(c.start_date(f64::MAX), None);
        }
        // The fast path and the day-by-day walk agree up to the last date.
        let last = plain.working_day(2_080_000);
        let mut walk = plain.clone();
        walk.workdates = vec![date(2026, 1, 1)];
        assert_eq!(walk.working_day(2_080_000), last);
    }

    /// The fast paths (weeks at a time, holidays and working dates counted by binary search)
    /// agree with a walk day by day.
    #[test]
    fn jumps_agree_with_walking() {
        let walk_day = |c: &Calendar, index: i64| {
            let mut d = c.first_day().unwrap();
            let mut left = index;
            while left > 0 {
                d = d.tomorrow().unwrap();
                if c.is_working(d) {
                    left -= 1;
                }
            }
            d
        };
        let walk_through = |c: &Calendar, date: Date| {
            let mut n = 0;
            let mut d = c.first_day().unwrap();
            while d <= date {
                n += i64::from(c.is_working(d));
                d = d.tomorrow().unwrap();
            }
            n as f64
        };
        let mut c = cal(vec![]);
        // Holidays on working days and on a weekend, a working Saturday, one that is also a
        // holiday, and a run of holidays across a week boundary.
        let mut h = vec![date(2027, 1, 6), date(2027, 1, 9), date(2027, 3, 13)];
        h.extend((0..12).map(|k| date(2027, 2, 18) + jiff::Span::new().days(k)));
        h.push(date(2031, 7, 4));
        c.holidays = h;
        c.holidays.sort();
        c.workdates = vec![date(2027, 1, 16), date(2027, 3, 13), date(2029, 6, 2)];
        for workdays in [
            [true, true, true, true, true, false, false],
            [true, false, true, false, true, false, true],
        ] {
            c.workdays = workdays;
            for index in (0..400).chain([997, 1500, 2600]) {
                let d = walk_day(&c, index);
                assert_eq!(c.working_day(index), Some(d), "{index}");
                assert_eq!(c.deadline_time(d), Some(walk_through(&c, d)), "{d}");
            }
        }
    }

    #[test]
    fn weekday_names() {
        assert_eq!(parse_weekday("Mon"), Some(Weekday::Monday));
        assert_eq!(parse_weekday("sunday"), Some(Weekday::Sunday));
        assert_eq!(parse_weekday("funday"), None);
    }
}
