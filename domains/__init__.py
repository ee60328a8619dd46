"""The business domains. Each is a Django app that talks to the others only through
`domains.<other>.interface` and events; import-linter and system checks enforce it."""
