"""Lambda functions: the contract every Lambda use calls (`base`), and the local runtime."""
