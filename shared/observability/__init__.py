"""What operators see of the running system: log lines today; metrics and health as they arrive."""
