"""Identity: the users of the shop.

Owns: users (email, name, password, staff flag).
Publishes: identity.UserRegistered.
Consumes: nothing.
"""
