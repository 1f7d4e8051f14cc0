"""Mail that is never lost: an outbox table, filled in the transaction of the write that
causes a message, and emptied by the `outbox` job over SMTP (Flask-Mail)."""
