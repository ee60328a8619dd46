"""Billing: getting orders paid, and the invoices that say what was paid for.

Owns: payments (one per order, by id), invoices and their lines, and the payment
provider adapter (a fake provider by default: domains.billing.providers).
Publishes: billing.PaymentRequested (consumed by billing itself: the charge happens
after commit, retried with backoff), billing.PaymentCaptured, billing.PaymentDeclined,
billing.PaymentFailed.
Consumes: its own billing.PaymentRequested.
Calls: nothing. Orders ask for payments through billing's interface.
"""
