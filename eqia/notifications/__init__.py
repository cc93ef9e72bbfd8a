"""Notifications: who is told what, and delivering it.

- `listeners`: connected to the engine's signals when the app is built; a
  transition queues its message in the transition's own transaction.
- `kinds`: the kinds of notification as codes, with their words, and the
  channels a person chooses between for each (`preferences`).
- `inbox`: a notification for each person told, made in the transaction of
  what it reports, and the e-mail of those who want it straight away.
- `reminders`: the daily steps (reminders, then the digests), each of (today, now).
- `recipients`: who is told (from the workflow definition).
- `messages`: the words, written once (and templates/email/<kind>.txt, .html).
- `outbox`: the queue's bookkeeping; `sender`: the SMTP delivery;
  `delivery`: what the `flask eqia ...-notifications` commands do and report.

The engine knows nothing of this package: it announces, this listens."""
