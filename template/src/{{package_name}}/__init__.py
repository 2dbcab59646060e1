"""The service's package; README.md describes it and docs/protocol.md its protocol."""
