//! Every class of bad input gives exit code 2 and a message that names the file, the line and
//! column, the offending text and what to do; never a panic. Data-driven: each case is a scenario,
//! the message it must produce, and the line it must point at.

mod common;

use common::*;

struct Case {
    name: &'static str,
    toml: &'static str,
    message: &'static str,
    line: usize,
    hint: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "duplicate id",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"a\"\nduration = 2\n",
        message: "the id `a` is used twice",
        line: 5,
        hint: "unique ids",
    },
    Case {
        name: "unknown reference",
        toml: "[[task]]\nid = \"data\"\nduration = 1\n[[task]]\nid = \"train\"\nafter = [\"dta\"]\nduration = 2\n",
        message: "unknown task or milestone `dta`",
        line: 6,
        hint: "did you mean `data`?",
    },
    Case {
        name: "cycle",
        toml: "[[task]]\nid = \"a\"\nafter = [\"c\"]\nduration = 1\n[[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = 1\n[[task]]\nid = \"c\"\nafter = [\"b\"]\nduration = 1\n",
        message: "dependency cycle: a -> b -> c -> a",
        line: 7,
        hint: "remove one of these links",
    },
    Case {
        name: "self dependency",
        toml: "[[task]]\nid = \"a\"\nafter = [\"a\"]\nduration = 1\n",
        message: "dependency cycle: a -> a",
        line: 3,
        hint: "remove one of these links",
    },
    Case {
        name: "low above likely",
        toml: "[[task]]\nid = \"a\"\nduration = [10, 5, 15]\n",
        message: "needs low <= likely <= high (got 10, 5, 15)",
        line: 3,
        hint: "in increasing order",
    },
    Case {
        name: "probability above one",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 1.5\n",
        message: "a probability must be between 0 and 1, got 1.5",
        line: 4,
        hint: "0.6 for a 60% chance",
    },
    Case {
        name: "negative probability in a list",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = [0.5, -0.1]\n",
        message: "a probability must be between 0 and 1, got -0.1",
        line: 4,
        hint: "",
    },
    Case {
        name: "attempts zero",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\nattempts = 0\n",
        message: "attempts must be at least 1, got 0",
        line: 5,
        hint: "most tries",
    },
    Case {
        name: "fallback loop",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\nfallback = \"b\"\n[[task]]\nid = \"b\"\nduration = 3\nsuccess = 0.5\nfallback = \"a\"\n",
        message: "fallback loop: a -> b -> a",
        line: 5,
        hint: "must end in a task without one",
    },
    Case {
        name: "fallback waiting for its own experiment",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\nfallback = \"b\"\n[[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = 3\n",
        message: "`b` is the fallback of `a`: it cannot wait for `a`, which resolves to it",
        line: 8,
        hint: "remove `a` from its `after`",
    },
    Case {
        name: "negative deadline",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = -0.5\n",
        message: "a deadline in working days cannot be negative, got -0.5",
        line: 7,
        hint: "may be fractional",
    },
    Case {
        name: "own fallback",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\nfallback = \"a\"\n",
        message: "fallback loop: `a` is its own fallback",
        line: 5,
        hint: "",
    },
    Case {
        name: "bad date",
        toml: "[project]\nstart = \"2027-02-30\"\n[[task]]\nid = \"a\"\nduration = 3\n",
        message: "`2027-02-30` does not exist: 2027-02 has 28 days",
        line: 2,
        hint: "YYYY-MM-DD",
    },
    Case {
        name: "bad bare date",
        toml: "[project]\nstart = 2027-13-01\n[[task]]\nid = \"a\"\nduration = 3\n",
        message: "",
        line: 2,
        hint: "",
    },
    Case {
        name: "unknown key",
        toml: "[[task]]\nid = \"a\"\nduraton = 3\n",
        message: "unknown key `duraton` in a task",
        line: 3,
        hint: "did you mean `duration`?",
    },
    Case {
        name: "deadline date without a start",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 2027-04-30\n",
        message: "a deadline date needs a start date",
        line: 7,
        hint: "add start = ",
    },
    Case {
        name: "depending on a fallback",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\nfallback = \"b\"\n[[task]]\nid = \"b\"\nduration = 3\n[[task]]\nid = \"c\"\nafter = [\"b\"]\nduration = 1\n",
        message: "`b` is a fallback and runs only when `a` fails",
        line: 11,
        hint: "depend on `a` instead",
    },
    Case {
        name: "attempts without success",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nattempts = 2\n",
        message: "`attempts` only applies to an experiment",
        line: 4,
        hint: "add success = ",
    },
    Case {
        name: "three-point with two values",
        toml: "[[task]]\nid = \"a\"\nduration = [3, 5]\n",
        message: "a three-point estimate needs exactly [low, likely, high], found 2 values",
        line: 3,
        hint: "",
    },
    Case {
        name: "unknown distribution",
        toml: "[[task]]\nid = \"a\"\nduration = { dist = \"gamma\", shape = 2 }\n",
        message: "unknown distribution `gamma`",
        line: 3,
        hint: "use one of uniform",
    },
    Case {
        name: "missing duration",
        toml: "[[task]]\nid = \"a\"\n",
        message: "task `a` has no duration",
        line: 2,
        hint: "add duration",
    },
    Case {
        name: "no tasks",
        toml: "[project]\nname = \"empty\"\n",
        message: "this scenario has no tasks",
        line: 1,
        hint: "shipcast init",
    },
    Case {
        name: "not TOML",
        toml: "[[task]\nid = \"a\"\n",
        message: "this is not valid TOML",
        line: 1,
        hint: "",
    },
    Case {
        name: "wrong type",
        toml: "[[task]]\nid = \"a\"\nduration = \"three days\"\n",
        message: "a duration must be a number, [low, likely, high] or a distribution table, found string",
        line: 3,
        hint: "",
    },
    Case {
        name: "confidence outside (0, 1]",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 5\nconfidence = 80\n",
        message: "confidence must be in (0, 1], got 80",
        line: 8,
        hint: "",
    },
    Case {
        name: "success list longer than attempts",
        toml: "[[task]]\nid = \"a\"\nduration = 3\nsuccess = [0.5, 0.6, 0.7]\nattempts = 2\n",
        message: "success lists 3 probabilities but attempts is 2",
        line: 4,
        hint: "",
    },
    Case {
        name: "uniform missing max",
        toml: "[[task]]\nid = \"a\"\nduration = { dist = \"uniform\", min = 3 }\n",
        message: "a uniform distribution needs `max`",
        line: 3,
        hint: "takes min, max",
    },
    Case {
        name: "status date without start",
        toml: "[project]\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "a status date needs a start date",
        line: 2,
        hint: "add start = 2027-01-04",
    },
    Case {
        name: "status date before start",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-01-15\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "the status date 2027-01-15 is before the start 2027-02-01",
        line: 3,
        hint: "on or after the start",
    },
    Case {
        name: "progress without a status date",
        toml: "[[task]]\nid = \"a\"\nduration = 1\nstarted = 2027-02-01\nprogress = 0.5\n",
        message: "`started` needs a status date",
        line: 4,
        hint: "add status_date",
    },
    Case {
        name: "done is not a boolean",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 1\ndone = 1\n",
        message: "`done` must be true or false, found integer",
        line: 7,
        hint: "done = true",
    },
    Case {
        name: "progress of one",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-08\nprogress = 1.0\n",
        message: "progress must be in [0, 1), got 1",
        line: 8,
        hint: "share of the work done",
    },
    Case {
        name: "negative progress",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-08\nprogress = -0.1\n",
        message: "progress must be in [0, 1), got -0.1",
        line: 8,
        hint: "share of the work done",
    },
    Case {
        name: "remaining and progress",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-08\nremaining = 3\nprogress = 0.5\n",
        message: "`remaining` and `progress` both say what is left",
        line: 8,
        hint: "keep one",
    },
    Case {
        name: "negative remaining",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-08\nremaining = -3\n",
        message: "this duration is invalid",
        line: 8,
        hint: "durations are working days",
    },
    Case {
        name: "done with remaining",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\ndone = true\nactual = 3\nremaining = 3\n",
        message: "a done task has no `remaining` work",
        line: 9,
        hint: "remove `remaining`",
    },
    Case {
        name: "done with progress",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\ndone = true\nactual = 3\nprogress = 0.5\n",
        message: "a done task has no `progress` to report",
        line: 9,
        hint: "remove `progress`",
    },
    Case {
        name: "started after the status date",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-20\nremaining = 3\n",
        message: "started on 2027-02-20, after the status date 2027-02-15",
        line: 7,
        hint: "not started yet",
    },
    Case {
        name: "finished after the status date",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\ndone = true\nfinished = 2027-02-16\n",
        message: "finished on 2027-02-16, after the status date 2027-02-15",
        line: 8,
        hint: "not history",
    },
    Case {
        name: "finished before it started",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\ndone = true\nstarted = 2027-02-10\nfinished = 2027-02-08\n",
        message: "finished on 2027-02-08, before it started on 2027-02-10",
        line: 9,
        hint: "",
    },
    Case {
        name: "done without when",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\ndone = true\n",
        message: "done task `a` does not say when it finished",
        line: 7,
        hint: "add finished = <date> or actual",
    },
    Case {
        name: "actual without done",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nactual = 3\n",
        message: "`actual` only applies to a done task",
        line: 7,
        hint: "add done = true",
    },
    Case {
        name: "negative actual",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\ndone = true\nactual = -3\n",
        message: "`actual` cannot be negative, got -3",
        line: 8,
        hint: "",
    },
    Case {
        name: "started without what is left",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nstarted = 2027-02-08\n",
        message: "task `a` is started but does not say what is left",
        line: 7,
        hint: "add remaining",
    },
    Case {
        name: "progress without started",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 10\nprogress = 0.5\n",
        message: "task `a` has work left but no start date",
        line: 7,
        hint: "add started",
    },
    Case {
        name: "actual past the status date",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\ndone = true\nactual = 20\n",
        message: "`a` is done, but starting 2027-02-01 and taking 20 working days it finishes on 2027-02-26, after the status date 2027-02-15",
        line: 7,
        hint: "check `actual`",
    },
    Case {
        name: "done with a predecessor not done",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\n[[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = 2\ndone = true\nactual = 2\n",
        message: "`b` is done, but its predecessor `a` is not done",
        line: 11,
        hint: "update `a` too",
    },
    Case {
        name: "started with a predecessor not done",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\n[[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = 2\nstarted = 2027-02-10\nremaining = 1\n",
        message: "`b` is started, but its predecessor `a` is not done",
        line: 11,
        hint: "update `a` too",
    },
    Case {
        name: "started before the predecessor finished",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\ndone = true\nfinished = 2027-02-10\n[[task]]\nid = \"b\"\nafter = [\"a\"]\nduration = 4\nstarted = 2027-02-08\nremaining = 2\n",
        message: "`b` started on 2027-02-08, before its predecessor `a` finished (2027-02-10)",
        line: 13,
        hint: "start-to-start",
    },
    Case {
        name: "attempt without success",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\nattempt = 1\n",
        message: "`attempt` only applies to an experiment",
        line: 7,
        hint: "add success",
    },
    Case {
        name: "attempt uses every attempt",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\nsuccess = 0.5\nattempts = 2\nattempt = 2\n",
        message: "attempt = 2 leaves no attempt of the 2 (`attempts`)",
        line: 9,
        hint: "mark its fallback started",
    },
    Case {
        name: "negative attempt",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\nsuccess = 0.5\nattempts = 2\nattempt = -1\n",
        message: "attempt = -1 leaves no attempt of the 2",
        line: 9,
        hint: "attempts already made",
    },
    Case {
        name: "attempt on a done experiment",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"a\"\nduration = 5\nsuccess = 0.5\nattempts = 2\nattempt = 1\ndone = true\nactual = 4\n",
        message: "a done experiment succeeded",
        line: 9,
        hint: "remove `attempt`",
    },
    Case {
        name: "fallback under way, experiment not done",
        toml: "[project]\nstart = 2027-02-01\nstatus_date = 2027-02-15\n[[task]]\nid = \"x\"\nduration = 5\nsuccess = 0.5\nfallback = \"y\"\n[[task]]\nid = \"y\"\nduration = 3\nstarted = 2027-02-10\nremaining = 2\n",
        message: "`y` is the fallback of `x`, which is not done",
        line: 12,
        hint: "mark it done = true",
    },
    Case {
        name: "risk on an unknown task",
        toml: "[[task]]\nid = \"train\"\nduration = 3\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"trian\"]\ndelay = 2\n",
        message: "unknown task or milestone `trian`",
        line: 7,
        hint: "did you mean `train`?",
    },
    Case {
        name: "risk without an impact",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"a\"]\n",
        message: "risk `r` has no impact",
        line: 5,
        hint: "restart = true or cost = 5000",
    },
    Case {
        name: "restart on a milestone",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"m\"]\nrestart = true\n",
        message: "`m` is a milestone: it has no work to restart",
        line: 10,
        hint: "affect its tasks instead",
    },
    Case {
        name: "scale on a milestone",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"a\", \"m\"]\nscale = [1, 1.2, 2]\n",
        message: "`m` is a milestone: it has no work to scale",
        line: 10,
        hint: "only be delayed",
    },
    Case {
        name: "restart that is not a boolean",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"a\"]\nrestart = \"yes\"\n",
        message: "`restart` must be true or false, found string",
        line: 8,
        hint: "restart = true",
    },
    Case {
        name: "once that is not a boolean",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"a\"]\ndelay = 2\nonce = 1\n",
        message: "`once` must be true or false, found integer",
        line: 9,
        hint: "once = true",
    },
    Case {
        name: "a negative risk cost",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"a\"]\ncost = -5\n",
        message: "this cost is invalid: a cost cannot be negative (got -5)",
        line: 8,
        hint: "a cost is an amount",
    },
    Case {
        name: "a risk scale of a negative factor",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[risk]]\nid = \"r\"\nprobability = 0.2\naffects = [\"a\"]\nscale = { dist = \"uniform\", min = -1, max = 2 }\n",
        message: "this scale is invalid: a scale cannot be negative (got -1)",
        line: 8,
        hint: "a scale is a factor on durations",
    },
    Case {
        name: "budget in a plan without costs",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = 5000\n",
        message: "a budget, but the plan declares no cost",
        line: 7,
        hint: "cost_per_day in [project]",
    },
    Case {
        name: "budget with only zero costs",
        toml: "[project]\ncost_per_day = 0\n[[task]]\nid = \"a\"\nduration = 3\ncost = 0\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = 5000\n",
        message: "a budget, but the plan declares no cost",
        line: 10,
        hint: "cost / cost_per_day on tasks",
    },
    Case {
        name: "negative budget",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = -5\n",
        message: "a budget cannot be negative, got -5",
        line: 9,
        hint: "the most reaching this milestone may cost",
    },
    Case {
        name: "negative value_per_day",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nvalue_per_day = -100\n",
        message: "value_per_day cannot be negative, got -100",
        line: 7,
        hint: "the cost of delay",
    },
    Case {
        name: "value_per_day not a number",
        toml: "[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nvalue_per_day = \"lots\"\n",
        message: "`value_per_day` must be a number, found string",
        line: 7,
        hint: "",
    },
    Case {
        name: "budget not a number",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = \"5k\"\n",
        message: "`budget` must be a number, found string",
        line: 9,
        hint: "",
    },
    Case {
        name: "budget_confidence outside (0, 1]",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = 500\nbudget_confidence = 80\n",
        message: "budget_confidence must be in (0, 1], got 80",
        line: 10,
        hint: "P(cost <= budget) >= 80%",
    },
    Case {
        name: "budget_confidence zero",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = 500\nbudget_confidence = 0\n",
        message: "budget_confidence must be in (0, 1], got 0",
        line: 10,
        hint: "budget_confidence = 0.8",
    },
    Case {
        name: "budget_confidence without a budget",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\ndeadline = 5\nbudget_confidence = 0.8\n",
        message: "budget_confidence without a budget",
        line: 10,
        hint: "a cost gate needs both: add budget = ",
    },
    Case {
        name: "budget_confidence not a number",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = 500\nbudget_confidence = \"high\"\n",
        message: "`budget_confidence` must be a number, found string",
        line: 10,
        hint: "",
    },
    Case {
        name: "misspelled budget",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudjet = 500\n",
        message: "unknown key `budjet` in a milestone",
        line: 9,
        hint: "did you mean `budget`?",
    },
    Case {
        name: "misspelled budget_confidence",
        toml: "[project]\ncost_per_day = 100\n[[task]]\nid = \"a\"\nduration = 3\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\nbudget = 500\nbudget_confidense = 0.8\n",
        message: "unknown key `budget_confidense` in a milestone",
        line: 10,
        hint: "did you mean `budget_confidence`?",
    },
    Case {
        name: "correlation unknown key",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\ncoeficient = 0.5\n",
        message: "unknown key `coeficient` in a correlation",
        line: 9,
        hint: "did you mean `coefficient`?",
    },
    Case {
        name: "correlation without tasks",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ncoefficient = 0.5\n",
        message: "this correlation has no `tasks`",
        line: 7,
        hint: "tasks = [\"a\", \"b\"]",
    },
    Case {
        name: "correlation tasks not a list",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = 5\ncoefficient = 0.5\n",
        message: "`tasks` must be a list of strings",
        line: 8,
        hint: "e.g. tasks = ",
    },
    Case {
        name: "correlation of one task",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\"]\ncoefficient = 0.5\n",
        message: "a correlation needs at least two tasks, got 1",
        line: 8,
        hint: "list every task of the group",
    },
    Case {
        name: "correlation of an unknown task",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"bb\"]\ncoefficient = 0.5\n",
        message: "unknown task `bb`",
        line: 8,
        hint: "did you mean `b`?",
    },
    Case {
        name: "correlation of a milestone",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[milestone]]\nid = \"m\"\nafter = [\"a\"]\n[[correlation]]\ntasks = [\"b\", \"m\"]\ncoefficient = 0.5\n",
        message: "`m` is a milestone; a correlation relates tasks",
        line: 11,
        hint: "list tasks only",
    },
    Case {
        name: "correlation lists a task twice",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\", \"a\"]\ncoefficient = 0.5\n",
        message: "`a` is listed twice in this correlation",
        line: 8,
        hint: "list each task once",
    },
    Case {
        name: "task in two duration correlations",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[task]]\nid = \"c\"\nduration = 3\n[[correlation]]\ntasks = [\"a\", \"b\"]\ncoefficient = 0.5\n[[correlation]]\ntasks = [\"c\", \"a\"]\ncoefficient = 0.2\n",
        message: "`a` is in two duration correlations",
        line: 14,
        hint: "one duration and one success correlation",
    },
    Case {
        name: "correlation of an unknown kind",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nof = \"succes\"\ncoefficient = 0.5\n",
        message: "a correlation cannot be `of = \"succes\"`",
        line: 9,
        hint: "did you mean `success`?",
    },
    Case {
        name: "success correlation of a plain task",
        toml: "[[task]]\nid = \"a\"\nduration = 1\nsuccess = 0.5\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nof = \"success\"\ncoefficient = 0.5\n",
        message: "`b` is not an experiment: `of = \"success\"` correlates experiments' outcomes",
        line: 9,
        hint: "give `b` a `success`",
    },
    Case {
        name: "correlation coefficient above one",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\ncoefficient = 1.5\n",
        message: "a correlation coefficient must be between -1 and 1, got 1.5",
        line: 9,
        hint: "e.g. coefficient = 0.6",
    },
    Case {
        name: "correlation coefficient not a number",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\ncoefficient = \"high\"\n",
        message: "`coefficient` must be a number, found string",
        line: 9,
        hint: "",
    },
    Case {
        name: "correlation without coefficient or matrix",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\n",
        message: "this correlation has neither `coefficient` nor `matrix`",
        line: 7,
        hint: "add coefficient = 0.6",
    },
    Case {
        name: "correlation with coefficient and matrix",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\ncoefficient = 0.5\nmatrix = [[1, 0.5], [0.5, 1]]\n",
        message: "a correlation takes `coefficient` or `matrix`, not both",
        line: 9,
        hint: "keep `coefficient`",
    },
    Case {
        name: "correlation matrix not a list",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nmatrix = 0.5\n",
        message: "`matrix` must be a list of rows of numbers, found float",
        line: 9,
        hint: "one row per task",
    },
    Case {
        name: "correlation matrix with too few rows",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nmatrix = [[1, 0.5]]\n",
        message: "the matrix has 1 row for 2 tasks",
        line: 9,
        hint: "one row and one column per task",
    },
    Case {
        name: "correlation matrix row too short",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nmatrix = [\n  [1, 0.5],\n  [0.5],\n]\n",
        message: "row 2 of the matrix has 1 value for 2 tasks",
        line: 11,
        hint: "one row and one column per task",
    },
    Case {
        name: "correlation matrix diagonal",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nmatrix = [[1, 0.5], [0.5, 0.9]]\n",
        message: "the diagonal of a correlation matrix is 1, got 0.9 (row 2)",
        line: 9,
        hint: "write 1 on the diagonal",
    },
    Case {
        name: "correlation matrix out of range",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nmatrix = [[1, 1.2], [1.2, 1]]\n",
        message: "a correlation coefficient must be between -1 and 1, got 1.2",
        line: 9,
        hint: "each entry is the correlation",
    },
    Case {
        name: "correlation matrix not symmetric",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\nmatrix = [[1, 0.5], [0.4, 1]]\n",
        message: "the matrix is not symmetric: row 2 column 1 is 0.4, but row 1 column 2 is 0.5",
        line: 9,
        hint: "make the two entries equal",
    },
    Case {
        name: "correlation matrix not positive semi-definite",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[task]]\nid = \"c\"\nduration = 3\n[[correlation]]\ntasks = [\"a\", \"b\", \"c\"]\nmatrix = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]\n",
        message: "this correlation matrix is not positive semi-definite (its smallest eigenvalue is -0.800)",
        line: 12,
        hint: "add repair = true to use the nearest correlation matrix (Higham's method)",
    },
    Case {
        name: "correlation coefficient not positive semi-definite",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[task]]\nid = \"c\"\nduration = 3\n[[correlation]]\ntasks = [\"a\", \"b\", \"c\"]\ncoefficient = -0.9\n",
        message: "this correlation matrix is not positive semi-definite (its smallest eigenvalue is -0.800)",
        line: 12,
        hint: "at least -1/2 = -0.500",
    },
    Case {
        name: "correlation repair not a boolean",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[[correlation]]\ntasks = [\"a\", \"b\"]\ncoefficient = 0.5\nrepair = \"yes\"\n",
        message: "`repair` must be true or false, found string",
        line: 10,
        hint: "repair = true uses the nearest correlation matrix",
    },
    Case {
        name: "correlation in a variant names an unknown task",
        toml: "[[task]]\nid = \"a\"\nduration = 1\n[[task]]\nid = \"b\"\nduration = 2\n[variant.v]\n[[variant.v.correlation]]\ntasks = [\"a\", \"c\"]\ncoefficient = 0.5\n",
        message: "in variant `v`: unknown task `c`",
        line: 9,
        hint: "",
    },
    Case {
        name: "resource unknown key",
        toml: "[[resource]]\nid = \"ml\"\ncapcity = 2\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "unknown key `capcity` in a resource",
        line: 3,
        hint: "did you mean `capacity`?",
    },
    Case {
        name: "resource without capacity",
        toml: "[[resource]]\nid = \"ml\"\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "resource `ml` has no `capacity`",
        line: 1,
        hint: "add capacity = N",
    },
    Case {
        name: "resource negative capacity",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = -1\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "a capacity must be a number of at least 0, got -1",
        line: 3,
        hint: "capacity = 4",
    },
    Case {
        name: "resource used twice",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = 2\n[[resource]]\nid = \"ml\"\ncapacity = 2\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "the resource id `ml` is used twice",
        line: 5,
        hint: "its own id",
    },
    Case {
        name: "capacity change without a start",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = 2\nchanges = [{ date = 2027-03-01, capacity = 3 }]\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "a capacity change on a date needs a start date",
        line: 4,
        hint: "add start",
    },
    Case {
        name: "capacity change without a date",
        toml: "[project]\nstart = 2027-01-04\n[[resource]]\nid = \"ml\"\ncapacity = 2\nchanges = [{ capacity = 3 }]\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "a capacity change needs a `date` and a `capacity`",
        line: 6,
        hint: "date = 2027-03-01",
    },
    Case {
        name: "capacity changes out of order",
        toml: "[project]\nstart = 2027-01-04\n[[resource]]\nid = \"ml\"\ncapacity = 2\nchanges = [{ date = 2027-03-01, capacity = 3 }, { date = 2027-02-01, capacity = 4 }]\n[[task]]\nid = \"a\"\nduration = 1\n",
        message: "capacity changes must be in date order",
        line: 6,
        hint: "earliest date",
    },
    Case {
        name: "uses unknown resource",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = 2\n[[task]]\nid = \"a\"\nduration = 1\nuses = { mll = 1 }\n",
        message: "unknown resource `mll`",
        line: 7,
        hint: "did you mean `ml`?",
    },
    Case {
        name: "uses more than capacity",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = 2\n[[task]]\nid = \"a\"\nduration = 1\nuses = { ml = 3 }\n",
        message: "task `a` needs 3 of `ml`, which never has more than 2",
        line: 7,
        hint: "could never start",
    },
    Case {
        name: "uses zero",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = 2\n[[task]]\nid = \"a\"\nduration = 1\nuses = { ml = 0 }\n",
        message: "a task must use more than 0 of a resource, got 0",
        line: 7,
        hint: "leave it out",
    },
    Case {
        name: "uses not a table",
        toml: "[[resource]]\nid = \"ml\"\ncapacity = 2\n[[task]]\nid = \"a\"\nduration = 1\nuses = \"ml\"\n",
        message: "`uses` must be a table of amounts",
        line: 7,
        hint: "uses = { ml = 2 }",
    },
    Case {
        name: "priority not a number",
        toml: "[[task]]\nid = \"a\"\nduration = 1\npriority = \"high\"\n",
        message: "`priority` must be a number, found string",
        line: 4,
        hint: "",
    },
    Case {
        name: "backlog with a duration",
        toml: "[[task]]\nid = \"a\"\nduration = 1\nbacklog = { items = 4, throughput = [1] }\n",
        message: "a backlog cannot have `duration`",
        line: 3,
        hint: "not both",
    },
    Case {
        name: "backlog unknown key",
        toml: "[[task]]\nid = \"a\"\nbacklog = { itms = 4, items = 4, throughput = [1] }\n",
        message: "unknown key `itms` in a backlog",
        line: 3,
        hint: "did you mean `items`?",
    },
    Case {
        name: "backlog without items",
        toml: "[[task]]\nid = \"a\"\nbacklog = { throughput = [1] }\n",
        message: "a backlog needs `items`",
        line: 3,
        hint: "items = 40",
    },
    Case {
        name: "backlog without throughput",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = 4 }\n",
        message: "a backlog needs `throughput`",
        line: 3,
        hint: "throughput = [3, 5, 2, 6, 4]",
    },
    Case {
        name: "backlog zero throughput",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = 4, throughput = [0, 0] }\n",
        message: "the throughput is zero in every period",
        line: 3,
        hint: "at least one period",
    },
    Case {
        name: "backlog empty throughput",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = 4, throughput = [] }\n",
        message: "`throughput` has no periods",
        line: 3,
        hint: "e.g. [3, 5, 2, 6, 4]",
    },
    Case {
        name: "backlog negative throughput",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = 4, throughput = [2, -1] }\n",
        message: "a throughput cannot be negative",
        line: 3,
        hint: "one period",
    },
    Case {
        name: "backlog items reversed",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = [45, 30], throughput = [2] }\n",
        message: "`items` must be at least 0 with low <= high, got [45, 30]",
        line: 3,
        hint: "items = [30, 45]",
    },
    Case {
        name: "backlog bad split",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = 4, throughput = [2], split = 0 }\n",
        message: "`split` must be above 0 with low <= high",
        line: 3,
        hint: "split = 1.3",
    },
    Case {
        name: "backlog unknown period",
        toml: "[[task]]\nid = \"a\"\nbacklog = { items = 4, throughput = [2], per = \"weak\" }\n",
        message: "unknown period `weak`",
        line: 3,
        hint: "did you mean `week`?",
    },
    Case {
        name: "backlog not a table",
        toml: "[[task]]\nid = \"a\"\nbacklog = 4\n",
        message: "`backlog` must be a table, found integer",
        line: 3,
        hint: "items = [30, 45]",
    },
    Case {
        name: "backlog with success",
        toml: "[[task]]\nid = \"a\"\nsuccess = 0.5\nbacklog = { items = 4, throughput = [2] }\n",
        message: "a backlog cannot have `success`",
        line: 3,
        hint: "not both",
    },
];

#[test]
fn every_error_class_names_file_line_and_hint_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let path = write(&dir, "bad.toml", case.toml);
        let p = path.to_str().unwrap();
        for cmd in ["validate", "run"] {
            let out = shipcast(&[cmd, p]);
            assert_eq!(
                out.code, 2,
                "{}: {cmd} exit code\n{}",
                case.name, out.stderr
            );
            assert!(out.stdout.is_empty(), "{}: nothing on stdout", case.name);
            let e = &out.stderr;
            assert!(
                e.contains(case.message),
                "{}: expected {:?} in\n{e}",
                case.name,
                case.message
            );
            assert!(
                e.contains(&format!("{p}:{}:", case.line)),
                "{}: expected line {} in\n{e}",
                case.name,
                case.line
            );
            assert!(
                e.contains(case.hint),
                "{}: expected hint {:?} in\n{e}",
                case.name,
                case.hint
            );
            assert!(!e.contains("panicked"), "{}: panicked\n{e}", case.name);
        }
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "bad.toml",
        "[[task]]\nnmae = \"x\"\nid = \"c\"\nduration = 1\n[[task]]\nid = \"a\"\nduration = [3, 2, 1]\n[[task]]\nid = \"b\"\nafter = [\"zz\"]\nduration = 1\nsuccess = 2\n",
    );
    let out = shipcast(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("4 problems found"), "{}", out.stderr);
    // In file order, each with its own location.
    let p = path.to_str().unwrap();
    let lines: Vec<usize> = out
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("--> {p}:")))
        .map(|rest| rest.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 7, 10, 12]);
}

#[test]
fn a_fallback_loop_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "bad.toml",
        "[[task]]\nid = \"a\"\nduration = 3\nsuccess = 0.5\nfallback = \"b\"\n[[task]]\nid = \"b\"\nduration = 3\nsuccess = 0.5\nfallback = \"a\"\n",
    );
    let out = shipcast(&["validate", path.to_str().unwrap()]);
    assert!(out.stderr.contains("1 problem found"), "{}", out.stderr);
}

#[test]
fn the_offending_text_is_shown_with_a_caret() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bad.toml", "[[task]]\nid = \"a\"\nduraton = 3\n");
    let out = shipcast(&["validate", path.to_str().unwrap()]);
    assert!(
        out.stderr.contains("3 | duraton = 3\n  | ^^^^^^^\n"),
        "{}",
        out.stderr
    );
}
