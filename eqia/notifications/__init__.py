"""Notifications: the outbox's bookkeeping (`outbox`) and the SMTP sender (`sender`).

The messages themselves are queued by the workflow service, in the transaction
of the change they report; this package only delivers them."""
