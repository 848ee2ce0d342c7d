"""Notifications to OPDs: messages rendered from plain views, and the senders (e-mail, webhook, Telegram).

Pure of the database: the notification outbox (db/) builds the views, calls these senders, records what went
to whom and retries the failures that ``DeliveryFailed.retryable`` says may succeed later.
"""
