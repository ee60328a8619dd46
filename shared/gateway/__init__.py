"""The API gateway's pieces inside the monolith: one error shape, authentication,
correlation ids, rate limits. Domain views stay thin and raise; the gateway renders."""
