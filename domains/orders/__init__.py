"""Orders: what customers bought, and the checkout saga that gets it paid.

Owns: orders, their lines (a snapshot of the catalog's price at checkout), and each
order's status history.
Publishes: orders.OrderPlaced, orders.OrderConfirmed, orders.OrderCancelled.
Consumes: its own orders.OrderPlaced (asks billing for the payment),
billing.PaymentCaptured (confirms), billing.PaymentDeclined and billing.PaymentFailed
(cancels). See domains.orders.saga for the whole process.
Calls: cart (the lines to check out), catalog (prices, reserving stock, releasing it when
placing fails), billing (requesting the payment).
"""
