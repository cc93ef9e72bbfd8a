"""Notifications: who is told what, and delivering it.

- `listeners`: connected to the engine's signals when the app is built; a
  transition queues its message in the transition's own transaction.
- `recipients`: who is told (from the workflow definition).
- `messages`: the words, written once.
- `outbox`: the queue's bookkeeping; `sender`: the SMTP delivery;
  `delivery`: what the `flask eqia ...-notifications` commands do and report.

The engine knows nothing of this package: it announces, this listens."""
