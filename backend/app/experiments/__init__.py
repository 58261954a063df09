"""A/B experiments: definitions (schemas, store), sticky assignment of users to variants
(assignment), and the outcome statistics per variant (results, stats)."""
