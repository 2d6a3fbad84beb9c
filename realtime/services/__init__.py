"""Writes of the contests domain, one module per part; import from the module itself:

- `scoring`: the statement handler that scores statements into the points ledger, inside their transaction.
- `boards`: after commit, the leaderboard store kept in step with the ledger; rebuilding a board from it.
- `rules`: rule-set versions, and recomputing the ledger on purpose.
- `freeze`: freezing an ended contest's final standings and awarding its winners (the scheduler's work).
- `leagues`: weekly leagues formed, settled and rolled over (the scheduler's work).

Reads (boards computed from the ledger, who takes part, names) live in `realtime.selectors`; the calendar of days in
`realtime.days`. Services import them; selectors never import services.
"""
