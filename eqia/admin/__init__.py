"""Administration of the service itself, apart from the EqIA: user accounts
(`users`). The `flask eqia` commands call it; it flushes, the caller commits."""
