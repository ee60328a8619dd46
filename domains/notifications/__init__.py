"""Notifications: telling customers what happened to their orders.

Owns: every notification sent (recipient, subject, body, outcome), and the sender
adapter that delivers them (domains.notifications.senders; the default logs them).
Publishes: nothing.
Consumes: orders.OrderConfirmed (order confirmation), orders.OrderCancelled (why the
order was cancelled: payment declined or failed).
Calls: identity (the customer's email address and name).
"""
