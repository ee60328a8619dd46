"""Cart: what each customer is about to buy.

Owns: carts (one per customer, by id) and their lines (product id, quantity).
Publishes: nothing.
Consumes: orders.OrderConfirmed (takes the bought units out of the cart).
Calls: catalog (a product must exist and be for sale to be added; prices for display).
"""
